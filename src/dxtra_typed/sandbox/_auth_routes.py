"""The Nhost hasura-auth half of the sandbox: PAT sign-in and creation, refresh-token rotation,
token verification, sign-out, health.

Response bodies copy Nhost's exact shapes (hasura-auth's Go service: `go/controller/*.go`,
`go/api/openapi.yaml`), including its two different error envelopes (the application's
`{status, message, error}` and the OpenAPI validator's bare `{error}`), because a client that only
ever met a friendlier server would break on the real one. No response ever echoes a submitted
token.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from . import _identities as ids
from ._tokens import Identity, TokenIssuer, TokenRejected

REFRESH_TOKEN_TTL = 12 * 3600  # Dxtra: "Refresh Token | 12 hours".
_CREATED_AT = "2024-01-15T09:30:00.000000Z"


@dataclass(frozen=True)
class UserProfile:
    """The auth.users row a session's `user` object is rendered from."""

    identity: Identity
    email: str
    display_name: str
    locale: str = "en"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.identity.user_id,
            "createdAt": _CREATED_AT,
            "displayName": self.display_name,
            "avatarUrl": "",
            "locale": self.locale,
            "email": self.email,
            "emailVerified": True,
            "phoneNumber": None,
            "phoneNumberVerified": False,
            "defaultRole": self.identity.default_role,
            "roles": list(self.identity.roles),
            "isAnonymous": self.identity.is_anonymous,
            "metadata": {},
            "activeMfaType": None,
        }


def seeded_users() -> dict[str, UserProfile]:
    """The users behind the seeded store's rows (see _identities)."""
    users = [
        UserProfile(
            Identity(ids.SANDBOX_USER_ID, ids.SANDBOX_USER_DEFAULT_ROLE, ids.SANDBOX_USER_ROLES),
            ids.SANDBOX_USER_EMAIL,
            "Dana Admin",
        ),
        UserProfile(
            Identity(ids.OTHER_USER_ID, ids.SANDBOX_USER_DEFAULT_ROLE, ids.SANDBOX_USER_ROLES),
            ids.OTHER_USER_EMAIL,
            "Omar Other",
        ),
        UserProfile(
            Identity(
                ids.DATA_SUBJECT_USER_ID,
                ids.DATA_SUBJECT_USER_DEFAULT_ROLE,
                ids.DATA_SUBJECT_USER_ROLES,
            ),
            ids.DATA_SUBJECT_USER_EMAIL,
            "Sam Subject",
        ),
    ]
    return {u.identity.user_id: u for u in users}


