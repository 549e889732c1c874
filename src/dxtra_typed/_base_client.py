"""What every generated method runs: build the request, send it (retrying what is safe to
retry), and turn the answer into typed data or a typed error.

The generated clients subclass these (through the tiny shims in codegen/templates that
ariadne-codegen copies into the package), so the behaviour is written once here, typed against
httpx, and tested without regenerating anything. Decisions are pure (``_retry``'s rules,
``_response.parse_response``); the sync and async twins differ only in how they send and sleep.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar, Unpack

import httpx
from pydantic import BaseModel

from dxtra_typed._auth import (
    ROLE_EXTENSION,
    AsyncTokenCache,
    DxtraAuth,
    SyncTokenCache,
    _TokenCacheBase,
)
from dxtra_typed._client_common import (
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    AsyncClientOverrides,
    ClientCore,
    ClientOverrides,
    Timeout,
    _NotGiven,
    http_settings,
)
from dxtra_typed._config import TOKENLESS_ROLES, ClientConfig, Role
from dxtra_typed._errors import APIConnectionError, APITimeoutError
from dxtra_typed._http_backends import HttpBackend, async_http_client, check_http_backend
from dxtra_typed._interop import pin_async_library
from dxtra_typed._logging import logger
from dxtra_typed._options import CallOptions
from dxtra_typed._response import OPERATION_EXTENSION, parse_response
from dxtra_typed._retry import (
    DEFAULT_MAX_RETRIES,
    RetryPolicy,
    RetryRule,
    never_sent,
    operation_kind,
    rule_for,
)
from dxtra_typed._telemetry import (
    OPERATION_SPAN,
    Operation,
    Telemetry,
    TelemetrySettings,
    finish_operation,
)
from dxtra_typed._token_store import TokenStore
from dxtra_typed._wire import check_extra_headers, encode_request

if TYPE_CHECKING:
    from dxtra_typed._subscriptions import SubscribeOptions, SubscriptionSettings

RETRY_COUNT_HEADER: Final = "x-dxtra-retry-count"
_JSON_HEADERS: Final = {"Content-Type": "application/json", "Accept": "application/json"}


# An operation's kind, found once per document; the retry rule and telemetry both ask it.
_kind = functools.lru_cache(maxsize=512)(operation_kind)


def _rule(query: str, operation_name: str | None) -> RetryRule:
    """The retry rule for this operation (a table lookup on its cached kind)."""
    return rule_for(_kind(query, operation_name))


__all__ = ["NOT_GIVEN", "AsyncBaseClient", "SyncBaseClient"]

_Result = TypeVar("_Result", bound=BaseModel)
_NAMED = re.compile(r"\s*(?:query|mutation|subscription)\s*([_A-Za-z][_0-9A-Za-z]*)")


@functools.lru_cache(maxsize=512)
def _first_operation(document: str) -> str | None:
    """The name of the operation a document starts with (generated documents start with
    their one operation, then its fragments), else None."""
    match = _NAMED.match(document)
    return match.group(1) if match else None


_SyncC = TypeVar("_SyncC", bound="SyncBaseClient")
_AsyncC = TypeVar("_AsyncC", bound="AsyncBaseClient")


@dataclass(frozen=True)
class _Call:
    """One logical call: the request to send on each attempt, and when to try again (its
    ``RetryRule`` decides, within ``policy``'s budget)."""

    operation: str | None
    rule: RetryRule
    policy: RetryPolicy
    kwargs: dict[str, Any]

    def attempt_kwargs(self, retries_taken: int) -> dict[str, Any]:
        """The request for this attempt: the first as prepared (no copies on the hot path;
        httpx copies what it keeps), a retry with its count in a header."""
        if not retries_taken:
            return self.kwargs
        headers = {**self.kwargs["headers"], RETRY_COUNT_HEADER: str(retries_taken)}
        return {**self.kwargs, "headers": headers}

    def delay(
        self,
        outcome: httpx.Response | httpx.HTTPError,
        retries_taken: int,
        now: float,
        random_unit: float,
    ) -> float | None:
        """Seconds to wait before sending again after ``outcome``, or None to stop."""
        return self.rule.delay(
            outcome, retries_taken, self.policy, now=now, random_unit=random_unit
        )

    def transport_error(self, exc: httpx.HTTPError, url: str, attempts: int) -> APIConnectionError:
        what = self.operation or "request"
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        # Only a rule that will not resend what may have arrived (a mutation's) leaves doubt.
        unknown = not self.rule.resend_after_sent and not never_sent(exc)
        note = (
            "; the mutation may or may not have been applied (it was not sent again)"
            if unknown
            else ""
        )
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"{what}: {url} timed out{tries} ({type(exc).__name__}){note}",
                outcome_unknown=unknown,
            )
        return APIConnectionError(
            f"{what}: could not reach {url}{tries}: {type(exc).__name__}: {exc}{note}",
            outcome_unknown=unknown,
        )


