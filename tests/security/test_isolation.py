"""Role isolation over HTTP, through every root field, filter and relationship.

Driven by the role's own schema (so a table added later is covered without editing this file),
with expectations from the seed rows in plain Python: the `user` of controllers A and B must
never read, update or delete a row of controller C; a `dataSubject` sees only itself; the
`anonymous` role only the public surface.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, get_named_type

from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._identities import DATA_SUBJECT_USER_ID, OTHER_USER_ID, SANDBOX_USER_ID
from dxtra_typed.sandbox._sdl import build_role_schema
from dxtra_typed.sandbox._seed import CONTROLLER_IDS, SIGNED_IN_SUBJECT_ID, seed_rows

ROWS = seed_rows()
SUBJECT_CONTROLLER = {r["id"]: r["dataControllerId"] for r in ROWS["dataSubjects"]}
FOREIGN = CONTROLLER_IDS[2]  # OTHER_USER's controller; SANDBOX_USER belongs to the other two


def controller_of(table: str, row: dict[str, Any]) -> str | None:
    if table == "dataControllers":
        return str(row["id"])
    if "dataControllerId" in row:
        return str(row["dataControllerId"])
    if "dataSubjectId" in row:
        return str(SUBJECT_CONTROLLER[row["dataSubjectId"]])
    return None


FOREIGN_IDS = {
    table: {str(r["id"]) for r in rows if controller_of(table, r) == FOREIGN}
    for table, rows in ROWS.items()
}


def _list_fields(schema: GraphQLSchema) -> dict[str, str]:
    """Root list fields → the table type they return."""
    assert schema.query_type is not None
    found = {}
    for name, field in schema.query_type.fields.items():
        inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        if isinstance(inner, GraphQLList):
            found[name] = get_named_type(inner).name
    return found


def _selection(schema: GraphQLSchema, type_name: str, depth: int = 2) -> str:
    """`id` plus every relationship's `id`, `depth` levels down."""
    table = schema.type_map[type_name]
    assert isinstance(table, GraphQLObjectType)
    parts = ["id"] if "id" in table.fields else []
    if depth:
        for name, field in table.fields.items():
            target = get_named_type(field.type)
            if (
                isinstance(target, GraphQLObjectType)
                and "id" in target.fields
                and not name.endswith("_aggregate")
            ):
                parts.append(f"{name} {{ {_selection(schema, target.name, depth - 1)} }}")
    return " ".join(parts)


def _collect(type_name: str, value: Any, schema: GraphQLSchema, out: set[tuple[str, str]]) -> None:
    if isinstance(value, list):
        for item in value:
            _collect(type_name, item, schema, out)
        return
    if not isinstance(value, dict):
        return
    table = schema.type_map[type_name]
    assert isinstance(table, GraphQLObjectType)
    if "id" in value:
        out.add((type_name, value["id"]))
    for key, child in value.items():
        if key in table.fields and key != "id":
            target = get_named_type(table.fields[key].type)
            if isinstance(target, GraphQLObjectType):
                _collect(target.name, child, schema, out)


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


def _gql(sb: Sandbox, user_id: str | None, role: str, query: str) -> dict[str, Any]:
    headers = {"X-Hasura-Role": role}
    if user_id is not None:
        headers["Authorization"] = "Bearer " + sb.mint_token(user_id)
    response = httpx.post(sb.api_url, json={"query": query}, headers=headers, timeout=10)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


USER_SCHEMA = build_role_schema("user")
USER_LISTS = _list_fields(USER_SCHEMA)


@pytest.mark.parametrize(("field", "type_name"), sorted(USER_LISTS.items()))
def test_user_reads_no_foreign_row_through_any_field_or_relationship(
    sb: Sandbox, field: str, type_name: str
) -> None:
    body = _gql(
        sb, SANDBOX_USER_ID, "user", f"{{ {field} {{ {_selection(USER_SCHEMA, type_name)} }} }}"
    )
    assert "errors" not in body, body
    seen: set[tuple[str, str]] = set()
    _collect(type_name, body["data"][field], USER_SCHEMA, seen)
    assert seen, "nothing visible: the check would prove nothing"
    leaked = {(t, i) for t, i in seen if i in FOREIGN_IDS.get(t, set())}
    assert leaked == set()


