"""GraphQL subscriptions over WebSockets that never silently lose or repeat an event.

What ariadne-codegen's stock ``execute_ws`` lacks, and this module adds (docs/design.md,
"Subscriptions"):

- **Auth per connection.** Hasura checks the JWT once, in ``connection_init``; the payload is
  ``{"headers": {"Authorization": "Bearer <jwt>", "x-hasura-role": role}}`` with a token taken
  from the client's cache on *every* (re)connect, so it is always fresh. Tokenless roles send
  no Authorization.
- **Both subprotocols.** ``graphql-transport-ws`` and the legacy ``graphql-ws`` are offered;
  whichever the server picks is spoken. Pings are answered, also before ``connection_ack``.
- **Nothing dropped.** ``errors`` inside ``next``/``data`` and ``error`` messages raise the
  typed errors of ``_errors``; a ``next`` with null data, invalid JSON or an unknown message
  type raise ``SubscriptionProtocolError``.
- **Reconnect and resume.** When the socket closes before a ``complete`` (JWT expiry, which
  Hasura signals by no close frame at all (1006), network drop, server restart: any close code
  but 4400/4409, which raise ``SubscriptionProtocolError`` unless their reason names the JWT),
  a new socket is opened with a token from the cache (the old one invalidated when the close
  or error says it expired, or when graphql-transport-ws refuses ``connection_init`` with its
  bare 4403) and the operation subscribed again. For a streaming subscription (a variable
  holding ``[{initial_value: {...}}]``) the cursor's ``initial_value`` is rewritten from the
  last row *yielded*, so the server resumes right after it: no row lost, none twice.
- **Bounded memory.** Messages are read only when the consumer asks for the next one; the
  socket buffers at most ``max_queue`` messages, then TCP flow control pushes back on the
  server. No background reader, so no task to leak.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Annotated, Any, Final, Protocol

from annotated_types import Ge
from pydantic import BaseModel, ConfigDict, ValidationError, with_config
from pydantic_core import to_jsonable_python
from typing_extensions import TypedDict  # pydantic validates only this one on Python 3.11

from dxtra_typed._config import TOKENLESS_ROLES, Role
from dxtra_typed._errors import (
    APIConnectionError,
    ConfigurationError,
    GraphQLErrorDetail,
    InvalidResponseError,
    make_graphql_error,
    publish_exceptions,
)
from dxtra_typed._logging import logger
from dxtra_typed._retry import RECONNECT, RetryPolicy, connection_worked, retry_delay
from dxtra_typed._secret import Secret
from dxtra_typed._wire import (
    check_extra_headers,
    loads_exact,
    request_variables,
    result_mismatch,
)

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from dxtra_typed._auth import TokenSource
    from dxtra_typed._telemetry import Subscription, Telemetry


TRANSPORT_WS: Final = "graphql-transport-ws"
LEGACY_WS: Final = "graphql-ws"
SUBPROTOCOLS: Final = (TRANSPORT_WS, LEGACY_WS)
WS_STATUS: Final = 101  # "status" of a WebSocket message: the socket answered 101
_JWT_HINTS: Final = ("jwtexpired", "invalid-jwt", "jwt expired", "could not verify jwt")
# Hasura's legacy `connection_error` carries only the *message* of the error that refused
# connection_init, not its code; these messages name the code, so a refused role raises the
# same AccessDeniedError (with its remedy) over a WebSocket as over HTTP.
_CONNECTION_ERROR_CODES: Final = (("not in allowed roles", "access-denied"),)


class SubscriptionProtocolError(InvalidResponseError):
    """The server broke the subscription protocol: invalid JSON, an unknown message type, a
    ``next`` without data, or a close code that rules out reconnecting."""

    def __init__(self, message: str, *, body: str = "") -> None:
        super().__init__(message, status_code=WS_STATUS, body=body)


# extra="forbid": a misspelt option (`max_reconect=`) is refused, as for CallOptions.
@with_config(ConfigDict(extra="forbid"))
class SubscribeOptions(TypedDict, total=False):
    """Per-subscription options (the ``**kwargs`` of every generated subscription method)."""

    role: Role
    """x-hasura-role for this subscription; the JWT must allow it."""
    headers: Mapping[str, str]
    """Extra headers on the WebSocket handshake (not in connection_init)."""
    max_reconnects: Annotated[int, Ge(0)]
    """Consecutive failed reconnect attempts before APIConnectionError (0: never reconnect)."""


@dataclass(frozen=True)
class SubscriptionSettings:
    """WebSocket settings of a client (``AsyncDxtraClient(ws=SubscriptionSettings(...))``)."""

    url: str | None = None
    """WebSocket URL; default: the API URL with http→ws, https→wss."""
    subprotocols: tuple[str, ...] = SUBPROTOCOLS
    """Offered in this order of preference; the server picks."""
    max_reconnects: int = 5
    """Consecutive failed attempts (connect, handshake, ack) before giving up."""
    initial_delay: float = 0.5
    max_delay: float = 8.0
    ack_timeout: float = 10.0
    open_timeout: float = 10.0
    close_timeout: float = 2.0
    ping_interval: float | None = 20.0
    """WebSocket-level keepalive pings (None: off)."""
    max_queue: int = 16
    """Messages the socket buffers before it stops reading (backpressure on the server)."""
    max_message_size: int | None = 16 * 2**20
    healthy_after: float = 5.0
    """A connection that lived this long (or delivered an event) resets the failure count."""

    def __post_init__(self) -> None:
        if self.max_reconnects < 0:
            raise ConfigurationError("max_reconnects must be 0 or more")
        unknown = set(self.subprotocols) - set(SUBPROTOCOLS)
        if unknown or not self.subprotocols:
            raise ConfigurationError(f"subprotocols must be among {SUBPROTOCOLS}")
        if self.max_queue < 1:
            raise ConfigurationError("max_queue must be 1 or more")

    def policy(self, max_reconnects: int | None = None) -> RetryPolicy:
        return RetryPolicy(
            max_retries=self.max_reconnects if max_reconnects is None else max_reconnects,
            initial_delay=self.initial_delay,
            max_delay=self.max_delay,
        )


def websocket_url(api_url: str) -> str:
    """The GraphQL endpoint's WebSocket URL: http→ws, https→wss (ws/wss kept)."""
    for http, ws in (("https://", "wss://"), ("http://", "ws://")):
        if api_url.startswith(http):
            return ws + api_url[len(http) :]
    if api_url.startswith(("ws://", "wss://")):
        return api_url
    raise ConfigurationError(f"cannot derive a WebSocket URL from {api_url!r}")


