"""The sandbox's WebSocket endpoint, driven with the raw `websockets` client (not our client).

Every wait is bounded: `recv()` has a timeout, and collecting loops stop at a deadline.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from dxtra_typed.sandbox import Sandbox, _ws
from dxtra_typed.sandbox._identities import DATA_SUBJECT_USER_ID, seed_uuid
from dxtra_typed.sandbox._seed import CONTROLLER_IDS, SIGNED_IN_SUBJECT_ID
from tests.support.processes import READY_TIMEOUT, read_exports, reap, start

ACME = CONTROLLER_IDS[0]
OTHER_SUBJECT_ID = seed_uuid("ds:acme:1")
TWS, LEGACY = "graphql-transport-ws", "graphql-ws"

COUNT = "subscription Count { dataSubjectsRightsRequestsAggregate { aggregate { count } } }"
STREAM = """
subscription Stream($after: timestamptz, $batch: Int!) {
  dataSubjectsRightsRequestsStream(
    batch_size: $batch, cursor: [{initial_value: {createdAt: $after}, ordering: ASC}]
  ) { id createdAt dataSubjectId }
}
"""
INSERT = """
mutation Insert($objects: [dataSubjectsRightsRequests_insert_input!]!) {
  insertDataSubjectsRightsRequests(objects: $objects) { returning { id createdAt } }
}
"""


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


def ws_url(sb: Sandbox) -> str:
    return sb.api_url.replace("http://", "ws://")


def auth_headers(token: str | None, role: str | None = None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if role is not None:
        headers["x-hasura-role"] = role
    return headers


async def recv(ws: ClientConnection, timeout: float = 3.0) -> dict[str, Any]:
    raw = await asyncio.wait_for(ws.recv(), timeout)
    message: dict[str, Any] = json.loads(raw)
    return message


async def recv_data(ws: ClientConnection, timeout: float = 3.0) -> dict[str, Any]:
    """The next message that is not a keep-alive (pings are answered)."""
    deadline = time.monotonic() + timeout
    while True:
        message = await recv(ws, max(0.01, deadline - time.monotonic()))
        if message["type"] == "ping":
            await send(ws, {"type": "pong"})
        elif message["type"] != "ka":
            return message


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def closed_with(ws: ClientConnection, timeout: float = 3.0) -> tuple[int | None, str | None]:
    """Wait for the server to close; (code, reason) of its close frame, (None, None) if none."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
    except ConnectionClosed as exc:
        return (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd is not None else (None, None)
    raise AssertionError("the socket stayed open")


async def open_socket(
    sb: Sandbox,
    protocol: str = TWS,
    token: str | None = "mint",
    role: str | None = None,
) -> ClientConnection:
    """A connection past connection_ack (keep-alives before the ack answered or skipped)."""
    ws = await connect(ws_url(sb), subprotocols=[protocol], open_timeout=5)  # type: ignore[list-item]
    if token == "mint":
        token = sb.mint_token()
    try:
        await send(
            ws, {"type": "connection_init", "payload": {"headers": auth_headers(token, role)}}
        )
        while True:
            message = await recv(ws)
            if message["type"] == "ping":
                await send(ws, {"type": "pong", "payload": message.get("payload")})
            elif message["type"] == "connection_ack":
                return ws
            elif message["type"] != "ka":
                raise AssertionError(message)
    except BaseException:
        await ws.close()
        raise


@pytest.fixture
async def socket(sb: Sandbox) -> AsyncIterator[ClientConnection]:
    ws = await open_socket(sb)
    try:
        yield ws
    finally:
        await ws.close()


def subscribe(op_id: str, query: str, **variables: Any) -> dict[str, Any]:
    return {"type": "subscribe", "id": op_id, "payload": {"query": query, "variables": variables}}


def insert_requests(sb: Sandbox, n: int, subject: str = SIGNED_IN_SUBJECT_ID) -> list[str]:
    """Insert n rights requests over HTTP, 100 per mutation (rows of one mutation share the
    same instant), and return their ids in insertion order."""
    # Sixty seconds whatever the sandbox's TTL: `iat` is whole seconds, so a 1 s token can be
    # minted already almost expired.
    token = sb.mint_token(ttl=60)
    ids: list[str] = []
    with httpx.Client(timeout=10) as http:
        for start in range(0, n, 100):
            objects = [
                {"dataSubjectId": subject, "dataControllerId": ACME, "requestType": "access"}
                for _ in range(min(100, n - start))
            ]
            response = http.post(
                sb.api_url,
                json={"query": INSERT, "variables": {"objects": objects}},
                headers={"Authorization": f"Bearer {token}"},
            )
            body = response.json()
            assert "errors" not in body, body
            ids += [r["id"] for r in body["data"]["insertDataSubjectsRightsRequests"]["returning"]]
    return ids


def latest_created_at(sb: Sandbox) -> str:
    with httpx.Client(timeout=10) as http:
        body = http.post(
            sb.api_url,
            json={
                "query": "{ dataSubjectsRightsRequests(order_by: {createdAt: desc}, limit: 1)"
                " { createdAt } }"
            },
            headers={"Authorization": f"Bearer {sb.mint_token(ttl=60)}"},
        ).json()
    created: str = body["data"]["dataSubjectsRightsRequests"][0]["createdAt"]
    return created


# --- both subprotocols, end to end ---


async def test_graphql_transport_ws_end_to_end(sb: Sandbox) -> None:
    ws = await connect(ws_url(sb), subprotocols=[TWS])  # type: ignore[list-item]
    async with ws:
        assert ws.subprotocol == TWS
        token = sb.mint_token()
        await send(ws, {"type": "connection_init", "payload": {"headers": auth_headers(token)}})
        # Hasura pings from the moment the socket opens, so before it acknowledges (#9246),
        # and once more right after the ack.
        assert await recv(ws) == {"type": "ping", "payload": {"message": "keepalive"}}
        await send(ws, {"type": "pong", "payload": {"message": "keepalive"}})
        assert await recv(ws) == {"type": "connection_ack"}
        assert await recv(ws) == {"type": "ping", "payload": {"message": "keepalive"}}
        await send(ws, {"type": "ping", "payload": {"n": 1}})
        assert await recv(ws) == {"type": "pong", "payload": {"n": 1}}

        await send(ws, subscribe("live", COUNT))
        first = await recv_data(ws)
        assert first["type"] == "next" and first["id"] == "live"
        count = first["payload"]["data"]["dataSubjectsRightsRequestsAggregate"]["aggregate"]
        assert count["count"] > 0
        await send(ws, {"type": "complete", "id": "live"})

        # A query over the socket runs once, then completes.
        await send(ws, subscribe("q", "query Q { dataControllers(limit: 1) { title } }"))
        answer = await recv_data(ws)
        assert answer["type"] == "next" and answer["payload"]["data"]["dataControllers"]
        assert await recv_data(ws) == {"type": "complete", "id": "q"}

        # The completed live query sends nothing more, even after a change.
        await asyncio.to_thread(insert_requests, sb, 1)
        with pytest.raises(TimeoutError):
            await recv_data(ws, timeout=0.4)
    assert sb.stats.ws_connections == 1
    assert sb.stats.ws_subscriptions == 2
    assert sb.stats.executed("Count") == 1
    records = [r for r in sb.requests if r.method == "WS"]
    assert [r.operation_name for r in records] == [None, "Count", "Q"]
    assert all(r.session_role == "user" and r.status == 101 for r in records)
    assert records[0].has_auth
    assert token not in repr(list(sb.requests))


async def test_legacy_graphql_ws_end_to_end(sb: Sandbox) -> None:
    ws = await connect(ws_url(sb), subprotocols=[LEGACY])  # type: ignore[list-item]
    async with ws:
        assert ws.subprotocol == LEGACY
        headers = {"AUTHORIZATION": f"Bearer {sb.mint_token()}", "X-Hasura-Role": "user"}
        await send(ws, {"type": "connection_init", "payload": {"headers": headers}})
        assert await recv(ws) == {"type": "ka"}  # sent when the socket opened (#7002)
        assert await recv(ws) == {"type": "connection_ack"}
        assert await recv(ws) == {"type": "ka"}
        await send(ws, {"type": "start", "id": "1", "payload": {"query": COUNT}})
        data = await recv_data(ws)
        assert data["type"] == "data" and data["id"] == "1"
        assert data["payload"]["data"]["dataSubjectsRightsRequestsAggregate"]["aggregate"]
        await send(ws, {"type": "stop", "id": "1"})
        await send(ws, {"type": "connection_terminate"})
        assert await closed_with(ws) == (1000, "GQL_CONNECTION_TERMINATE received")


@pytest.mark.parametrize(
    ("offered", "selected"),
    [
        (None, None),  # no header: legacy graphql-ws, nothing echoed
        ([LEGACY], LEGACY),
        ([TWS, LEGACY], LEGACY),  # Hasura compares the whole header with graphql-transport-ws
        (["something-else"], None),
    ],
)
async def test_anything_but_exactly_graphql_transport_ws_is_legacy(
    sb: Sandbox, offered: list[str] | None, selected: str | None
) -> None:
    async with connect(ws_url(sb), subprotocols=offered) as ws:  # type: ignore[arg-type]
        assert ws.subprotocol == selected
        await send(ws, {"type": "connection_init", "payload": {}})
        assert await recv(ws) == {"type": "ka"}
        assert await recv(ws) == {"type": "connection_ack"}  # anonymous: no Authorization
        assert await recv(ws) == {"type": "ka"}


# --- auth ---


async def test_transport_ws_auth_failures_close_4403(sb: Sandbox) -> None:
    for headers, code in [
        ({"Authorization": "Bearer not.a.jwt"}, "invalid-jwt"),
        ({"Authorization": "Token abc"}, "invalid-headers"),
        (auth_headers(sb.mint_token(), role="admin"), "access-denied"),
    ]:
        async with connect(ws_url(sb), subprotocols=[TWS]) as ws:  # type: ignore[list-item]
            await send(ws, {"type": "connection_init", "payload": {"headers": headers}})
            assert await closed_with(ws) == (4403, '{"server_error_msg":"4403: Forbidden"}')
        assert sb.requests[-1].error_code == code


async def test_legacy_auth_failure_sends_connection_error_then_closes(sb: Sandbox) -> None:
    sb.expire_tokens()
    token = sb.mint_token()
    sb.expire_tokens()
    async with connect(ws_url(sb), subprotocols=[LEGACY]) as ws:  # type: ignore[list-item]
        await send(ws, {"type": "connection_init", "payload": {"headers": auth_headers(token)}})
        assert await recv_data(ws) == {
            "type": "connection_error",
            "payload": "Could not verify JWT: JWTExpired",
        }
        assert await closed_with(ws) == (
            4400,
            '{"server_error_msg":'
            '"4400: Connection initialization failed: Could not verify JWT: JWTExpired"}',
        )


async def test_anonymous_socket_sees_the_anonymous_schema(sb: Sandbox) -> None:
    ws = await open_socket(sb, token=None)
    async with ws:
        await send(ws, subscribe("1", COUNT))
        error = await recv_data(ws)
        assert error["type"] == "error" and error["id"] == "1"
        assert error["payload"][0]["extensions"]["code"] == "validation-failed"
    assert next(r.session_role for r in sb.requests if r.method == "WS") == "anonymous"


# --- JWT expiry ---


@pytest.mark.parametrize("close", [False, True])
async def test_socket_ends_when_the_jwt_expires_by_the_injected_clock(close: bool) -> None:
    """Hasura's default: no close frame (1006). `jwt_expiry_close=True`: the old 4400 close."""
    now = [time.time()]
    with Sandbox(clock=lambda: now[0], jwt_expiry_close=close) as sandbox:
        token = sandbox.mint_token(ttl=60)
        modern = await open_socket(sandbox, TWS, token=token)
        legacy = await open_socket(sandbox, LEGACY, token=token)
        await send(modern, subscribe("1", COUNT))
        assert (await recv_data(modern))["type"] == "next"
        now[0] += 59
        with pytest.raises(TimeoutError):
            await recv_data(modern, timeout=0.3)  # still valid: nothing but the socket
        now[0] += 2
        reason = '{"server_error_msg":"4400: Could not verify JWT: JWTExpired"}'
        expected = (4400, reason) if close else (None, None)
        assert await closed_with(modern, 2) == expected
        if close:
            assert await recv_data(legacy) == {
                "type": "connection_error",
                "payload": "Could not verify JWT: JWTExpired",
            }
        assert await closed_with(legacy, 2) == expected


async def test_expire_tokens_ends_open_sockets_without_a_close_frame(sb: Sandbox) -> None:
    ws = await open_socket(sb)
    sb.expire_tokens()
    assert await closed_with(ws, 2) == (None, None)
    assert ws.close_code == 1006


# --- live queries ---


async def test_live_query_is_pushed_by_the_change_not_by_a_poll(
    sb: Sandbox, socket: ClientConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the safety poll pushed out to a minute, an update that arrives at all was pushed by
    # the store's change feed, so its latency is processing time, not a polling period.
    # (The measured latency is reported by `make soak`, not asserted here.)
    monkeypatch.setattr(_ws, "SAFETY_POLL_INTERVAL", 60.0)
    await send(socket, subscribe("live", COUNT))
    first = await recv_data(socket)
    before = first["payload"]["data"]["dataSubjectsRightsRequestsAggregate"]["aggregate"]["count"]
    await asyncio.to_thread(insert_requests, sb, 1)
    update = await recv_data(socket, timeout=10.0)
    after = update["payload"]["data"]["dataSubjectsRightsRequestsAggregate"]["aggregate"]["count"]
    assert after == before + 1


async def test_live_query_sends_only_changes(sb: Sandbox, socket: ClientConnection) -> None:
    query = """subscription Ctl { dataControllers(order_by: {title: asc}) { title } }"""
    await send(socket, subscribe("1", query))
    assert (await recv_data(socket))["type"] == "next"
    # A write to another table re-evaluates the query, but an equal result is not sent again.
    await asyncio.to_thread(insert_requests, sb, 1)
    with pytest.raises(TimeoutError):
        await recv_data(socket, timeout=0.5)


async def test_many_concurrent_subscriptions_all_see_an_update(sb: Sandbox) -> None:
    sockets = [await open_socket(sb, TWS if i % 2 else LEGACY) for i in range(10)]
    try:
        for ws in sockets:
            for n in range(5):
                await send(
                    ws,
                    {
                        "type": "subscribe" if ws.subprotocol == TWS else "start",
                        "id": str(n),
                        "payload": {"query": COUNT},
                    },
                )
        for ws in sockets:
            for _ in range(5):
                assert (await recv_data(ws))["type"] in ("next", "data")
        await asyncio.to_thread(insert_requests, sb, 1)

        async def five(ws: ClientConnection) -> list[dict[str, Any]]:
            return [await recv_data(ws, timeout=2.0) for _ in range(5)]

        updates = [u for batch in await asyncio.gather(*map(five, sockets)) for u in batch]
        assert len(updates) == 50
        assert {u["type"] for u in updates} <= {"next", "data"}
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets))
    assert sb.stats.ws_connections == 10
    assert sb.stats.ws_subscriptions == 50


