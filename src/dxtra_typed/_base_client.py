"""What every generated method runs: build the request, send it (retrying what is safe to
retry), and turn the answer into typed data or a typed error.

The generated clients subclass these (through the tiny shims in codegen/templates that
ariadne-codegen copies into the package), so the behaviour is written once here, typed against
httpx, and tested without regenerating anything. Decisions are pure (``_retry``,
``parse_response``); the sync and async twins differ only in how they send and sleep.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import random
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar, Unpack

import httpx
from pydantic import BaseModel, ValidationError, create_model
from pydantic_core import to_json

from dxtra_typed._auth import ROLE_EXTENSION, AsyncTokenCache, DxtraAuth, SyncTokenCache
from dxtra_typed._client_common import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    USER_AGENT,
    AsyncClientOverrides,
    ClientCore,
    ClientOverrides,
    Timeout,
    _NotGiven,
    shared_ssl_context,
)
from dxtra_typed._config import ClientConfig, Role
from dxtra_typed._errors import (
    APIConnectionError,
    APITimeoutError,
    GraphQLErrorDetail,
    InvalidResponseError,
    make_graphql_error,
    status_error_class,
    status_remedy,
)
from dxtra_typed._http_backends import HttpBackend, async_http_client, check_http_backend
from dxtra_typed._logging import logger
from dxtra_typed._options import CallOptions
from dxtra_typed._retry import (
    DEFAULT_MAX_RETRIES,
    OperationKind,
    RetryPolicy,
    never_sent,
    operation_kind,
    parse_retry_after,
    retry_delay,
    should_retry_error,
    should_retry_status,
)
from dxtra_typed._token_store import TokenStore

if TYPE_CHECKING:
    from dxtra_typed._subscriptions import SubscribeOptions, SubscriptionSettings
from dxtra_typed._wire import check_extra_headers, loads_exact, request_variables, result_mismatch
from dxtra_typed.scalars import _plain_numbers

OPERATION_EXTENSION: Final = "dxtra_operation"
RETRY_COUNT_HEADER: Final = "x-dxtra-retry-count"
_JSON_HEADERS: Final = {"Content-Type": "application/json", "Accept": "application/json"}


def encode_request(
    query: str, operation_name: str | None, variables: Mapping[str, Any] | None, unset: object
) -> bytes:
    """The JSON body of a GraphQL request (see ``_wire.request_variables``)."""
    return to_json(
        {
            "query": query,
            "operationName": operation_name,
            "variables": request_variables(variables, unset),
        }
    )


class _Envelope(BaseModel):
    """``{data, errors}`` of a response, validated straight from the bytes (one per result
    type, subclassed with ``data`` typed; ``extensions`` and other keys are ignored)."""

    errors: Any = None


# Validators that may see a different Python value in JSON mode than after our lossless
# json.loads (a float where the slow path hands them a Decimal): their output could differ.
_INPUT_SENSITIVE: Final = frozenset({"function-before", "function-plain", "function-wrap"})
_JSON_VALUE_REF: Final = "pydantic.types.JsonValue:"


def _fast_path_exact(schema: Any, seen: set[int]) -> bool:
    """True when validating JSON bytes gives what ``model_validate(json.loads(...,
    parse_float=Decimal))`` gives for every strictly valid body.

    pydantic-core's JSON parser reads a number into a ``Decimal`` field through a float
    (12345678901234567.89 → 12345678901234568, 10.00 → 10.0) and into an ``Any`` field as a
    float, so result types with ``numeric`` (Decimal) or untyped (Any) fields keep the lossless
    path. The ``jsonb`` scalar is safe: its validator turns the slow path's Decimals into the
    floats the JSON parser produces anyway.
    """
    if isinstance(schema, list):
        return all(_fast_path_exact(item, seen) for item in schema)
    if not isinstance(schema, dict) or id(schema) in seen:
        return True
    seen.add(id(schema))
    kind = schema.get("type")
    if kind in ("decimal", "any"):
        return False
    json_value = str(schema.get("ref") or schema.get("schema_ref")).startswith(_JSON_VALUE_REF)
    if json_value:
        # Its definition is fine; a use of it is fine only behind _plain_numbers (below).
        return kind == "json-or-python"
    if kind in _INPUT_SENSITIVE:
        function = schema.get("function")
        inner = function.get("function") if isinstance(function, dict) else None
        return inner is _plain_numbers  # the jsonb scalar: JsonValue behind _plain_numbers
    return all(_fast_path_exact(value, seen) for value in schema.values())


@functools.cache
def _envelope(result_type: type[BaseModel]) -> type[_Envelope] | None:
    """The envelope model for ``result_type`` (built once), or None when it needs the slow
    path.

    The generated models are built on first use (``defer_build``), and an unbuilt model's
    ``__pydantic_core_schema__`` is a placeholder with nothing to inspect: it would pass as
    exact and send ``numeric`` results down the lossy path. So the model is built first.
    """
    if not result_type.__pydantic_complete__:
        result_type.model_rebuild()
    schema = result_type.__pydantic_core_schema__
    if not isinstance(schema, dict) or not _fast_path_exact(schema, set()):
        return None
    return create_model(
        f"{result_type.__name__}Envelope",
        __base__=_Envelope,
        __module__=__name__,
        data=(result_type, ...),
    )


def parse_response(response: httpx.Response, result_type: type[BaseModel] | None = None) -> Any:
    """``data`` of a GraphQL response (validated into ``result_type`` when given), or the
    typed error the response amounts to.

    Fast path: a 2xx body is validated from its bytes into ``{data: result_type, errors}`` in
    one pass of pydantic-core, in strict mode (JSON types only: no float for an int, no string
    for a bool), for result types where that is exact (``_fast_path_exact``). Anything else
    (an error, a body of the wrong shape, partial data, a lax coercion, invalid JSON) goes
    through ``parse_response_slow``, so results and errors are the slow path's.
    """
    if result_type is not None and 200 <= response.status_code <= 299:
        envelope = _envelope(result_type)
        if envelope is not None:
            content = response.content
            try:
                if len(content) < _GC_PAUSE_BYTES:
                    parsed = envelope.model_validate_json(content, strict=True)
                else:
                    with _gc_paused():
                        parsed = envelope.model_validate_json(content, strict=True)
            except ValidationError:
                pass
            else:
                if not parsed.errors:
                    return parsed.data  # type: ignore[attr-defined]
    return parse_response_slow(response, result_type)


# Above this body size the cyclic GC is paused while the models are built (see _gc_paused).
_GC_PAUSE_BYTES: Final = 64 * 1024
_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_we_disabled = False


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Build a large response's models without cyclic-GC passes in between.

    Every model instance is a GC-tracked object, so 10,000 rows set off dozens of young
    collections and, in a process with a big heap, full ones that walk all of it; none can
    free anything, since the new objects are all reachable. Measured on a 10,000-row body:
    ~15 ms → ~10 ms. On the way out the new objects (~40,000: instance, ``__dict__``,
    fields-set, UUID per row) go straight to the oldest generation (``_promote_young``)
    instead of being walked by a young collection that can free none of them (~1.4 ms).
    Nested and concurrent pauses are counted; the GC is re-enabled only if it was enabled
    when the first began.
    """
    global _gc_pausers, _gc_we_disabled
    with _gc_lock:
        _gc_pausers += 1
        if _gc_pausers == 1 and gc.isenabled():
            gc.disable()
            _gc_we_disabled = True
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            restore = _gc_pausers == 0 and _gc_we_disabled
            if restore:
                _gc_we_disabled = False
                _promote_young()
                gc.enable()


