"""PAT → JWT exchange, refresh, the in-memory token cache, and the httpx.Auth that applies them.

Design (docs/design.md, "auth boundary"): auth is an ``httpx.Auth`` handed to every request
the generated client sends, so it composes with a user-supplied httpx client and never needs
generated code to change. Exchanges go through a separate, unauthenticated httpx client.
Freshness, request building and response parsing are pure functions; the renewal itself is
written once, as a generator of effects (``_TokenCacheBase._renewal``), which the sync and
async caches drive under their own lock: only the I/O, the sleeps and the locks differ.

Token lifecycle: the PAT is exchanged at ``/v1/signin/pat`` on first use. Shortly before the
JWT expires it is renewed at ``/v1/token`` with the rotating refresh token; if that is refused
(or cannot be done), the PAT is exchanged again. A JWT the API refuses is dropped and the
request replayed once with a renewed one.
"""

from __future__ import annotations

import functools
import json
import random
import re
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, TypeVar, cast

import httpx

from dxtra_typed._access_token import AccessToken as AccessToken  # re-exported: `_auth.AccessToken`
from dxtra_typed._config import TOKENLESS_ROLES, is_loopback
from dxtra_typed._errors import (
    REMEDY_400,
    REMEDY_401,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationBadRequestError,
    AuthenticationStatusError,
    ConfigurationError,
    DxtraError,
    InvalidResponseError,
    status_error_class,
    status_remedy,
)
from dxtra_typed._logging import logger
from dxtra_typed._response import public_response, wait_hint
from dxtra_typed._retry import REFRESH, SIGNIN, RetryPolicy
from dxtra_typed._secret import Secret, redact
from dxtra_typed._telemetry import Telemetry, exchange, record_store_read

if TYPE_CHECKING:
    import asyncio  # imported where used: a sync program never imports asyncio

    from dxtra_typed._token_store import Release, TokenSlot, TokenStore

Clock = Callable[[], float]

SIGNIN_PAT_PATH: Final = "/v1/signin/pat"
REFRESH_PATH: Final = "/v1/token"
# Refresh this long before `exp` (capped at a quarter of the token's life, so short-lived
# tokens still get used). Hasura validates `exp` with zero clock skew.
REFRESH_MARGIN_SECONDS: Final = 60.0
# After a failed renewal while the old JWT is still valid, keep serving it this long before
# trying again, instead of making every call pay for a failing exchange.
RENEWAL_BACKOFF_SECONDS: Final = 5.0
ROLE_EXTENSION: Final = "dxtra_role"


def token_expiry(access_token: str, expires_in: object, now: float) -> float:
    """Epoch seconds at which the JWT expires.

    The JWT's own ``exp`` wins (read without verifying: the client cannot verify a token signed
    with the server's secret, and only needs to schedule a refresh); the session's
    ``accessTokenExpiresIn`` is the fallback.
    """
    # Imported on first use: with `cryptography` installed (the fleet extra), `import jwt` also
    # loads it, ~25 ms that a client which never exchanges a token should not pay at import.
    import jwt

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


def renewal_margin(lifetime: float) -> float:
    """How long before ``exp`` a token of this lifetime is renewed: 60 s, or a quarter of its
    life when that is shorter (so a short-lived token is not renewed on every call)."""
    return min(REFRESH_MARGIN_SECONDS, max(lifetime, 0.0) / 4)


def needs_refresh(token: AccessToken | None, now: float) -> bool:
    """True when there is no token or it is within the refresh margin of expiring."""
    if token is None:
        return True
    return now >= token.expires_at - renewal_margin(token.expires_at - token.issued_at)


def _json_request(url: str, payload: dict[str, str]) -> httpx.Request:
    return httpx.Request(
        "POST",
        url,
        content=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )


def build_signin_request(auth_url: str, api_key: Secret) -> httpx.Request:
    return _json_request(auth_url + SIGNIN_PAT_PATH, {"personalAccessToken": api_key.reveal()})


