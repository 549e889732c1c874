"""What every generated method runs: build the request, send it (retrying what is safe to
retry), and turn the answer into typed data or a typed error.

The generated clients subclass these (through the tiny shims in codegen/templates that
ariadne-codegen copies into the package), so the behaviour is written once here, typed against
httpx, and tested without regenerating anything. Decisions are pure (``_retry``,
``parse_response``); the sync and async twins differ only in how they send and sleep.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Final, Self, Unpack

import httpx
from pydantic import BaseModel, ValidationError
from pydantic_core import to_json

from dxtra_typed._auth import ROLE_EXTENSION
from dxtra_typed._errors import (
    APIConnectionError,
    APITimeoutError,
    GraphQLErrorDetail,
    InvalidResponseError,
    make_graphql_error,
    status_error_class,
    status_remedy,
)
from dxtra_typed._logging import logger
from dxtra_typed._options import CallOptions
from dxtra_typed._retry import (
    OperationKind,
    RetryPolicy,
    never_sent,
    operation_kind,
    parse_retry_after,
    retry_delay,
    should_retry_error,
    should_retry_status,
)

if TYPE_CHECKING:
    from dxtra_typed._subscriptions import SubscribeOptions

OPERATION_EXTENSION: Final = "dxtra_operation"
RETRY_COUNT_HEADER: Final = "x-dxtra-retry-count"
_JSON_HEADERS: Final = {"Content-Type": "application/json", "Accept": "application/json"}
_RESERVED_HEADERS: Final = frozenset({"authorization", "x-hasura-role"})


def _convert(value: Any) -> Any:
    if isinstance(value, BaseModel):
        # Input models: aliases are the GraphQL names; unset fields are omitted, not null.
        return value.model_dump(by_alias=True, exclude_unset=True)
    if isinstance(value, list):
        return [_convert(item) for item in value]
    return value


def encode_request(
    query: str, operation_name: str | None, variables: Mapping[str, Any] | None, unset: object
) -> bytes:
    """The JSON body of a GraphQL request.

    ``unset`` is ariadne-codegen's UNSET sentinel: an argument the caller left out is dropped
    from ``variables``, while an explicit None is sent as null. pydantic-core writes UUIDs,
    datetimes and Decimals (as strings, so numerics stay exact).
    """
    payload: dict[str, Any] = {
        "query": query,
        "operationName": operation_name,
        "variables": {
            key: _convert(value) for key, value in (variables or {}).items() if value is not unset
        },
    }
    return to_json(payload)


def _loads(content: bytes) -> Any:
    # parse_float=Decimal: a Hasura numeric arrives as a JSON number, and a float would round
    # it (12345678901234567.89 → 12345678901234568) before pydantic ever saw it.
    return json.loads(content, parse_float=Decimal)


def _validate(result_type: type[BaseModel], data: Any) -> BaseModel:
    return result_type.model_validate(data)


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "data"
    return f"{where}: {error['msg']}"


def parse_response(response: httpx.Response, result_type: type[BaseModel] | None = None) -> Any:
    """``data`` of a GraphQL response (validated into ``result_type`` when given), or the
    typed error the response amounts to."""
    operation = response.request.extensions.get(OPERATION_EXTENSION)
    operation = operation if isinstance(operation, str) else None
    what = operation or "request"
    request_id = response.headers.get("x-request-id")
    status = response.status_code
    if not 200 <= status <= 299:
        try:
            body: Any = _loads(response.content)
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
        body = _loads(response.content)
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
                typed = _validate(result_type, data)
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
        return _validate(result_type, data)
    except ValidationError as exc:
        raise InvalidResponseError(
            f"{what}: the response does not match the operation's result type "
            f"({_first_problem(exc)}); the server's schema may have changed: pull it and "
            "regenerate",
            status_code=status,
            body=response.text[:500],
        ) from None


@functools.lru_cache(maxsize=512)
def _kind(query: str, operation_name: str | None) -> OperationKind:
    return operation_kind(query, operation_name)


class _NotGiven:
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = _NotGiven()


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
        for name, value in (options.get("headers") or {}).items():
            if name.lower() in _RESERVED_HEADERS:
                raise ValueError(
                    f"header {name!r} is set by the client; use role=... for X-Hasura-Role"
                )
            headers[name] = value
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


class SyncBaseClient(_Common):
    """Base of the generated sync client."""

    _sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(
        self,
        url: str = "",
        headers: dict[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self.url = url
        self.headers = headers
        self._owns_http_client = http_client is None
        self.http_client = http_client if http_client else httpx.Client(headers=headers)

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
                response = self.http_client.post(self.url, **call.attempt_kwargs(retries))
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
        if self._owns_http_client:
            self.http_client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncBaseClient(_Common):
    """Base of the generated async client."""

    _sleep: Callable[[float], Awaitable[None]] = staticmethod(asyncio.sleep)

    def __init__(
        self,
        url: str = "",
        headers: dict[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self.headers = headers
        self._owns_http_client = http_client is None
        self.http_client = http_client if http_client else httpx.AsyncClient(headers=headers)

    async def execute(
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
                response = await self.http_client.post(self.url, **call.attempt_kwargs(retries))
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
    ) -> AsyncIterator[Any]:
        """A subscription's events (validated into ``result_type`` when given), reconnecting
        and resuming as ``dxtra_typed._subscriptions`` describes."""
        from dxtra_typed._subscriptions import subscribe_for_client

        return subscribe_for_client(self, query, operation_name, variables, result_type, options)

    async def aclose(self) -> None:
        if self._owns_http_client:
            await self.http_client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        await self.aclose()
