"""`schema diff`: breaking changes name the operations they break; additions are safe."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLField, GraphQLString, build_schema, print_schema

from dxtra_typed.cli import main
from dxtra_typed.schema_tools._diff import diff_schemas
from dxtra_typed.schema_tools._operations import load_operations


def edited_schema(
    project: Path, type_name: str, *, drop: str | None = None, add: str | None = None
) -> Path:
    """A copy of the project's schema with one field of ``type_name`` dropped and/or added."""
    schema = build_schema((project / "schema" / "schema.graphql").read_text())
    fields = schema.type_map[type_name].fields  # type: ignore[attr-defined]
    if drop is not None:
        del fields[drop]
    if add is not None:
        fields[add] = GraphQLField(GraphQLString)
    target = project / "new.graphql"
    target.write_text(print_schema(schema))
    return target


def diff(project: Path, new: Path | str) -> int:
    return main(
        [
            "schema",
            "diff",
            str(project / "schema" / "schema.graphql"),
            str(new),
            "--root",
            str(project),
        ]
    )


def test_a_removed_field_is_breaking_and_names_the_operations_using_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = edited_schema(project, "dataSubjects", drop="did", add="zzAdded")
    code = diff(project, new)
    out = capsys.readouterr().out
    assert code == 1
    assert "FIELD_REMOVED: dataSubjects.did was removed." in out
    query_lines = (project / "queries" / "data_subjects.graphql").read_text().splitlines()
    affected = [line for line in out.splitlines() if "affects" in line]
    assert affected
    for line in affected:
        location = line.split("affects ", 1)[1].split(":")
        assert location[0] == "queries/data_subjects.graphql"
        assert query_lines[int(location[1]) - 1].strip() == "did"
    assert any(" DataSubjects uses dataSubjects.did" in line for line in affected)
    assert "FIELD_ADDED: dataSubjects.zzAdded was added." in out


def test_an_added_field_is_safe_and_exits_zero(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = edited_schema(project, "dataControllers", add="newThing")
    assert diff(project, new) == 0
    out = capsys.readouterr().out
    assert "breaking: 0" in out and "dangerous: 0" in out
    assert "FIELD_ADDED: dataControllers.newThing was added." in out


def test_live_diff_against_the_sandbox_finds_nothing(
    dxtra_env: dict[str, str], project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "schema",
            "diff",
            str(project / "schema" / "schema.graphql"),
            "--live",
            "--root",
            str(project),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "breaking: 0\ndangerous: 0\nsafe: 0" in out


def test_new_or_live_is_required(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "diff", str(project / "schema" / "schema.graphql")]) == 2
    assert "give NEW or --live" in capsys.readouterr().err


def test_an_unreadable_schema_is_one_error_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert diff(project, project / "missing.graphql") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot read schema" in err[0]


OLD = """
enum Color { RED GREEN }
input Filter { color: Color, name: String }
type Item { id: ID!, name(upper: Boolean): String, color: Color }
type Query { items(filter: Filter, first: Int): [Item!]!, item(id: ID!): Item }
"""


def test_arguments_enum_values_and_input_fields_are_traced_to_their_use(tmp_path: Path) -> None:
    (tmp_path / "ops.graphql").write_text(
        "query ByColor {\n  items(filter: { color: RED }) { id }\n}\n"
        "query Names {\n  items(first: 3) {\n    name(upper: true)\n  }\n}\n"
        "query One($id: ID!) {\n  item(id: $id) { color }\n}\n"
    )
    new = (
        OLD.replace("RED GREEN", "GREEN")
        .replace("name(upper: Boolean)", "name")
        .replace("color: Color }", "color: String }")
    )
    result = diff_schemas(build_schema(OLD), build_schema(new), load_operations(tmp_path))
    found = {
        c.description: sorted(f"{a.operation}@{a.usage.line}" for a in hits)
        for c, hits in result.affected.items()
    }
    assert found == {
        "RED was removed from enum type Color.": ["ByColor@2"],
        "Item.name arg upper was removed.": ["Names@6"],
        "Item.color changed type from Color to String.": ["One@10"],
    }
    assert result.breaking
