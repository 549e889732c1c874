"""hasura-auth's rate limits (opt-in), against the Go service's own code.

Source: nhost/hasura-auth go/middleware/ratelimit/{rate_limit.go,sliding_window.go} (now
nhost/nhost services/auth/go/middleware/ratelimit/) and the defaults in go/cmd/serve.go:
global 100 per minute and brute force 10 per 5 minutes, per client IP; sliding-window estimates
on epoch-aligned windows; a refusal is gin's AbortWithStatus(429): empty body, no Retry-After.
The clock is injected, so windows are crossed without waiting.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from dxtra_typed import DxtraClient, RateLimitError
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._rate_limits import RateLimiter, SlidingWindow

WINDOW_START = 1_800_000_000.0  # a multiple of 300 and of 60: the start of both windows


class Clock:
    def __init__(self) -> None:
        self.now = WINDOW_START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sb(clock: Clock) -> Iterator[Sandbox]:
    # Only the limiter runs on the fake clock; tokens keep real time.
    with Sandbox(rate_limits=RateLimiter.preset("nhost", clock=clock)) as sandbox:
        yield sandbox


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def _signin(http: httpx.Client, sb: Sandbox) -> httpx.Response:
    return http.post(sb.auth_url + "/v1/signin/pat", json={"personalAccessToken": sb.pat})


def test_off_by_default_as_upstream() -> None:
    """AUTH_RATE_LIMIT_ENABLE defaults to false."""
    with Sandbox() as sb, httpx.Client() as http:
        assert sb.rate_limits is None
        assert {_signin(http, sb).status_code for _ in range(12)} == {200}


def test_the_eleventh_sign_in_is_refused_with_an_empty_429(sb: Sandbox, http: httpx.Client) -> None:
    assert [_signin(http, sb).status_code for _ in range(10)] == [200] * 10
    refused = _signin(http, sb)
    assert refused.status_code == 429
    assert refused.content == b""
    assert refused.headers["content-length"] == "0"
    assert "retry-after" not in refused.headers and "content-type" not in refused.headers
    assert sb.stats.signin_pat == 10  # the handler never saw the refused one
    assert sb.rate_limits is not None and sb.rate_limits.refused == {"brute-force": 1}


def test_verify_endpoints_share_the_sign_in_limit(sb: Sandbox, http: httpx.Client) -> None:
    """bruteForceProtected: a path starting with /signin or ending in /verify or /otp."""
    for _ in range(5):
        _signin(http, sb)
        http.post(sb.auth_url + "/v1/token/verify", json={"token": "x"})
    assert _signin(http, sb).status_code == 429


def test_refresh_counts_only_against_the_global_limit(sb: Sandbox, http: httpx.Client) -> None:
    statuses = {
        http.post(sb.auth_url + "/v1/token", json={"refreshToken": str(uuid.uuid4())}).status_code
        for _ in range(20)
    }
    assert statuses == {401}  # refused by the handler, never by the limiter
    assert _signin(http, sb).status_code == 200


def test_the_global_limit_covers_every_auth_route_but_not_graphql(
    sb: Sandbox, http: httpx.Client
) -> None:
    assert {http.get(sb.auth_url + "/healthz").status_code for _ in range(100)} == {200}
    assert http.get(sb.auth_url + "/healthz").status_code == 429
    assert http.post(sb.auth_url + "/v1/token", json={}).status_code == 429
    assert sb.rate_limits is not None and sb.rate_limits.refused["global"] == 2
    # Hasura's GraphQL endpoint is another service, not rate limited.
    graphql = http.post(sb.api_url, json={"query": "{ dataControllers { id } }"})
    assert graphql.status_code == 200


def test_limits_are_per_client_ip(sb: Sandbox, http: httpx.Client) -> None:
    for _ in range(10):
        _signin(http, sb)
    assert _signin(http, sb).status_code == 429
    other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    with other:
        assert _signin(other, sb).status_code == 200
    assert sb.rate_limits is not None
    assert set(sb.rate_limits.clients) == {"127.0.0.1", "127.0.0.2"}


def test_the_allowance_comes_back_gradually(sb: Sandbox, http: httpx.Client, clock: Clock) -> None:
    """The sliding-window estimate: once the next window starts, the last one's 10 weigh less
    and less, so room comes back one request at a time, about every window/limit (30 s)."""
    for _ in range(10):
        _signin(http, sb)
    clock.now = WINDOW_START + 300  # the next window: the last one still weighs 10 * 300/300
    assert _signin(http, sb).status_code == 429
    clock.now = WINDOW_START + 300.5  # floor(10 * 299.5/300) = 9: room for one
    assert [_signin(http, sb).status_code for _ in range(2)] == [200, 429]
    clock.now = WINDOW_START + 329  # floor(10 * 271/300) = 9, + 1 counted: full
    assert _signin(http, sb).status_code == 429
    clock.now = WINDOW_START + 331  # floor(10 * 269/300) = 8, + 1: room for one more
    assert [_signin(http, sb).status_code for _ in range(2)] == [200, 429]


def test_the_sliding_window_matches_upstream_arithmetic() -> None:
    """allowed while floor(previous / window * time left) + count < limit; only allowed
    requests are counted; the first window has no previous one."""
    window = SlidingWindow(limit=10, window=300)
    t = WINDOW_START
    assert [window.allow("ip", t + i) for i in range(11)] == [True] * 10 + [False]
    assert not window.allow("ip", t + 299.9)
    assert not window.allow("ip", t + 300)  # 10 * 300/300
    assert window.allow("ip", t + 300.5)  # 9 + 0
    assert not window.allow("ip", t + 301)  # 9 + 1
    assert window.allow("other-ip", t + 301)  # keys are independent
    assert window.allow("ip", t + 331)  # 8 + 1
    assert not window.allow("ip", t + 332)
    assert window.allow("ip", t + 600 + 0.5)  # the previous window allowed 2: floor(1.997) + 0


def test_the_client_surfaces_the_refusal_as_a_rate_limit_error(sb: Sandbox) -> None:
    with httpx.Client() as http:  # ten sign-ins from this IP (other workers, other users)
        for _ in range(10):
            _signin(http, sb)
    with (
        DxtraClient(api_key=sb.pat, auth_url=sb.auth_url, api_url=sb.api_url, env={}) as client,
        pytest.raises(RateLimitError) as info,
    ):
        client._tokens._sleep = lambda seconds: None  # type: ignore[union-attr]  # no waits
        client.data_controllers()
    assert info.value.status_code == 429
    assert "HTTP 429" in str(info.value)
