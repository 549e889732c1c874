"""Token lifecycle, retries and failure shapes against a real server on 127.0.0.1.

Waits go through the client's injectable sleep (recorded, not slept), and token time through
injected clocks, so nothing here depends on the speed of the machine.

Tests about tokens call ``public_data_controllers(role="user")``: the operation declares
``# role: anonymous`` (no token), and a declared role beats the client's own.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from dxtra_typed import (
    APIConnectionError,
    APITimeoutError,
    AsyncDxtraClient,
    AuthenticationError,
    DxtraClient,
    InternalServerError,
    InvalidResponseError,
    RateLimitError,
    ValidationFailedError,
)
from dxtra_typed._http_backends import HttpBackend
from dxtra_typed.sandbox import Sandbox

from ..support.canned import Reply, canned, session_reply
from .conftest import AnyClient, ClientFactory, resolve


class FakeClock:
    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def record_sleeps(client: AnyClient) -> list[float]:
    """Replace the client's sleeps (API and token exchange) by recorders."""
    slept: list[float] = []
    if isinstance(client, AsyncDxtraClient):

        async def async_sleep(seconds: float) -> None:
            slept.append(seconds)

        client._sleep = async_sleep
        if client._tokens is not None:
            client._tokens._sleep = async_sleep
    else:
        client._sleep = slept.append
        if client._tokens is not None:
            client._tokens._sleep = slept.append
    return slept


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A sandbox of this test's own: faults never leak into the shared one."""
    with Sandbox() as sb:
        yield sb


@pytest.mark.slow
async def test_short_lived_tokens_1000_calls_refresh_not_exchange_per_call(
    make_client: ClientFactory,
) -> None:
    clock = FakeClock()
    with Sandbox(access_token_ttl=2, clock=clock) as sb:
        client = make_client(sandbox=sb)
        assert client._tokens is not None
        client._tokens._clock = clock
        failures = 0
        for _ in range(1000):
            try:
                await resolve(client.public_data_controllers(role="user"))
            except Exception:
                failures += 1
            clock.now += 0.01  # 1,000 calls over 10 s of token time: five TTLs
        assert failures == 0
        assert sb.stats.signin_pat == 1
        # Renewed near the end of each life (whole-second `exp`, so 1-2 s each) through
        # /v1/token: a handful of renewals over 10 s, not one exchange per call.
        assert 5 <= sb.stats.token_refresh <= 10
        assert sb.stats.received("graphql") == 1000


async def test_cold_async_client_200_concurrent_calls_one_exchange(
    dxtra_sandbox: Sandbox, http_backend: HttpBackend
) -> None:
    before = dxtra_sandbox.stats.exchanges
    async with AsyncDxtraClient(
        api_key=dxtra_sandbox.pat,
        auth_url=dxtra_sandbox.auth_url,
        api_url=dxtra_sandbox.api_url,
        env={},
        http_backend=http_backend,
    ) as client:
        calls = (client.public_data_controllers(role="user") for _ in range(200))
        results = await asyncio.gather(*calls)
        assert client._tokens is not None and client._tokens.exchanges == 1
    assert all(results) and len(results) == 200
    assert dxtra_sandbox.stats.exchanges - before == 1


def test_cold_sync_client_50_threads_one_exchange(dxtra_sandbox: Sandbox) -> None:
    before = dxtra_sandbox.stats.exchanges
    errors: list[BaseException] = []
    start = threading.Barrier(50)
    with DxtraClient(
        api_key=dxtra_sandbox.pat,
        auth_url=dxtra_sandbox.auth_url,
        api_url=dxtra_sandbox.api_url,
        env={},
    ) as client:

        def call() -> None:
            start.wait(timeout=10)
            try:
                client.public_data_controllers(role="user")
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert client._tokens is not None and client._tokens.exchanges == 1
    assert errors == []
    assert dxtra_sandbox.stats.exchanges - before == 1


