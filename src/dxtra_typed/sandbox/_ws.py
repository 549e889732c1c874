"""Hasura's WebSocket transport on `/v1/graphql`: live queries and streaming subscriptions.

Behaviour follows Hasura v2's server (`Hasura.GraphQL.Transport.WebSocket*`):

* Subprotocol. Hasura reads the `Sec-WebSocket-Protocol` header as one string: exactly
  `graphql-transport-ws` selects that protocol; anything else (absent, `graphql-ws`, an unknown
  name, or *several* offers such as `graphql-transport-ws, graphql-ws`) selects the legacy Apollo
  `graphql-ws`. Hasura then echoes the protocol's name even when the client never offered it;
  the sandbox echoes `graphql-ws` only when offered, since an RFC 6455 client must fail a
  handshake that selects a protocol it did not offer.
* Close reasons are what Hasura's `encodeServerErrorMsg` writes: JSON
  `{"server_error_msg": "<code>: <text>"}` (`WebSocket/Protocol.hs`), e.g.
  `{"server_error_msg":"4403: Forbidden"}`; only `connection_terminate`'s 1000 close and the
  sandbox's own 1001 at shutdown carry plain text, as Hasura's `closeConn` does.
* Auth happens once, from `connection_init.payload.headers` (keys case-insensitive), with the HTTP
  front's rules. A refusal closes a `graphql-transport-ws` socket with 4403 `4403: Forbidden`;
  on legacy `graphql-ws` it sends `connection_error` (the message as payload) and closes with 4400
  `4400: Connection initialization failed: <message>`.
* When the JWT expires (its `exp` by the issuer's clock, or `Sandbox.expire_tokens()`), Hasura's
  expiry action simply returns and the connection ends with no close frame (`WebSocket/Server.hs`:
  `waitAnyCancel` ... `EJwtExpired`), so the client sees an abnormal closure (1006). The sandbox
  cuts the TCP connection the same way. `jwt_expiry_close=True` restores the old behaviour: close
  4400 `Could not verify JWT: JWTExpired` (legacy: after a `connection_error`).
* Keep-alives start when the socket opens (`Server.hs` runs the keep-alive thread from accept):
  a `ka` (legacy, hasura/graphql-engine#7002) or a `ping` `{"message": "keepalive"}`
  (graphql-transport-ws, #9246) goes out at once and every KEEPALIVE_INTERVAL, so one can arrive
  before `connection_ack`; `onConnInit` sends one more right after the ack. Client pings get
  pongs. Protocol errors close with the sandbox's codes: 4400 (bad message), 4401 (subscribe
  before ack), 4408 (no connection_init in time), 4409 (duplicate id), 4429 (second
  connection_init), with Hasura's `ServerErrorCode` texts.
* Validation errors answer `error` (transport-ws payload: the errors list; legacy payload:
  `{"errors": [...]}`). Errors while evaluating a subscription arrive as a `next`/`data` whose
  payload is `{"errors": [...]}`. A query or mutation sent over the socket runs once, then
  `complete`.
* Live queries run when subscribed and again whenever the store changes (at most every
  MIN_REEVALUATION_INTERVAL, and every SAFETY_POLL_INTERVAL regardless), and send only a result
  that differs from the last one sent.
* Streams send rows past the cursor in batches of at most `batch_size`, one message per non-empty
  batch; full batches follow each other at once, then new rows are sent as they are committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from ._exact_json import dumps as exact_dumps
from ._exact_json import loads as exact_loads
from ._hasura_errors import HasuraError
from ._session import resolve_session
from ._tokens import TokenRejected

if TYPE_CHECKING:
    from ._auth_routes import AuthService
    from ._faults import FaultPlan
    from ._request_log import RequestLog

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
# Hasura's defaults: HASURA_GRAPHQL_WEBSOCKET_KEEPALIVE 5 s, ..._CONNECTION_INIT_TIMEOUT 3 s.
KEEPALIVE_INTERVAL = 5.0
CONNECTION_INIT_TIMEOUT = 3.0
# Live queries and streams: at most 10 change-driven evaluations a second per subscription, and
# one a second even without a change notice (Hasura's refetch interval), in case a write
# bypassed the store's change feed.
MIN_REEVALUATION_INTERVAL = 0.1
SAFETY_POLL_INTERVAL = 1.0
EXPIRY_CHECK_INTERVAL = 0.05
KEEPALIVE_PAYLOAD = {"message": "keepalive"}
EXPIRED_MESSAGE = "4400: Could not verify JWT: JWTExpired"
GOING_AWAY = (1001, "server shutting down")
TERMINATED = (1000, "GQL_CONNECTION_TERMINATE received")
# A close frame's reason is at most 123 bytes of UTF-8.
MAX_REASON_BYTES = 123


def close_reason(message: str) -> str:
    """Hasura's close reason: `{"server_error_msg": message}` as compact JSON, at most 123 bytes.

    Hasura does not shorten a long message (its close frame then breaks RFC 6455); the sandbox
    shortens the message inside, so the reason stays valid JSON.
    """
    text = message
    while True:
        reason = json.dumps({"server_error_msg": text}, separators=(",", ":"), ensure_ascii=False)
        if len(reason.encode()) <= MAX_REASON_BYTES:
            return reason
        text = text[:-1]


EXPIRED_REASON = close_reason(EXPIRED_MESSAGE)

_log = logging.getLogger(__name__)


class WebSocketHub:
    """The ASGI endpoint for WebSocket upgrades on /v1/graphql and the registry of open sockets."""

    def __init__(
        self,
        auth: AuthService,
        engine: Any,
        make_session: Callable[[str, str | None], Any],
        log: RequestLog,
        faults: FaultPlan,
        *,
        unauthorized_role: str | None,
        jwt_expiry_close: bool = False,
    ) -> None:
        self.auth = auth
        self.unauthorized_role = unauthorized_role
        self.jwt_expiry_close = jwt_expiry_close
        self.engine = engine
        self.make_session = make_session
        self.log = log
        self.faults = faults
        self.connections: set[_Connection] = set()
        self._store = getattr(engine, "store", None)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Future[None]] = set()
        self._listening = False

    # --- the store's change feed, bridged onto the server's loop ---

    def version(self) -> int:
        return int(getattr(self._store, "version", 0))

    def _on_change(self) -> None:
        # Called by the store from whichever thread committed the write.
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def wait_change(self, seen: int, timeout: float) -> None:
        """Return once the store's version is no longer `seen`, or after `timeout` seconds."""
        if self.version() != seen:
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(fut)
        try:
            if self.version() == seen:
                await asyncio.wait({fut}, timeout=timeout)
        finally:
            self._waiters.discard(fut)

    def _attach(self) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        add = getattr(self._store, "add_listener", None)
        if not self._listening and callable(add):
            add(self._on_change)
            self._listening = True

    def detach(self) -> None:
        remove = getattr(self._store, "remove_listener", None)
        if self._listening and callable(remove):
            remove(self._on_change)
        self._listening = False

    # --- lifecycle ---

    def shutdown(self, timeout: float = 2.0) -> None:
        """From any thread but the loop's: close every open socket with 1001 and wait."""
        loop = self._loop
        try:
            if loop is None or loop.is_closed() or not self.connections:
                return
            future = asyncio.run_coroutine_threadsafe(self._close_all(timeout), loop)
            try:
                future.result(timeout + 1.0)
            except Exception:
                future.cancel()
        finally:
            self.detach()

    async def _close_all(self, timeout: float) -> None:
        connections = list(self.connections)
        for conn in connections:
            await conn.close(*GOING_AWAY)
        waits = [asyncio.ensure_future(c.stopped.wait()) for c in connections]
        if waits:
            _done, pending = await asyncio.wait(waits, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._attach()
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        offered = [v for k, v in scope.get("headers", []) if k.lower() == b"sec-websocket-protocol"]
        echo: str | None
        if len(offered) == 1 and offered[0].decode("latin-1").strip() == TRANSPORT_WS:
            protocol, echo = TRANSPORT_WS, TRANSPORT_WS
        else:
            protocol = LEGACY_WS
            echo = LEGACY_WS if LEGACY_WS in scope.get("subprotocols", []) else None
        accept: dict[str, Any] = {"type": "websocket.accept"}
        if echo is not None:
            accept["subprotocol"] = echo
        await send(accept)
        self.auth.stats.bump("ws_connections")
        conn = _Connection(self, scope, receive, send, protocol)
        self.connections.add(conn)
        try:
            await conn.run()
        finally:
            self.connections.discard(conn)


class _Connection:
    def __init__(
        self, hub: WebSocketHub, scope: Scope, receive: Receive, send: Send, protocol: str
    ) -> None:
        self.hub = hub
        self.scope = scope
        self.receive = receive
        self._send = send
        self.modern = protocol == TRANSPORT_WS
        self.session: Any = None
        self.token: str | None = None
        self.initialised = False
        self.closed = False
        self.stopped = asyncio.Event()
        self._finished = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._ops: dict[str, asyncio.Task[None]] = {}
        self._drop_after: int | None = None
        self._data_sent = 0
        self.pongs = 0

    # --- plumbing ---

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def run(self) -> None:
        # The first keep-alive goes out before anything is read: Hasura's thread starts on accept.
        await self.send_json(self._keepalive_message())
        self._spawn(self._keepalive_after_first())
        self._spawn(self._read_loop())
        if self.modern:
            self._spawn(self._init_timeout())
        try:
            await self._finished.wait()
        finally:
            self.closed = True
            tasks = [*self._tasks, *self._ops.values()]
            current = asyncio.current_task()
            for task in tasks:
                if task is not current:
                    task.cancel()
            await asyncio.gather(*(t for t in tasks if t is not current), return_exceptions=True)
            self.stopped.set()

    async def _read_loop(self) -> None:
        try:
            while not self.closed:
                message = await self.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message["type"] != "websocket.receive":
                    continue
                text = message.get("text")
                if text is None:
                    raw = message.get("bytes") or b""
                    try:
                        text = raw.decode()
                    except UnicodeDecodeError:
                        text = ""
                await self._handle(text)
        except Exception:
            if not self.closed:
                _log.exception("sandbox websocket reader failed")
        finally:
            self.closed = True
            self._finished.set()

    async def send_json(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self._send_unlocked(message)

    async def _send_unlocked(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        try:
            await self._send({"type": "websocket.send", "text": exact_dumps(message)})
        except Exception:
            # The peer went away mid-send: the reader sees the disconnect and ends the socket.
            self.closed = True
            self._finished.set()

    async def send_data(self, op_id: str, payload: dict[str, Any]) -> None:
        """A `next` (legacy: `data`) message; the WebSocket drop fault counts these."""
        async with self._send_lock:
            if self.closed:
                return
            kind = "next" if self.modern else "data"
            await self._send_unlocked({"type": kind, "id": op_id, "payload": payload})
            self._data_sent += 1
            if self._drop_after is not None and self._data_sent >= self._drop_after:
                await self._drop()

    async def close_error(self, code: int, message: str) -> None:
        """Close the way Hasura's `sendCloseWithMsg` does: the reason is JSON."""
        await self.close(code, close_reason(message))

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        reason = reason.encode()[:MAX_REASON_BYTES].decode(errors="ignore")
        with contextlib.suppress(Exception):
            await self._send({"type": "websocket.close", "code": code, "reason": reason})
        self._finished.set()

    async def _drop(self) -> None:
        """Cut the TCP connection with no close frame, as a failing network does."""
        self.closed = True
        self._finished.set()
        # uvicorn's `receive` is a bound method of its protocol, which holds the transport.
        transport = getattr(getattr(self.receive, "__self__", None), "transport", None)
        if transport is not None:
            transport.close()
            return
        with contextlib.suppress(Exception):
            await self._send({"type": "websocket.close", "code": 1011, "reason": "dropped"})

    def _record(
        self,
        *,
        operation_name: str | None = None,
        error_code: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        handshake = Headers(scope=self.scope)
        self.hub.log._append(
            method="WS",
            path=self.scope.get("path", ""),
            status=101,
            role_header=headers.get("x-hasura-role") if headers is not None else None,
            has_auth=headers is not None and "authorization" in headers,
            operation_name=operation_name,
            retry_count=None,
            request_id=str(uuid.uuid4()),
            session_role=getattr(self.session, "role", None),
            error_code=error_code,
            user_agent=handshake.get("user-agent"),
            content_type=None,
            fault=None,
        )

    # --- timers ---

    async def _init_timeout(self) -> None:
        await asyncio.sleep(CONNECTION_INIT_TIMEOUT)
        if not self.initialised:
            await self.close_error(4408, "4408: Connection initialisation timeout")

    def _keepalive_message(self) -> dict[str, Any]:
        return {"type": "ping", "payload": KEEPALIVE_PAYLOAD} if self.modern else {"type": "ka"}

    async def _keepalive_after_first(self) -> None:
        # Like Hasura's keep-alive thread: send, then sleep, from the moment the socket opens
        # (run() sent the first one).
        while not self.closed:
            await asyncio.sleep(KEEPALIVE_INTERVAL)
            await self.send_json(self._keepalive_message())

    async def _watch_expiry(self, token: str) -> None:
        issuer = self.hub.auth.issuer
        while not self.closed:
            await asyncio.sleep(EXPIRY_CHECK_INTERVAL)
            try:
                issuer.verify(token)
            except TokenRejected as exc:
                if not self.hub.jwt_expiry_close:
                    # Hasura: the expiry action returns and nothing is sent, not even a close.
                    async with self._send_lock:
                        await self._drop()
                    return
                if not self.modern:
                    await self.send_json({"type": "connection_error", "payload": exc.message})
                await self.close_error(4400, f"4400: {exc.message}")
                return

    # --- messages ---

    async def _handle(self, text: str) -> None:
        try:
            message = exact_loads(text)
            kind = message["type"]
            if not isinstance(kind, str):
                raise TypeError("type")
        except (ValueError, KeyError, TypeError) as exc:
            await self._bad_message(f"parsing ClientMessage failed: {exc}")
            return
        if kind == "connection_init":
            await self._connection_init(message.get("payload"))
        elif kind in ("subscribe", "start"):
            await self._start(message)
        elif kind in ("complete", "stop"):
            op = self._ops.pop(str(message.get("id")), None)
            if op is not None:
                op.cancel()
        elif kind == "ping" and self.modern:
            pong: dict[str, Any] = {"type": "pong"}
            if message.get("payload") is not None:
                pong["payload"] = message["payload"]
            await self.send_json(pong)
        elif kind == "pong" and self.modern:
            self.pongs += 1
        elif kind == "connection_terminate" and not self.modern:
            await self.close(*TERMINATED)
        else:
            await self._bad_message(f"unexpected type for ClientMessage: {kind}")

    async def _bad_message(self, detail: str) -> None:
        if self.modern:
            await self.close_error(4400, f"4400: Parsing client message failed: {detail}")
        else:
            await self.send_json({"type": "connection_error", "payload": detail})

    async def _connection_init(self, payload: Any) -> None:
        if self.initialised:
            if self.modern:
                await self.close_error(4429, "4429: Too many requests")
            return
        raw = payload.get("headers") if isinstance(payload, dict) else None
        # Starlette's Headers lower-cases the names: Hasura reads them case-insensitively.
        headers = Headers(
            headers={str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}
        )
        try:
            role, user_id = resolve_session(
                headers, self.hub.auth.issuer, self.hub.unauthorized_role
            )
        except HasuraError as exc:
            self._record(error_code=exc.code, headers=headers)
            if self.modern:
                await self.close_error(4403, "4403: Forbidden")
            else:
                await self.send_json({"type": "connection_error", "payload": exc.message})
                await self.close_error(
                    4400, f"4400: Connection initialization failed: {exc.message}"
                )
            return
        self.session = self.hub.make_session(role, user_id)
        self.initialised = True
        self._record(headers=headers)
        authorization = headers.get("authorization")
        if authorization is not None:
            self._spawn(self._watch_expiry(authorization.split(" ", 1)[1]))
        self._drop_after = self.hub.faults.take_ws_drop()
        # Hasura's onConnInit: the ack, then one keep-alive at once.
        await self.send_json({"type": "connection_ack"})
        await self.send_json(self._keepalive_message())
        if self._drop_after == 0:
            async with self._send_lock:
                await self._drop()

    async def _start(self, message: dict[str, Any]) -> None:
        op_id = message.get("id")
        if not isinstance(op_id, str):
            await self._bad_message("the key 'id' was not present")
            return
        if not self.initialised:
            if self.modern:
                await self.close_error(4401, "4401: Unauthorized")
            else:
                await self._send_error(
                    op_id,
                    [
                        {
                            "extensions": {"path": "$", "code": "start-failed"},
                            "message": "start received before the connection is initialised",
                        }
                    ],
                )
            return
        if op_id in self._ops:
            if self.modern:
                await self.close_error(4409, f"4409: Subscriber for {op_id} already exists")
            return
        task = asyncio.ensure_future(self._operation(op_id, message.get("payload")))
        self._ops[op_id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._ops.get(op_id) is done:
                del self._ops[op_id]

        task.add_done_callback(forget)

    async def _send_error(self, op_id: str, errors: list[Any]) -> None:
        payload: Any = errors if self.modern else {"errors": errors}
        await self.send_json({"type": "error", "id": op_id, "payload": payload})

    async def _operation(self, op_id: str, payload: Any) -> None:
        try:
            await self._run_operation(op_id, payload)
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("sandbox websocket operation failed")

    async def _run_operation(self, op_id: str, payload: Any) -> None:
        engine = self.hub.engine
        prepare = getattr(engine, "prepare", None)
        if not callable(prepare):
            await self._send_error(
                op_id,
                [
                    {
                        "extensions": {"path": "$", "code": "not-supported"},
                        "message": "this sandbox engine does not serve subscriptions",
                    }
                ],
            )
            return
        prepared = prepare(payload, self.session)
        if isinstance(prepared, dict):
            errors = prepared.get("errors") or []
            self._record(error_code=_first_code(errors))
            await self._send_error(op_id, errors)
            return
        self.hub.auth.stats.bump("ws_subscriptions")
        self.hub.auth.stats.count_executed(prepared.name)
        self._record(operation_name=prepared.name)
        if prepared.kind == "once":
            result = engine.run(prepared)
            if "errors" in result and self.modern:
                await self._send_error(op_id, result["errors"])
                return
            await self.send_data(op_id, result)
            await self.send_json({"type": "complete", "id": op_id})
            return
        if prepared.kind == "stream":
            await self._stream(op_id, prepared)
        else:
            await self._live(op_id, prepared)

    async def _pace(self, last_run: float) -> float:
        loop = asyncio.get_running_loop()
        wait = last_run + MIN_REEVALUATION_INTERVAL - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        return loop.time()

    async def _live(self, op_id: str, prepared: Any) -> None:
        hub, engine = self.hub, self.hub.engine
        last_sent: dict[str, Any] | None = None
        last_run = -MIN_REEVALUATION_INTERVAL
        while not self.closed:
            last_run = await self._pace(last_run)
            seen = hub.version()
            result = engine.run(prepared)
            if result != last_sent:
                last_sent = result
                await self.send_data(op_id, result)
            await hub.wait_change(seen, SAFETY_POLL_INTERVAL)

    async def _stream(self, op_id: str, prepared: Any) -> None:
        from ._engine import StreamState

        hub, engine = self.hub, self.hub.engine
        state = StreamState()
        last_error: dict[str, Any] | None = None
        last_run = -MIN_REEVALUATION_INTERVAL
        while not self.closed:
            seen = hub.version()
            state.count = 0
            result = engine.run(prepared, state)
            if "errors" in result:
                if result != last_error:
                    last_error = result
                    await self.send_data(op_id, result)
            elif state.count:
                state.after, state.started = state.last, True
                await self.send_data(op_id, result)
                if state.count >= state.batch_size:
                    # More rows are waiting: the next batch follows at once.
                    await asyncio.sleep(0)
                    continue
            await hub.wait_change(seen, SAFETY_POLL_INTERVAL)
            last_run = await self._pace(last_run)


def _first_code(errors: list[Any]) -> str | None:
    for error in errors:
        code = error.get("extensions", {}).get("code") if isinstance(error, dict) else None
        if isinstance(code, str):
            return code
    return None