class _Common:
    # Replaced by ariadne-codegen's UNSET in the generated shim subclass.
    _unset: ClassVar[object] = object()
    _auth: httpx.Auth | None = None
    _policy: RetryPolicy = RetryPolicy()
    _timeout: float | httpx.Timeout | None | _NotGiven = NOT_GIVEN
    _default_headers: Mapping[str, str] = {}
    # Injection points for tests: the clock for Retry-After dates, the jitter source.
    _clock: Callable[[], float] = staticmethod(time.time)
    _random: Callable[[], float] = staticmethod(random.random)

    url: str
    config: ClientConfig
    _parsed: tuple[str, httpx.URL] | None = None
    # OpenTelemetry (``_telemetry``): None when turned off; otherwise asked per call whether a
    # provider is live, which costs a dictionary lookup while OpenTelemetry is not imported.
    _telemetry: Telemetry | None = None

    def _target(self) -> httpx.URL:
        """``self.url`` parsed once: httpx re-parses a string URL on every request, which
        measured ~10% of a small call's time. Re-parsed only if ``url`` is reassigned."""
        parsed = self._parsed
        if parsed is None or parsed[0] != self.url:
            parsed = self._parsed = (self.url, httpx.URL(self.url))
        return parsed[1]

    def get_data(self, response: httpx.Response, result_type: type[BaseModel] | None = None) -> Any:
        """The response's data, already validated into ``result_type`` when given.

        Returning the model (not a dict) is deliberate: the generated method then calls
        ``result_type.model_validate`` on it, which returns an instance of that very type
        unchanged, so the data is validated once and a mismatch is our typed error.
        """
        if OPERATION_SPAN not in response.extensions:
            return parse_response(response, result_type)
        try:
            data = parse_response(response, result_type)
        except BaseException as exc:
            finish_operation(response, exc)
            raise
        finish_operation(response, None)
        return data

    def _operation(self, telemetry: Telemetry, call: _Call, query: str) -> Operation | None:
        """The telemetry of this call (None when no provider is live, decided before any
        attribute is worked out)."""
        if not telemetry.live():
            return None
        return telemetry.operation(
            _kind(query, call.operation), call.operation, self._role_of(call), query, self._target()
        )

    def _token_first(self, tokens: _TokenCacheBase, call: _Call) -> bool:
        """Must a traced call get its token before its first attempt (none is fresh and the
        call's role sends one)? The sync and async ``execute`` share this rule."""
        return tokens._fresh() is None and self._role_of(call) not in TOKENLESS_ROLES

    def _role_of(self, call: _Call) -> str:
        role = call.kwargs["extensions"].get(ROLE_EXTENSION)
        return role if isinstance(role, str) else self.config.role

    def _prepare(
        self,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        options: CallOptions,
    ) -> _Call:
        headers = dict(_JSON_HEADERS)
        headers.update(self._default_headers)
        extra = options.get("headers")
        if extra:
            check_extra_headers(extra)
            headers.update(extra)
        extensions: dict[str, Any] = {OPERATION_EXTENSION: operation_name}
        if "role" in options:
            extensions[ROLE_EXTENSION] = options["role"]
        kwargs: dict[str, Any] = {
            "content": encode_request(query, operation_name, variables, self._unset),
            "headers": headers,
            "extensions": extensions,
        }
        timeout = options.get("timeout", self._timeout)
        if not isinstance(timeout, _NotGiven):
            kwargs["timeout"] = timeout
        if self._auth is not None:
            kwargs["auth"] = self._auth
        policy = self._policy
        if "max_retries" in options:
            policy = replace(policy, max_retries=options["max_retries"])
        return _Call(operation_name, _rule(query, operation_name), policy, kwargs)

    def _log_attempt(self, call: _Call, retries: int, response: httpx.Response) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return  # skip the header lookup on the hot path (~2 µs a call)
        logger.debug(
            "%s attempt %d: HTTP %d (request id %s)",
            call.operation,
            retries + 1,
            response.status_code,
            response.headers.get("x-request-id"),
        )

    def _log_retry(
        self,
        call: _Call,
        retries: int,
        delay: float,
        reason: str,
        operation: Operation | None = None,
    ) -> None:
        if operation is not None:
            operation.retry(reason, delay)
        logger.info(
            "retrying %s (%s) in %.2fs: retry %d of %d",
            call.operation,
            reason,
            delay,
            retries + 1,
            call.policy.max_retries,
        )