def build_refresh_request(auth_url: str, refresh_token: Secret) -> httpx.Request:
    return _json_request(auth_url + REFRESH_PATH, {"refreshToken": refresh_token.reveal()})


def _lenient_json(text: str | bytes) -> object:
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


def parse_session(
    response: httpx.Response,
    secrets: tuple[Secret | None, ...],
    now: float,
    *,
    wrapped: bool = True,
) -> AccessToken:
    """The token from a ``/v1/signin/pat`` (``wrapped``: under ``session``) or a bare
    ``/v1/token`` response, or the typed error the response amounts to.
    """
    text = redact(response.text, *secrets)
    body = _lenient_json(text)
    status = response.status_code
    request_id = response.headers.get("x-request-id")
    what = "PAT exchange" if wrapped else "token refresh"
    if status != 200:
        detail = _describe_auth_error(body, text)
        where = f"{what} at {response.request.url} failed (HTTP {status}, {detail})"
        kept: object = body if body is not None else text
        public = public_response(response, text.encode())
        if status == 400:
            raise AuthenticationBadRequestError(
                f"{where}; the API key is malformed, or rejected and the reason concealed: "
                f"{REMEDY_400}, or {REMEDY_401}",
                status_code=status,
                body=kept,
                request_id=request_id,
                response=public,
            )
        if status == 401:
            raise AuthenticationStatusError(
                f"{where}; the API key is unknown, expired or revoked: "
                f"{remedy_401(response.request.url.host)}",
                status_code=status,
                body=kept,
                request_id=request_id,
                response=public,
            )
        remedy = status_remedy(status)
        raise status_error_class(status)(
            where + (f"; {remedy}{wait_hint(response)}" if remedy else ""),
            status_code=status,
            body=kept,
            request_id=request_id,
            response=public,
        )
    session = body.get("session") if wrapped and isinstance(body, dict) else body
    token = session.get("accessToken") if isinstance(session, dict) else None
    if not isinstance(session, dict) or not isinstance(token, str) or not token:
        raise InvalidResponseError(
            f"{what} at {response.request.url} answered 200 without an accessToken",
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


REMEDY_401_LOCAL: Final = (
    "this auth service runs on this machine (a `dxtra-typed sandbox`?), and a sandbox makes a "
    "new key each time it starts without --db: export the DXTRA_API_KEY it printed last "
    "(or start it with --db FILE to keep one key)"
)


def remedy_401(auth_host: str) -> str:
    """What to do about a refused key: Dxtra's dashboard for Dxtra, but a local auth service
    is almost always the sandbox, whose key changed when it restarted."""
    return REMEDY_401_LOCAL if is_loopback(auth_host) else REMEDY_401


def _error_code(body: object) -> str:
    """The auth service's error code (Nhost's ``error``), for a log line: never a credential."""
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) and code.replace("-", "").isalnum() else "none"


def _transport_error(exc: httpx.HTTPError, url: str) -> APIConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"auth request to {url} timed out ({type(exc).__name__})")
    return APIConnectionError(f"could not reach the auth service at {url}: {exc}")


def _keep_serving(exc: DxtraError, token: AccessToken | None, now: float) -> bool:
    """Serve the current JWT after a failed renewal? Only if it is still valid and the failure
    was the server's or the network's, not a refused credential."""
    if token is None or now >= token.expires_at:
        return False
    if isinstance(exc, APIConnectionError):
        return True
    return isinstance(exc, APIStatusError) and (exc.status_code == 429 or exc.status_code >= 500)


# ------------------------------------------------------------------------------------------
# Renewal, written once. The algorithm (single-flight re-check, the shared store's protocol,
# refresh-then-PAT fallback, retries, keep-serving after a failure) is one generator, the
# *flow*: it yields an effect (send this request, sleep this long, call the shared store) and
# is sent back the effect's result, or has the effect's exception thrown into it. It does no
# I/O of its own, so `SyncTokenCache` and `AsyncTokenCache` differ only in how they perform an
# effect (`_perform`) and in their lock, as httpx's own auth flows do.


