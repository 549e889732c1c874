"""Subscription client against a scripted WebSocket server (tests/client/_fake_ws.py).

Protocol details (both subprotocols, pings, typed errors), reconnect with a fresh token and
stream-cursor resume, backoff exhaustion, clean break/cancel, backpressure, sync consumption.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import pytest

from dxtra_typed import (
    APIConnectionError,
    ConfigurationError,
    GraphQLError,
    InvalidResponseError,
    ValidationFailedError,
)
from dxtra_typed._blocking import iterate_blocking
from dxtra_typed._secret import Secret
from dxtra_typed._subscriptions import (
    SubscriptionProtocolError,
    SubscriptionSettings,
    advance_cursor,
    find_stream_cursor,
    subscribe,
    websocket_url,
)
from tests.client._fake_ws import LIVE_FIELD, STREAM_FIELD, FakeHasura, fake_hasura

STREAM_QUERY = "subscription S($cursor: [c]!, $batchSize: Int) { s }"
LIVE_QUERY = "subscription L { l }"


class Tokens:
    """A token cache stand-in: numbered tokens, records invalidations."""

    def __init__(self) -> None:
        self.issued = 0
        self.current: Secret | None = None
        self.invalidated: list[str] = []

    async def get(self) -> Secret:
        if self.current is None:
            self.issued += 1
            self.current = Secret(f"jwt-{self.issued}")
        return self.current

    def invalidate(self, rejected: Secret) -> None:
        self.invalidated.append(rejected.reveal())
        if self.current == rejected:
            self.current = None


def stream(
    fake: FakeHasura,
    *,
    after: int = 0,
    batch: int = 10,
    tokens: Tokens | None = None,
    settings: SubscriptionSettings | None = None,
    sleeps: list[float] | None = None,
    **kw: Any,
) -> AsyncGenerator[Any, None]:
    async def sleep(delay: float) -> None:
        if sleeps is not None:
            sleeps.append(delay)

    return subscribe(
        api_url=fake.url,
        query=STREAM_QUERY,
        operation_name="S",
        variables={
            "cursor": [{"initial_value": {"seq": after}, "ordering": "ASC"}],
            "batchSize": batch,
        },
        role="user",
        tokens=tokens or Tokens(),
        settings=settings,
        sleep=sleep,
        random_unit=lambda: 0.0,
        **kw,
    )


async def take_rows(events: AsyncGenerator[Any, None], count: int) -> list[int]:
    seen: list[int] = []
    async with contextlib.aclosing(events):
        async for data in events:
            seen.extend(row["seq"] for row in data[STREAM_FIELD])
            if len(seen) >= count:
                break
    return seen


# ---------------------------------------------------------------------------------------------
# Pure parts


def test_websocket_url_from_api_url() -> None:
    assert websocket_url("https://x.dxtra.ai/v1/graphql") == "wss://x.dxtra.ai/v1/graphql"
    assert websocket_url("http://127.0.0.1:8080/v1/graphql") == "ws://127.0.0.1:8080/v1/graphql"
    assert websocket_url("wss://x/v1/graphql") == "wss://x/v1/graphql"
    with pytest.raises(ConfigurationError):
        websocket_url("ftp://x")


def test_stream_cursor_is_found_and_advanced_from_the_row() -> None:
    variables = {"batchSize": 5, "cursor": [{"initial_value": {"createdAt": None}}]}
    assert find_stream_cursor(variables) == "cursor"
    assert find_stream_cursor({"limit": 3, "where": {}}) is None
    cursor = [{"initial_value": {"createdAt": "t0", "id": "a"}, "ordering": "ASC"}]
    row = {"createdAt": "t9", "id": "z", "status": "new"}
    assert advance_cursor(cursor, row) == [
        {"initial_value": {"createdAt": "t9", "id": "z"}, "ordering": "ASC"}
    ]
    with pytest.raises(ConfigurationError, match="cursor column 'createdAt' is not selected"):
        advance_cursor(cursor, {"id": "z"})


def test_settings_validate() -> None:
    with pytest.raises(ConfigurationError):
        SubscriptionSettings(max_reconnects=-1)
    with pytest.raises(ConfigurationError):
        SubscriptionSettings(subprotocols=("mqtt",))


# ---------------------------------------------------------------------------------------------
# Protocol


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_both_subprotocols_deliver_events_and_auth_goes_in_connection_init(
    protocol: str,
) -> None:
    async with fake_hasura(subprotocols=(protocol,)) as fake:
        fake.add_rows(25)
        seen = await take_rows(stream(fake, batch=10), 25)
        await asyncio.sleep(0.05)
    assert seen == list(range(1, 26))
    assert fake.chosen == [protocol]
    assert fake.inits == [{"headers": {"Authorization": "Bearer jwt-1", "x-hasura-role": "user"}}]
    assert fake.subscribes[0]["operationName"] == "S"
    # break → the client said goodbye in its protocol, then closed normally.
    kinds = [m["type"] for m in fake.client_messages]
    if protocol == "graphql-ws":
        assert kinds[-1] == "stop"
    else:
        assert kinds[-1] == "complete"
        assert "pong" in kinds  # the ping before the ack was answered
    assert fake.close_codes == [1000]


async def test_tokenless_role_sends_no_authorization() -> None:
    async with fake_hasura(script=[{"id": "{id}", "type": "complete"}]) as fake:
        events = subscribe(
            api_url=fake.url,
            query=LIVE_QUERY,
            operation_name="L",
            variables={},
            role="anonymous",
            tokens=Tokens(),
        )
        assert [e async for e in events] == []
    assert fake.inits == [{"headers": {"x-hasura-role": "anonymous"}}]


async def test_complete_ends_iteration_without_reconnecting() -> None:
    script = [
        {"id": "{id}", "type": "next", "payload": {"data": {LIVE_FIELD: []}}},
        {"id": "{id}", "type": "complete"},
    ]
    async with fake_hasura(script=script) as fake:
        events = subscribe(
            api_url=fake.url, query=LIVE_QUERY, operation_name="L", variables={}, role=None,
            tokens=None,
        )  # fmt: skip
        assert [e async for e in events] == [{LIVE_FIELD: []}]
    assert fake.connections == 1


ERROR_CASES: list[tuple[str, list[dict[str, Any]], type[Exception], str]] = [
    (
        "errors in next",
        [
            {
                "id": "{id}",
                "type": "next",
                "payload": {
                    "data": None,
                    "errors": [
                        {
                            "message": "field 'x' not found",
                            "extensions": {"code": "validation-failed"},
                        }
                    ],
                },
            }
        ],
        ValidationFailedError,
        "field 'x' not found",
    ),
    (
        "error message",
        [{"id": "{id}", "type": "error", "payload": [{"message": "boom"}]}],
        GraphQLError,
        "boom",
    ),
    (
        "null data without errors",
        [{"id": "{id}", "type": "next", "payload": {"data": None}}],
        InvalidResponseError,
        "null data and no errors",
    ),
    (
        "unknown type",
        [{"id": "{id}", "type": "surprise"}],
        SubscriptionProtocolError,
        "unknown subscription message type 'surprise'",
    ),
    (
        "another subscription's id",
        [{"id": "999", "type": "next", "payload": {"data": {}}}],
        SubscriptionProtocolError,
        "expected",
    ),
]


@pytest.mark.parametrize(
    ("script", "error", "match"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
async def test_bad_events_raise_typed_errors(
    script: list[dict[str, Any]], error: type[Exception], match: str
) -> None:
    async with fake_hasura(script=script) as fake:
        with pytest.raises(error, match=match):
            await take_rows(stream(fake), 1)
    assert fake.connections == 1  # an error is not a reason to reconnect


async def test_invalid_json_is_a_protocol_error_not_a_raw_exception() -> None:
    async with fake_hasura(raw_script=["{not json"]) as fake:
        with pytest.raises(SubscriptionProtocolError, match="not JSON"):
            await take_rows(stream(fake), 1)


async def test_connection_error_in_legacy_protocol_is_typed() -> None:
    """Hasura's legacy connection_error for a non-JWT problem raises instead of looping."""
    async with fake_hasura(subprotocols=("graphql-ws",), refuse_with={"message": "no way"}) as fake:
        with pytest.raises(GraphQLError, match="no way"):
            await take_rows(stream(fake), 1)