def connection_init_payload(token: Secret | None, role: str | None) -> dict[str, Any]:
    """Hasura's ``connection_init`` payload: the headers it would read from an HTTP request."""
    headers: dict[str, str] = {}
    if token is not None:
        headers["Authorization"] = "Bearer " + token.reveal()
    if role:
        headers["x-hasura-role"] = role
    return {"headers": headers}


# ------------------------------------------------------------------------------------------
# Stream cursors


def find_stream_cursor(variables: Mapping[str, Any]) -> str | None:
    """The variable holding a streaming subscription's cursor, if any.

    Hasura's ``<table>Stream(cursor: [..._stream_cursor_input]!)`` takes a list of
    ``{initial_value: {column: value}, ordering}``; the columns named in ``initial_value`` are
    the cursor columns, which is how the client knows what to read from each row.
    """
    for name, value in variables.items():
        entries = value if isinstance(value, list) else [value]
        if entries and all(
            isinstance(e, dict) and isinstance(e.get("initial_value"), dict) for e in entries
        ):
            return name
    return None


def advance_cursor(cursor: list[dict[str, Any]], row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The cursor rewritten to start right after ``row`` (its cursor columns' values)."""
    advanced: list[dict[str, Any]] = []
    for entry in cursor:
        initial = dict(entry["initial_value"])
        for column in initial:
            if column not in row:
                raise ConfigurationError(
                    f"the stream's cursor column {column!r} is not selected by the "
                    "subscription; select it so the client can resume after a reconnect"
                )
            initial[column] = row[column]
        advanced.append({**entry, "initial_value": initial})
    return advanced


def stream_rows(data: Mapping[str, Any]) -> list[Any]:
    """The rows of a streaming subscription's data (its one root field)."""
    if len(data) != 1:
        raise SubscriptionProtocolError(
            f"a streaming subscription's data should have one root field, got {sorted(data)}"
        )
    rows = next(iter(data.values()))
    if not isinstance(rows, list):
        raise SubscriptionProtocolError("a streaming subscription's data is not a list of rows")
    return rows


# ------------------------------------------------------------------------------------------
# Messages


def _describe(payload: object) -> str:
    if isinstance(payload, str):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("message"), str):
        return str(payload["message"])
    return json.dumps(payload, default=str)[:200]


def _is_jwt_problem(text: str) -> bool:
    lowered = text.lower()
    return any(hint in lowered for hint in _JWT_HINTS)


def _error_details(payload: object) -> list[GraphQLErrorDetail]:
    # transport-ws: the errors list; legacy graphql-ws: {"errors": [...]} or one error object.
    if isinstance(payload, dict) and isinstance(payload.get("errors"), list):
        payload = payload["errors"]
    raw = payload if isinstance(payload, list) else [payload]
    return [GraphQLErrorDetail.from_dict(e) for e in raw] or [
        GraphQLErrorDetail(message="error message without details")
    ]


def _with_known_codes(details: list[GraphQLErrorDetail]) -> list[GraphQLErrorDetail]:
    """A code for each code-less detail whose message is one Hasura gives for a known code."""
    coded = []
    for detail in details:
        if detail.code is None:
            lowered = detail.message.lower()
            for hint, code in _CONNECTION_ERROR_CODES:
                if hint in lowered:
                    detail = replace(detail, code=code)
                    break
        coded.append(detail)
    return coded


def _refused_init_error(closed: _Closed, attempts: int, role: str | None, what: str) -> Exception:
    """graphql-transport-ws: Hasura refuses a connection_init with a bare 4403, whatever was
    wrong. Refused again with a fresh token, the role is what is left: say so with the typed
    error an HTTP call gets for a role the token does not allow."""
    detail = GraphQLErrorDetail(
        message=(
            f"connection_init refused {attempts} times ({closed.reason}), the last time with a "
            f"fresh token; the role {role!r} is likely not one the token allows"
        ),
        code="access-denied",
    )
    return make_graphql_error([detail], data=None, operation=what)


class _Closed(Exception):
    """The socket closed (or never opened) before ``complete``: reconnect material."""

    def __init__(
        self, reason: str, *, jwt_expired: bool = False, refused_init: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.jwt_expired = jwt_expired
        self.refused_init = refused_init  # a 4403 answering connection_init


class _Complete(Exception):
    """The server completed the subscription."""


@dataclass
class _Request:
    query: str
    operation_name: str | None
    variables: dict[str, Any]
    role: str | None
    tokens: TokenSource | None
    headers: dict[str, str]
    url: str
    settings: SubscriptionSettings
    policy: RetryPolicy
    result_type: type[BaseModel] | None
    sleep: Callable[[float], Awaitable[None]]
    random: Callable[[], float]
    clock: Callable[[], float] = time.monotonic
    stream_variable: str | None = None
    telemetry: Telemetry | None = None
    connects: int = 0
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))


