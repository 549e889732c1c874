"""What every generated method runs: build the request, send it, map the answer.

The generated clients subclass these (through the tiny shims in codegen/templates that
ariadne-codegen copies into the package), so the behaviour is written once here, typed against
httpx, and tested without regenerating anything. Response handling is one pure function shared
by the sync and async twins.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from types import TracebackType
from typing import Any, ClassVar, Self

import httpx
from pydantic import BaseModel
from pydantic_core import to_json

from dxtra_typed._errors import (
    APIConnectionError,
    APITimeoutError,
    GraphQLErrorDetail,
    InvalidResponseError,
    make_graphql_error,
    status_error_class,
    status_remedy,
)

OPERATION_EXTENSION = "dxtra_operation"


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


def parse_response(response: httpx.Response) -> dict[str, Any]:
    """``data`` of a GraphQL response, or the typed error the response amounts to."""
    operation = response.request.extensions.get(OPERATION_EXTENSION)
    operation = operation if isinstance(operation, str) else None
    request_id = response.headers.get("x-request-id")
    status = response.status_code
    if not 200 <= status <= 299:
        try:
            body: Any = _loads(response.content)
        except ValueError:
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
        message = f"{operation + ': ' if operation else ''}HTTP {status} from {response.url}"
        message += f" ({detail})" if detail else ""
        message += f"; {remedy}" if remedy else ""
        raise status_error_class(status)(
            message, status_code=status, body=body, request_id=request_id
        )
    try:
        body = _loads(response.content)
    except ValueError:
        raise InvalidResponseError(
            f"{operation or 'request'}: HTTP {status} from {response.url} is not JSON "
            f"(content-type {response.headers.get('content-type', 'none')})",
            status_code=status,
            body=response.text[:500],
        ) from None
    if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
        raise InvalidResponseError(
            f"{operation or 'request'}: the response from {response.url} has neither "
            "'data' nor 'errors'",
            status_code=status,
            body=response.text[:500],
        )
    data = body.get("data")
    errors = body.get("errors")
    if errors:
        details = (
            [GraphQLErrorDetail.from_dict(e) for e in errors]
            if isinstance(errors, list)
            else [GraphQLErrorDetail.from_dict(errors)]
        )
        raise make_graphql_error(
            details,
            data=data if isinstance(data, dict) else None,
            operation=operation,
            status_code=status,
            body=body,
            request_id=request_id,
        )
    if not isinstance(data, dict):
        raise InvalidResponseError(
            f"{operation or 'request'}: 'data' in the response from {response.url} is not "
            "an object",
            status_code=status,
            body=response.text[:500],
        )
    return data


def _transport_error(exc: httpx.HTTPError, url: str, operation: str | None) -> APIConnectionError:
    what = operation or "request"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{what}: {url} timed out ({type(exc).__name__})")
    return APIConnectionError(f"{what}: could not reach {url}: {exc}")


_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


class _Common:
    # Replaced by ariadne-codegen's UNSET in the generated shim subclass.
    _unset: ClassVar[object] = object()
    _auth: httpx.Auth | None = None

    url: str

    def get_data(self, response: httpx.Response) -> dict[str, Any]:
        return parse_response(response)

    def _request_args(
        self,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
        kwargs: dict[str, Any],
    ) -> dict[str, Any]:
        headers = dict(_JSON_HEADERS)
        headers.update(kwargs.pop("headers", None) or {})
        extensions = dict(kwargs.pop("extensions", None) or {})
        extensions[OPERATION_EXTENSION] = operation_name
        args: dict[str, Any] = {
            "content": encode_request(query, operation_name, variables, self._unset),
            "headers": headers,
            "extensions": extensions,
        }
        if self._auth is not None and "auth" not in kwargs:
            args["auth"] = self._auth
        args.update(kwargs)
        return args


class SyncBaseClient(_Common):
    """Base of the generated sync client."""

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
        **kwargs: Any,
    ) -> httpx.Response:
        args = self._request_args(query, operation_name, variables, kwargs)
        try:
            return self.http_client.post(self.url, **args)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, self.url, operation_name) from exc

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
        **kwargs: Any,
    ) -> httpx.Response:
        args = self._request_args(query, operation_name, variables, kwargs)
        try:
            return await self.http_client.post(self.url, **args)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, self.url, operation_name) from exc

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
