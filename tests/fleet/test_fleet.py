"""Many real processes, one sign-in: the shared token stores against Nhost's sign-in limit.

Each worker is its own Python process (tests/fleet/worker.py) with its own client; they are all
built first, then released at the same moment. The sandbox runs hasura-auth's default rate
limits (10 sign-ins per 5 minutes per client IP), so without a shared store the fleet meets
429s, and with one it signs in once.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dxtra_typed.sandbox import Sandbox

from ._fleet import Spec, fleet

pytestmark = pytest.mark.slow  # `make pytest-fast` skips it; `make test` runs it

FLEET_SIZE = 32


class SteppedClock:
    """Real time plus whole steps the test adds. A JWT is a pure function of its claims (`iat`
    and `exp` in seconds): a step makes the next one differ from the tokens just expired."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def step(self) -> None:
        self.offset += 5.0


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
def sb(clock: SteppedClock) -> Iterator[Sandbox]:
    # A sandbox of its own per test: the rate limiter's windows start empty.
    with Sandbox(rate_limits="nhost", clock=clock) as sandbox:
        yield sandbox


def _env(sb: Sandbox, cache: str | None) -> dict[str, str]:
    env = {
        "DXTRA_API_KEY": sb.pat,
        "DXTRA_AUTH_URL": sb.auth_url,
        "DXTRA_API_URL": sb.api_url,
        "DXTRA_ROLE": "user",
    }
    if cache is not None:
        env["DXTRA_TOKEN_CACHE"] = cache
    return env


def _specs(n: int, addresses: tuple[str, ...] = ("127.0.0.1",)) -> list[Spec]:
    """Half sync, half async clients, spread over the given source addresses."""
    return [
        Spec(local_address=addresses[i % len(addresses)], mode=("sync", "async")[i // 2 % 2])
        for i in range(n)
    ]


def _failures(results: list[dict[str, Any]]) -> Counter[str]:
    return Counter(r["error"] for r in results if not r["ok"])


def test_32_processes_sign_in_once_with_the_file_store_and_meet_429s_without(
    tmp_path: Path,
) -> None:
    # Without a shared store: every process signs in, the 11th on meets the sign-in limit.
    with Sandbox(rate_limits="nhost") as sb:
        with fleet(_specs(FLEET_SIZE), _env(sb, None)) as workers:
            results = workers.call_all()
        failures = _failures(results)
        assert sb.rate_limits is not None
        assert sb.rate_limits.refused["brute-force"] > 0  # the sandbox answered 429s
        assert failures and set(failures) == {"RateLimitError"}, failures
        assert sb.stats.signin_pat <= FLEET_SIZE - sum(failures.values())

    # The same run with the file store: one sign-in in total, no failed call.
    with Sandbox(rate_limits="nhost") as sb:
        with fleet(_specs(FLEET_SIZE), _env(sb, str(tmp_path / "dxtra-token"))) as workers:
            results = workers.call_all()
        assert _failures(results) == Counter()
        assert len({r["pid"] for r in results}) == FLEET_SIZE  # 32 processes, not threads
        assert sb.stats.signin_pat == 1 and sb.stats.token_refresh == 0
        assert sb.rate_limits is not None and sum(sb.rate_limits.refused.values()) == 0
        assert sum(r["signins"] for r in results) == 1  # and it was one process that did it


def test_with_the_redis_store_two_hosts_sign_in_once(sb: Sandbox, redis_url: str) -> None:
    addresses = ("127.0.0.1", "127.0.0.2")
    with fleet(_specs(FLEET_SIZE, addresses), _env(sb, redis_url)) as workers:
        results = workers.call_all()
    assert _failures(results) == Counter()
    assert sb.stats.signin_pat == 1 and sb.stats.token_refresh == 0
    assert sb.rate_limits is not None and sum(sb.rate_limits.refused.values()) == 0
    # The sandbox saw two client IPs, each sending half the fleet's requests.
    assert sb.rate_limits.clients.keys() == set(addresses)


@pytest.mark.parametrize("store", ["file", "redis"])
def test_a_refresh_token_is_spent_by_one_process(
    store: str,
    sb: Sandbox,
    clock: SteppedClock,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    cache = (
        str(tmp_path / "dxtra-token") if store == "file" else request.getfixturevalue("redis_url")
    )
    addresses = ("127.0.0.1", "127.0.0.2")
    with fleet(_specs(8, addresses), _env(sb, cache)) as workers:
        assert _failures(workers.call_all()) == Counter()
        assert (sb.stats.signin_pat, sb.stats.token_refresh) == (1, 0)

        # Every JWT is refused now: each process is told so, one renews with the fleet's
        # refresh token, the others read what it stored.
        sb.expire_tokens()
        clock.step()
        assert _failures(workers.call_all()) == Counter()
        assert (sb.stats.signin_pat, sb.stats.token_refresh) == (1, 1)

        # The stored refresh token is no longer valid either: one refresh attempt fails, one
        # PAT sign-in replaces it, still for the whole fleet.
        sb.auth.revoke_refresh_tokens()
        sb.expire_tokens()
        clock.step()
        assert _failures(workers.call_all()) == Counter()
        assert (sb.stats.signin_pat, sb.stats.token_refresh) == (2, 2)
