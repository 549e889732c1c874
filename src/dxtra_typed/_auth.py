"""PAT → JWT exchange, the in-memory token cache, and the httpx.Auth that applies it.

Design (docs/design.md, "auth boundary"): auth is an ``httpx.Auth`` handed to every request
the generated client sends, so it composes with a user-supplied httpx client and never needs
generated code to change. The exchange goes through a separate, unauthenticated httpx client.
Freshness and response parsing are pure functions shared by the sync and async twins; only
the I/O and the locks differ.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
from typing import Any, Final

import httpx
import jwt

from dxtra_typed._errors import (
    REMEDY_400,
    REMEDY_401,
    APIConnectionError,
    APITimeoutError,
    AuthenticationBadRequestError,
    AuthenticationStatusError,
    InvalidResponseError,
    status_error_class,
    status_remedy,
)
from dxtra_typed._secret import Secret, redact

Clock = Callable[[], float]

SIGNIN_PAT_PATH: Final = "/v1/signin/pat"
# Refresh this long before `exp` (capped at a quarter of the token's life, so short-lived
# test tokens still get used). Hasura validates `exp` with zero clock skew.
REFRESH_MARGIN_SECONDS: Final = 60.0


@dataclass(frozen=True)
class AccessToken:
    """A JWT and when it stops being accepted. The repr shows neither token."""

    token: Secret
    issued_at: float
    expires_at: float
    refresh_token: Secret | None = None


def token_expiry(access_token: str, expires_in: object, now: float) -> float:
    """Epoch seconds at which the JWT expires.

    The JWT's own ``exp`` wins (read without verifying: the client cannot verify a token signed
    with the server's secret, and only needs to schedule a refresh); the session's
    ``accessTokenExpiresIn`` is the fallback.
    """
    try:
        claims = jwt.decode(access_token, options={"verify_signature": False})
        exp = claims.get("exp")
        if isinstance(exp, (int, float)) and not isinstance(exp, bool):
            return float(exp)
    except jwt.PyJWTError:
        pass
    if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
        return now + float(expires_in)
    return now + 900.0  # Nhost's default access-token lifetime


def needs_refresh(token: AccessToken | None, now: float) -> bool:
    """True when there is no token or it is within the refresh margin of expiring."""
    if token is None:
        return True
    lifetime = max(token.expires_at - token.issued_at, 0.0)
    margin = min(REFRESH_MARGIN_SECONDS, lifetime / 4)
    return now >= token.expires_at - margin


def build_signin_request(auth_url: str, api_key: Secret) -> httpx.Request:
    return httpx.Request(
        "POST",
        auth_url + SIGNIN_PAT_PATH,
        content=json.dumps({"personalAccessToken": api_key.reveal()}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )


def _lenient_json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _describe_auth_error(body: object, text: str) -> str:
    """One phrase from any of the error bodies auth services send.

    Nhost: ``{status, message, error}``; its request validator: ``{error}`` only; Dxtra's
    troubleshooting page: ``{status: "error", message, data}``; a proxy: HTML or nothing.
    """
    if isinstance(body, dict):
        code, message = body.get("error"), body.get("message")
        if isinstance(code, str) and code.startswith("error in openapi3filter"):
            return "the request was not in the form the auth service accepts"
        parts = [p for p in (code, message) if isinstance(p, str) and p]
        if parts:
            return ": ".join(parts)
    snippet = " ".join(text.split())[:120]
    return snippet or "no response body"


def parse_session(response: httpx.Response, api_key: Secret, now: float) -> AccessToken:
    """The token from a ``/v1/signin/pat`` response, or the typed error it amounts to."""
    text = redact(response.text, api_key)
    body = _lenient_json(text)
    status = response.status_code
    request_id = response.headers.get("x-request-id")
    if status != 200:
        detail = _describe_auth_error(body, text)
        where = f"PAT exchange at {response.request.url} failed (HTTP {status}, {detail})"
        if status == 400:
            raise AuthenticationBadRequestError(
                f"{where}; the API key is malformed, or rejected and the reason concealed: "
                f"{REMEDY_400}, or {REMEDY_401}",
                status_code=status,
                body=body if body is not None else text,
                request_id=request_id,
            )
        if status == 401:
            raise AuthenticationStatusError(
                f"{where}; the API key is unknown, expired or revoked: {REMEDY_401}",
                status_code=status,
                body=body if body is not None else text,
                request_id=request_id,
            )
        remedy = status_remedy(status)
        raise status_error_class(status)(
            where + (f"; {remedy}" if remedy else ""),
            status_code=status,
            body=body if body is not None else text,
            request_id=request_id,
        )
    session = body.get("session") if isinstance(body, dict) else None
    token = session.get("accessToken") if isinstance(session, dict) else None
    if not isinstance(session, dict) or not isinstance(token, str) or not token:
        raise InvalidResponseError(
            f"PAT exchange at {response.request.url} answered 200 without session.accessToken",
            status_code=status,
            body="<omitted: may contain credentials>",
        )
    refresh = session.get("refreshToken")
    return AccessToken(
        token=Secret(token),
        issued_at=now,
        expires_at=token_expiry(token, session.get("accessTokenExpiresIn"), now),
        refresh_token=Secret(refresh) if isinstance(refresh, str) and refresh else None,
    )


def _transport_error(exc: httpx.HTTPError, url: str) -> APIConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"PAT exchange at {url} timed out ({type(exc).__name__})")
    return APIConnectionError(f"could not reach the auth service at {url}: {exc}")


class SyncTokenCache:
    """One JWT per client, exchanged on first use and again shortly before it expires.

    Thread-safe and single-flight: the exchange runs under a lock and every waiter re-checks
    the cache after taking it, so any number of threads cause one exchange.
    """

    def __init__(
        self, http: httpx.Client, auth_url: str, api_key: Secret, clock: Clock = time.time
    ) -> None:
        self._http = http
        self._auth_url = auth_url
        self._api_key = api_key
        self._clock = clock
        self._token: AccessToken | None = None
        self._lock = threading.Lock()
        self.exchanges = 0

    def get(self) -> Secret:
        token = self._token
        if not needs_refresh(token, self._clock()) and token is not None:
            return token.token
        with self._lock:
            token = self._token
            if needs_refresh(token, self._clock()) or token is None:
                token = self._exchange()
                self._token = token
            return token.token

    def invalidate(self, rejected: Secret) -> None:
        """Drop the cached token if it is the one the server rejected (compare-and-drop)."""
        with self._lock:
            if self._token is not None and self._token.token == rejected:
                self._token = None

    def _exchange(self) -> AccessToken:
        request = build_signin_request(self._auth_url, self._api_key)
        self.exchanges += 1
        try:
            response = self._http.send(request)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, str(request.url)) from None
        return parse_session(response, self._api_key, self._clock())


class AsyncTokenCache:
    """The async twin of SyncTokenCache: event-loop-safe single-flight exchange.

    The asyncio.Lock is created lazily, per event loop, because a lock binds to the loop it
    first waits on and a client may be reused across loops (pytest makes one per test).
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        auth_url: str,
        api_key: Secret,
        clock: Clock = time.time,
    ) -> None:
        self._http = http
        self._auth_url = auth_url
        self._api_key = api_key
        self._clock = clock
        self._token: AccessToken | None = None
        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self.exchanges = 0

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            self._locks = {lp: lk for lp, lk in self._locks.items() if not lp.is_closed()}
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def get(self) -> Secret:
        token = self._token
        if not needs_refresh(token, self._clock()) and token is not None:
            return token.token
        async with self._lock():
            token = self._token
            if needs_refresh(token, self._clock()) or token is None:
                token = await self._exchange()
                self._token = token
            return token.token

    def invalidate(self, rejected: Secret) -> None:
        if self._token is not None and self._token.token == rejected:
            self._token = None

    async def _exchange(self) -> AccessToken:
        request = build_signin_request(self._auth_url, self._api_key)
        self.exchanges += 1
        try:
            response = await self._http.send(request)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, str(request.url)) from None
        return parse_session(response, self._api_key, self._clock())


