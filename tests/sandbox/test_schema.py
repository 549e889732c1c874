"""The checked-in schema must be exactly what the model renders, and each role's view must trim."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

from dxtra_typed.sandbox._sdl import build_role_schema, render_sdl

_SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"

_DOC_EXAMPLES = (
    "query { dataControllers { id title } }",
    "query GetDataControllers { dataControllers { id title did createdAt } }",
    "query GetDataSubjects($controllerId: uuid!) { dataSubjects(where: "
    "{dataControllerId: {_eq: $controllerId}}) { id did createdAt } }",
    "query GetDataSubject($id: uuid!) { dataSubject(id: $id) "
    "{ id did createdAt updatedAt dataController { id title } } }",
    "mutation UpdateConsentValue($id: uuid!, $value: String!) { "
    "updateDataSubjectConsentFormValue(pk_columns: {id: $id}, _set: {value: $value}) "
    "{ id value } }",
)


def test_schema_file_is_rendered_from_model() -> None:
    assert _SCHEMA_FILE.read_text(encoding="utf-8") == render_sdl("user")


def test_render_is_deterministic_and_has_header() -> None:
    text = render_sdl("user")
    assert text == render_sdl("user")
    assert text.startswith("# Dxtra GraphQL schema")
    assert "dxtra-typed schema pull" in text


@pytest.mark.parametrize("example", _DOC_EXAMPLES)
def test_docs_examples_validate_against_user_schema(example: str) -> None:
    schema = build_schema(_SCHEMA_FILE.read_text(encoding="utf-8"))
    assert validate(schema, parse(example)) == []


def test_user_schema_has_nhost_root_fields() -> None:
    schema = build_role_schema("user")
    assert schema.query_type is not None
    assert schema.mutation_type is not None
    assert schema.subscription_type is not None
    q, m, s = (
        schema.query_type.fields,
        schema.mutation_type.fields,
        schema.subscription_type.fields,
    )
    for name in ("dataSubjects", "dataSubject", "dataSubjectsAggregate", "dataControllers"):
        assert name in q
    for name in (
        "insertDataSubjects",
        "insertDataSubject",
        "updateDataSubjects",
        "updateDataSubject",
        "deleteDataSubjects",
        "deleteDataSubject",
        "insertDataSubjectsRightsRequest",
    ):
        assert name in m
    assert "dataSubjectsStream" in s
    assert "users" not in q
    # The dashboard role cannot write data controllers.
    assert "insertDataControllers" not in m


@pytest.mark.parametrize("role", ["user", "me", "dataSubject", "anonymous", "public"])
def test_every_role_schema_builds(role: str) -> None:
    build_schema(render_sdl(role))


def test_anonymous_schema_is_trimmed() -> None:
    schema = build_role_schema("anonymous")
    assert schema.query_type is not None
    assert set(schema.query_type.fields) == {"dataControllers", "dataController"}
    # The public rights-request form: insert without select, so only `affected_rows`.
    assert schema.mutation_type is not None
    assert set(schema.mutation_type.fields) == {"insertDataSubjectsRightsRequests"}
    assert set(schema.type_map["dataSubjectsRightsRequests_mutation_response"].fields) == {  # type: ignore[attr-defined]
        "affected_rows"
    }
    assert "dataSubjectsRightsRequests" not in schema.type_map
    assert set(schema.type_map["dataControllers"].fields) == {"id", "title", "did"}  # type: ignore[attr-defined]


def test_data_subject_schema_hides_columns_and_aggregates() -> None:
    schema = build_role_schema("dataSubject")
    assert schema.query_type is not None
    assert "dataSubjectsAggregate" not in schema.query_type.fields
    assert "emailHash" not in schema.type_map["dataSubjects"].fields  # type: ignore[attr-defined]
    assert schema.mutation_type is not None
    assert set(schema.mutation_type.fields) == {
        "insertDataSubjectsRightsRequest",
        "insertDataSubjectsRightsRequests",
        "updateDataSubjectConsentFormValue",
        "updateDataSubjectConsentFormValues",
    }


def test_me_schema_is_users_only() -> None:
    schema = build_role_schema("me")
    assert schema.query_type is not None
    assert set(schema.query_type.fields) == {"users", "user"}
    assert schema.mutation_type is not None
    assert set(schema.mutation_type.fields) == {"updateUsers", "updateUser"}