async def test_connection_error_for_the_jwt_retries_with_a_fresh_token() -> None:
    tokens = Tokens()
    sleeps: list[float] = []
    refusal = "Could not verify JWT: JWTExpired"
    async with fake_hasura(subprotocols=("graphql-ws",), refuse_with=refusal) as fake:
        settings = SubscriptionSettings(max_reconnects=2)
        with pytest.raises(APIConnectionError, match="JWTExpired"):
            await take_rows(stream(fake, tokens=tokens, settings=settings, sleeps=sleeps), 1)
    assert tokens.invalidated == ["jwt-1", "jwt-2", "jwt-3"]
    assert len(sleeps) == 2


# ---------------------------------------------------------------------------------------------
# Reconnect and resume


async def test_stream_resumes_after_drops_and_jwt_expiry_without_loss_or_repeats() -> None:
    tokens = Tokens()
    async with fake_hasura(drop_after=7) as fake:
        fake.add_rows(500)
        seen = await take_rows(stream(fake, batch=3, tokens=tokens), 500)
    assert seen == list(range(1, 501))
    assert fake.connections > 20
    # Each resubscribe started right after the last row yielded.
    starts = [s["variables"]["cursor"][0]["initial_value"]["seq"] for s in fake.subscribes]
    assert starts == sorted(set(starts)) and starts[0] == 0