class _Socket:
    """One WebSocket, one subscription on it, in whichever subprotocol the server chose."""

    def __init__(self, ws: ClientConnection, request: _Request) -> None:
        self.ws = ws
        self.request = request
        self.legacy = ws.subprotocol == LEGACY_WS
        self.id = str(next(request.ids))
        self.acked = False
        self.events = 0
        self.opened = request.clock()

    async def send(self, message: dict[str, Any]) -> None:
        from pydantic_core import to_json
        from websockets.exceptions import ConnectionClosed

        try:
            await self.ws.send(to_json(message).decode())
        except ConnectionClosed as exc:
            # The server may close while we answer its keep-alive (Hasura pings from the moment
            # the socket opens, so a refused connection_init can race a pong).
            raise self.closed_error(exc) from None

    def closed_error(self, exc: Exception) -> Exception:
        """What a closed socket means: reconnect material, or a protocol error not worth it."""
        close = getattr(exc, "rcvd", None)
        code = close.code if close is not None else None
        reason = close.reason if close is not None else ""
        # Hasura refuses a connection_init with a bare 4403 on graphql-transport-ws, whatever
        # was wrong with the JWT; the JWT is the likely culprit, so it is dropped and renewed.
        jwt = _is_jwt_problem(reason) or code == 4401 or (code == 4403 and not self.acked)
        if not jwt and not RECONNECT.retries_status(code):
            return SubscriptionProtocolError(
                f"the server closed the subscription socket with {code} ({reason})",
                body=reason,
            )
        text = f"socket closed ({code or 'no close frame'}{': ' + reason if reason else ''})"
        return _Closed(text, jwt_expired=jwt, refused_init=code == 4403 and not self.acked)

    async def recv(self) -> dict[str, Any]:
        from websockets.exceptions import ConnectionClosed

        try:
            raw = await self.ws.recv()
        except ConnectionClosed as exc:
            raise self.closed_error(exc) from None
        try:
            message = loads_exact(raw)
        except (ValueError, RecursionError):
            raise SubscriptionProtocolError(
                "a subscription message is not JSON", body=str(raw)[:500]
            ) from None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise SubscriptionProtocolError(
                "a subscription message has no 'type'", body=str(raw)[:500]
            )
        return message

    async def handle_keepalive(self, message: dict[str, Any]) -> bool:
        """Answer or skip keepalive messages; True when ``message`` was one."""
        kind = message["type"]
        if kind == "ping":
            pong: dict[str, Any] = {"type": "pong"}
            if "payload" in message:
                pong["payload"] = message["payload"]
            await self.send(pong)
            return True
        return kind in ("pong", "ka")

    def connection_error(self, payload: object) -> Exception:
        text = _describe(payload)
        if _is_jwt_problem(text):
            return _Closed(f"connection refused: {text}", jwt_expired=True)
        return make_graphql_error(
            _with_known_codes(_error_details(payload)),
            data=None,
            operation=self.request.operation_name,
        )

    async def start(self, token: Secret | None, variables: dict[str, Any]) -> None:
        request = self.request
        await self.send(
            {"type": "connection_init", "payload": connection_init_payload(token, request.role)}
        )
        try:
            async with asyncio.timeout(request.settings.ack_timeout):
                while True:
                    message = await self.recv()
                    if await self.handle_keepalive(message):
                        continue
                    if message["type"] == "connection_ack":
                        break
                    if message["type"] == "connection_error":
                        raise self.connection_error(message.get("payload"))
                    raise SubscriptionProtocolError(
                        f"expected connection_ack, got {message['type']!r}",
                        body=json.dumps(message, default=str)[:500],
                    )
        except TimeoutError:
            raise _Closed(f"no connection_ack within {request.settings.ack_timeout}s") from None
        self.acked = True
        payload: dict[str, Any] = {"query": request.query, "variables": variables}
        if request.operation_name:
            payload["operationName"] = request.operation_name
        kind = "start" if self.legacy else "subscribe"
        await self.send({"id": self.id, "type": kind, "payload": payload})

    async def next_data(self) -> dict[str, Any]:
        """The next event's ``data``; raises _Complete, _Closed or a typed error."""
        operation = self.request.operation_name
        while True:
            message = await self.recv()
            if await self.handle_keepalive(message):
                continue
            kind = message["type"]
            if kind == "connection_error":
                raise self.connection_error(message.get("payload"))
            if kind not in ("next", "data", "error", "complete"):
                raise SubscriptionProtocolError(
                    f"unknown subscription message type {kind!r}",
                    body=json.dumps(message, default=str)[:500],
                )
            if message.get("id") != self.id:
                raise SubscriptionProtocolError(
                    f"a {kind!r} message for subscription {message.get('id')!r}, "
                    f"expected {self.id!r}",
                    body=json.dumps(message, default=str)[:500],
                )
            if kind == "complete":
                raise _Complete
            payload = message.get("payload")
            if kind == "error":
                error = make_graphql_error(
                    _error_details(payload), data=None, operation=operation, status_code=WS_STATUS
                )
                if error.code == "invalid-jwt":
                    raise _Closed(error.message, jwt_expired=True)
                raise error
            if not isinstance(payload, dict):
                raise SubscriptionProtocolError(
                    f"a {kind!r} message without a payload object",
                    body=json.dumps(message, default=str)[:500],
                )
            data, errors = payload.get("data"), payload.get("errors")
            if errors:
                error = make_graphql_error(
                    _error_details(errors),
                    data=data if isinstance(data, dict) else None,
                    operation=operation,
                    status_code=WS_STATUS,
                    body=payload,
                )
                if error.code == "invalid-jwt":
                    raise _Closed(error.message, jwt_expired=True)
                raise error
            if not isinstance(data, dict):
                raise SubscriptionProtocolError(
                    f"{operation or 'subscription'}: a {kind!r} message with "
                    f"{'null' if data is None else 'non-object'} data and no errors",
                    body=json.dumps(message, default=str)[:500],
                )
            self.events += 1
            return data

    def healthy(self, closed: _Closed) -> bool:
        """Did this connection work (so the next reconnect is immediate, not a failure)?"""
        return connection_worked(
            acked=self.acked,
            events=self.events,
            token_expired=closed.jwt_expired,
            lived=self.request.clock() - self.opened,
            healthy_after=self.request.settings.healthy_after,
        )

    async def close(self) -> None:
        try:
            if self.acked:
                await self.send({"id": self.id, "type": "stop" if self.legacy else "complete"})
                if self.legacy:
                    await self.send({"type": "connection_terminate"})
        except (_Closed, SubscriptionProtocolError):
            pass  # already closed: nothing to say goodbye to
        finally:
            await self.ws.close()