class AuthStats:
    """Request counters, so tests can assert how often a client really reached the sandbox.

    `signin_pat`, `token_refresh` and `graphql` count requests that reached the real handler (a
    request answered by an injected fault before it ran is not among them); `received()` counts
    every request that arrived, faulted or not; `executed()` counts operations the GraphQL engine
    ran, which is what "the mutation reached the server once" means. `ws_connections` counts
    WebSocket connections accepted on /v1/graphql, `ws_subscriptions` operations started on them
    (`subscribe` / `start` messages that passed validation).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.signin_pat = 0
        self.token_refresh = 0
        self.graphql = 0
        self.signout = 0
        self.ws_connections = 0
        self.ws_subscriptions = 0
        self._received: dict[str, int] = {}
        self._executed: dict[str | None, int] = {}

    @property
    def exchanges(self) -> int:
        return self.signin_pat + self.token_refresh

    def received(self, endpoint: str = "any") -> int:
        """Requests that arrived at `endpoint` (graphql, signin_pat, token, signout, or any)."""
        with self._lock:
            if endpoint == "any":
                return sum(self._received.values())
            return self._received.get(endpoint, 0)

    def executed(self, operation_name: str | None) -> int:
        """How often the engine ran an operation of this name (None: unnamed operations)."""
        with self._lock:
            return self._executed.get(operation_name, 0)

    def count_received(self, endpoint: str) -> None:
        with self._lock:
            self._received[endpoint] = self._received.get(endpoint, 0) + 1

    def count_executed(self, operation_name: str | None) -> None:
        with self._lock:
            self._executed[operation_name] = self._executed.get(operation_name, 0) + 1

    def bump(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)

    def reset(self) -> None:
        with self._lock:
            self.signin_pat = self.token_refresh = self.graphql = self.signout = 0
            self.ws_connections = self.ws_subscriptions = 0
            self._received.clear()
            self._executed.clear()

    def __repr__(self) -> str:
        return (
            f"AuthStats(signin_pat={self.signin_pat}, token_refresh={self.token_refresh}, "
            f"graphql={self.graphql}, signout={self.signout}, "
            f"ws_connections={self.ws_connections}, ws_subscriptions={self.ws_subscriptions})"
        )


@dataclass
class _Grant:
    user_id: str
    expires_at: float | None
    token_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    metadata: dict[str, Any] | None = None


class AuthError(Exception):
    """An application error in Nhost's `{status, message, error}` envelope."""

    def __init__(self, status: int, error: str, message: str, *, sensitive: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.sensitive = sensitive


class ValidationFailed(Exception):
    """What kin-openapi's request validator says before Nhost's handler ever runs."""


INVALID_PAT = ("invalid-pat", "Invalid or expired personal access token")
INVALID_REFRESH = ("invalid-refresh-token", "Invalid or expired refresh token")
# hasura-auth's catch-all (`go/controller/errors.go`): ErrInvalidRequest, and also what its
# ErrUnauthenticatedUser maps to; there is no `unauthenticated-user` code.
INVALID_REQUEST = ("invalid-request", "The request payload is incorrect")
# The `pattern` hasura-auth's OpenAPI spec gives every token and id (`go/api/openapi.yaml`). Go's
# regexp search is unanchored and ASCII, and [0-9a-f] makes upper-case UUIDs fail.
UUID_PATTERN = r"\b[0-9a-f]{8}\b-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-\b[0-9a-f]{12}\b"
_UUID_RE = re.compile(UUID_PATTERN, re.ASCII)


class AuthService:
    """PATs and refresh tokens of one sandbox; safe to poke from the test thread while serving."""

    def __init__(
        self,
        issuer: TokenIssuer,
        *,
        conceal_errors: bool = False,
        refresh_token_ttl: int = REFRESH_TOKEN_TTL,
        users: dict[str, UserProfile] | None = None,
    ) -> None:
        self.issuer = issuer
        self.conceal_errors = conceal_errors
        self.refresh_token_ttl = refresh_token_ttl
        self.users = users if users is not None else seeded_users()
        self.stats = AuthStats()
        self._lock = threading.Lock()
        self._pats: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}

    def __repr__(self) -> str:
        return f"AuthService(pats={len(self._pats)}, conceal_errors={self.conceal_errors})"

    @property
    def clock(self) -> Callable[[], float]:
        return self.issuer.clock

    # --- registry ---------------------------------------------------------------------------

    def add_pat(
        self,
        user_id: str = ids.SANDBOX_USER_ID,
        *,
        pat: str | None = None,
        expires_in: float | None = None,
    ) -> str:
        """Register a PAT; `expires_in` seconds from the sandbox clock, None for no expiry."""
        if user_id not in self.users:
            raise KeyError(f"no sandbox user {user_id!r}")
        token = str(uuid.UUID(pat)) if pat is not None else str(uuid.uuid4())
        expires_at = None if expires_in is None else self.clock() + expires_in
        with self._lock:
            self._pats[token] = _Grant(user_id, expires_at)
        return token

    def revoke_pat(self, pat: str) -> bool:
        with self._lock:
            return self._pats.pop(_canonical(pat) or pat, None) is not None

    def revoke_refresh_tokens(self) -> int:
        with self._lock:
            n = len(self._refresh)
            self._refresh.clear()
            return n

    def _live(self, grants: dict[str, _Grant], token: str) -> _Grant | None:
        grant = grants.get(token)
        if grant is None or (grant.expires_at is not None and self.clock() >= grant.expires_at):
            return None
        return grant

    # --- flows ------------------------------------------------------------------------------

    def sign_in_pat(self, pat: str) -> dict[str, Any]:
        with self._lock:
            grant = self._live(self._pats, pat)
            if grant is None:
                raise AuthError(401, *INVALID_PAT)
            # Like Nhost, every PAT sign-in leaves a fresh regular refresh token behind. The Go
            # service answers `{"session": ...}` only (`go/controller/post_signin_pat.go`).
            return {"session": self._new_session(grant.user_id)}

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            grant = self._live(self._refresh, refresh_token)
            # Rotation: the presented token is spent whether or not it was still valid.
            self._refresh.pop(refresh_token, None)
            if grant is None:
                raise AuthError(401, *INVALID_REFRESH)
            return self._new_session(grant.user_id)

    def sign_out(
        self, refresh_token: str | None, *, all_sessions: bool, user_id: str | None
    ) -> None:
        """Revoke one refresh token, or (`all`, with a valid access token) all of its user's.

        As `go/controller/post_signout.go`: `all` without a valid access token, or neither `all`
        nor a refresh token, is 400 invalid-request; an unknown refresh token is not an error
        (signing out is idempotent).
        """
        with self._lock:
            if not all_sessions:
                if not refresh_token:
                    raise AuthError(400, *INVALID_REQUEST, sensitive=False)
                self._refresh.pop(refresh_token, None)
                return
            if user_id is None:
                raise AuthError(400, *INVALID_REQUEST, sensitive=False)
            for token in [t for t, g in self._refresh.items() if g.user_id == user_id]:
                del self._refresh[token]

    def create_pat(
        self, user_id: str, expires_at: float, metadata: dict[str, Any] | None
    ) -> dict[str, Any]:
        """`POST /v1/pat` (`go/controller/post_pat.go`): a new PAT for the signed-in user."""
        pat = str(uuid.uuid4())
        grant = _Grant(user_id, expires_at, metadata=metadata)
        with self._lock:
            self._pats[pat] = grant
        return {"id": grant.token_id, "personalAccessToken": pat}

    def _new_session(self, user_id: str) -> dict[str, Any]:
        user = self.users[user_id]
        refresh_token = str(uuid.uuid4())
        grant = _Grant(user_id, self.clock() + self.refresh_token_ttl)
        self._refresh[refresh_token] = grant
        return {
            "accessToken": self.issuer.mint(user.identity),
            "accessTokenExpiresIn": self.issuer.access_token_ttl,
            "refreshToken": refresh_token,
            "refreshTokenId": grant.token_id,
            "user": user.as_json(),
        }

    # --- HTTP -------------------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/v1/signin/pat", self._signin_pat_endpoint, methods=["POST"]),
            Route("/v1/token", self._token_endpoint, methods=["POST"]),
            Route("/v1/signout", self._signout_endpoint, methods=["POST"]),
            Route("/v1/pat", self._pat_endpoint, methods=["POST"]),
            Route("/v1/token/verify", self._verify_endpoint, methods=["POST"]),
            Route("/healthz", _healthz, methods=["GET", "HEAD"]),
            Route("/v1/healthz", _healthz, methods=["GET", "HEAD"]),
            Route("/v1/.well-known/jwks.json", _jwks, methods=["GET"]),
        ]

    async def _signin_pat_endpoint(self, request: Request) -> Response:
        self.stats.bump("signin_pat")
        return await self._handle(
            request, "SignInPATRequest", "personalAccessToken", self.sign_in_pat
        )

    async def _token_endpoint(self, request: Request) -> Response:
        self.stats.bump("token_refresh")
        return await self._handle(request, "RefreshTokenRequest", "refreshToken", self.refresh)

    async def _signout_endpoint(self, request: Request) -> Response:
        self.stats.bump("signout")
        user_id = self._bearer_user(request.headers.get("authorization"))

        def flow(body: dict[str, Any]) -> Any:
            token = body.get("refreshToken")
            all_sessions = bool(body.get("all", False))
            self.sign_out(token, all_sessions=all_sessions, user_id=user_id)
            # Nhost's OKResponse: the JSON string "OK".
            return "OK"

        return await self._respond(
            request, "SignOutRequest", {"refreshToken": "uuid", "all": "boolean"}, (), flow
        )

    async def _pat_endpoint(self, request: Request) -> Response:
        # BearerAuthElevated is required: kin-openapi's security check runs before the body's.
        authorization = request.headers.get("authorization")
        user_id, problem = self._security_check(authorization)
        if problem is not None:
            return _validator_error(
                f"error in openapi3filter.SecurityRequirementsError: "
                f"security requirements failed: {problem}"
            )

        def flow(body: dict[str, Any]) -> Any:
            if user_id is None or user_id not in self.users:
                raise AuthError(400, *INVALID_REQUEST, sensitive=False)
            expires_at = _parse_datetime(body["expiresAt"]).timestamp()
            metadata = body.get("metadata")
            return self.create_pat(user_id, expires_at, metadata)

        return await self._respond(
            request,
            "CreatePATRequest",
            {"expiresAt": "date-time", "metadata": "object"},
            ("expiresAt",),
            flow,
        )

    async def _verify_endpoint(self, request: Request) -> Response:
        # `go/controller/post_token_verify.go`: the body's token if one is sent, else the
        # Authorization header's; "OK", or 400 invalid-request however the token fails.
        raw = await request.body()
        bearer = request.headers.get("authorization")

        def flow(body: dict[str, Any]) -> Any:
            token = body.get("token")
            if token is None:
                if self._bearer_user(bearer) is None:
                    raise AuthError(400, *INVALID_REQUEST, sensitive=False)
                return "OK"
            try:
                self.issuer.verify(token.removeprefix("Bearer "))
            except TokenRejected:
                raise AuthError(400, *INVALID_REQUEST, sensitive=False) from None
            return "OK"

        if not raw.strip():
            return self._run(flow, {})
        return await self._respond(request, "VerifyTokenRequest", {"token": "string"}, (), flow)

    def _security_check(self, authorization: str | None) -> tuple[str | None, str | None]:
        """(the token's user id, None), or (None, why hasura-auth's JWT middleware
        (`go/controller/jwt.go`) refuses the header): the token is verified once."""
        parts = (authorization or "").split(" ")
        if len(parts) != 2 or parts[0] != "Bearer":
            return None, "invalid authorization header"
        try:
            return self.issuer.verify(parts[1]).user_id, None
        except TokenRejected as exc:
            reason = (
                "token has invalid claims: token is expired"
                if "JWTExpired" in exc.message
                else "token is unverifiable"
            )
            return None, f"error validating token: error parsing token: {reason}"

    def _bearer_user(self, authorization: str | None) -> str | None:
        if authorization is None or not authorization.startswith("Bearer "):
            return None
        try:
            return self.issuer.verify(authorization.removeprefix("Bearer ")).user_id
        except TokenRejected:
            return None

    async def _handle(
        self,
        request: Request,
        schema: str,
        key: str,
        flow: Callable[[str], Any],
    ) -> Response:
        """A body of one required token (SignInPATRequest, RefreshTokenRequest)."""
        return await self._respond(request, schema, {key: "uuid"}, (key,), lambda b: flow(b[key]))

    async def _respond(
        self,
        request: Request,
        schema: str,
        properties: Mapping[str, str],
        required: tuple[str, ...],
        flow: Callable[[dict[str, Any]], Any],
    ) -> Response:
        try:
            body = validate_body(
                request.headers.get("content-type"),
                await request.body(),
                schema,
                properties,
                required,
            )
        except ValidationFailed as exc:
            return _validator_error(f"error in openapi3filter.RequestError: {exc}")
        return self._run(flow, body)

    def _run(self, flow: Callable[[dict[str, Any]], Any], body: dict[str, Any]) -> Response:
        try:
            return JSONResponse(flow(body))
        except AuthError as exc:
            if exc.sensitive and self.conceal_errors:
                exc = AuthError(400, *INVALID_REQUEST)
            return JSONResponse(
                {"status": exc.status, "message": exc.message, "error": exc.error},
                status_code=exc.status,
            )