@pytest.mark.parametrize(("field", "type_name"), sorted(USER_LISTS.items()))
def test_user_filters_and_aggregates_cannot_reach_foreign_rows(
    sb: Sandbox, field: str, type_name: str
) -> None:
    foreign = sorted(FOREIGN_IDS[type_name])
    assert foreign
    ids = ", ".join(f'"{i}"' for i in foreign)
    body = _gql(
        sb,
        SANDBOX_USER_ID,
        "user",
        f"{{ rows: {field}(where: {{id: {{_in: [{ids}]}}}}) {{ id }}"
        f"   n: {field}Aggregate(where: {{id: {{_in: [{ids}]}}}}) {{ aggregate {{ count }} }} }}",
    )
    assert body == {"data": {"rows": [], "n": {"aggregate": {"count": 0}}}}
    # The rightful owner does see them: the filter is not simply wrong.
    owner = _gql(
        sb, OTHER_USER_ID, "user", f"{{ {field}(where: {{id: {{_in: [{ids}]}}}}) {{ id }} }}"
    )
    assert {r["id"] for r in owner["data"][field]} == set(foreign)


def _by_pk_fields(schema: GraphQLSchema) -> dict[str, str]:
    assert schema.query_type is not None
    return {
        name: get_named_type(field.type).name
        for name, field in schema.query_type.fields.items()
        if "id" in field.args and not isinstance(field.type, GraphQLNonNull)
    }


@pytest.mark.parametrize(("field", "type_name"), sorted(_by_pk_fields(USER_SCHEMA).items()))
def test_user_by_pk_of_a_foreign_row_is_null(sb: Sandbox, field: str, type_name: str) -> None:
    for row_id in sorted(FOREIGN_IDS[type_name]):
        body = _gql(sb, SANDBOX_USER_ID, "user", f'{{ {field}(id: "{row_id}") {{ id }} }}')
        assert body == {"data": {field: None}}


def _settable_string(schema: GraphQLSchema, type_name: str) -> str | None:
    set_input = schema.type_map.get(f"{type_name}_set_input")
    if set_input is None:
        return None
    for name, field in set_input.fields.items():  # type: ignore[attr-defined]
        if get_named_type(field.type).name == "String":
            return str(name)
    return None


assert USER_SCHEMA.mutation_type is not None
_MUTATIONS = USER_SCHEMA.mutation_type.fields
_CHANGING = [name for name in sorted(_MUTATIONS) if name.startswith(("update", "delete"))]
# (field, table) for the by-pk forms and for the `where` forms of update and delete.
BY_PK = [
    (name, get_named_type(_MUTATIONS[name].type).name)
    for name in _CHANGING
    if "id" in _MUTATIONS[name].args or "pk_columns" in _MUTATIONS[name].args
]
BY_WHERE = [
    (name, get_named_type(_MUTATIONS[name].type).name.removesuffix("_mutation_response"))
    for name in _CHANGING
    if "where" in _MUTATIONS[name].args
]


def _set_clause(field: str, table: str) -> str | None:
    """`, _set: {...}` for an update (None if nothing is settable), "" for a delete."""
    if field.startswith("delete"):
        return ""
    column = _settable_string(USER_SCHEMA, table)
    return f', _set: {{{column}: "tampered"}}' if column else None