class SyncBaseClient(_Common, ClientCore[httpx.Client]):
    """Base of every generated sync client: the whole Dxtra client (``ClientCore``) plus the
    request loop. A generated class adds one typed method per operation."""

    _sleep: Callable[[float], None] = staticmethod(time.sleep)
    _tokens: SyncTokenCache | None

    def _new_http(self, timeout: Timeout, *, auth: bool = False) -> httpx.Client:
        return httpx.Client(**http_settings(timeout, auth=auth))

    def _start_auth(
        self, config: ClientConfig, policy: RetryPolicy, store: TokenStore | None
    ) -> None:
        self._tokens = (
            SyncTokenCache(
                self._auth_http, config.auth_url, config.api_key, policy=policy, store=store
            )
            if config.api_key is not None and config.needs_token
            else None
        )
        if self._tokens is not None:
            self._tokens.telemetry = self._telemetry
        self._auth = DxtraAuth(config.role, sync_tokens=self._tokens)

    def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> httpx.Response:
        call = self._prepare(query, operation_name, variables, options)
        telemetry = self._telemetry
        operation = self._operation(telemetry, call, query) if telemetry is not None else None
        if operation is None:
            return self._send(call, None)
        try:
            tokens = self._tokens
            if tokens is not None and self._token_first(tokens, call):
                # The token first, so an exchange is the operation's child, not the HTTP
                # attempt's (whose auth flow then finds it cached).
                with operation.current():
                    tokens.get()
            response = self._send(call, operation)
        except BaseException as exc:
            operation.end(exc)
            raise
        operation.handed_over(response)
        return response

    def execute_typed(
        self,
        result_type: type[_Result],
        document: str,
        variables: dict[str, Any],
        options: CallOptions,
        operation_name: str | None = None,
    ) -> _Result:
        """What a generated method runs: ``execute`` then ``get_data``, validated into
        ``result_type`` (retries, errors, telemetry and per-call ``options`` as ``execute``).
        ``operation_name`` defaults to the operation the document starts with."""
        name = operation_name or _first_operation(document)
        response = self.execute(document, name, variables, **options)
        return result_type.model_validate(self.get_data(response, result_type))

    def _send(self, call: _Call, operation: Operation | None) -> httpx.Response:
        retries = 0
        while True:
            try:
                if operation is None:
                    response = self.http_client.post(self._target(), **call.attempt_kwargs(retries))
                else:
                    response = operation.send(
                        self.http_client.post, self._target(), call.attempt_kwargs(retries), retries
                    )
            except httpx.HTTPError as exc:
                delay = call.delay(exc, retries, self._clock(), self._random())
                if delay is None:
                    raise call.transport_error(exc, self.url, retries + 1) from exc
                self._log_retry(call, retries, delay, type(exc).__name__, operation)
                self._sleep(delay)
                retries += 1
                continue
            self._log_attempt(call, retries, response)
            delay = call.delay(response, retries, self._clock(), self._random())
            if delay is None:
                return response
            self._log_retry(call, retries, delay, f"HTTP {response.status_code}", operation)
            response.close()
            self._sleep(delay)
            retries += 1

    def close(self) -> None:
        """Close the connection pools this client owns (not a caller's ``http_client``, and
        nothing from a ``with_options`` copy)."""
        if self._owns_http_client:
            self.http_client.close()
        if self._owns_auth_http:
            self._auth_http.close()

    @classmethod
    def from_env(
        cls: type[_SyncC],
        env: Mapping[str, str] | None = None,
        **overrides: Unpack[ClientOverrides],
    ) -> _SyncC:
        """A client configured from DXTRA_* environment variables (``env`` replaces os.environ);
        keyword arguments are the constructor's and win over the environment."""
        return cls(env=env, **overrides)

    def __enter__(self: _SyncC) -> _SyncC:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.close()


async def _async_sleep(seconds: float) -> None:
    """``asyncio.sleep``, with asyncio imported on the async path only: a sync program never
    pays for importing it (~8 ms)."""
    import asyncio

    await asyncio.sleep(seconds)