@dataclass(frozen=True, slots=True)
class _Send:
    """Send this auth request. Result: the response, body read, or the transport error."""

    request: httpx.Request


@dataclass(frozen=True, slots=True)
class _Sleep:
    """Wait before the next attempt. Result: None."""

    seconds: float


@dataclass(frozen=True, slots=True)
class _StoreCall:
    """Call the shared store (it blocks: a file lock, a network round trip). Result: the
    call's. ``op`` says which, for the async driver: ``acquire`` must release a lock it gets
    after its waiter was cancelled, and ``release`` must run to the end."""

    op: Literal["load", "acquire", "save", "release"]
    call: Callable[[], Any]


_Effect = _Send | _Sleep | _StoreCall
_T = TypeVar("_T")
# A flow: yields effects, is sent their results, returns a _T.
_Flow = Generator[_Effect, Any, _T]


class _TokenCacheBase:
    def __init__(
        self,
        auth_url: str,
        api_key: Secret,
        *,
        policy: RetryPolicy | None = None,
        clock: Clock = time.time,
        store: TokenStore | None = None,
    ) -> None:
        self._auth_url = auth_url
        self._api_key = api_key
        self._policy = policy or RetryPolicy()
        self._clock = clock
        self._random: Callable[[], float] = random.random
        self._token: AccessToken | None = None
        self._refresh_token: Secret | None = None
        self._hold_until = 0.0
        # A shared store (None: this process's memory only) and the last JWT the API refused,
        # which another process may still have in the store.
        self._slot: TokenSlot | None = (
            store.open(auth_url, api_key, clock=clock) if store is not None else None
        )
        self._rejected: Secret | None = None
        self.signins = 0
        self.refreshes = 0
        # Set by the client: spans and metrics of each exchange (None: off).
        self.telemetry: Telemetry | None = None

    @property
    def exchanges(self) -> int:
        return self.signins + self.refreshes

    def _fresh(self) -> Secret | None:
        token, now = self._token, self._clock()
        if token is not None and (not needs_refresh(token, now) or now < self._hold_until):
            return token.token
        return None

    def _renewal(self) -> _Flow[Secret]:
        """The token to send, renewed if need be: the whole renewal, run under the cache's
        lock. Re-checking first makes it single-flight: whoever waited for the lock finds the
        token its holder renewed. With a shared store: adopt what another process stored,
        else renew under the store's lock (re-reading it first) and store the result."""
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        slot = self._slot
        if slot is None:
            return (yield from self._renew_or_keep())
        adopted = self._adopt((yield _StoreCall("load", slot.load)))
        if adopted is not None:
            return adopted
        release: Release = yield _StoreCall("acquire", slot.acquire)
        try:
            adopted = self._adopt((yield _StoreCall("load", slot.load)))
            if adopted is not None:
                return adopted
            return (yield from self._renew_or_keep(slot))
        finally:
            yield _StoreCall("release", release)

    def _renew_or_keep(self, slot: TokenSlot | None = None) -> _Flow[Secret]:
        """Renew (and save the result to the shared store, if any); after a failure, the
        current token while it may still be served, else the failure."""
        try:
            token = yield from self._renew()
        except DxtraError as exc:
            return self._on_failure(exc)
        if slot is not None:
            yield _StoreCall("save", functools.partial(slot.save, token))
        return self._store(token)

    def _renew(self) -> _Flow[AccessToken]:
        """Refresh with the refresh token (spent: it rotates), else or if that fails, exchange
        the PAT. Each exchange is a telemetry span, a child of the call that needed it."""
        if self._refresh_token is not None:
            refresh_token, self._refresh_token = self._refresh_token, None
            try:
                self.refreshes += 1
                with exchange(self.telemetry, "refresh", self._auth_url) as done:
                    request = build_refresh_request(self._auth_url, refresh_token)
                    token = yield from self._send(request, refresh_token)
                    done(token)
                    return token
            except DxtraError as exc:
                logger.info(
                    "token refresh failed (%s); signing in with the PAT", type(exc).__name__
                )
        self.signins += 1
        with exchange(self.telemetry, "signin", self._auth_url) as done:
            request = build_signin_request(self._auth_url, self._api_key)
            token = yield from self._send(request, self._api_key)
            done(token)
            return token

    def _send(self, request: httpx.Request, credential: Secret) -> _Flow[AccessToken]:
        """One auth request, retried as the retry policy says."""
        retries = 0
        while True:
            outcome: httpx.Response | httpx.HTTPError = yield _Send(request)
            step = self._settle(request, credential, outcome, retries)
            if isinstance(step, AccessToken):
                return step
            yield _Sleep(step)
            retries += 1

    def _store(self, token: AccessToken) -> Secret:
        self._token = token
        self._refresh_token = token.refresh_token
        self._hold_until = 0.0
        return token.token

    def _on_failure(self, exc: DxtraError) -> Secret:
        now = self._clock()
        if _keep_serving(exc, self._token, now) and self._token is not None:
            logger.warning(
                "token renewal failed (%s); using the current token for now", type(exc).__name__
            )
            self._hold_until = now + RENEWAL_BACKOFF_SECONDS
            return self._token.token
        raise exc

    def _settle(
        self,
        request: httpx.Request,
        credential: Secret,
        outcome: httpx.Response | httpx.HTTPError,
        retries: int,
    ) -> AccessToken | float:
        """After one attempt of an auth request: the token, a typed error, or a delay before
        the next attempt."""
        signin = credential is self._api_key
        rule = SIGNIN if signin else REFRESH
        delay = rule.delay(
            outcome, retries, self._policy, now=self._clock(), random_unit=self._random()
        )
        if delay is not None:
            logger.info("retrying %s in %.2fs", request.url.path, delay)
            return delay
        what = "PAT exchange" if signin else "token refresh"
        if isinstance(outcome, httpx.HTTPError):
            logger.debug("%s failed: %s", what, type(outcome).__name__)
            raise _transport_error(outcome, str(request.url)) from None
        try:
            return parse_session(outcome, (credential,), self._clock(), wrapped=signin)
        except DxtraError as exc:
            body = exc.body if isinstance(exc, APIStatusError) else None
            logger.debug(
                "%s failed: HTTP %d, error code %s",
                what,
                outcome.status_code,
                _error_code(body),
            )
            raise

    def _drop(self, rejected: Secret) -> None:
        self._rejected = rejected
        if self._token is not None and self._token.token == rejected:
            self._token = None
            self._hold_until = 0.0

    def _adopt(self, stored: AccessToken | None) -> Secret | None:
        """Take a session another process stored: its refresh token always (it is the fleet's
        newest), its JWT when fresh and not the one the API just refused us."""
        if stored is None:
            return None
        if stored.refresh_token is not None:
            self._refresh_token = stored.refresh_token
        if needs_refresh(stored, self._clock()) or stored.token == self._rejected:
            return None
        record_store_read(self.telemetry, self._auth_url, stored)
        self._token = stored
        self._hold_until = 0.0
        return stored.token

    def __repr__(self) -> str:
        return f"{type(self).__name__}(auth_url={self._auth_url!r})"


