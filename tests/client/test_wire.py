"""Pure wire rules: numbers read without float rounding, request bodies written exactly. No I/O."""

from __future__ import annotations

import json
from decimal import Decimal

from dxtra_typed._response import parse_response
from dxtra_typed._wire import encode_request

from ..support.responses import response as _response


def test_numbers_are_parsed_without_float_rounding() -> None:
    data = parse_response(_response(200, b'{"data": {"n": 12345678901234567.89, "i": 12}}'))
    assert data == {"n": Decimal("12345678901234567.89"), "i": 12}


def test_request_body_drops_unset_keeps_null_and_writes_exact_types() -> None:
    import datetime
    import uuid

    unset = object()
    body = json.loads(
        encode_request(
            "q",
            "Op",
            {
                "a": unset,
                "b": None,
                "id": uuid.UUID(int=1),
                "n": Decimal("1.10"),
                "d": datetime.date(2026, 1, 2),
            },
            unset,
        )
    )
    assert body == {
        "query": "q",
        "operationName": "Op",
        "variables": {"b": None, "id": str(uuid.UUID(int=1)), "n": "1.10", "d": "2026-01-02"},
    }


MISMATCH_REMEDY = "the server's schema may have changed: pull it and regenerate"


def test_a_response_that_does_not_fit_the_result_type_says_regenerate() -> None:
    import pytest
    from pydantic import BaseModel

    from dxtra_typed import InvalidResponseError

    class Result(BaseModel):
        count: int

    with pytest.raises(InvalidResponseError) as info:
        parse_response(_response(200, {"data": {"total": 3}}), Result)
    assert str(info.value).startswith(
        "Op: the response does not match the operation's result type (count: Field required)"
    )
    assert str(info.value).endswith(MISMATCH_REMEDY)
    assert info.value.status_code == 200