class AsyncBaseClient(_Common, ClientCore[httpx.AsyncClient]):
    """Async twin of ``SyncBaseClient``: the same client on an httpx.AsyncClient, plus
    subscriptions (``execute_ws``)."""

    _sleep: Callable[[float], Awaitable[None]] = staticmethod(_async_sleep)
    _tokens: AsyncTokenCache | None
    _ws_settings: SubscriptionSettings | None = None
    _http_backend: HttpBackend = "httpx"

    def __init__(
        self,
        api_key: str | None = None,
        *,
        auth_url: str | None = None,
        api_url: str | None = None,
        role: Role | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        env: Mapping[str, str] | None = None,
        token_store: TokenStore | None = None,
        ws: SubscriptionSettings | None = None,
        http_backend: HttpBackend = "httpx",
        telemetry: TelemetrySettings | None = None,
    ) -> None:
        """``ws``: WebSocket settings for subscriptions (URL, subprotocols, reconnects).

        ``http_backend="aiohttp"`` sends over aiohttp (the ``aiohttp`` extra) instead of
        httpx's own transport: the same behaviour, faster per call. It serves the API calls
        and the token exchanges; a client on it belongs to the event loop of its first call.
        """
        self._http_backend = check_http_backend(http_backend)
        super().__init__(
            api_key,
            auth_url=auth_url,
            api_url=api_url,
            role=role,
            timeout=timeout,
            max_retries=max_retries,
            http_client=http_client,
            allow_insecure_http=allow_insecure_http,
            env=env,
            token_store=token_store,
            telemetry=telemetry,
        )
        self._ws_settings = ws

    def _new_http(self, timeout: Timeout, *, auth: bool = False) -> httpx.AsyncClient:
        return async_http_client(self._http_backend, **http_settings(timeout, auth=auth))

    def _start_auth(
        self, config: ClientConfig, policy: RetryPolicy, store: TokenStore | None
    ) -> None:
        self._tokens = (
            AsyncTokenCache(
                self._auth_http, config.auth_url, config.api_key, policy=policy, store=store
            )
            if config.api_key is not None and config.needs_token
            else None
        )
        if self._tokens is not None:
            self._tokens.telemetry = self._telemetry
        self._auth = DxtraAuth(config.role, async_tokens=self._tokens)

    async def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> httpx.Response:
        pinned = pin_async_library()
        try:
            return await self._execute(query, operation_name, variables, options)
        finally:
            if pinned is not None:
                pinned[0].reset(pinned[1])

    async def _execute(
        self,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        options: CallOptions,
    ) -> httpx.Response:
        call = self._prepare(query, operation_name, variables, options)
        telemetry = self._telemetry
        operation = self._operation(telemetry, call, query) if telemetry is not None else None
        if operation is None:
            return await self._send(call, None)
        try:
            tokens = self._tokens
            if tokens is not None and self._token_first(tokens, call):
                with operation.current():  # see SyncBaseClient.execute
                    await tokens.get()
            response = await self._send(call, operation)
        except BaseException as exc:
            operation.end(exc)
            raise
        operation.handed_over(response)
        return response

    async def execute_typed(
        self,
        result_type: type[_Result],
        document: str,
        variables: dict[str, Any],
        options: CallOptions,
        operation_name: str | None = None,
    ) -> _Result:
        """The async twin of ``SyncBaseClient.execute_typed``."""
        name = operation_name or _first_operation(document)
        response = await self.execute(document, name, variables, **options)
        return result_type.model_validate(self.get_data(response, result_type))

    async def _send(self, call: _Call, operation: Operation | None) -> httpx.Response:
        retries = 0
        while True:
            try:
                if operation is None:
                    response = await self.http_client.post(
                        self._target(), **call.attempt_kwargs(retries)
                    )
                else:
                    response = await operation.asend(
                        self.http_client.post, self._target(), call.attempt_kwargs(retries), retries
                    )
            except httpx.HTTPError as exc:
                delay = call.delay(exc, retries, self._clock(), self._random())
                if delay is None:
                    raise call.transport_error(exc, self.url, retries + 1) from exc
                self._log_retry(call, retries, delay, type(exc).__name__, operation)
                await self._sleep(delay)
                retries += 1
                continue
            self._log_attempt(call, retries, response)
            delay = call.delay(response, retries, self._clock(), self._random())
            if delay is None:
                return response
            self._log_retry(call, retries, delay, f"HTTP {response.status_code}", operation)
            await response.aclose()
            await self._sleep(delay)
            retries += 1

    def execute_ws(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        result_type: type[BaseModel] | None = None,
        **options: Unpack[SubscribeOptions],
    ) -> AsyncGenerator[Any, None]:
        """A subscription's events (validated into ``result_type`` when given), reconnecting
        and resuming as ``dxtra_typed._subscriptions`` describes."""
        from dxtra_typed._subscriptions import subscribe_for_client

        return subscribe_for_client(self, query, operation_name, variables, result_type, options)

    async def aclose(self) -> None:
        """Close the connection pools this client owns (see ``SyncBaseClient.close``)."""
        if self._owns_http_client:
            await self.http_client.aclose()
        if self._owns_auth_http:
            await self._auth_http.aclose()

    @classmethod
    def from_env(
        cls: type[_AsyncC],
        env: Mapping[str, str] | None = None,
        **overrides: Unpack[AsyncClientOverrides],
    ) -> _AsyncC:
        """A client configured from DXTRA_* environment variables (``env`` replaces os.environ);
        keyword arguments are the constructor's and win over the environment."""
        return cls(env=env, **overrides)

    async def __aenter__(self: _AsyncC) -> _AsyncC:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await self.aclose()
