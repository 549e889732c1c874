"""The HTTP face of the sandbox: Nhost's auth routes plus a Hasura-style `/v1/graphql` front.

The front decides the session exactly as Hasura v2 does in JWT mode, by default with
`HASURA_GRAPHQL_UNAUTHORIZED_ROLE=anonymous` (`unauthorized_role=None`: none configured), and
reports every refusal the Hasura way: HTTP 200 with `{"errors": [...]}` and no `data` key. A
client tested here therefore meets the same "200 but failed" answers it will meet in
production. The engine only ever sees a decided `(role, user_id)`; headers and tokens stay on
this side.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._auth_routes import AuthService
from ._exact_json import dumps as exact_dumps
from ._exact_json import loads as exact_loads
from ._faults import ENDPOINT_PATHS, Fault, FaultPlan
from ._hasura_errors import HasuraError
from ._rate_limits import RateLimiter
from ._request_log import GRAPHQL_PATH as GRAPHQL_PATH
from ._request_log import RequestLog as RequestLog
from ._request_log import RequestRecord as RequestRecord  # re-exported: tests read it here
from ._session import (
    ANONYMOUS_ROLE,
    hasura_error_body,
    resolve_session,
)
from ._ws import WebSocketHub

# Hasura CE's GET /v1/graphql handler (`Hasura.App`, MonadGQLApiHandler AppM): persisted queries
# are an Enterprise feature, so every GET is `throw400 NotSupported`, sent with status 200.
GET_NOT_SUPPORTED = ("not-supported", "PersistedQueryNotSupported")
RETRY_COUNT_HEADER = "x-dxtra-retry-count"
MAX_BODY_BYTES = 1024 * 1024
# A body past the cap is still read (and discarded) up to here, so the client gets its 413
# instead of a reset while it is still writing; beyond it the connection is simply closed.
_DRAIN_LIMIT = 32 * 1024 * 1024
DROPPED_STATUS = 0
_NOTE_KEY = "dxtra_sandbox.note"

_log = logging.getLogger(__name__)


class EngineLike(Protocol):
    def execute(self, request: Any, session: Any) -> dict[str, Any]: ...


SessionFactory = Callable[[str, "str | None"], Any]


class _Recorder:
    """ASGI middleware: gives every response an `x-request-id` (as Hasura does) and logs it."""

    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = headers.get("x-request-id") or str(uuid.uuid4())
        note: dict[str, Any] = {}
        scope[_NOTE_KEY] = note
        recorded = False

        def record(status: int) -> None:
            nonlocal recorded
            recorded = True
            self.log._append(
                method=scope["method"],
                path=scope["path"],
                status=status,
                role_header=headers.get("x-hasura-role"),
                has_auth="authorization" in headers,
                operation_name=note.get("operation_name"),
                retry_count=headers.get(RETRY_COUNT_HEADER),
                request_id=request_id,
                session_role=note.get("session_role"),
                error_code=note.get("error_code"),
                user_agent=headers.get("user-agent"),
                content_type=headers.get("content-type"),
                fault=note.get("fault"),
            )

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["x-request-id"] = request_id
                # Record before the client can see any byte of the answer, so a test that
                # reads the log right after its call returns always finds the entry.
                record(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if not recorded:
                record(DROPPED_STATUS if note.get("fault") == "drop" else 500)


class _FaultGate:
    """ASGI middleware between the recorder and the routes: body cap, counters, faults.

    It buffers each request body (at most MAX_BODY_BYTES), so it can read the operation name a
    fault may be filtered on and replay the body to the routes. A "drop" closes the socket
    itself: raising instead would make uvicorn answer 500, which is not what a lost connection
    looks like to a client.
    """

    def __init__(
        self, app: ASGIApp, faults: FaultPlan, auth: AuthService, max_body: int = MAX_BODY_BYTES
    ) -> None:
        self.app = app
        self.faults = faults
        self.auth = auth
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        endpoint = ENDPOINT_PATHS.get(path) or ("signout" if path == "/v1/signout" else None)
        if endpoint is not None:
            self.auth.stats.count_received(endpoint)
        body, too_large = await _read_body(receive, self.max_body)
        if too_large:
            await _too_large(path, self.max_body, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        fault: Fault | None = None
        if endpoint in ("graphql", "signin_pat", "token"):
            operation = _peek_operation(body) if self.faults.needs_operation() else None
            fault = self.faults.take(endpoint, operation)
        if fault is None:
            await self.app(scope, replay, send)
            return
        note: dict[str, Any] = scope[_NOTE_KEY]
        note["fault"] = fault.kind
        if fault.delay:
            # An await, not time.sleep: other requests keep being served meanwhile.
            await asyncio.sleep(fault.delay)
        if fault.kind == "delay":
            await self.app(scope, replay, send)
            return
        real_body: bytes | None = None
        if fault.after_execute:
            real_body = await _run_and_capture(self.app, scope, replay)
        if fault.kind == "drop":
            await _drop_connection(receive, send)
        elif fault.kind == "malformed":
            await _send(send, 200, _malformed_body(endpoint, real_body), "application/json")
        else:
            await _send_status_fault(send, fault, endpoint)


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > _DRAIN_LIMIT:
            return b"", True
        more = message.get("more_body", False)
    return b"".join(chunks), size > limit


def _peek_operation(body: bytes) -> str | None:
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    name = parsed.get("operationName") if isinstance(parsed, dict) else None
    return name if isinstance(name, str) else None


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    extra: dict[str, str] | None = None,
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _too_large(path: str, limit: int, send: Send) -> None:
    # What an ingress in front of Hasura/Nhost answers, in the service's own error envelope.
    message = f"request body is larger than {limit} bytes"
    payload: dict[str, Any] = (
        {"status": 413, "message": message, "error": "request-too-large"}
        if path.startswith("/v1/") and path != GRAPHQL_PATH
        else {"path": "$", "error": message, "code": "request-too-large"}
    )
    await _send(send, 413, json.dumps(payload).encode(), "application/json")


async def _run_and_capture(app: ASGIApp, scope: Scope, receive: Receive) -> bytes:
    """Run the request for real and keep its response body from the client."""
    parts: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(scope, receive, capture)
    return b"".join(parts)


async def _drop_connection(receive: Receive, send: Send) -> None:
    # uvicorn's `receive` is a bound method of its request cycle, which holds the transport.
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is not None:
        transport.close()
        # Let the protocol's connection_lost run first, so uvicorn sees a disconnect and does
        # not log "returned without completing response" or try to send its own 500.
        await asyncio.sleep(0)
        return
    # Another server: start a response it can never complete, then fail, so it closes.
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
    )
    raise ConnectionAbortedError("dxtra sandbox: injected dropped connection")


def _malformed_body(endpoint: str | None, real_body: bytes | None) -> bytes:
    if real_body:
        return real_body[: max(1, len(real_body) // 2)]
    if endpoint == "graphql":
        return b'{"data": {"'
    return b'{"session": {"accessToken": "'


_AUTH_FAULT_CODES = {
    429: ("too-many-requests", "Too many requests"),
    500: ("internal-server-error", "Internal server error"),
}
# Statuses that, in front of Hasura, come from the gateway rather than from Hasura itself.
_GATEWAY_STATUSES = {408, 502, 503, 504}


async def _send_status_fault(send: Send, fault: Fault, endpoint: str | None) -> None:
    status = fault.status
    phrase = _phrase(status)
    extra = fault.headers()
    if fault.body is not None:
        raw = fault.body.encode() if isinstance(fault.body, str) else fault.body
        ctype = "application/json" if raw[:1] in (b"{", b"[") else "text/plain; charset=utf-8"
        await _send(send, status, raw, ctype, extra)
        return
    if endpoint == "graphql":
        if status in _GATEWAY_STATUSES:
            await _send(send, status, phrase.encode(), "text/plain; charset=utf-8", extra)
            return
        code = "unexpected" if status >= 500 else phrase.lower().replace(" ", "-")
        body = hasura_error_body(code, phrase)
    else:
        error, message = _AUTH_FAULT_CODES.get(status, (phrase.lower().replace(" ", "-"), phrase))
        body = {"status": status, "message": message, "error": error}
    await _send(send, status, json.dumps(body).encode(), "application/json", extra)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


class _ExactJSONResponse(JSONResponse):
    """Starlette's JSON answer, with ``Decimal`` (a schema-served ``numeric``) kept exact."""

    def render(self, content: Any) -> bytes:
        return exact_dumps(
            content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
        ).encode("utf-8")


