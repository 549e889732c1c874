"""The fast response path (pydantic validating the JSON bytes) gives exactly what the slow,
reference path (json.loads with Decimal, then model_validate) gives: the same models, the same
errors with the same messages and attributes, for a table of bodies."""

from __future__ import annotations

import enum
import gc
import json
import subprocess
import sys
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from dxtra_generated.data_subjects import DataSubjects
from dxtra_generated.data_subjects_count import DataSubjectsCount
from dxtra_generated.preference_values import PreferenceValues
from dxtra_generated.processing_activities import ProcessingActivities
from pydantic import BaseModel, Field, JsonValue

from dxtra_typed import _response as response_module
from dxtra_typed._errors import DxtraError
from dxtra_typed._interop import GC_PAUSE_BYTES
from dxtra_typed._interop import gc_paused as _gc_paused
from dxtra_typed._response import (
    OPERATION_EXTENSION,
    _envelope,
    parse_response,
    parse_response_slow,
)
from dxtra_typed.scalars import JSON

from ..support.canned import Reply, canned

UID = "5eed0000-0000-4000-8000-00000000002a"


class Colour(enum.StrEnum):
    RED = "RED"
    BLUE = "BLUE"


class Inner(BaseModel):
    n: int
    ratio: float | None = None
    flag: bool = False
    colour: Colour | None = None


class Mixed(BaseModel):
    """Plain JSON types, an enum, a nested list, an optional object and a jsonb value."""

    count: int
    items: list[Inner]
    maybe: Inner | None = None
    doc: JSON = None
    label: str | None = Field(default=None, alias="theLabel")