@pytest.mark.slow
def test_user_cannot_update_or_delete_foreign_rows() -> None:
    with Sandbox() as sb:
        before = _snapshot(sb)
        attempts = 0
        for field, table in BY_PK:
            set_clause = _set_clause(field, table)
            if set_clause is None:
                continue
            for row_id in sorted(FOREIGN_IDS[table]):
                key = f'pk_columns: {{id: "{row_id}"}}' if set_clause else f'id: "{row_id}"'
                query = f"mutation {{ {field}({key}{set_clause}) {{ id }} }}"
                body = _gql(sb, SANDBOX_USER_ID, "user", query)
                assert body == {"data": {field: None}}, (field, body)
                attempts += 1
        for field, table in BY_WHERE:
            set_clause = _set_clause(field, table)
            if set_clause is None:
                continue
            ids = ", ".join(f'"{i}"' for i in sorted(FOREIGN_IDS[table]))
            where = f"where: {{id: {{_in: [{ids}]}}}}"
            query = f"mutation {{ {field}({where}{set_clause}) {{ affected_rows }} }}"
            body = _gql(sb, SANDBOX_USER_ID, "user", query)
            assert body == {"data": {field: {"affected_rows": 0}}}, (field, body)
            attempts += 1
        assert attempts >= 10
        assert _snapshot(sb) == before


def test_user_cannot_insert_into_a_foreign_controller() -> None:
    foreign_subject = next(
        r["id"] for r in ROWS["dataSubjects"] if r["dataControllerId"] == FOREIGN
    )
    with Sandbox() as sb:
        before = _snapshot(sb)
        body = _gql(
            sb,
            SANDBOX_USER_ID,
            "user",
            "mutation { insertDataSubjectsRightsRequest(object: {"
            f'dataSubjectId: "{foreign_subject}", dataControllerId: "{FOREIGN}",'
            ' requestType: "erasure"}) { id } }',
        )
        assert body["errors"][0]["extensions"]["code"] == "permission-error"
        assert "data" not in body
        assert _snapshot(sb) == before


def _snapshot(sb: Sandbox) -> dict[str, Any]:
    """Every foreign row as its owner sees it."""
    out = {}
    for field, type_name in sorted(USER_LISTS.items()):
        columns = " ".join(
            n
            for n, f in USER_SCHEMA.type_map[type_name].fields.items()  # type: ignore[attr-defined]
            if not isinstance(get_named_type(f.type), GraphQLObjectType)
        )
        body = _gql(
            sb, OTHER_USER_ID, "user", f"{{ {field}(order_by: [{{id: asc}}]) {{ {columns} }} }}"
        )
        out[field] = body["data"][field]
    return out


def test_data_subject_sees_only_itself(sb: Sandbox) -> None:
    schema = build_role_schema("dataSubject")
    own_controller = SUBJECT_CONTROLLER[SIGNED_IN_SUBJECT_ID]
    lists = _list_fields(schema)
    assert "dataSubjects" in lists
    for field, type_name in lists.items():
        body = _gql(
            sb,
            DATA_SUBJECT_USER_ID,
            "dataSubject",
            f"{{ {field} {{ {_selection(schema, type_name)} }} }}",
        )
        seen: set[tuple[str, str]] = set()
        _collect(type_name, body["data"][field], schema, seen)
        for table, row_id in seen:
            row = next(r for r in ROWS[table] if r["id"] == row_id) if table in ROWS else None
            if row is None:
                continue  # a row the subject created itself
            if table == "dataControllers":
                assert row_id == own_controller
            elif table == "dataSubjects":
                assert row_id == SIGNED_IN_SUBJECT_ID
            else:
                assert row.get("dataSubjectId") == SIGNED_IN_SUBJECT_ID, (table, row_id)


def test_anonymous_sees_only_the_public_surface(sb: Sandbox) -> None:
    schema = build_role_schema("anonymous")
    assert schema.query_type is not None and schema.mutation_type is not None
    assert set(schema.query_type.fields) == {"dataControllers", "dataController"}
    controllers = schema.type_map["dataControllers"]
    assert isinstance(controllers, GraphQLObjectType)
    assert set(controllers.fields) == {"id", "title", "did"}
    assert set(schema.mutation_type.fields) == {"insertDataSubjectsRightsRequests"}
    body = _gql(sb, None, "anonymous", "{ dataSubjects { id } }")
    assert body["errors"][0]["extensions"]["code"] == "validation-failed"
    body = _gql(sb, None, "anonymous", "{ dataControllers { id contactEmail } }")
    assert "contactEmail" in body["errors"][0]["message"]
