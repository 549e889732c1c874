"""Acceptance: `dxtra-typed sandbox --schema` serves real third-party Hasura schemas.

For each schema in ``../shared/realschemas`` a real sandbox process serves it on a loopback
port, the user client is generated from the schema and its operations into a temporary project
(``dxtra-typed generate``, as in a user's project), and every query and mutation runs through the
generated client with typed results. Variables are built from the operation documents and the
schema, and methods are found through the generated ``OPERATIONS`` table and their signatures, so
renamed Python names (a variable colliding with a per-call option) do not break the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import os
import shutil
import subprocess
import sys
import typing
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    ObjectValueNode,
    OperationDefinitionNode,
    VariableNode,
    build_schema,
    is_input_type,
    parse,
    type_from_ast,
)
from pydantic import BaseModel, TypeAdapter

from dxtra_typed import GraphQLError
from dxtra_typed.pytest_plugin import sandbox_settings
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._hasura_model import HasuraModel
from dxtra_typed.sandbox._hasura_seed import generated_id
from tests.support.processes import Lines, read_exports, reap, start

ROOT = Path(__file__).parents[2]
REALSCHEMAS = ROOT.parent / "shared" / "realschemas"
SEED_ROWS = 3
DXTRA = Path(sys.executable).parent / "dxtra-typed"

# One streaming subscription per schema, added beside the real operations in the temporary
# project (the real operation sets have none).
STREAMS = {
    "nhost-sdk-demo": """
subscription NewComments($cursor: [comments_stream_cursor_input]!, $batchSize: Int!) {
  commentsStream(batch_size: $batchSize, cursor: $cursor) { id comment createdAt }
}
""",
    "carnet-de-bord": """