class SyncTokenCache(_TokenCacheBase):
    """One JWT per client, thread-safe and single-flight: the renewal runs under a lock and
    every waiter re-checks the cache after taking it, so any number of threads cause one."""

    def __init__(self, http: httpx.Client, auth_url: str, api_key: Secret, **kw: Any) -> None:
        super().__init__(auth_url, api_key, **kw)
        self._http = http
        self._lock = threading.Lock()
        self._sleep: Callable[[float], None] = time.sleep

    def get(self) -> Secret:
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        with self._lock:
            return self._drive(self._renewal())

    def invalidate(self, rejected: Secret) -> None:
        """Drop the cached JWT if it is the one the server refused (compare-and-drop)."""
        with self._lock:
            self._drop(rejected)

    def _drive(self, flow: _Flow[_T]) -> _T:
        advance: Callable[[Any], _Effect] = flow.send
        result: Any = None
        while True:
            try:
                effect = advance(result)
            except StopIteration as stop:
                return cast("_T", stop.value)
            finally:
                result = None  # keeps no exception in this frame (a cycle through its traceback)
            try:
                result, advance = self._perform(effect), flow.send
            except BaseException as exc:
                result, advance = exc, flow.throw

    def _perform(self, effect: _Effect) -> Any:
        if isinstance(effect, _Send):
            try:
                response = self._http.send(effect.request)
                response.read()
            except httpx.HTTPError as exc:
                return exc
            return response
        if isinstance(effect, _Sleep):
            return self._sleep(effect.seconds)
        return effect.call()


