"""The Nhost hasura-auth half of the sandbox: PAT sign-in, refresh-token rotation, health.

Response bodies copy Nhost's exact shapes, including its two different error envelopes (the
application's `{status, message, error}` and the OpenAPI validator's bare `{error}`), because a
client that only ever met a friendlier server would break on the real one. No response ever
echoes a submitted token.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
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
# Code as hasura-auth names it; the exact message text is unverified.
UNAUTHENTICATED = ("unauthenticated-user", "User is not authenticated")


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
            # Like Nhost, every PAT sign-in leaves a fresh regular refresh token behind.
            return {"mfa": None, "session": self._new_session(grant.user_id)}

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            grant = self._live(self._refresh, refresh_token)
            # Rotation: the presented token is spent whether or not it was still valid.
            self._refresh.pop(refresh_token, None)
            if grant is None:
                raise AuthError(401, *INVALID_REFRESH)
            return self._new_session(grant.user_id)

    def sign_out(self, refresh_token: str, *, all_sessions: bool, user_id: str | None) -> None:
        """Revoke one refresh token, or (`all`, with a valid access token) all of its user's.

        Like Nhost, an unknown refresh token is not an error: signing out is idempotent.
        """
        with self._lock:
            if not all_sessions:
                self._refresh.pop(refresh_token, None)
                return
            if user_id is None:
                raise AuthError(401, *UNAUTHENTICATED, sensitive=False)
            for token in [t for t, g in self._refresh.items() if g.user_id == user_id]:
                del self._refresh[token]

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

        def flow(token: str, all_sessions: bool) -> Any:
            self.sign_out(token, all_sessions=all_sessions, user_id=user_id)
            # Nhost's OKResponse: the JSON string "OK".
            return "OK"

        return await self._handle(
            request, "SignOutSchema", "refreshToken", flow, optional_bool="all"
        )

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
        flow: Callable[..., Any],
        *,
        optional_bool: str | None = None,
    ) -> Response:
        try:
            token, flag = _validated_uuid_field(
                request.headers.get("content-type"),
                await request.body(),
                schema,
                key,
                optional_bool=optional_bool,
            )
            return JSONResponse(flow(token) if optional_bool is None else flow(token, flag))
        except ValidationFailed as exc:
            return JSONResponse(
                {"error": f"error in openapi3filter.RequestError: {exc}"}, status_code=400
            )
        except AuthError as exc:
            if exc.sensitive and self.conceal_errors:
                exc = AuthError(400, "invalid-request", "The request payload is incorrect")
            return JSONResponse(
                {"status": exc.status, "message": exc.message, "error": exc.error},
                status_code=exc.status,
            )


def _validated_uuid_field(
    content_type: str | None,
    raw: bytes,
    schema: str,
    key: str,
    *,
    optional_bool: str | None = None,
) -> tuple[str, bool]:
    """The one-uuid-property schemas of Nhost's spec (plus signout's optional boolean `all`),
    checked the way kin-openapi words it.

    Messages name the schema and the field but never the submitted value.
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
    if key not in body:
        raise ValidationFailed(f'{where}: Error at "/{key}": property "{key}" is missing')
    extra = set(body) - {key, optional_bool}
    if extra:
        raise ValidationFailed(f'{where}: Error at "/": property is unsupported')
    flag = body.get(optional_bool, False) if optional_bool is not None else False
    if not isinstance(flag, bool):
        raise ValidationFailed(f'{where}: Error at "/{optional_bool}": value must be a boolean')
    value = body[key]
    if not isinstance(value, str):
        raise ValidationFailed(f'{where}: Error at "/{key}": value must be a string')
    token = _canonical(value)
    if token is None:
        raise ValidationFailed(
            f'{where}: Error at "/{key}": string doesn\'t match the format "uuid"'
        )
    return token, flag


def _canonical(value: str) -> str | None:
    """Lower-case hyphenated form, or None: Postgres would store any accepted UUID this way."""
    if len(value) != 36:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


async def _healthz(request: Request) -> Response:
    return PlainTextResponse("OK")


async def _jwks(request: Request) -> Response:
    # HS256 deployments publish no keys, and Go marshals the nil slice as null.
    return JSONResponse({"keys": None})
