"""The HTTP face of the sandbox: Nhost's auth routes plus a Hasura-style `/v1/graphql` front.

The front decides the session exactly as Hasura v2 does in JWT mode with
`HASURA_GRAPHQL_UNAUTHORIZED_ROLE=anonymous`, and reports every refusal the Hasura way: HTTP 200
with `{"errors": [...]}` and no `data` key. A client tested here therefore meets the same
"200 but failed" answers it will meet in production. The engine only ever sees a decided
`(role, user_id)`; headers and tokens stay on this side.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, overload

from starlette.applications import Starlette
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._auth_routes import AuthService
from ._tokens import TokenIssuer, TokenRejected

ANONYMOUS_ROLE = "anonymous"
GRAPHQL_PATH = "/v1/graphql"
RETRY_COUNT_HEADER = "x-dxtra-retry-count"
_NOTE_KEY = "dxtra_sandbox.note"

_log = logging.getLogger(__name__)


class EngineLike(Protocol):
    def execute(self, request: Any, session: Any) -> dict[str, Any]: ...


SessionFactory = Callable[[str, "str | None"], Any]


@dataclass(frozen=True)
class RequestRecord:
    """What a test may check about a request the client sent; never a credential's value."""

    seq: int
    method: str
    path: str
    status: int
    role_header: str | None
    has_auth: bool
    operation_name: str | None
    retry_count: str | None
    request_id: str
    session_role: str | None
    error_code: str | None
    user_agent: str | None
    content_type: str | None


class RequestLog(Sequence[RequestRecord]):
    """Bounded, thread-safe, and numbered, so a shared sandbox's log can be read "since now"."""

    def __init__(self, maxlen: int = 1000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._next = 0

    def _append(self, **fields: Any) -> None:
        with self._lock:
            self._records.append(RequestRecord(seq=self._next, **fields))
            self._next += 1

    def mark(self) -> int:
        """A position to pass to `since()` later."""
        with self._lock:
            return self._next

    def since(self, mark: int) -> list[RequestRecord]:
        return [r for r in self.snapshot() if r.seq >= mark]

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def graphql(self) -> list[RequestRecord]:
        return [r for r in self.snapshot() if r.path == GRAPHQL_PATH]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    @overload
    def __getitem__(self, index: int) -> RequestRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[RequestRecord]: ...
    def __getitem__(self, index: int | slice) -> RequestRecord | list[RequestRecord]:
        return self.snapshot()[index]

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __repr__(self) -> str:
        return f"RequestLog({len(self)} records)"


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
                record(500)


class HasuraError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def hasura_error_body(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"extensions": {"path": "$", "code": code}, "message": message}]}


def resolve_session(headers: Headers, issuer: TokenIssuer) -> tuple[str, str | None]:
    """(role, user_id) for a request, or HasuraError with Hasura's code and message."""
    authorization = headers.get("authorization")
    if authorization is None:
        # The unauthorized role is fixed: Hasura ignores x-hasura-role without a token.
        return ANONYMOUS_ROLE, None
    parts = authorization.split(" ")
    if len(parts) != 2 or parts[0] != "Bearer":
        raise HasuraError("invalid-headers", "Malformed Authorization header")
    try:
        claims = issuer.verify(parts[1])
    except TokenRejected as exc:
        raise HasuraError(exc.code, exc.message) from None
    role = headers.get("x-hasura-role") or claims.default_role
    if role not in claims.allowed_roles:
        raise HasuraError("access-denied", "Your requested role is not in allowed roles")
    return role, claims.user_id


def create_app(
    auth: AuthService,
    engine: EngineLike,
    make_session: SessionFactory,
    log: RequestLog,
) -> ASGIApp:
    """One Starlette app for both hosts; Dxtra splits them, but paths never collide."""

    async def graphql(request: Request) -> Response:
        auth.stats.graphql += 1
        note: dict[str, Any] = request.scope[_NOTE_KEY]

        def refuse(code: str, message: str) -> Response:
            note["error_code"] = code
            return JSONResponse(hasura_error_body(code, message))

        try:
            role, user_id = resolve_session(request.headers, auth.issuer)
        except HasuraError as exc:
            return refuse(exc.code, exc.message)
        note["session_role"] = role
        try:
            body = json.loads(await request.body())
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
            results = [engine.execute(item, session) for item in requests]
        except Exception:
            _log.exception("sandbox engine failed")
            return refuse("unexpected", "database query error")
        for result in results:
            if "errors" in result:
                codes = [e.get("extensions", {}).get("code") for e in result["errors"]]
                note["error_code"] = next((c for c in codes if isinstance(c, str)), None)
                break
        return JSONResponse(results if isinstance(body, list) else results[0])

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
        routes=[*auth.routes(), Route(GRAPHQL_PATH, graphql, methods=["POST"])],
        exception_handlers={404: not_found},
    )
    return _Recorder(app, log)
