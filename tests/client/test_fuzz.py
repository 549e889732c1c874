"""Fuzzing: wrong argument types are refused before sending; hostile bodies become DxtraErrors.

Hypothesis generates the inputs. Arguments: for every generated operation, values that do not
fit a parameter's annotation must raise InvalidArgumentError naming the parameter, without a
request (the client points at a closed port, so any send would be an APIConnectionError).
Bodies: whatever a server (or something pretending to be one) answers, ``parse_response``
ends in data or a DxtraError, never a KeyError/TypeError/RecursionError.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from dxtra_generated.data_subjects import DataSubjects
from dxtra_generated.processing_activities import ProcessingActivities
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ConfigDict, TypeAdapter, ValidationError

from dxtra_typed import DxtraClient, DxtraError, InvalidArgumentError
from dxtra_typed._response import OPERATION_EXTENSION, parse_response
from dxtra_typed._validation import type_hints

from .conftest import closed_port


@pytest.fixture(scope="module")
def client() -> Iterator[DxtraClient]:
    port = closed_port()
    with DxtraClient(
        role="anonymous",
        api_url=f"http://127.0.0.1:{port}/v1/graphql",
        auth_url=f"http://127.0.0.1:{port}",
        max_retries=0,
        env={},
    ) as c:
        yield c


def _operations() -> list[tuple[str, str, Any]]:
    """(method, parameter, annotation) for every GraphQL variable of every operation."""
    found = []
    for name, method in inspect.getmembers(DxtraClient, inspect.isfunction):
        if name.startswith("_") or not hasattr(method, "__wrapped__"):
            continue  # only generated, @validated methods
        hints = type_hints(method.__wrapped__)
        for param in inspect.signature(method.__wrapped__).parameters.values():
            if param.name != "self" and param.kind is param.POSITIONAL_OR_KEYWORD:
                found.append((name, param.name, hints[param.name]))
    return found


OPERATIONS = _operations()
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just(uuid.uuid4()),
)


def test_every_operation_is_covered() -> None:
    assert len({name for name, _, _ in OPERATIONS}) >= 10


@pytest.mark.parametrize(("method", "param", "annotation"), OPERATIONS, ids=lambda v: str(v)[:30])
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=ANY_VALUE)
def test_wrong_argument_types_are_refused_before_sending(
    client: DxtraClient, method: str, param: str, annotation: Any, value: Any
) -> None:
    try:
        TypeAdapter(
            annotation, config=ConfigDict(strict=True, arbitrary_types_allowed=True)
        ).validate_python(value)
    except ValidationError:
        pass
    else:
        assume(False)  # a value that fits is not a wrong type
    signature = inspect.signature(getattr(DxtraClient, method).__wrapped__)
    kwargs: dict[str, Any] = {
        p.name: uuid.uuid4()
        for p in signature.parameters.values()
        if p.name not in ("self", param)
        and p.default is p.empty
        and p.kind is p.POSITIONAL_OR_KEYWORD
    }
    kwargs[param] = value
    with pytest.raises(InvalidArgumentError) as info:
        getattr(client, method)(**kwargs)
    assert param in str(info.value) and method in str(info.value)


def test_misspelt_option_is_refused_at_runtime_too(client: DxtraClient) -> None:
    with pytest.raises(InvalidArgumentError, match="timout"):
        client.data_controllers(timout=5)  # type: ignore[call-arg]


def _response(content: bytes, status: int = 200) -> httpx.Response:
    request = httpx.Request(
        "POST", "http://127.0.0.1/v1/graphql", extensions={OPERATION_EXTENSION: "Fuzz"}
    )
    return httpx.Response(status, content=content, request=request)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
ENVELOPES = st.one_of(
    JSON,
    st.fixed_dictionaries({"data": JSON}),
    st.fixed_dictionaries({"errors": JSON}),
    st.fixed_dictionaries({"data": JSON, "errors": JSON}),
    st.fixed_dictionaries(
        {
            "data": st.fixed_dictionaries(
                {
                    "dataSubjects": st.lists(
                        st.dictionaries(
                            st.sampled_from(["id", "did", "createdAt", "x"]), JSON, max_size=4
                        ),
                        max_size=3,
                    )
                }
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "data": st.fixed_dictionaries(
                {
                    "dataProcessingActivities": st.lists(
                        st.fixed_dictionaries(
                            {
                                "id": st.just(str(uuid.uuid4())),
                                "name": st.text(max_size=5),
                                "legalBasis": st.text(max_size=5),
                                "isEssential": st.booleans(),
                                "recordCount": st.integers() | st.floats() | st.text(max_size=4),
                                "riskScore": st.integers()
                                | st.floats(allow_nan=False)
                                | st.text(max_size=4),
                            }
                        ),
                        max_size=2,
                    )
                }
            )
        }
    ),
)


def _encode(value: Any) -> bytes:
    return json.dumps(value).encode()


@settings(max_examples=300, deadline=None)
@given(
    body=st.one_of(
        ENVELOPES.map(_encode), st.binary(max_size=64), ENVELOPES.map(lambda v: _encode(v)[:-3])
    ),
    status=st.sampled_from([200, 200, 200, 201, 400, 401, 403, 404, 429, 500, 502, 503]),
    result_type=st.sampled_from([None, DataSubjects, ProcessingActivities]),
)
def test_hostile_bodies_end_in_data_or_a_dxtra_error(
    body: bytes, status: int, result_type: Any
) -> None:
    with contextlib.suppress(DxtraError):
        parse_response(_response(body, status), result_type)


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nesting deep enough to blow a recursive parser
        b'{"data": {"dataSubjects": ' + b"9" * 5000 + b"}}",  # a 5,000-digit number
        b'{"data": {"n": 1e999999}}',
        '{"data": {"t": "\u00e9"}}'.encode("latin-1"),
    ],
    ids=["deep", "huge-int", "huge-exp", "latin-1"],
)
@pytest.mark.parametrize("status", [200, 500])
def test_pathological_bodies(body: bytes, status: int) -> None:
    with pytest.raises(DxtraError):
        parse_response(_response(body, status), DataSubjects)