# --- streaming subscriptions ---


async def collect_rows(
    ws: ClientConnection, want: int, timeout: float, batch: int
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(rows) < want:
        message = await recv_data(ws, max(0.01, deadline - time.monotonic()))
        assert message["type"] == "next", message
        got = message["payload"]["data"]["dataSubjectsRightsRequestsStream"]
        assert 0 < len(got) <= batch
        rows += got
    return rows


async def test_stream_delivers_inserted_rows_exactly_once_in_order(
    sb: Sandbox, socket: ClientConnection
) -> None:
    start = latest_created_at(sb)
    await send(socket, subscribe("s", STREAM, after=start, batch=7))
    with pytest.raises(TimeoutError):
        await recv_data(socket, timeout=0.2)  # nothing past the cursor yet
    inserting = asyncio.ensure_future(asyncio.to_thread(insert_requests, sb, 1000))
    rows = await collect_rows(socket, 1000, timeout=10, batch=7)
    ids = await inserting
    assert [r["id"] for r in rows] == ids  # all of them, once each, in insertion order
    stamps = [r["createdAt"] for r in rows]
    assert stamps == sorted(stamps) and len(set(stamps)) == 1000  # strictly increasing
    with pytest.raises(TimeoutError):
        await recv_data(socket, timeout=0.2)

    # Resuming from the cursor of row 500 yields exactly the rows after it.
    await send(socket, subscribe("resume", STREAM, after=stamps[499], batch=100))
    resumed = await collect_rows(socket, 500, timeout=5, batch=100)
    assert [r["id"] for r in resumed] == ids[500:]


async def test_stream_applies_the_roles_permissions(sb: Sandbox) -> None:
    start = latest_created_at(sb)
    token = sb.mint_token(DATA_SUBJECT_USER_ID)
    ws = await open_socket(sb, token=token)
    async with ws:
        await send(ws, subscribe("s", STREAM, after=start, batch=10))
        mine = await asyncio.to_thread(insert_requests, sb, 3)
        await asyncio.to_thread(insert_requests, sb, 3, OTHER_SUBJECT_ID)
        rows = await collect_rows(ws, 3, timeout=3, batch=10)
        assert [r["id"] for r in rows] == mine
        assert {r["dataSubjectId"] for r in rows} == {SIGNED_IN_SUBJECT_ID}
        with pytest.raises(TimeoutError):
            await recv_data(ws, timeout=0.3)


async def test_stream_descending_from_a_value_and_null_cursor(
    sb: Sandbox, socket: ClientConnection
) -> None:
    desc = STREAM.replace("ordering: ASC", "ordering: DESC")
    await send(socket, subscribe("d", desc, after="2100-01-01T00:00:00Z", batch=2))
    first = await recv_data(socket)
    stamps = [r["createdAt"] for r in first["payload"]["data"]["dataSubjectsRightsRequestsStream"]]
    assert stamps == sorted(stamps, reverse=True)
    await send(socket, {"type": "complete", "id": "d"})
    await send(socket, subscribe("n", STREAM, after=None, batch=1000))
    everything = await recv_data(socket)
    while everything["id"] == "d":  # batches sent before the complete arrived
        everything = await recv_data(socket)
    assert everything["id"] == "n"
    assert len(everything["payload"]["data"]["dataSubjectsRightsRequestsStream"]) > 2


# --- errors ---


async def test_validation_errors_answer_an_error_message(sb: Sandbox) -> None:
    modern = await open_socket(sb, TWS)
    legacy = await open_socket(sb, LEGACY)
    async with modern, legacy:
        bad = "subscription { nope { id } }"
        await send(modern, subscribe("1", bad))
        expected = [
            {
                "message": "field 'nope' not found in type: 'subscription_root'",
                "extensions": {"path": "$.selectionSet.nope", "code": "validation-failed"},
            }
        ]
        assert await recv_data(modern) == {"type": "error", "id": "1", "payload": expected}
        await send(legacy, {"type": "start", "id": "1", "payload": {"query": bad}})
        assert await recv_data(legacy) == {
            "type": "error",
            "id": "1",
            "payload": {"errors": expected},
        }
    assert sb.stats.ws_subscriptions == 0


async def test_execution_errors_arrive_in_a_next(sb: Sandbox, socket: ClientConnection) -> None:
    query = """subscription One($id: uuid!) {
      dataSubjectsRightsRequests(where: {id: {_eq: $id}}) { id } }"""
    await send(socket, subscribe("1", query, id="not-a-uuid"))
    message = await recv_data(socket)
    assert message == {
        "type": "next",
        "id": "1",
        "payload": {
            "errors": [
                {
                    "message": 'invalid input syntax for type uuid: "not-a-uuid"',
                    "extensions": {"path": "$", "code": "data-exception"},
                }
            ]
        },
    }


def test_a_long_close_reason_is_shortened_inside_the_json() -> None:
    """RFC 6455 caps a reason at 123 bytes; the sandbox cuts the message, not the JSON."""
    reason = _ws.close_reason("4400: Parsing client message failed: " + "\u00e9" * 200)
    size = len(reason.encode())
    # As long as fits: one more two-byte character would not.
    assert 121 < size <= 123
    assert json.loads(reason)["server_error_msg"].startswith("4400: Parsing client message")


async def test_protocol_errors_close_with_hasura_codes(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with connect(ws_url(sb), subprotocols=[TWS]) as ws:  # type: ignore[list-item]
        await send(ws, subscribe("1", COUNT))
        assert await closed_with(ws) == (4401, '{"server_error_msg":"4401: Unauthorized"}')
    ws = await open_socket(sb)
    await send(ws, subscribe("1", COUNT))
    await send(ws, subscribe("1", COUNT))
    code, reason = await closed_with(ws)
    assert (code, reason) == (
        4409,
        '{"server_error_msg":"4409: Subscriber for 1 already exists"}',
    )
    ws = await open_socket(sb)
    await ws.send("{not json")
    code, reason = await closed_with(ws)
    assert code == 4400 and reason is not None
    assert json.loads(reason)["server_error_msg"].startswith("4400: Parsing client")
    ws = await open_socket(sb)
    await send(ws, {"type": "connection_init", "payload": {}})
    assert await closed_with(ws) == (
        4429,
        '{"server_error_msg":"4429: Too many requests"}',
    )
    monkeypatch.setattr(_ws, "CONNECTION_INIT_TIMEOUT", 0.2)
    async with connect(ws_url(sb), subprotocols=[TWS]) as ws:  # type: ignore[list-item]
        assert await closed_with(ws) == (
            4408,
            '{"server_error_msg":"4408: Connection initialisation timeout"}',
        )


async def test_legacy_start_before_init_is_an_error(sb: Sandbox) -> None:
    async with connect(ws_url(sb), subprotocols=[LEGACY]) as ws:  # type: ignore[list-item]
        await send(ws, {"type": "start", "id": "1", "payload": {"query": COUNT}})
        message = await recv_data(ws)
        assert message["type"] == "error"
        assert message["payload"]["errors"][0]["message"] == (
            "start received before the connection is initialised"
        )


# --- faults ---


async def test_drop_fault_cuts_the_socket_after_n_data_messages(sb: Sandbox) -> None:
    sb.faults.inject("ws", "drop", after_messages=3, count=1)
    assert sb.faults.pending() == 1
    ws = await open_socket(sb)
    await send(ws, subscribe("s", STREAM, after=None, batch=1))
    for _ in range(3):
        assert (await recv_data(ws))["type"] == "next"
    assert await closed_with(ws) == (None, None)  # no close frame: a dropped connection
    assert sb.faults.pending() == 0
    # The fault was for one connection only.
    ws = await open_socket(sb)
    async with ws:
        await send(ws, subscribe("s", STREAM, after=None, batch=1))
        for _ in range(5):
            assert (await recv_data(ws))["type"] == "next"


async def test_drop_sockets_every_n_messages_until_cleared(sb: Sandbox) -> None:
    sb.faults.drop_sockets_every(2)
    for _ in range(3):
        ws = await open_socket(sb, LEGACY)
        variables = {"batch": 1, "after": None}
        await send(
            ws, {"type": "start", "id": "s", "payload": {"query": STREAM, "variables": variables}}
        )
        assert (await recv_data(ws))["type"] == "data"
        assert (await recv_data(ws))["type"] == "data"
        assert await closed_with(ws) == (None, None)
    sb.faults.clear()
    ws = await open_socket(sb)
    async with ws:
        await send(ws, subscribe("s", STREAM, after=None, batch=1))
        for _ in range(4):
            assert (await recv_data(ws))["type"] == "next"


def test_ws_fault_validation_and_spec() -> None:
    from dxtra_typed.sandbox._faults import Fault, FaultPlan, parse_fault_spec

    fault = parse_fault_spec("ws:drop:after_messages=100:count=5")
    assert (fault.endpoint, fault.kind, fault.after_messages, fault.count) == ("ws", "drop", 100, 5)
    with pytest.raises(ValueError, match="kind drop"):
        Fault("ws", "status")
    with pytest.raises(ValueError, match="ws faults only"):
        Fault("graphql", "drop", after_messages=1)
    plan = FaultPlan()
    plan.inject("any", "status")  # HTTP faults never touch sockets
    assert plan.take_ws_drop() is None
    with pytest.raises(ValueError):
        plan.drop_sockets_every(0)


# --- shutdown ---


async def test_stop_closes_open_sockets_with_1001_promptly() -> None:
    sandbox = Sandbox().start()
    try:
        sockets = [await open_socket(sandbox, TWS if i % 2 else LEGACY) for i in range(4)]
        for ws in sockets:
            kind = "subscribe" if ws.subprotocol == TWS else "start"
            await send(ws, {"type": kind, "id": "1", "payload": {"query": COUNT}})
            await recv_data(ws)
        # Bounded, not timed: stop() must return, and close every socket with 1001.
        await asyncio.wait_for(asyncio.to_thread(sandbox.stop), timeout=15)
        for ws in sockets:
            assert await closed_with(ws) == (1001, "server shutting down")
            await ws.close()
    finally:
        sandbox.stop()
    assert not sandbox.running


# --- the command line ---


def test_cli_ws_fault_flags_parse() -> None:
    from dxtra_typed.cli import build_parser

    args = build_parser().parse_args(
        ["sandbox", "--ws-drop-every", "100", "--fault", "ws:drop:after_messages=3:count=2"]
    )
    assert args.ws_drop_every == 100
    assert [(f.endpoint, f.after_messages, f.count) for f in args.faults] == [("ws", 3, 2)]


async def test_cli_ws_drop_every_cuts_sockets() -> None:
    proc = start([sys.executable, "-m", "dxtra_typed.sandbox", "--ws-drop-every", "2"])
    try:
        exports = await asyncio.wait_for(asyncio.to_thread(read_exports, proc), READY_TIMEOUT)
        async with httpx.AsyncClient(timeout=10) as http:
            session = (
                await http.post(
                    exports["DXTRA_AUTH_URL"] + "/v1/signin/pat",
                    json={"personalAccessToken": exports["DXTRA_API_KEY"]},
                )
            ).json()["session"]
        url = exports["DXTRA_API_URL"].replace("http://", "ws://")
        ws = await connect(url, subprotocols=[TWS])  # type: ignore[list-item]
        headers = auth_headers(session["accessToken"])
        await send(ws, {"type": "connection_init", "payload": {"headers": headers}})
        await send(ws, subscribe("s", STREAM, after=None, batch=1))
        kinds = [(await recv_data(ws))["type"] for _ in range(3)]
        assert kinds == ["connection_ack", "next", "next"]
        assert await closed_with(ws) == (None, None)
        proc.terminate()
        assert await asyncio.to_thread(proc.wait, READY_TIMEOUT) == 0
    finally:
        reap(proc)


# --- the acceptance scenario, on the raw protocol ---


async def test_resuming_client_gets_every_row_once_through_drops_and_expiry() -> None:
    """What the client must do, done by hand: 1 s JWTs, sockets cut every 30 messages, and a
    reconnect that resumes from the last cursor seen loses and repeats nothing."""
    with Sandbox(access_token_ttl=1) as sandbox:
        start = latest_created_at(sandbox)
        sandbox.faults.drop_sockets_every(30)

        def insert_slowly() -> list[str]:
            ids: list[str] = []
            for _ in range(12):
                ids += insert_requests(sandbox, 50)
                time.sleep(0.1)
            return ids

        inserting = asyncio.ensure_future(asyncio.to_thread(insert_slowly))
        rows: list[dict[str, Any]] = []
        ends: list[int | None] = []
        cursor = start
        deadline = time.monotonic() + 15
        while len(rows) < 600 and time.monotonic() < deadline:
            try:
                ws = await open_socket(sandbox, TWS if len(ends) % 2 else LEGACY)
            except (ConnectionClosed, AssertionError):
                # A 1 s JWT can be minted with `exp` a moment away (whole-second `iat`).
                continue
            kind = "subscribe" if ws.subprotocol == TWS else "start"
            variables = {"after": cursor, "batch": 5}
            await send(
                ws, {"type": kind, "id": "s", "payload": {"query": STREAM, "variables": variables}}
            )
            try:
                while len(rows) < 600:
                    message = await recv_data(ws, max(0.01, deadline - time.monotonic()))
                    if message["type"] == "connection_error":
                        continue  # legacy announces the expiry before closing
                    got = message["payload"]["data"]["dataSubjectsRightsRequestsStream"]
                    rows += got
                    cursor = got[-1]["createdAt"]
            except ConnectionClosed as exc:
                ends.append(exc.rcvd.code if exc.rcvd is not None else None)
            await ws.close()
        ids = await inserting
    assert [r["id"] for r in rows] == ids
    assert len(ends) >= 2 and set(ends) <= {None, 4400}