async def _connect(request: _Request) -> ClientConnection:
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    settings = request.settings
    ws = await connect(
        request.url,
        subprotocols=[Subprotocol(p) for p in settings.subprotocols],
        additional_headers=request.headers,
        user_agent_header=None,
        open_timeout=settings.open_timeout,
        close_timeout=settings.close_timeout,
        ping_interval=settings.ping_interval,
        max_queue=settings.max_queue,
        max_size=settings.max_message_size,
    )
    if ws.subprotocol not in SUBPROTOCOLS:
        await ws.close()
        raise SubscriptionProtocolError(
            f"the server at {request.url} chose no GraphQL subprotocol "
            f"(offered {', '.join(settings.subprotocols)})"
        )
    return ws


def _validate(result_type: type[BaseModel] | None, data: dict[str, Any], what: str) -> Any:
    if result_type is None:
        return data
    try:
        return result_type.model_validate(data)
    except ValidationError as exc:
        raise result_mismatch(
            what,
            "an event",
            exc,
            status_code=WS_STATUS,
            body=json.dumps(data, default=str)[:500],
        ) from None


def run_subscription(request: _Request) -> AsyncGenerator[Any, None]:
    """Events of one logical subscription, across as many sockets as it takes (``_run``),
    under a subscription span with one span per connection when tracing is on."""
    if request.telemetry is None:
        return _run(request, None)
    return _traced(request, request.telemetry)