def create_app(
    auth: AuthService,
    engine: EngineLike,
    make_session: SessionFactory,
    log: RequestLog,
    faults: FaultPlan | None = None,
    *,
    max_body: int = MAX_BODY_BYTES,
    websockets: WebSocketHub | None = None,
    rate_limits: RateLimiter | None = None,
    unauthorized_role: str | None = ANONYMOUS_ROLE,
) -> ASGIApp:
    """One Starlette app for both hosts; Dxtra splits them, but paths never collide.

    WebSocket upgrades on /v1/graphql go to `websockets` (a `WebSocketHub`, made here when not
    given); on any other path they are refused."""

    async def graphql(request: Request) -> Response:
        auth.stats.bump("graphql")
        note: dict[str, Any] = request.scope[_NOTE_KEY]

        def refuse(code: str, message: str) -> Response:
            note["error_code"] = code
            return JSONResponse(hasura_error_body(code, message))

        try:
            role, user_id = resolve_session(request.headers, auth.issuer, unauthorized_role)
        except HasuraError as exc:
            return refuse(exc.code, exc.message)
        note["session_role"] = role
        if request.method in ("GET", "HEAD"):
            # Authentication first (Hasura's spockAction resolves the user before the handler).
            return refuse(*GET_NOT_SUPPORTED)
        raw = await request.body()
        if not raw.strip():
            return refuse("invalid-json", "Error in $: not enough input")
        try:
            # Like Hasura, the body is read as JSON whatever the Content-Type says.
            body = exact_loads(raw)
        except (ValueError, UnicodeDecodeError):
            # Hasura answers 200 here too: the /v1/graphql route maps every error to 200.
            return refuse("invalid-json", "Error in $: Failed reading: not a valid json value")
        # A JSON array is a batch (Hasura runs each element); the engine judges each shape.
        requests: list[Any] = body if isinstance(body, list) else [body]
        if isinstance(body, dict) and isinstance(body.get("operationName"), str):
            note["operation_name"] = body["operationName"]
        session = make_session(role, user_id)
        try:
            # Run on the loop thread on purpose: one request at a time keeps each mutation's
            # read-check-write on the in-memory store atomic, as a database transaction would.
            results = []
            for item in requests:
                name = item.get("operationName") if isinstance(item, dict) else None
                auth.stats.count_executed(name if isinstance(name, str) else None)
                results.append(engine.execute(item, session))
        except Exception:
            _log.exception("sandbox engine failed")
            return refuse("unexpected", "database query error")
        for result in results:
            if "errors" in result:
                codes = [e.get("extensions", {}).get("code") for e in result["errors"]]
                note["error_code"] = next((c for c in codes if isinstance(c, str)), None)
                break
        return _ExactJSONResponse(results if isinstance(body, list) else results[0])

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/v1/") and request.url.path != GRAPHQL_PATH:
            return JSONResponse(
                {"status": 404, "message": "Route not found", "error": "route-not-found"},
                status_code=404,
            )
        return JSONResponse(
            {"path": "$", "error": "resource does not exist", "code": "not-found"},
            status_code=404,
        )

    app = Starlette(
        routes=[*auth.routes(), Route(GRAPHQL_PATH, graphql, methods=["GET", "POST"])],
        # Neither Hasura nor hasura-auth answers 405: a route with the wrong method is unknown.
        exception_handlers={404: not_found, 405: not_found},
    )
    plan = faults if faults is not None else FaultPlan()
    # Rate limits (opt-in) sit behind the fault gate: an injected gateway fault never reaches
    # the auth service, so it does not count against its limits.
    routes: ASGIApp = app if rate_limits is None else rate_limits.wrap(app)
    gate = _FaultGate(routes, plan, auth, max_body)
    http_app = _Recorder(gate, log)
    hub = (
        websockets
        if websockets is not None
        else WebSocketHub(
            auth, engine, make_session, log, plan, unauthorized_role=unauthorized_role
        )
    )

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await http_app(scope, receive, send)
        elif scope["path"] == GRAPHQL_PATH:
            await hub(scope, receive, send)
        else:
            # Closing before the accept refuses the upgrade (uvicorn answers 403).
            await receive()
            await send({"type": "websocket.close", "code": 1000})

    return dispatch
