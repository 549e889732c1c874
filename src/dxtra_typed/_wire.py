"""The JSON rules both transports share (HTTP in ``_base_client`` and ``_response``,
WebSockets in ``_subscriptions``), so a variable or a number means the same thing on either."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json

from dxtra_typed._errors import ConfigurationError, InvalidResponseError

# Set by the client itself (Authorization from the token cache, the role per call or client).
RESERVED_HEADERS: Final = frozenset({"authorization", "x-hasura-role"})


def check_extra_headers(headers: Mapping[str, str] | None) -> None:
    """Refuse extra headers that would replace what the client sets itself.

    One check for every way headers get in (per-call ``headers=`` on HTTP and WebSocket,
    ``with_options(headers=...)``), so each refuses the same names with the same typed error.
    """
    for name in headers or ():
        if name.lower() in RESERVED_HEADERS:
            raise ConfigurationError(
                f"headers: {name!r} is set by the client itself (Authorization carries the JWT "
                "from the API key, X-Hasura-Role the role); pass role=... to choose the role"
            )


def convert_inputs(value: Any) -> Any:
    """Input models as their GraphQL JSON: aliases are the GraphQL names, and fields never set
    are omitted rather than sent as null."""
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_unset=True)
    if isinstance(value, list):
        return [convert_inputs(item) for item in value]
    if isinstance(value, dict):
        return {key: convert_inputs(item) for key, item in value.items()}
    return value


def request_variables(variables: Mapping[str, Any] | None, unset: object) -> dict[str, Any]:
    """``variables`` to send: ariadne-codegen's UNSET (an argument left out) is dropped, an
    explicit None stays and is sent as null. Values may still be UUIDs, datetimes, Decimals:
    pydantic-core writes them (Decimals as strings, so numerics stay exact)."""
    return {
        key: convert_inputs(value) for key, value in (variables or {}).items() if value is not unset
    }


def encode_request(
    query: str, operation_name: str | None, variables: Mapping[str, Any] | None, unset: object
) -> bytes:
    """The JSON body of a GraphQL request over HTTP (variables as ``request_variables``)."""
    return to_json(
        {
            "query": query,
            "operationName": operation_name,
            "variables": request_variables(variables, unset),
        }
    )


def loads_exact(content: str | bytes) -> Any:
    """``json.loads`` with ``parse_float=Decimal``: a Hasura numeric arrives as a JSON number,
    and a float would round it (12345678901234567.89 → 12345678901234568) before pydantic
    ever saw it."""
    return json.loads(content, parse_float=Decimal)


def first_problem(exc: ValidationError) -> str:
    """``loc: message`` of a validation error's first problem, without the input value."""
    error = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "data"
    return f"{where}: {error['msg']}"


def result_mismatch(
    what: str, subject: str, exc: ValidationError, *, status_code: int, body: str
) -> InvalidResponseError:
    """The error for data that does not fit the operation's generated result type.

    One text for both transports (``subject``: "the response" on HTTP, "an event" on a
    subscription): the server answered in a shape the generated code does not know, so the
    remedy is the same wherever it shows, pull the schema and regenerate.
    """
    return InvalidResponseError(
        f"{what}: {subject} does not match the operation's result type "
        f"({first_problem(exc)}); the server's schema may have changed: pull it and regenerate",
        status_code=status_code,
        body=body,
    )