async def _traced(request: _Request, telemetry: Telemetry) -> AsyncGenerator[Any, None]:
    """``_run`` inside the subscription's span, started at the first ``anext`` (a
    subscription never iterated has no span to end) and ended with its outcome."""
    trace = telemetry.subscription(
        "subscription", request.operation_name, request.role, request.query, request.url
    )
    events = _run(request, trace)
    error: BaseException | None = None
    try:
        async for event in events:
            yield event
    except (GeneratorExit, asyncio.CancelledError):
        raise  # the consumer stopped: not a failure of the subscription
    except BaseException as exc:
        error = exc
        raise
    finally:
        try:
            await events.aclose()  # the last connection's span ends before the subscription's
        finally:
            if trace is not None:
                trace.end(error)


async def _run(request: _Request, trace: Subscription | None) -> AsyncGenerator[Any, None]:
    from websockets.exceptions import InvalidHandshake, InvalidURI

    what = request.operation_name or "subscription"
    failures = 0
    variables = dict(request.variables)
    reconnect_reason: str | None = None
    while True:
        token: Secret | None = None
        socket: _Socket | None = None
        ended: str | None = None
        error: BaseException | None = None
        try:
            if trace is not None:
                trace.connect(reconnect_reason, request.stream_variable is not None)
            if request.tokens is not None:
                if trace is None:
                    token = await request.tokens.get()
                else:
                    with trace.current():
                        token = await request.tokens.get()
            try:
                ws = await _connect(request)
            except InvalidURI as exc:
                raise ConfigurationError(f"invalid WebSocket URL {request.url!r}: {exc}") from None
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                raise _Closed(f"could not connect: {type(exc).__name__}: {exc}") from None
            request.connects += 1
            socket = _Socket(ws, request)
            if trace is not None:
                trace.protocol(ws.subprotocol)
            await socket.start(token, variables)
            logger.debug("%s: subscribed over %s", what, ws.subprotocol)
            while True:
                data = await socket.next_data()
                event = _validate(request.result_type, data, what)
                if request.stream_variable is not None:
                    rows = stream_rows(data)
                    if rows:
                        variables[request.stream_variable] = advance_cursor(
                            variables[request.stream_variable], rows[-1]
                        )
                if trace is not None:
                    trace.event()
                yield event
        except _Complete:
            ended = "complete"
            return
        except _Closed as closed:
            ended = reconnect_reason = closed.reason
            if closed.jwt_expired and token is not None and request.tokens is not None:
                request.tokens.invalidate(token)
            if socket is not None and socket.healthy(closed):
                failures = 0
                logger.info("%s: %s; resubscribing", what, closed.reason)
                continue
            delay = retry_delay(failures, request.policy, None, request.random())
            if delay is None:
                if closed.refused_init and failures and request.tokens is not None:
                    raise _refused_init_error(closed, failures + 1, request.role, what) from None
                tries = f" after {failures + 1} attempts" if failures else ""
                raise APIConnectionError(
                    f"{what}: the subscription to {request.url} failed{tries}: {closed.reason}"
                ) from None
            failures += 1
            logger.info(
                "%s: %s; reconnecting in %.2fs (attempt %d of %d)",
                what,
                closed.reason,
                delay,
                failures,
                request.policy.max_retries,
            )
            await request.sleep(delay)
        except (GeneratorExit, asyncio.CancelledError):
            ended = "closed by the consumer"
            raise
        except BaseException as exc:
            error = exc
            raise
        finally:
            if trace is not None:
                trace.disconnect(socket.events if socket is not None else 0, ended, error)
            if socket is not None:
                await socket.close()