def token_rejected(response: httpx.Response) -> bool:
    """Did the API refuse the JWT itself (so a fresh one may succeed)?

    Hasura answers an expired or bad JWT with HTTP 200 and ``extensions.code = "invalid-jwt"``
    (graphql-engine #8659), so the status alone is not enough. Hasura checks the JWT before it
    runs anything, so replaying even a mutation after this cannot run it twice.
    """
    if response.status_code == 401:
        return True
    if response.status_code != 200 or b"invalid-jwt" not in response.content:
        return False
    body: Any = _lenient_json(response.text)
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(
        isinstance(e, dict)
        and isinstance(e.get("extensions"), dict)
        and e["extensions"].get("code") == "invalid-jwt"
        for e in errors
    )


def _apply(request: httpx.Request, role: str, token: Secret | None) -> None:
    request.headers["X-Hasura-Role"] = role
    if token is not None:
        request.headers["Authorization"] = "Bearer " + token.reveal()
    else:
        request.headers.pop("Authorization", None)


class DxtraAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <jwt>`` and ``X-Hasura-Role`` to each request.

    A request whose JWT is refused (HTTP 401, or ``invalid-jwt`` inside a 200) is replayed once
    with a freshly exchanged token. Tokenless roles (anonymous, public) send no Authorization.
    """

    requires_response_body = True

    def __init__(
        self,
        role: str,
        sync_tokens: SyncTokenCache | None = None,
        async_tokens: AsyncTokenCache | None = None,
    ) -> None:
        self.role = role
        self._sync_tokens = sync_tokens
        self._async_tokens = async_tokens

    def __repr__(self) -> str:
        return f"DxtraAuth(role={self.role!r})"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        tokens = self._sync_tokens
        if tokens is None:
            if self._async_tokens is not None:
                raise RuntimeError("this DxtraAuth belongs to an async client")
            _apply(request, self.role, None)
            yield request
            return
        token = tokens.get()
        _apply(request, self.role, token)
        response = yield request
        # Overriding the flow skips httpx's own read for requires_response_body.
        response.read()
        if token_rejected(response):
            tokens.invalidate(token)
            _apply(request, self.role, tokens.get())
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        tokens = self._async_tokens
        if tokens is None:
            if self._sync_tokens is not None:
                raise RuntimeError("this DxtraAuth belongs to a sync client")
            _apply(request, self.role, None)
            yield request
            return
        token = await tokens.get()
        _apply(request, self.role, token)
        response = yield request
        await response.aread()
        if token_rejected(response):
            tokens.invalidate(token)
            _apply(request, self.role, await tokens.get())
            yield request