async def test_expired_tokens_renew_and_replay(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(sandbox=sandbox)
    await resolve(client.public_data_controllers(role="user"))
    assert sandbox.expire_tokens() == 1
    assert await resolve(client.public_data_controllers(role="user"))
    assert (sandbox.stats.signin_pat, sandbox.stats.token_refresh) == (1, 1)


async def test_rejected_refresh_token_falls_back_to_the_pat(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(sandbox=sandbox)
    await resolve(client.public_data_controllers(role="user"))
    sandbox.auth.revoke_refresh_tokens()
    sandbox.expire_tokens()
    assert await resolve(client.public_data_controllers(role="user"))
    assert (sandbox.stats.signin_pat, sandbox.stats.token_refresh) == (2, 1)


async def test_lost_mutation_response_is_not_resent(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(sandbox=sandbox)
    controller = (await resolve(client.data_controllers()))[0]
    subject = (await resolve(client.data_subjects(controller_id=controller.id)))[0]
    sandbox.faults.inject(
        "graphql", "drop", after_execute=True, operation="InsertRightsRequest", count=3
    )
    slept = record_sleeps(client)
    with pytest.raises(APIConnectionError) as info:
        await resolve(
            client.insert_rights_request(
                data_subject_id=subject.id,
                data_controller_id=controller.id,
                request_type="access",
            )
        )
    assert info.value.outcome_unknown
    assert "may or may not have been applied" in str(info.value)
    assert sandbox.stats.executed("InsertRightsRequest") == 1
    assert slept == []


async def test_slow_mutation_times_out_once_and_is_not_resent(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(sandbox=sandbox)
    controller = (await resolve(client.data_controllers()))[0]
    subject = (await resolve(client.data_subjects(controller_id=controller.id)))[0]
    sandbox.faults.inject("graphql", "delay", delay=1.0, operation="InsertRightsRequest")
    with pytest.raises(APITimeoutError) as info:
        await resolve(
            client.insert_rights_request(
                data_subject_id=subject.id,
                data_controller_id=controller.id,
                request_type="object",
                timeout=0.2,
            )
        )
    assert info.value.outcome_unknown
    assert sandbox.stats.received("graphql") == 3  # two lookups + one insert, never resent


async def test_dropped_query_is_retried_and_succeeds(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(sandbox=sandbox)
    slept = record_sleeps(client)
    sandbox.faults.inject("graphql", "drop", count=2)
    assert await resolve(client.public_data_controllers())
    assert sandbox.stats.received("graphql") == 3
    assert len(slept) == 2 and all(0 < s <= 1.0 for s in slept)
    retries = [r.retry_count for r in sandbox.requests.graphql()]
    assert retries == [None, "1", "2"]


async def test_query_retries_stop_after_the_budget(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(sandbox=sandbox)
    slept = record_sleeps(client)
    sandbox.faults.inject("graphql", "status", status=503, count=5)
    with pytest.raises(InternalServerError) as info:
        await resolve(client.public_data_controllers())
    assert info.value.status_code == 503
    assert sandbox.stats.received("graphql") == 3 and len(slept) == 2
    # Per call, retries can be turned off.
    sandbox.faults.clear()
    sandbox.faults.inject("graphql", "status", status=502, count=1)
    with pytest.raises(InternalServerError):
        await resolve(client.public_data_controllers(max_retries=0))


async def test_429_with_retry_after_waits_then_succeeds(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(sandbox=sandbox)
    slept = record_sleeps(client)
    sandbox.faults.inject("graphql", "status", status=429, retry_after="1")
    assert await resolve(client.public_data_controllers())
    assert slept == [1.0]


async def test_mutation_retries_a_429_but_not_a_503(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(sandbox=sandbox)
    controller = (await resolve(client.data_controllers()))[0]
    subject = (await resolve(client.data_subjects(controller_id=controller.id)))[0]
    args: dict[str, Any] = {
        "data_subject_id": subject.id,
        "data_controller_id": controller.id,
        "request_type": "restrict",
    }
    slept = record_sleeps(client)
    sandbox.faults.inject("graphql", "status", status=429, retry_after_ms=200)
    assert await resolve(client.insert_rights_request(**args)) is not None
    assert slept == [0.2]
    sandbox.faults.inject("graphql", "status", status=503)
    with pytest.raises(InternalServerError):
        await resolve(client.insert_rights_request(**args))
    assert sandbox.stats.executed("InsertRightsRequest") == 1
    assert slept == [0.2]


async def test_retry_after_above_the_cap_is_surfaced_not_waited(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(sandbox=sandbox)
    slept = record_sleeps(client)
    sandbox.faults.inject("graphql", "status", status=429, retry_after="3600")
    with pytest.raises(RateLimitError) as info:
        await resolve(client.public_data_controllers())
    assert "back off" in str(info.value) and slept == []


async def test_unreachable_api_is_a_connection_error_after_retries(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    port = sandbox.port
    sandbox.stop()  # nothing listens there now
    client = make_client(
        api_key=None,
        role="anonymous",
        auth_url=f"http://127.0.0.1:{port}",
        api_url=f"http://127.0.0.1:{port}/v1/graphql",
    )
    slept = record_sleeps(client)
    with pytest.raises(APIConnectionError) as info:
        await resolve(client.public_data_controllers())
    assert not info.value.outcome_unknown
    assert "after 3 attempts" in str(info.value) and len(slept) == 2


async def test_auth_service_hiccups_are_retried(make_client: ClientFactory) -> None:
    answers = iter([Reply(503, "busy"), Reply(429, "slow down", {"Retry-After": "2"})])

    def signin(_: Any) -> Reply:
        return next(answers, None) or session_reply()

    ok: dict[str, Any] = {"data": {"dataControllers": []}}
    with canned({"/v1/signin/pat": signin, "/v1/graphql": lambda _: Reply(body=ok)}) as server:
        client = make_client(
            api_key=str(uuid.uuid4()), auth_url=server.url, api_url=server.url + "/v1/graphql"
        )
        slept = record_sleeps(client)
        assert await resolve(client.public_data_controllers(role="user")) == []
        assert server.counts["/v1/signin/pat"] == 3
        assert slept[1] == 2.0 and len(slept) == 2


async def test_auth_service_refusal_is_not_retried(make_client: ClientFactory) -> None:
    refusal = Reply(
        401,
        {
            "status": 401,
            "message": "Invalid or expired personal access token",
            "error": "invalid-pat",
        },
    )
    with canned({"/v1/signin/pat": lambda _: refusal}) as server:
        client = make_client(
            api_key=str(uuid.uuid4()), auth_url=server.url, api_url=server.url + "/v1/graphql"
        )
        with pytest.raises(AuthenticationError):
            await resolve(client.public_data_controllers(role="user"))
        assert server.counts["/v1/signin/pat"] == 1


async def test_numbers_survive_without_float_rounding(make_client: ClientFactory) -> None:
    body = (
        b'{"data": {"dataProcessingActivities": [{"id": "%s", "name": "n", "purpose": null,'
        b' "legalBasis": "consent", "isEssential": false, "retentionDays": 30,'
        b' "recordCount": 9007199254740993, "riskScore": 12345678901234567.89}]}}'
        % str(uuid.uuid4()).encode()
    )
    with canned({"/v1/graphql": lambda _: Reply(body=body)}) as server:
        client = make_client(api_key=None, role="anonymous", api_url=server.url + "/v1/graphql")
        (activity,) = await resolve(client.processing_activities(controller_id=uuid.uuid4()))
    assert activity.risk_score == Decimal("12345678901234567.89")
    assert activity.record_count == 9007199254740993


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": {"dataControllers": [{"id": "not-a-uuid", "title": "t", "did": null}]}}',
        b'{"data": {"dataControllers": {"unexpected": "shape"}}}',
        b'{"data": {"dataControllers": [{"id": "%s", "did": null}' % str(uuid.uuid4()).encode(),
    ],
    ids=["bad-uuid", "wrong-shape", "truncated"],
)
async def test_wrong_shapes_are_typed_errors(make_client: ClientFactory, body: bytes) -> None:
    with canned({"/v1/graphql": lambda _: Reply(body=body)}) as server:
        client = make_client(api_key=None, role="anonymous", api_url=server.url + "/v1/graphql")
        with pytest.raises(InvalidResponseError) as info:
            await resolve(client.public_data_controllers())
    assert "PublicDataControllers" in str(info.value)


async def test_with_options_shares_pool_and_tokens(
    make_client: ClientFactory, sandbox: Sandbox
) -> None:
    client = make_client(sandbox=sandbox)
    await resolve(client.data_controllers())
    me = client.with_options(role="me", timeout=5.0, max_retries=0, headers={"X-Trace": "t1"})
    assert me.role == "me" and client.role == "user"
    assert me.http_client is client.http_client
    mark = sandbox.requests.mark()
    with pytest.raises(ValidationFailedError):
        await resolve(me.data_controllers())  # `me` sees only its user row
    (sent,) = sandbox.requests.since(mark)
    assert sent.role_header == "me" and sent.has_auth
    assert sandbox.stats.exchanges == 1  # the copy reused the cached JWT
    if isinstance(me, AsyncDxtraClient):
        await me.aclose()
    else:
        me.close()
    assert await resolve(client.data_controllers())  # closing the copy left the pool open


async def test_per_call_role_and_headers(make_client: ClientFactory, sandbox: Sandbox) -> None:
    client = make_client(sandbox=sandbox)
    mark = sandbox.requests.mark()
    assert await resolve(client.public_data_controllers(role="anonymous"))
    (sent,) = sandbox.requests.since(mark)
    assert sent.session_role == "anonymous" and not sent.has_auth
    with pytest.raises(ValueError, match="role="):
        await resolve(client.data_controllers(headers={"Authorization": "Bearer x"}))