subscription NewNotebookMembers($cursor: [notebook_member_stream_cursor_input]!) {
  notebook_member_stream(batch_size: 10, cursor: $cursor) { id createdAt memberType }
}
""",
}
# Canned answers (--canned) for the three carnet-de-bord Actions its operations call; without
# them an Action answers with an error naming it (checked on a sandbox with none).
CANNED = {
    "update_socio_pro": {"id": generated_id("notebook", 0)},
    "create_notebook_target": {"id": generated_id("notebook_target", 0)},
    "remove_notebook_focus": {"id": generated_id("notebook_focus", 0)},
}
ACTION = ("DeleteNotebookFocusById", "remove_notebook_focus")


def _realschemas() -> Path:
    if not REALSCHEMAS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{REALSCHEMAS} is missing: CI must check out shared/ beside the repo")
        pytest.skip(f"{REALSCHEMAS} is not there (a clone without shared/ beside it)")
    return REALSCHEMAS


@dataclass
class Served:
    name: str
    schema: GraphQLSchema
    model: HasuraModel
    document: DocumentNode
    package: ModuleType
    settings: dict[str, Any]

    def operations(self) -> dict[str, Any]:
        ops: dict[str, Any] = importlib.import_module(f"{self.package.__name__}.client").OPERATIONS
        return ops

    def operation(self, name: str) -> OperationDefinitionNode:
        for d in self.document.definitions:
            if isinstance(d, OperationDefinitionNode) and d.name and d.name.value == name:
                return d
        raise AssertionError(f"no operation {name}")


@pytest.fixture(scope="module", params=sorted(STREAMS))
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    name: str = request.param
    folder = _realschemas() / name
    work = tmp_path_factory.mktemp(name)
    queries = work / "queries"
    shutil.copytree(folder / "operations", queries)
    (queries / "stream.graphql").write_text(STREAMS[name])
    package = name.replace("-", "_") + "_client"
    (work / "codegen.toml").write_text(
        f'[tool.dxtra-typed]\npackage = "{package}"\nschema = "{folder / "schema.graphql"}"\n'
        'queries = "queries"\n'
    )
    generated = subprocess.run(
        [str(DXTRA), "generate"], cwd=work, capture_output=True, text=True, timeout=300
    )
    assert generated.returncode == 0, generated.stderr[-3000:]
    canned = work / "canned.json"
    canned.write_text(__import__("json").dumps(CANNED))
    proc = start(
        [
            DXTRA,
            "sandbox",
            "--schema",
            folder / "schema.graphql",
            "--seed-rows",
            str(SEED_ROWS),
            "--canned",
            canned,
            "--port",
            "0",
        ]
    )
    try:
        lines = Lines(proc)
        exports = read_exports(lines)
        sys.path.insert(0, str(work))
        schema = build_schema((folder / "schema.graphql").read_text())
        document = parse("\n".join(p.read_text() for p in sorted(queries.glob("*.graphql"))))
        yield Served(
            name,
            schema,
            HasuraModel(schema),
            document,
            importlib.import_module(package),
            {
                "api_key": exports["DXTRA_API_KEY"],
                "auth_url": exports["DXTRA_AUTH_URL"],
                "api_url": exports["DXTRA_API_URL"],
                "env": {},
            },
        )
    finally:
        sys.path.remove(str(work)) if str(work) in sys.path else None
        for module in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[module]
        stderr = reap(proc)
        assert "Traceback" not in stderr, stderr[-3000:]


# --- variables from the operation documents ---


def _pk_tables(served: Served, op: OperationDefinitionNode) -> dict[str, str]:
    """variable → table, for variables a root field uses as its primary key (``id: $id``,
    ``pk_columns: {id: $id}``): those get the id of a generated row."""
    kind = op.operation.value
    roots = served.model.roots["mutation" if kind == "mutation" else "query"]
    found: dict[str, str] = {}
    for sel in op.selection_set.selections:
        root = roots.get(getattr(getattr(sel, "name", None), "value", ""))
        if root is None:
            continue
        for arg in getattr(sel, "arguments", ()):
            values = [arg.value]
            if isinstance(arg.value, ObjectValueNode) and arg.name.value == "pk_columns":
                values = [f.value for f in arg.value.fields]
            for value in values:
                if isinstance(value, VariableNode):
                    found.setdefault(value.name.value, root.table)
    return found


def _value(type_: GraphQLInputType, table: str | None) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, table)
    if isinstance(type_, GraphQLList):
        return [_value(type_.of_type, table)]
    if isinstance(type_, GraphQLEnumType):
        return sorted(type_.values)[0]
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: _value(f.type, None)
            for name, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull)
        }
    assert isinstance(type_, GraphQLScalarType)
    return {
        "uuid": generated_id(table, 0) if table else generated_id("nothing", 0),
        "timestamptz": "2026-02-01T00:00:00+00:00",
        "date": "2026-02-01",
        "Boolean": True,
        "Int": 1,
        "numeric": "1.5",
        "jsonb": {},
    }.get(type_.name, "text")


def _variables(served: Served, op: OperationDefinitionNode) -> dict[str, Any]:
    tables = _pk_tables(served, op)
    out: dict[str, Any] = {}
    for definition in op.variable_definitions:
        if definition.default_value is not None:
            continue
        type_ = type_from_ast(served.schema, definition.type)
        assert is_input_type(type_)
        out[definition.variable.name.value] = _value(
            typing.cast(GraphQLInputType, type_), tables.get(definition.variable.name.value)
        )
    return out


def _norm(name: str) -> str:
    return name.replace("_", "").lower()


def _call_arguments(method: Any, variables: dict[str, Any]) -> dict[str, Any]:
    """GraphQL variables → the method's keyword arguments, each validated into its annotated
    type (input models, UUID, datetime...), matched by name whatever the Python spelling."""
    namespace = {**vars(sys.modules[method.__module__]), **_input_names(method)}
    signature = inspect.signature(method)
    hints = {name: _resolve(p.annotation, namespace) for name, p in signature.parameters.items()}
    params = {_norm(p): p for p in signature.parameters if p not in ("self", "kwargs")}
    kwargs: dict[str, Any] = {}
    for name, value in variables.items():
        param = params[_norm(name)]
        kwargs[param] = TypeAdapter(hints[param]).validate_python(value)
    return kwargs


def _resolve(annotation: Any, namespace: dict[str, Any]) -> Any:
    """A parameter's annotation with its forward references (quoted class names) resolved."""

    def holder() -> None: ...

    holder.__annotations__ = {"value": annotation}
    resolved = typing.get_type_hints(holder, globalns=namespace)["value"]
    # `UNSET` is the client's "leave the variable out"; a value given is never it.
    args = [a for a in typing.get_args(resolved) if getattr(a, "__name__", "") != "UnsetType"]
    if typing.get_origin(resolved) is typing.Union and len(args) < len(typing.get_args(resolved)):
        return typing.Union[tuple(args)]  # noqa: UP007 - built at run time
    return resolved


def _input_names(method: Any) -> dict[str, Any]:
    package = method.__module__.rsplit(".", 1)[0]
    names: dict[str, Any] = {}
    for sub in ("input_types", "enums"):
        with contextlib.suppress(ImportError):
            names.update(vars(importlib.import_module(f"{package}.{sub}")))
    return names