async def test_jwt_expiry_close_invalidates_the_token_and_reconnects_with_a_fresh_one() -> None:
    tokens = Tokens()
    async with fake_hasura(expire_after=2) as fake:
        fake.add_rows(30)
        seen = await take_rows(stream(fake, batch=5, tokens=tokens), 30)
    assert seen == list(range(1, 31))
    assert tokens.invalidated[:2] == ["jwt-1", "jwt-2"]
    auths = [i["headers"]["Authorization"] for i in fake.inits]
    assert auths[:3] == ["Bearer jwt-1", "Bearer jwt-2", "Bearer jwt-3"]


async def test_abnormal_closure_then_a_refused_init_renews_the_token_and_resumes() -> None:
    """Hasura's JWT expiry: the socket just ends (1006) and the cached JWT is refused on the next
    connection_init with a bare 4403, which can arrive while the client answers a ping."""
    tokens = Tokens()
    sleeps: list[float] = []
    fake_options = {"subprotocols": ("graphql-transport-ws",), "forbid_connections": (2,)}
    async with fake_hasura(drop_after=3, **fake_options) as fake:
        fake.add_rows(10)
        seen = await take_rows(stream(fake, batch=1, tokens=tokens, sleeps=sleeps), 10)
    assert seen == list(range(1, 11))
    assert tokens.invalidated == ["jwt-1"]
    auths = [i["headers"]["Authorization"] for i in fake.inits]
    assert auths[:3] == ["Bearer jwt-1", "Bearer jwt-1", "Bearer jwt-2"]
    assert len(sleeps) == 1  # only the refused attempt counted as a failure


async def test_rows_arriving_later_are_delivered_live() -> None:
    async with fake_hasura() as fake:
        fake.add_rows(2)
        events = stream(fake, batch=10)

        async def add_later() -> None:
            await asyncio.sleep(0.1)
            fake.add_rows(3)

        adder = asyncio.create_task(add_later())
        seen = await take_rows(events, 5)
        await adder
    assert seen == [1, 2, 3, 4, 5]