def _validator_error(message: str) -> Response:
    # oapi-codegen's gin middleware: every validation or security failure is 400 {"error": ...}.
    return JSONResponse({"error": message}, status_code=400)


def validate_body(
    content_type: str | None,
    raw: bytes,
    schema: str,
    properties: Mapping[str, str],
    required: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A request body checked against one of Nhost's flat schemas, worded as kin-openapi words it.

    `properties` maps each allowed name to its kind: "uuid" (a string matching UUID_PATTERN),
    "string", "boolean", "date-time" or "object". Messages name the schema and the field but
    never the submitted value.
    """
    prefix = "request body has an error: "
    media = (content_type or "").split(";")[0].strip().lower()
    if media != "application/json":
        raise ValidationFailed(f"{prefix}header Content-Type has unexpected value")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(
            f"{prefix}failed to decode request body: invalid character looking for beginning "
            "of value"
        ) from None
    where = f"{prefix}doesn't match schema #/components/schemas/{schema}"
    if not isinstance(body, dict):
        raise ValidationFailed(f'{where}: Error at "/": value must be an object')
    for key in required:
        if key not in body:
            raise ValidationFailed(f'{where}: Error at "/{key}": property "{key}" is missing')
    if set(body) - set(properties):
        raise ValidationFailed(f'{where}: Error at "/": property is unsupported')
    for key, value in body.items():
        problem = _type_problem(properties[key], value)
        if problem is not None:
            raise ValidationFailed(f'{where}: Error at "/{key}": {problem}')
    return body


_GO_ESCAPES: Final = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(text: str) -> str:
    """Go's ``%q`` (``strconv.Quote``), as kin-openapi formats the pattern in its message:
    double quotes, and every backslash doubled (``"\\b[0-9a-f]{8}\\b-..."``)."""
    out = []
    for char in text:
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def _type_problem(kind: str, value: Any) -> str | None:
    if kind == "boolean":
        return None if isinstance(value, bool) else "value must be a boolean"
    if kind == "object":
        return None if isinstance(value, dict) else "value must be an object"
    if not isinstance(value, str):
        return "value must be a string"
    if kind == "uuid" and _UUID_RE.search(value) is None:
        return f"string doesn't match the regular expression {go_quote(UUID_PATTERN)}"
    if kind == "date-time":
        try:
            _parse_datetime(value)
        except ValueError:
            return 'string doesn\'t match the format "date-time"'
    return None


def _parse_datetime(text: str) -> datetime:
    """RFC 3339 date-time with an offset (kin-openapi's format), as an aware datetime."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if "T" not in text.upper() or parsed.tzinfo is None:
        raise ValueError(text)
    return parsed


def _canonical(value: str) -> str | None:
    """Lower-case hyphenated form, or None: Postgres would store any accepted UUID this way."""
    if len(value) != 36:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


async def _healthz(request: Request) -> Response:
    # Both hasura-auth health routes answer the JSON string "OK": the Go GetHealthz
    # (`go/controller/get_healthz.go`, OKResponse) and the Node server's `/healthz` (`src/app.ts`,
    # `res.json(ReasonPhrases.OK)`). HEAD gets the headers only.
    if request.method == "HEAD":
        return Response(status_code=200, media_type="application/json")
    return JSONResponse("OK")


async def _jwks(request: Request) -> Response:
    # HS256 deployments publish no keys, and Go marshals the nil slice as null.
    return JSONResponse({"keys": None})