class AsyncTokenCache(_TokenCacheBase):
    """The async twin of SyncTokenCache: event-loop-safe single-flight renewal, the same flow
    with the store's blocking calls in a worker thread.

    The asyncio.Lock is created lazily, per event loop, because a lock binds to the loop it
    first waits on and a client may be reused across loops (pytest makes one per test).
    """

    def __init__(self, http: httpx.AsyncClient, auth_url: str, api_key: Secret, **kw: Any) -> None:
        super().__init__(auth_url, api_key, **kw)
        self._http = http
        import asyncio

        self._locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def _lock(self) -> asyncio.Lock:
        import asyncio

        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            self._locks = {lp: lk for lp, lk in self._locks.items() if not lp.is_closed()}
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def get(self) -> Secret:
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        async with self._lock():
            return await self._drive(self._renewal())

    def invalidate(self, rejected: Secret) -> None:
        self._drop(rejected)

    async def _drive(self, flow: _Flow[_T]) -> _T:
        advance: Callable[[Any], _Effect] = flow.send
        result: Any = None
        while True:
            try:
                effect = advance(result)
            except StopIteration as stop:
                return cast("_T", stop.value)
            finally:
                result = None  # keeps no exception in this frame (a cycle through its traceback)
            try:
                result, advance = await self._perform(effect), flow.send
            except BaseException as exc:
                result, advance = exc, flow.throw

    async def _perform(self, effect: _Effect) -> Any:
        import asyncio

        if isinstance(effect, _Send):
            try:
                response = await self._http.send(effect.request)
                await response.aread()
            except httpx.HTTPError as exc:
                return exc
            return response
        if isinstance(effect, _Sleep):
            return await self._sleep(effect.seconds)
        if effect.op == "acquire":
            return await _acquire_in_thread(effect.call)
        if effect.op == "release":
            return await asyncio.shield(asyncio.to_thread(effect.call))
        return await asyncio.to_thread(effect.call)


async def _acquire_in_thread(acquire: Callable[[], Release]) -> Release:
    """The store's lock, taken in a worker thread. If the waiting task is cancelled, the lock
    is still released as soon as the thread gets it, so no other process waits on it."""
    import asyncio

    pending = asyncio.ensure_future(asyncio.to_thread(acquire))
    try:
        return await asyncio.shield(pending)
    except asyncio.CancelledError:

        def release_later(done: asyncio.Future[Release]) -> None:
            if not done.cancelled() and done.exception() is None:
                threading.Thread(target=done.result(), daemon=True).start()

        pending.add_done_callback(release_later)
        raise


# A JSON object whose first key is "data": a result. Matched on the first bytes only.
_DATA_FIRST: Final = re.compile(rb'\s*\{\s*"data"\s*:')