async def test_gives_up_with_api_connection_error_after_backoff() -> None:
    sleeps: list[float] = []
    async with fake_hasura() as fake:
        url = fake.url
    # The server is gone: every attempt is refused.
    events = subscribe(
        api_url=url,
        query=LIVE_QUERY,
        operation_name="L",
        variables={},
        role=None,
        tokens=None,
        settings=SubscriptionSettings(max_reconnects=3, initial_delay=0.5),
        sleep=_recorder(sleeps),
        random_unit=lambda: 0.0,
    )
    with pytest.raises(APIConnectionError, match="after 4 attempts"):
        await anext(events)
    assert sleeps == [0.5, 1.0, 2.0]


def _recorder(sleeps: list[float]) -> Any:
    async def sleep(delay: float) -> None:
        sleeps.append(delay)

    return sleep


async def test_per_call_max_reconnects_zero_fails_on_first_drop() -> None:
    async with fake_hasura() as fake:
        url = fake.url
    events = subscribe(
        api_url=url, query=LIVE_QUERY, operation_name="L", variables={}, role=None, tokens=None,
        max_reconnects=0,
    )  # fmt: skip
    with pytest.raises(APIConnectionError, match="could not connect"):
        await anext(events)


# ---------------------------------------------------------------------------------------------
# Lifecycle and memory


async def test_cancel_closes_the_socket_cleanly() -> None:
    async with fake_hasura() as fake:
        events = stream(fake)

        async def consume() -> None:
            async for _ in events:
                pass

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.2)  # subscribed, waiting for rows
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await events.aclose()
        for _ in range(50):
            if fake.close_codes:
                break
            await asyncio.sleep(0.01)
    assert fake.close_codes == [1000]
    assert fake.client_messages[-1]["type"] == "complete"


async def test_fast_producer_is_held_back_not_buffered() -> None:
    """The consumer reads 5 big events slowly; the server cannot push all 400 meanwhile."""
    async with fake_hasura(row_fields={"blob": "x" * 65_536}) as fake:
        fake.add_rows(400)
        events = stream(fake, batch=1, settings=SubscriptionSettings(max_queue=4))
        async with contextlib.aclosing(events):
            for _ in range(5):
                await anext(events)
                await asyncio.sleep(0.05)
            sent_while_slow = fake.sent_data
    # 400 x 64 KiB = 25 MiB; socket buffers + max_queue hold a small fraction of that.
    assert sent_while_slow < 200, sent_while_slow


def test_iterate_blocking_over_a_real_subscription() -> None:
    async def main() -> None:
        async with fake_hasura() as fake:
            fake.add_rows(50)
            url = fake.url

            def consume() -> list[int]:
                events = subscribe(
                    api_url=url,
                    query=STREAM_QUERY,
                    operation_name="S",
                    variables={"cursor": [{"initial_value": {"seq": 0}}], "batchSize": 10},
                    role=None,
                    tokens=None,
                )
                seen: list[int] = []
                with iterate_blocking(events) as it:
                    for data in it:
                        seen.extend(r["seq"] for r in data[STREAM_FIELD])
                        if len(seen) >= 50:
                            break
                return seen

            seen = await asyncio.wait_for(asyncio.to_thread(consume), timeout=30)
            assert seen == list(range(1, 51))

    asyncio.run(main())


async def test_an_event_that_does_not_fit_the_result_type_says_regenerate() -> None:
    from pydantic import BaseModel

    from tests.client.test_wire import MISMATCH_REMEDY

    class Result(BaseModel):
        nope: int

    async with fake_hasura() as fake:
        fake.add_rows(3)
        events = stream(fake, result_type=Result)
        with pytest.raises(InvalidResponseError) as info:
            await take_rows(events, 3)
    message = str(info.value)
    assert message.startswith(
        "S: an event does not match the operation's result type (nope: Field required)"
    )
    assert message.endswith(MISMATCH_REMEDY)  # the same text as on HTTP: one helper
    assert info.value.status_code == 101
