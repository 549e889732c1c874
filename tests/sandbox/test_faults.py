"""Injected faults look like production's failures from the far end of a real socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._faults import Fault, parse_fault_spec


class RecordingEngine:
    def __init__(self) -> None:
        self.ran: list[str | None] = []
        self._lock = threading.Lock()

    def execute(self, request: dict[str, Any], session: Any) -> dict[str, Any]:
        with self._lock:
            self.ran.append(request.get("operationName"))
        return {"data": {"role": session.role, "padding": "x" * 40}}


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture
def sb(engine: RecordingEngine) -> Iterator[Sandbox]:
    with Sandbox(engine=engine) as sandbox:
        yield sandbox


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def gql(sb: Sandbox, http: httpx.Client, op: str = "Op") -> httpx.Response:
    return http.post(sb.api_url, json={"query": f"query {op} {{ a }}", "operationName": op})


def signin(sb: Sandbox, http: httpx.Client) -> httpx.Response:
    return http.post(f"{sb.auth_url}/v1/signin/pat", json={"personalAccessToken": sb.pat})


def test_graphql_gateway_statuses_are_plain_text_with_retry_after(
    sb: Sandbox, http: httpx.Client
) -> None:
    sb.faults.inject("graphql", "status", status=503, count=2, retry_after=2)
    assert sb.faults.pending() == 2
    for left in (1, 0):
        r = gql(sb, http)
        assert (r.status_code, r.text, r.headers["retry-after"]) == (
            503,
            "Service Unavailable",
            "2",
        )
        assert r.headers["content-type"].startswith("text/plain")
        assert sb.faults.pending() == left
    assert gql(sb, http).json()["data"]["role"] == "anonymous"
    assert sb.stats.received("graphql") == 3
    assert sb.stats.graphql == 1  # only one reached the real handler
    assert sb.stats.executed("Op") == 1
    assert [r.status for r in sb.requests] == [503, 503, 200]
    assert [r.fault for r in sb.requests] == ["status", "status", None]


def test_graphql_429_and_500_are_hasura_error_json(sb: Sandbox, http: httpx.Client) -> None:
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    sb.faults.inject("graphql", "status", status=429, retry_after=date, retry_after_ms=1500)
    sb.faults.inject("graphql", "status", status=500)
    r = gql(sb, http)
    assert r.status_code == 429
    assert (r.headers["retry-after"], r.headers["retry-after-ms"]) == (date, "1500")
    assert r.json()["errors"][0]["extensions"] == {"path": "$", "code": "too-many-requests"}
    r = gql(sb, http)
    assert r.status_code == 500
    assert r.json()["errors"][0]["extensions"]["code"] == "unexpected"
    assert "retry-after" not in r.headers


def test_auth_statuses_use_the_nhost_envelope(sb: Sandbox, http: httpx.Client) -> None:
    sb.faults.inject("signin_pat", "status", status=429, retry_after=2)
    sb.faults.inject("token", "status", status=503)
    r = signin(sb, http)
    assert (r.status_code, r.headers["retry-after"]) == (429, "2")
    assert r.json() == {"status": 429, "message": "Too many requests", "error": "too-many-requests"}
    assert sb.stats.signin_pat == 0 and sb.stats.received("signin_pat") == 1
    refresh = signin(sb, http).json()["session"]["refreshToken"]
    r = http.post(f"{sb.auth_url}/v1/token", json={"refreshToken": refresh})
    assert (r.status_code, r.json()["status"], r.json()["error"]) == (
        503,
        503,
        "service-unavailable",
    )
    # The faulted refresh never ran, so the refresh token was not spent.
    assert http.post(f"{sb.auth_url}/v1/token", json={"refreshToken": refresh}).status_code == 200


def test_a_custom_body_replaces_the_default(sb: Sandbox, http: httpx.Client) -> None:
    sb.faults.inject("graphql", "status", status=502, body='{"message": "upstream"}')
    r = gql(sb, http)
    assert (r.status_code, r.json()) == (502, {"message": "upstream"})


@pytest.mark.parametrize("endpoint", ["graphql", "signin_pat", "any"])
def test_drop_closes_the_connection_without_a_response(
    sb: Sandbox, http: httpx.Client, endpoint: Any
) -> None:
    sb.faults.inject(endpoint, "drop")
    call = signin if endpoint == "signin_pat" else gql
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        call(sb, http)
    assert call(sb, http).status_code == 200  # the next request gets a fresh connection
    assert sb.requests[0].status == 0 and sb.requests[0].fault == "drop"


def test_drop_is_a_transport_error_for_a_fresh_client_too(sb: Sandbox) -> None:
    sb.faults.inject("graphql", "drop", count=3)
    for _ in range(3):
        with pytest.raises(httpx.TransportError):
            httpx.post(sb.api_url, json={"query": "{ a }"})
    assert sb.faults.pending() == 0
    assert httpx.post(sb.api_url, json={"query": "{ a }"}).status_code == 200


def test_malformed_is_a_200_that_is_not_json(sb: Sandbox, http: httpx.Client) -> None:
    sb.faults.inject("graphql", "malformed")
    sb.faults.inject("signin_pat", "malformed")
    for r in (gql(sb, http), signin(sb, http)):
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        with pytest.raises(json.JSONDecodeError):
            json.loads(r.content)


def test_after_execute_drop_runs_the_operation_once_then_loses_the_answer(
    sb: Sandbox, http: httpx.Client, engine: RecordingEngine
) -> None:
    sb.faults.inject("graphql", "drop", after_execute=True, operation="Insert")
    with pytest.raises(httpx.TransportError):
        gql(sb, http, "Insert")
    assert engine.ran == ["Insert"]
    assert sb.stats.executed("Insert") == 1


def test_after_execute_malformed_truncates_the_real_answer(
    sb: Sandbox, http: httpx.Client, engine: RecordingEngine
) -> None:
    sb.faults.inject("graphql", "malformed", after_execute=True)
    sb.faults.inject("graphql", "status", status=504, after_execute=True)
    r = gql(sb, http)
    full = json.dumps({"data": {"role": "anonymous", "padding": "x" * 40}}).encode()
    assert r.status_code == 200 and 0 < len(r.content) < len(full)
    assert full.replace(b" ", b"").startswith(r.content.replace(b" ", b""))
    assert gql(sb, http).status_code == 504
    assert len(engine.ran) == 2


def test_faults_before_execute_never_run_the_operation(
    sb: Sandbox, http: httpx.Client, engine: RecordingEngine
) -> None:
    sb.faults.inject("graphql", "drop")
    sb.faults.inject("graphql", "status", status=502)
    sb.faults.inject("graphql", "malformed")
    for _ in range(3):
        with contextlib.suppress(httpx.TransportError):
            gql(sb, http, "Insert")
    assert engine.ran == [] and sb.stats.executed("Insert") == 0


def test_operation_filter_skips_other_operations(sb: Sandbox, http: httpx.Client) -> None:
    sb.faults.inject("graphql", "status", status=503, operation="Write")
    assert gql(sb, http, "Read").status_code == 200
    assert signin(sb, http).status_code == 200
    assert gql(sb, http, "Write").status_code == 503
    assert gql(sb, http, "Write").status_code == 200


def test_faults_are_consumed_in_injection_order(sb: Sandbox, http: httpx.Client) -> None:
    sb.faults.inject("any", "status", status=502)
    sb.faults.inject("graphql", "status", status=503, count=2)
    assert signin(sb, http).status_code == 502
    assert [gql(sb, http).status_code for _ in range(3)] == [503, 503, 200]


def test_clear_and_pending(sb: Sandbox, http: httpx.Client) -> None:
    sb.faults.inject("graphql", "drop", count=5)
    sb.faults.inject("token", "status", count=2)
    assert sb.faults.pending() == 7
    sb.faults.clear()
    assert sb.faults.pending() == 0
    assert gql(sb, http).status_code == 200


def test_health_checks_are_never_faulted(sb: Sandbox, http: httpx.Client) -> None:
    sb.faults.inject("any", "drop")
    assert http.get(f"{sb.auth_url}/healthz").json() == "OK"
    assert sb.faults.pending() == 1


async def test_a_delay_does_not_block_other_requests(sb: Sandbox) -> None:
    sb.faults.inject("graphql", "delay", delay=0.4)
    async with httpx.AsyncClient(timeout=5.0) as client:
        done: list[str] = []

        async def slow() -> None:
            await client.post(sb.api_url, json={"query": "{ a }"})
            done.append("slow")

        async def fast() -> None:
            await asyncio.sleep(0.05)
            await client.post(sb.api_url, json={"query": "{ a }"})
            done.append("fast")

        start = time.monotonic()
        await asyncio.gather(slow(), fast())
    assert done == ["fast", "slow"]
    assert time.monotonic() - start >= 0.4


def test_a_delay_trips_a_client_timeout(sb: Sandbox) -> None:
    sb.faults.inject("graphql", "delay", delay=0.3)
    with httpx.Client(timeout=0.05) as client, pytest.raises(httpx.ReadTimeout):
        client.post(sb.api_url, json={"query": "{ a }"})


def test_concurrent_requests_consume_exactly_count_faults(sb: Sandbox) -> None:
    sb.faults.inject("graphql", "status", status=503, count=20)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(timeout=5.0) as client:
            for _ in range(5):
                code = client.post(sb.api_url, json={"query": "{ a }"}).status_code
                with lock:
                    statuses.append(code)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(set(statuses)) == [200, 503]
    assert statuses.count(503) == 20 and len(statuses) == 50
    assert sb.stats.received("graphql") == 50 and sb.stats.received("any") == 50


def test_faults_given_at_construction() -> None:
    with (
        Sandbox(engine=RecordingEngine(), faults=[parse_fault_spec("graphql:status:502")]) as sb,
        httpx.Client() as http,
    ):
        assert gql(sb, http).status_code == 502


def test_expire_tokens_rejects_every_token_issued_so_far(sb: Sandbox, http: httpx.Client) -> None:
    old = signin(sb, http).json()["session"]["accessToken"]
    auth = {"Authorization": f"Bearer {old}"}
    assert http.post(sb.api_url, json={"query": "{ a }"}, headers=auth).json()["data"]
    assert sb.expire_tokens() >= 1
    r = http.post(sb.api_url, json={"query": "{ a }"}, headers=auth)
    assert r.status_code == 200
    assert r.json()["errors"][0] == {
        "extensions": {"path": "$", "code": "invalid-jwt"},
        "message": "Could not verify JWT: JWTExpired",
    }
    new = signin(sb, http).json()["session"]["accessToken"]
    fresh = http.post(
        sb.api_url, json={"query": "{ a }"}, headers={"Authorization": f"Bearer {new}"}
    )
    assert fresh.json()["data"]["role"] == "user"


def test_stats_reset(sb: Sandbox, http: httpx.Client) -> None:
    gql(sb, http)
    signin(sb, http)
    sb.stats.reset()
    assert (sb.stats.graphql, sb.stats.exchanges, sb.stats.received("any")) == (0, 0, 0)
    assert sb.stats.executed("Op") == 0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"endpoint": "nope", "kind": "drop"}, "unknown endpoint"),
        ({"endpoint": "graphql", "kind": "nope"}, "unknown fault kind"),
        ({"endpoint": "graphql", "kind": "drop", "count": 0}, "count"),
        ({"endpoint": "graphql", "kind": "status", "status": 42}, "not an HTTP status"),
        ({"endpoint": "graphql", "kind": "delay"}, "delay > 0"),
        ({"endpoint": "token", "kind": "drop", "after_execute": True}, "after_execute"),
        ({"endpoint": "graphql", "kind": "delay", "delay": 1, "after_execute": True}, "after"),
        ({"endpoint": "signin_pat", "kind": "drop", "operation": "X"}, "graphql requests only"),
    ],
)
def test_inject_rejects_nonsense(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        Fault(**kwargs)


def test_parse_fault_spec() -> None:
    f = parse_fault_spec("graphql:status:503:count=2")
    assert (f.endpoint, f.kind, f.status, f.count) == ("graphql", "status", 503, 2)
    f = parse_fault_spec("signin_pat:status:429:retry_after=Wed, 21 Oct 2015 07:28:00 GMT")
    assert f.retry_after == "Wed, 21 Oct 2015 07:28:00 GMT"
    f = parse_fault_spec("graphql:drop:after_execute=true:operation=Insert")
    assert (f.after_execute, f.operation) == (True, "Insert")
    f = parse_fault_spec("any:delay:delay=0.5:retry_after_ms=250")
    assert (f.delay, f.retry_after_ms) == (0.5, "250")
    for bad in (
        "graphql",
        "x:drop",
        "graphql:drop:bogus=1",
        "graphql:drop:count=x",
        "graphql:drop:7",
    ):
        with pytest.raises(ValueError, match="bad fault"):
            parse_fault_spec(bad)