def _promote_young() -> None:
    """Move every young object to the oldest generation without examining it.

    ``gc.freeze()`` + ``gc.unfreeze()`` splices the generation lists (O(1)): the objects just
    built are then looked at only by a full collection, which would have promoted them
    anyway, and not at all if they are freed first. The few other young objects of the
    process go with them, so a reference cycle among those waits for the next full
    collection. When the application has frozen objects of its own (``gc.freeze()`` before a
    fork, to keep pages shared), unfreezing would release them: then the young generation is
    collected instead, as before.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
    else:
        gc.collect(0)


def parse_response_slow(
    response: httpx.Response, result_type: type[BaseModel] | None = None
) -> Any:
    """The reference parser: ``json.loads(parse_float=Decimal)``, then checks, then
    ``model_validate``. Every error the client raises for a response is raised here."""
    operation = response.request.extensions.get(OPERATION_EXTENSION)
    operation = operation if isinstance(operation, str) else None
    what = operation or "request"
    request_id = response.headers.get("x-request-id")
    status = response.status_code
    if not 200 <= status <= 299:
        try:
            body: Any = loads_exact(response.content)
        except (ValueError, RecursionError):
            body = response.text
        detail = ""
        if isinstance(body, dict):
            errors = body.get("errors")
            if isinstance(errors, list) and errors:
                detail = GraphQLErrorDetail.from_dict(errors[0]).message
            elif isinstance(body.get("message"), str):
                detail = body["message"]
            elif isinstance(body.get("error"), str):
                detail = body["error"]
        remedy = status_remedy(status)
        message = f"{what}: HTTP {status} from {response.url}"
        message += f" ({detail})" if detail else ""
        message += f"; {remedy}" if remedy else ""
        raise status_error_class(status)(
            message, status_code=status, body=body, request_id=request_id
        )
    try:
        body = loads_exact(response.content)
    except (ValueError, RecursionError):
        raise InvalidResponseError(
            f"{what}: HTTP {status} from {response.url} is not JSON "
            f"(content-type {response.headers.get('content-type', 'none')})",
            status_code=status,
            body=response.text[:500],
        ) from None
    if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
        raise InvalidResponseError(
            f"{what}: the response from {response.url} has neither 'data' nor 'errors'",
            status_code=status,
            body=response.text[:500],
        )
    data = body.get("data")
    errors = body.get("errors")
    if errors:
        raw = errors if isinstance(errors, list) else [errors]
        typed: Any = None
        if result_type is not None and isinstance(data, dict):
            try:
                typed = result_type.model_validate(data)
            except ValidationError:
                typed = None  # partial data that does not fit the model stays raw only
        raise make_graphql_error(
            [GraphQLErrorDetail.from_dict(e) for e in raw],
            data=data if isinstance(data, dict) else None,
            typed_data=typed,
            operation=operation,
            status_code=status,
            body=body,
            request_id=request_id,
        )
    if not isinstance(data, dict):
        raise InvalidResponseError(
            f"{what}: 'data' in the response from {response.url} is not an object",
            status_code=status,
            body=response.text[:500],
        )
    if result_type is None:
        return data
    try:
        return result_type.model_validate(data)
    except ValidationError as exc:
        raise result_mismatch(
            what, "the response", exc, status_code=status, body=response.text[:500]
        ) from None


@functools.lru_cache(maxsize=512)
def _kind(query: str, operation_name: str | None) -> OperationKind:
    return operation_kind(query, operation_name)


__all__ = ["NOT_GIVEN", "AsyncBaseClient", "SyncBaseClient", "parse_response"]

_SyncC = TypeVar("_SyncC", bound="SyncBaseClient")
_AsyncC = TypeVar("_AsyncC", bound="AsyncBaseClient")


@dataclass(frozen=True)
class _Call:
    """One logical call: the request to send on each attempt, and when to try again."""

    operation: str | None
    kind: OperationKind
    policy: RetryPolicy
    kwargs: dict[str, Any]

    def attempt_kwargs(self, retries_taken: int) -> dict[str, Any]:
        headers = dict(self.kwargs["headers"])
        if retries_taken:
            headers[RETRY_COUNT_HEADER] = str(retries_taken)
        return {**self.kwargs, "headers": headers}

    def delay_after_response(
        self, response: httpx.Response, retries_taken: int, now: float, random_unit: float
    ) -> float | None:
        if not should_retry_status(response.status_code, self.kind):
            return None
        retry_after = parse_retry_after(response.headers, now)
        return retry_delay(retries_taken, self.policy, retry_after, random_unit)

    def delay_after_error(
        self, error: httpx.HTTPError, retries_taken: int, random_unit: float
    ) -> float | None:
        if not should_retry_error(error, self.kind):
            return None
        return retry_delay(retries_taken, self.policy, None, random_unit)

    def transport_error(self, exc: httpx.HTTPError, url: str, attempts: int) -> APIConnectionError:
        what = self.operation or "request"
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        unknown = self.kind == "mutation" and not never_sent(exc)
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
    _parsed: tuple[str, httpx.URL] | None = None

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
        return parse_response(response, result_type)

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
        return _Call(operation_name, _kind(query, operation_name), policy, kwargs)

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

    def _log_retry(self, call: _Call, retries: int, delay: float, reason: str) -> None:
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
        if auth:
            return httpx.Client(
                timeout=timeout, headers={"User-Agent": USER_AGENT}, verify=shared_ssl_context()
            )
        return httpx.Client(timeout=timeout, limits=DEFAULT_LIMITS, verify=shared_ssl_context())

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
        self._auth = DxtraAuth(config.role, sync_tokens=self._tokens)

    def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> httpx.Response:
        call = self._prepare(query, operation_name, variables, options)
        retries = 0
        while True:
            try:
                response = self.http_client.post(self._target(), **call.attempt_kwargs(retries))
            except httpx.HTTPError as exc:
                delay = call.delay_after_error(exc, retries, self._random())
                if delay is None:
                    raise call.transport_error(exc, self.url, retries + 1) from exc
                self._log_retry(call, retries, delay, type(exc).__name__)
                self._sleep(delay)
                retries += 1
                continue
            self._log_attempt(call, retries, response)
            delay = call.delay_after_response(response, retries, self._clock(), self._random())
            if delay is None:
                return response
            self._log_retry(call, retries, delay, f"HTTP {response.status_code}")
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


def _pin_async_library() -> tuple[ContextVar[str | None], Token[str | None]] | None:
    """Tell sniffio, for the length of one call, which async library is running.

    httpcore and anyio ask ``sniffio.current_async_library()`` about ten times per request,
    and under plain asyncio each answer is a hunt (a thread-local, a context variable, then
    ``asyncio.current_task()``). Setting sniffio's own context variable (what ``anyio.run``
    and trio do) makes every later answer the first lookup; measured 4-8% of a 3-row async
    call. Asked once here, so the value is whatever sniffio would have said, and reset when
    the call ends so nothing leaks into the caller's context. None when there is nothing to
    do (no sniffio, a library already pinned, or not in an async context).
    """
    try:
        import sniffio
    except ImportError:
        return None
    cvar: ContextVar[str | None] = sniffio.current_async_library_cvar
    if cvar.get() is not None or sniffio.thread_local.name is not None:
        return None
    try:
        name = sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None
    return cvar, cvar.set(name)


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
        )
        self._ws_settings = ws

    def _new_http(self, timeout: Timeout, *, auth: bool = False) -> httpx.AsyncClient:
        backend = self._http_backend
        if auth:
            return async_http_client(
                backend,
                timeout=timeout,
                headers={"User-Agent": USER_AGENT},
                verify=shared_ssl_context(),
            )
        return async_http_client(
            backend, timeout=timeout, limits=DEFAULT_LIMITS, verify=shared_ssl_context()
        )

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
        self._auth = DxtraAuth(config.role, async_tokens=self._tokens)

    async def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: dict[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> httpx.Response:
        pinned = _pin_async_library()
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
        retries = 0
        while True:
            try:
                response = await self.http_client.post(
                    self._target(), **call.attempt_kwargs(retries)
                )
            except httpx.HTTPError as exc:
                delay = call.delay_after_error(exc, retries, self._random())
                if delay is None:
                    raise call.transport_error(exc, self.url, retries + 1) from exc
                self._log_retry(call, retries, delay, type(exc).__name__)
                await self._sleep(delay)
                retries += 1
                continue
            self._log_attempt(call, retries, response)
            delay = call.delay_after_response(response, retries, self._clock(), self._random())
            if delay is None:
                return response
            self._log_retry(call, retries, delay, f"HTTP {response.status_code}")
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