def _typed(result: Any, package: str) -> bool:
    if result is None:
        return True
    if isinstance(result, list):
        return all(_typed(r, package) for r in result)
    return isinstance(result, BaseModel) and type(result).__module__.startswith(package)


def _call(
    served: Served, client: Any, operation: str, variables: dict[str, Any] | None = None
) -> Any:
    info = next(i for i in served.operations().values() if i.name == operation)
    method = getattr(client, info.method)
    op = served.operation(operation)
    return method(
        **_call_arguments(method, variables if variables is not None else _variables(served, op))
    )


# --- the tests ---


def test_every_query_and_mutation_runs_with_typed_results(served: Served) -> None:
    client_class = served.package.Client
    ran: list[str] = []
    with client_class(**served.settings) as client:
        for info in served.operations().values():
            if info.kind not in ("query", "mutation"):
                continue
            result = _call(served, client, info.name)
            assert _typed(result, served.package.__name__), (info.name, result)
            ran.append(info.name)
    expected = {
        d.name.value
        for d in served.document.definitions
        if isinstance(d, OperationDefinitionNode) and d.operation.value != "subscription" and d.name
    }
    assert set(ran) == expected


def test_queries_return_generated_rows_across_relationships(served: Served) -> None:
    with served.package.Client(**served.settings) as client:
        if served.name == "nhost-sdk-demo":
            turtles = _call(served, client, "GetNinjaTurtlesWithComments")
            assert len(turtles) == SEED_ROWS
            assert all(c.user is not None for t in turtles for c in t.comments)
            assert sum(len(t.comments) for t in turtles) == SEED_ROWS
        else:
            structure = _call(
                served, client, "GetStructure", {"structureId": generated_id("structure", 0)}
            )
            assert structure is not None and str(structure.id) == generated_id("structure", 0)
            assert structure.professionals_aggregate.aggregate.count == len(structure.professionals)


def test_a_mutation_is_visible_to_the_next_query(served: Served) -> None:
    with served.package.Client(**served.settings) as client:
        if served.name == "nhost-sdk-demo":
            user_id = generated_id("users", 1)
            updated = _call(
                served, client, "UpdateUsersDisplayName", {"id": user_id, "displayName": "Renamed"}
            )
            assert updated.display_name == "Renamed"
            assert "Renamed" in [u.display_name for u in _call(served, client, "GetUsers")]
            turtle = generated_id("ninjaTurtles", 2)
            _call(served, client, "AddComment", {"ninjaTurtleId": turtle, "comment": "cowabunga"})
            turtles = {str(t.id): t for t in _call(served, client, "GetNinjaTurtlesWithComments")}
            assert "cowabunga" in [c.comment for c in turtles[turtle].comments]
        else:
            structure_id = generated_id("structure", 1)
            _call(
                served,
                client,
                "updateStructure",
                {"id": structure_id, "name": "Renamed structure", "orientationSystemsToAdd": []},
            )
            structure = _call(served, client, "GetStructure", {"structureId": structure_id})
            assert structure.name == "Renamed structure"


@pytest.mark.parametrize("served", ["carnet-de-bord"], indirect=True)  # Nhost has no Action
def test_an_action_answers_with_an_error_naming_it(served: Served) -> None:
    schema = _realschemas() / served.name / "schema.graphql"
    with Sandbox(schema=schema) as uncanned:
        settings = {**served.settings, **sandbox_settings(uncanned)}
        with served.package.Client(**settings) as client, pytest.raises(GraphQLError) as caught:
            _call(served, client, ACTION[0])
    assert f'"{ACTION[1]}"' in str(caught.value)
    assert "Action" in str(caught.value)


async def _first(stream: AsyncIterator[Any], count: int) -> list[Any]:
    got: list[Any] = []
    async for row in stream:
        got.append(row)
        if len(got) == count:
            break
    return got