def token_rejected(response: httpx.Response) -> bool:
    """Did the API refuse the JWT itself (so a fresh one may succeed)?

    Hasura answers an expired or bad JWT with HTTP 200 and ``extensions.code = "invalid-jwt"``
    (graphql-engine #8659), so the status alone is not enough. Hasura checks the JWT before it
    runs anything, so replaying even a mutation after this cannot run it twice.

    Decided by the body's shape, never by searching it: a refused JWT is a request error, an
    ``errors``-only body of ~100 bytes, while every result carries ``data`` (Hasura writes it
    first). A body that starts with ``{"data":`` is answered from its first bytes, so a
    10,000-row result costs nothing here; anything else is parsed, and only an object with
    ``errors`` and no ``data`` can be a refusal.
    """
    if response.status_code == 401:
        return True
    if response.status_code != 200:
        return False
    content = response.content
    if _DATA_FIRST.match(content):
        return False
    try:
        body: Any = _lenient_json(content)
    except RecursionError:  # hostile nesting: not Hasura's refusal, parse_response reports it
        return False
    if not isinstance(body, dict) or "data" in body:
        return False
    errors = body.get("errors")
    return isinstance(errors, list) and any(
        isinstance(e, dict)
        and isinstance(e.get("extensions"), dict)
        and e["extensions"].get("code") == "invalid-jwt"
        for e in errors
    )


def _role_of(request: httpx.Request, default: str) -> str:
    role = request.extensions.get(ROLE_EXTENSION)
    return role if isinstance(role, str) and role else default


def _apply(request: httpx.Request, role: str, token: Secret | None) -> None:
    request.headers["X-Hasura-Role"] = role
    if token is not None:
        request.headers["Authorization"] = "Bearer " + token.reveal()
    else:
        request.headers.pop("Authorization", None)


def _no_token_for(role: str) -> ConfigurationError:
    return ConfigurationError(
        f"role {role!r} needs an API key, and this client has none (it was built for a "
        "tokenless role): create the client with api_key=... or DXTRA_API_KEY"
    )


class TokenSource(Protocol):
    """What the package may ask of auth for one role (``AsyncTokenCache`` is one): a token to
    send, and "the server refused this one" so the next ``get`` renews it."""

    async def get(self) -> Secret: ...

    def invalidate(self, rejected: Secret) -> None: ...


class DxtraAuth(httpx.Auth):
    """Adds ``Authorization: Bearer <jwt>`` and ``X-Hasura-Role`` to each request.

    A request whose JWT is refused (HTTP 401, or ``invalid-jwt`` inside a 200) is replayed once
    with a renewed token. Tokenless roles (anonymous, public) send no Authorization. A per-call
    role travels in the request's extensions.
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

    def for_role(self, role: str) -> DxtraAuth:
        """The same token caches, another default role (one JWT serves all its roles)."""
        return DxtraAuth(role, self._sync_tokens, self._async_tokens)

    def async_tokens_for(self, role: str) -> TokenSource | None:
        """The package-internal way to "a token for this role" outside an httpx request (the
        subscription path): None for a tokenless role, ConfigurationError when the role needs
        an API key and this client has none, as an HTTP call for that role would raise."""
        if role in TOKENLESS_ROLES:
            return None
        if self._async_tokens is None:
            raise _no_token_for(role)
        return self._async_tokens

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        role = _role_of(request, self.role)
        tokens = self._sync_tokens
        if role in TOKENLESS_ROLES:
            _apply(request, role, None)
            yield request
            return
        if tokens is None:
            raise _no_token_for(role)
        token = tokens.get()
        _apply(request, role, token)
        response = yield request
        # Overriding the flow skips httpx's own read for requires_response_body.
        response.read()
        if token_rejected(response):
            tokens.invalidate(token)
            _apply(request, role, tokens.get())
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        role = _role_of(request, self.role)
        tokens = self._async_tokens
        if role in TOKENLESS_ROLES:
            _apply(request, role, None)
            yield request
            return
        if tokens is None:
            raise _no_token_for(role)
        token = await tokens.get()
        _apply(request, role, token)
        response = yield request
        await response.aread()
        if token_rejected(response):
            tokens.invalidate(token)
            _apply(request, role, await tokens.get())
            yield request
