"""Pure error mapping: a response (HTTP status, GraphQL `extensions.code`, a body that is not
GraphQL) becomes the right typed error. No I/O."""

from __future__ import annotations

import pytest

from dxtra_typed import (
    AccessDeniedError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConstraintViolationError,
    GraphQLError,
    InternalServerError,
    InvalidJWTError,
    InvalidResponseError,
    PermissionDeniedError,
    ValidationFailedError,
)
from dxtra_typed._response import parse_response

from ..support.responses import response as _response


@pytest.mark.parametrize(
    ("code", "cls", "also"),
    [
        ("validation-failed", ValidationFailedError, GraphQLError),
        ("constraint-violation", ConstraintViolationError, GraphQLError),
        ("access-denied", AccessDeniedError, PermissionDeniedError),
        ("invalid-jwt", InvalidJWTError, AuthenticationError),
        ("something-new", GraphQLError, GraphQLError),
    ],
)
def test_graphql_errors_map_by_extensions_code(
    code: str, cls: type[GraphQLError], also: type[Exception]
) -> None:
    body = {"errors": [{"message": "m", "extensions": {"code": code, "path": "$"}}]}
    with pytest.raises(cls) as info:
        parse_response(_response(200, body))
    assert isinstance(info.value, also)
    assert info.value.code == code and info.value.errors[0].path == "$"
    assert str(info.value).startswith("Op: m")


def test_partial_data_travels_with_the_error() -> None:
    body = {"data": {"a": 1}, "errors": [{"message": "x", "path": ["b"]}]}
    with pytest.raises(GraphQLError) as info:
        parse_response(_response(200, body))
    assert info.value.data == {"a": 1} and info.value.errors[0].path == ["b"]


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (403, PermissionDeniedError),
        (404, APIStatusError),
        (500, InternalServerError),
    ],
)
def test_http_statuses_map_to_classes(status: int, cls: type[Exception]) -> None:
    with pytest.raises(cls) as info:
        parse_response(_response(status, {"message": "nope"}))
    assert isinstance(info.value, APIStatusError) and info.value.status_code == status


@pytest.mark.parametrize("body", [b"<html>", b"[]", b'{"foo": 1}', b'{"data": 5}'])
def test_non_graphql_bodies_are_invalid_responses(body: bytes) -> None:
    with pytest.raises(InvalidResponseError):
        parse_response(_response(200, body))