def _response(
    body: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request(
        "POST", "http://127.0.0.1:9/v1/graphql", extensions={OPERATION_EXTENSION: "Op"}
    )
    return httpx.Response(status, content=body, headers=headers, request=request)


def _outcome(parse: Any, body: bytes, result_type: type[BaseModel], status: int) -> tuple[Any, ...]:
    try:
        result = parse(_response(body, status, {"x-request-id": "rid-1"}), result_type)
    except DxtraError as exc:
        attrs = {
            key: repr(value)
            for key, value in sorted(vars(exc).items())
            if key not in {"__traceback__", "__cause__", "__context__"}
        }
        return ("error", type(exc), str(exc), attrs, exc.__cause__ is None)
    # repr of the dump catches Decimal('10.00') vs Decimal('10.0') and int vs float.
    return ("ok", type(result), repr(result.model_dump(by_alias=True)), result.model_fields_set)


def _row(**over: Any) -> dict[str, Any]:
    row = {"id": UID, "did": "did:x", "createdAt": "2026-01-02T03:04:05.123456+00:00"}
    row.update(over)
    return row


def _subjects(*rows: dict[str, Any]) -> bytes:
    return json.dumps({"data": {"dataSubjects": list(rows)}}).encode()


CASES: list[tuple[str, type[BaseModel], bytes, int]] = [
    ("plain", DataSubjects, _subjects(_row(), _row(did=None)), 200),
    ("empty list", DataSubjects, _subjects(), 200),
    (
        "missing optional",
        DataSubjects,
        b'{"data":{"dataSubjects":[{"id":"%s","createdAt":"2026-01-01T00:00:00Z"}]}}'
        % UID.encode(),
        200,
    ),
    (
        "extensions ignored",
        DataSubjects,
        b'{"data":{"dataSubjects":[]},"extensions":{"cost":1}}',
        200,
    ),
    ("empty errors list", DataSubjects, b'{"data":{"dataSubjects":[]},"errors":[]}', 200),
    ("null errors", DataSubjects, b'{"errors":null,"data":{"dataSubjects":[]}}', 200),
    ("201 is 2xx", DataSubjects, _subjects(_row()), 201),
    ("whitespace", DataSubjects, b' \n {"data" : {"dataSubjects" : [ ] } } \n', 200),
    (
        "unicode escapes",
        DataSubjects,
        _subjects(_row(did="caf\\u00e9 \\ud83d\\ude00")).replace(b"\\\\", b"\\"),
        200,
    ),
    (
        "lone surrogate",
        DataSubjects,
        _subjects(_row(did="x")).replace(b'"did": "x"', b'"did": "\\ud800"'),
        200,
    ),
    ("duplicate key, last wins", DataSubjects, b'{"data":{"dataSubjects":[]},"data":null}', 200),
    ("bad uuid", DataSubjects, _subjects(_row(id="nope")), 200),
    ("naive datetime", DataSubjects, _subjects(_row(createdAt="2026-01-01T00:00:00")), 200),
    ("datetime as number", DataSubjects, _subjects(_row(createdAt=1_700_000_000)), 200),
    ("did as number", DataSubjects, _subjects(_row(did=5)), 200),
    ("wrong shape", DataSubjects, b'{"data":{"dataSubjects":{"unexpected":"shape"}}}', 200),
    ("data null, no errors", DataSubjects, b'{"data":null}', 200),
    ("data a list", DataSubjects, b'{"data":[]}', 200),
    ("neither key", DataSubjects, b'{"result":1}', 200),
    ("array body", DataSubjects, b"[1,2]", 200),
    ("not json", DataSubjects, b"<html>bad gateway</html>", 200),
    ("truncated", DataSubjects, _subjects(_row())[:-3], 200),
    ("empty body", DataSubjects, b"", 200),
    ("NaN literal", DataSubjects, b'{"data":{"dataSubjects":[]},"errors":NaN}', 200),
    ("utf-16 body", DataSubjects, _subjects(_row()).decode().encode("utf-16"), 200),
    (
        "invalid-jwt",
        DataSubjects,
        b'{"errors":[{"message":"Could not verify JWT: JWTExpired",'
        b'"extensions":{"path":"$","code":"invalid-jwt"}}]}',
        200,
    ),
    (
        "partial data + errors",
        DataSubjects,
        b'{"data":{"dataSubjects":[]},"errors":[{"message":"boom","path":["x"],"extensions":{"code":"unexpected"}}]}',
        200,
    ),
    (
        "partial data not fitting",
        DataSubjects,
        b'{"data":{"dataSubjects":null},"errors":[{"message":"boom"}]}',
        200,
    ),
    (
        "errors not a list",
        DataSubjects,
        b'{"data":{"dataSubjects":[]},"errors":{"message":"odd"}}',
        200,
    ),
    (
        "permission error",
        DataSubjects,
        b'{"errors":[{"message":"field not found",'
        b'"extensions":{"path":"$.selectionSet.x","code":"validation-failed"}}]}',
        200,
    ),
    ("HTTP 500 json", DataSubjects, b'{"errors":[{"message":"internal"}]}', 500),
    ("HTTP 401", DataSubjects, b'{"message":"nope"}', 401),
    ("HTTP 503 text", DataSubjects, b"upstream down", 503),
    ("HTTP 429 valid data", DataSubjects, _subjects(_row()), 429),
    (
        "count",
        DataSubjectsCount,
        b'{"data":{"dataSubjectsAggregate":{"aggregate":{"count":3}}}}',
        200,
    ),
    (
        "count big int",
        DataSubjectsCount,
        b'{"data":{"dataSubjectsAggregate":{"aggregate":{"count":123456789012345678901234567890}}}}',
        200,
    ),
    (
        "count as float",
        DataSubjectsCount,
        b'{"data":{"dataSubjectsAggregate":{"aggregate":{"count":12345678901234567.0}}}}',
        200,
    ),
    (
        "count as 1e3",
        DataSubjectsCount,
        b'{"data":{"dataSubjectsAggregate":{"aggregate":{"count":1e3}}}}',
        200,
    ),
    (
        "count as string",
        DataSubjectsCount,
        b'{"data":{"dataSubjectsAggregate":{"aggregate":{"count":"3"}}}}',
        200,
    ),
    (
        "count as bool",
        DataSubjectsCount,
        b'{"data":{"dataSubjectsAggregate":{"aggregate":{"count":true}}}}',
        200,
    ),
    (
        "numeric exact",
        ProcessingActivities,
        b'{"data":{"dataProcessingActivities":[{"id":"%s","name":"n","purpose":null,"legalBasis":"consent","isEssential":false,"retentionDays":30,"recordCount":9007199254740993,"riskScore":12345678901234567.89}]}}'
        % UID.encode(),
        200,
    ),
    (
        "numeric scale",
        ProcessingActivities,
        b'{"data":{"dataProcessingActivities":[{"id":"%s","name":"n","legalBasis":"consent","isEssential":true,"riskScore":10.00}]}}'
        % UID.encode(),
        200,
    ),
    (
        "jsonb floats",
        PreferenceValues,
        b'{"data":{"dataSubjectPreferenceValues":[{"id":"%s","key":"k","value":{"a":1.5,"b":[12345678901234567.89,1e400,-0.0,3],"c":123456789012345678901234567890,"d":null,"e":"s"},"updatedAt":"2026-01-01T00:00:00+02:00"}]}}'
        % UID.encode(),
        200,
    ),
    (
        "jsonb scalar",
        PreferenceValues,
        b'{"data":{"dataSubjectPreferenceValues":[{"id":"%s","key":"k","value":0.1,"updatedAt":"2026-01-01T00:00:00Z"}]}}'
        % UID.encode(),
        200,
    ),
    (
        "mixed",
        Mixed,
        b'{"data":{"count":2,"theLabel":"l","items":[{"n":1,"ratio":0.5,"flag":true,"colour":"RED"},{"n":2,"ratio":3}],"maybe":null,"doc":[1,2.5,{"x":true}]}}',
        200,
    ),
    ("mixed int for float", Mixed, b'{"data":{"count":1,"items":[{"n":1,"ratio":7}]}}', 200),
    ("mixed float for int", Mixed, b'{"data":{"count":1.0,"items":[]}}', 200),
    ("mixed bad enum", Mixed, b'{"data":{"count":1,"items":[{"n":1,"colour":"GREEN"}]}}', 200),
    ("mixed bool as int", Mixed, b'{"data":{"count":1,"items":[{"n":1,"flag":1}]}}', 200),
    ("mixed bool as string", Mixed, b'{"data":{"count":1,"items":[{"n":1,"flag":"true"}]}}', 200),
    (
        "mixed field name not alias",
        Mixed,
        b'{"data":{"count":1,"items":[],"label":"by name"}}',
        200,
    ),
    ("mixed NaN float", Mixed, b'{"data":{"count":1,"items":[{"n":1,"ratio":NaN}]}}', 200),
    ("mixed large float", Mixed, b'{"data":{"count":1,"items":[{"n":1,"ratio":1e400}]}}', 200),
]


@pytest.mark.parametrize(
    ("result_type", "body", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_fast_path_matches_the_slow_path(
    result_type: type[BaseModel], body: bytes, status: int
) -> None:
    assert _outcome(parse_response, body, result_type, status) == _outcome(
        parse_response_slow, body, result_type, status
    )


def test_large_bodies_match_too_and_restore_the_gc() -> None:
    rows = [_row(id=str(uuid.UUID(int=i)), did=None if i % 3 else f"d{i}") for i in range(5000)]
    body = _subjects(*rows)
    assert len(body) > GC_PAUSE_BYTES
    assert gc.isenabled()
    assert _outcome(parse_response, body, DataSubjects, 200) == _outcome(
        parse_response_slow, body, DataSubjects, 200
    )
    assert gc.isenabled()


def test_gc_pause_nests_and_leaves_a_disabled_gc_disabled() -> None:
    with _gc_paused():
        assert not gc.isenabled()
        with _gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with _gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_clean_bodies_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_slow_path(*args: object) -> None:
        raise AssertionError("slow path used")

    monkeypatch.setattr(response_module, "parse_response_slow", no_slow_path)
    result = parse_response(_response(_subjects(_row())), DataSubjects)
    assert isinstance(result, DataSubjects)
    assert str(result.data_subjects[0].id) == UID
    assert isinstance(parse_response(_response(b'{"data":{"count":1,"items":[]}}'), Mixed), Mixed)


def test_types_the_json_parser_would_round_keep_the_lossless_path() -> None:
    assert _envelope(DataSubjects) is not None
    assert _envelope(PreferenceValues) is not None  # jsonb: floats either way
    assert _envelope(ProcessingActivities) is None  # numeric → Decimal

    class Untyped(BaseModel):
        value: Any

    class Nested(BaseModel):
        inner: list[Untyped]

    class BareJsonValue(BaseModel):
        value: JsonValue  # without the jsonb scalar's validator: Decimals would not fit

    assert _envelope(Untyped) is None
    assert _envelope(BareJsonValue) is None
    assert _envelope(Nested) is None
    assert _envelope(DataSubjects) is _envelope(DataSubjects)  # built once, cached


def test_decimal_exactness_and_big_ints_through_parse_response() -> None:
    body = (
        b'{"data":{"dataProcessingActivities":[{"id":"%s","name":"n","legalBasis":"consent",'
        b'"isEssential":false,"recordCount":9007199254740993,"riskScore":12345678901234567.89}]}}'
        % UID.encode()
    )
    result = parse_response(_response(body), ProcessingActivities)
    (activity,) = result.data_processing_activities
    assert activity.risk_score == Decimal("12345678901234567.89")
    assert str(activity.risk_score) == "12345678901234567.89"
    assert activity.record_count == 9007199254740993
    count = parse_response(
        _response(b'{"data":{"dataSubjectsAggregate":{"aggregate":{"count":%d}}}}' % (10**30)),
        DataSubjectsCount,
    )
    assert count.data_subjects_aggregate.aggregate.count == 10**30


def test_partial_data_is_typed_on_the_error() -> None:
    body = (
        b'{"data":{"dataSubjects":[%s]},"errors":[{"message":"boom"}]}'
        % json.dumps(_row()).encode()
    )
    with pytest.raises(DxtraError) as info:
        parse_response(_response(body), DataSubjects)
    typed = getattr(info.value, "typed_data", None)
    assert isinstance(typed, DataSubjects)
    assert str(typed.data_subjects[0].id) == UID


_COLD = """
import sys, uuid
from dxtra_typed import DxtraClient
from dxtra_generated.processing_activities import ProcessingActivities
assert not ProcessingActivities.__pydantic_complete__, "expected a model not built at import"
with DxtraClient(role="anonymous", api_url=sys.argv[1], env={}) as client:
    (activity,) = client.processing_activities(controller_id=uuid.uuid4())
print(repr(activity.risk_score), activity.record_count)
"""


def test_numeric_result_is_exact_on_the_first_call_after_a_cold_import() -> None:
    """Generated models are built on first use (DeferredBuildPlugin). The fast path decides
    from the result model's schema whether it is exact; an unbuilt model has none to inspect,
    so this runs in a fresh interpreter where nothing has built ProcessingActivities yet."""
    body = (
        b'{"data":{"dataProcessingActivities":[{"id":"%s","name":"n","legalBasis":"consent",'
        b'"isEssential":false,"recordCount":9007199254740993,"riskScore":12345678901234567.89}]}}'
        % UID.encode()
    )
    with canned({"/v1/graphql": lambda _: Reply(body=body)}) as server:
        run = subprocess.run(
            [sys.executable, "-c", _COLD, server.url + "/v1/graphql"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["Decimal('12345678901234567.89')", "9007199254740993"]


def _generation_of(obj: object) -> int | None:
    return next(
        (g for g in range(3) if any(other is obj for other in gc.get_objects(generation=g))),
        None,
    )


def test_objects_built_while_paused_skip_the_young_collections() -> None:
    gc.collect()
    with _gc_paused():
        rows = [{"row": [i]} for i in range(5_000)]
        assert gc.get_count()[0] >= 5_000
    assert gc.get_count()[0] < 100 and gc.get_freeze_count() == 0
    assert _generation_of(rows[0]) == 2 and _generation_of(rows[-1]) == 2  # not walked


def test_an_applications_frozen_objects_stay_frozen() -> None:
    gc.collect()
    startup = {"state": ["loaded before the fork"]}
    gc.freeze()  # as an application does before forking workers
    try:
        assert _generation_of(startup) is None  # frozen objects are in no generation
        with _gc_paused():
            rows = [{"row": [i]} for i in range(5_000)]
        assert gc.get_freeze_count() > 0 and _generation_of(startup) is None  # still frozen
        assert gc.get_count()[0] < 100 and gc.is_tracked(rows[0])  # collected the old way
    finally:
        gc.unfreeze()