def test_a_stream_delivers_inserted_rows_exactly_once(served: Served) -> None:
    start_at = datetime.now(UTC).isoformat()
    if served.name == "nhost-sdk-demo":
        subscription, insert = "NewComments", "AddComment"
        variables: dict[str, Any] = {
            "cursor": [{"initial_value": {"createdAt": start_at}, "ordering": "ASC"}],
            "batchSize": 1,
        }

        def row(i: int) -> dict[str, Any]:
            return {"ninjaTurtleId": generated_id("ninjaTurtles", 0), "comment": f"stream {i}"}
    else:
        subscription, insert = "NewNotebookMembers", "AddNotebookMembers"
        variables = {"cursor": [{"initial_value": {"createdAt": start_at}, "ordering": "ASC"}]}

        def row(i: int) -> dict[str, Any]:
            return {"objects": [{"memberType": f"stream {i}"}]}

    async def scenario() -> list[Any]:
        async_client = importlib.import_module(f"{served.package.__name__}.async_client")
        async with async_client.AsyncClient(**served.settings) as aclient:
            table = async_client.OPERATIONS.values()
            sub = getattr(aclient, next(i.method for i in table if i.name == subscription))
            stream = sub(**_call_arguments(sub, variables))
            with served.package.Client(**served.settings) as client:
                _call(served, client, insert, row(1))
                _call(served, client, insert, row(2))
                first = await asyncio.wait_for(_first(stream, 2), 20)
                _call(served, client, insert, row(3))
                second = await asyncio.wait_for(_first(stream, 1), 20)
            await stream.aclose()
            return first + second

    rows = asyncio.run(scenario())
    labels = [getattr(r, "comment", None) or getattr(r, "member_type", None) for r in rows]
    assert labels == ["stream 1", "stream 2", "stream 3"]
    assert len({str(r.id) for r in rows}) == 3


def test_relationship_joins_are_inferred_from_names() -> None:
    def model(name: str) -> HasuraModel:
        return HasuraModel(build_schema((_realschemas() / name / "schema.graphql").read_text()))

    nhost, carnet = model("nhost-sdk-demo"), model("carnet-de-bord")
    expected = {
        (nhost, "comments", "user"): ("userId", "id"),
        (nhost, "users", "defaultRoleByRole"): ("defaultRole", "role"),
        (nhost, "authRoles", "usersByDefaultRole"): ("role", "defaultRole"),
        (carnet, "notebook_member", "creator"): ("creatorId", "id"),
        (carnet, "notebook_member", "account"): ("accountId", "id"),
        (carnet, "notebook_situation", "refSituation"): ("situationId", "id"),
        (carnet, "ref_target", "refTheme"): ("theme", "name"),
        (carnet, "account", "notebooksWhereMember"): ("id", "accountId"),
        (carnet, "orientation_request", "requestor"): ("requestor_account_id", "id"),
        (carnet, "orientation_request", "requestedOrientationSystem"): (
            "requestedOrientationSystemId",
            "id",
        ),
    }
    for (m, table, rel), join in expected.items():
        assert m.tables[table].relationships[rel].join == join, (table, rel)
    unjoined = [
        (t.name, r.name)
        for m in (nhost, carnet)
        for t in m.tables.values()
        for r in t.relationships.values()
        if r.join is None
    ]
    # A view's relationships name no column of either side.
    assert unjoined == [("notebook_public_view", "members"), ("notebook_public_view", "notebook")]


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_every_table_root_field_answers_over_generated_rows(name: str) -> None:
    """Every select, aggregate and by-pk root field, selecting every column, relationship and
    nested aggregate of its table, answers without an error (non-null relationships resolve)."""
    from dxtra_typed.sandbox._engine import Session
    from dxtra_typed.sandbox._schema_sandbox import build_engine

    engine = build_engine(_realschemas() / name / "schema.graphql", seed_rows=SEED_ROWS)
    model = engine.models[None]
    assert model.schema.query_type is not None
    checked = 0
    for field_name, root in model.roots["query"].items():
        table = engine.tables[root.table]
        columns = " ".join(table.columns)
        nested = " ".join(f"{r} {{ __typename }}" for r in table.relationships)
        nested += " ".join(f" {a} {{ aggregate {{ count }} }}" for a in table.aggregates)
        field = model.schema.query_type.fields[field_name]
        variables = {
            arg: _value(spec.type, root.table)
            for arg, spec in field.args.items()
            if isinstance(spec.type, GraphQLNonNull)
        }
        declared = ", ".join(f"${a}: {field.args[a].type}" for a in variables)
        passed = ", ".join(f"{a}: ${a}" for a in variables)
        call = f"{field_name}({passed})" if passed else field_name
        if root.kind == "aggregate":
            selection = f"{call} {{ aggregate {{ count }} nodes {{ {columns} }} }}"
        elif root.kind in ("select", "by_pk"):
            selection = f"{call} {{ {columns} {nested} }}"
        else:
            continue
        query = f"query{f'({declared})' if declared else ''} {{ {selection} }}"
        answer = engine.execute({"query": query, "variables": variables}, Session("user", "u"))
        assert "errors" not in answer, (field_name, answer)
        checked += 1
    assert checked == len(model.roots["query"])