def subscribe(
    *,
    api_url: str,
    query: str,
    operation_name: str | None,
    variables: dict[str, Any],
    role: str | None,
    tokens: TokenSource | None,
    headers: Mapping[str, str] | None = None,
    settings: SubscriptionSettings | None = None,
    result_type: type[BaseModel] | None = None,
    max_reconnects: int | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    random_unit: Callable[[], float] = random.random,
    telemetry: Telemetry | None = None,
) -> AsyncGenerator[Any, None]:
    """An async iterator over a subscription's events (validated into ``result_type``).

    ``variables`` must be JSON-ready (GraphQL names). A role in ``TOKENLESS_ROLES`` sends no
    token even when ``tokens`` is given.
    """
    settings = settings or SubscriptionSettings()
    if role in TOKENLESS_ROLES:
        tokens = None
    request = _Request(
        query=query,
        operation_name=operation_name,
        variables=dict(variables),
        role=role,
        tokens=tokens,
        headers=dict(headers or {}),
        url=settings.url or websocket_url(api_url),
        settings=settings,
        policy=settings.policy(max_reconnects),
        result_type=result_type,
        sleep=sleep,
        random=random_unit,
        stream_variable=find_stream_cursor(variables),
        telemetry=telemetry,
    )
    return run_subscription(request)


# ------------------------------------------------------------------------------------------
# Glue for AsyncBaseClient.execute_ws


class _ClientLike(Protocol):
    url: str

    @property
    def _unset(self) -> object: ...

    @property
    def _default_headers(self) -> Mapping[str, str]: ...

    @property
    def _sleep(self) -> Callable[[float], Awaitable[None]]: ...

    @property
    def _random(self) -> Callable[[], float]: ...


def subscribe_for_client(
    client: _ClientLike,
    query: str,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    result_type: type[BaseModel] | None,
    options: SubscribeOptions,
) -> AsyncGenerator[Any, None]:
    """``execute_ws`` of the base client: auth, role, URL and settings from the client."""
    from dxtra_typed._auth import DxtraAuth
    from dxtra_typed._extras import require_extra

    require_extra("subscriptions", "subscriptions")

    auth = getattr(client, "_auth", None)
    role: str | None = options.get("role")
    tokens: TokenSource | None = None
    if isinstance(auth, DxtraAuth):
        role = role or auth.role
        tokens = auth.async_tokens_for(role)
    settings = getattr(client, "_ws_settings", None)
    extra = options.get("headers")
    check_extra_headers(extra)
    headers = {**client._default_headers, **(extra or {})}
    ready = to_jsonable_python(request_variables(variables, client._unset))
    telemetry = getattr(client, "_telemetry", None)
    return subscribe(
        api_url=client.url,
        query=query,
        operation_name=operation_name,
        variables=ready,
        role=role,
        tokens=tokens,
        headers=headers,
        settings=settings if isinstance(settings, SubscriptionSettings) else None,
        result_type=result_type,
        max_reconnects=options.get("max_reconnects"),
        sleep=client._sleep,
        random_unit=client._random,
        # Decided here, not per event: a subscription with nothing live runs bare.
        telemetry=telemetry if telemetry is not None and telemetry.live() else None,
    )


publish_exceptions(globals())  # dxtra_typed.SubscriptionProtocolError in tracebacks
