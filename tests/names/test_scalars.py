"""Scalar defaults, [tool.dxtra-typed.scalars] overrides and the unknown-scalar pass-through."""

from __future__ import annotations

from pathlib import Path

import pytest

from dxtra_typed.codegen._settings import (
    SCALARS,
    UnknownScalarWarning,
    load_settings,
    scalar_types,
    schema_scalars,
)
from dxtra_typed.schema_tools._errors import SchemaToolError

HASURA = [
    "uuid",
    "timestamptz",
    "timestamp",
    "date",
    "time",
    "timetz",
    "numeric",
    "bigint",
    "smallint",
    "float8",
    "citext",
    "jsonb",
    "json",
    "ltree",
    "lquery",
    "bytea",
    "interval",
    "inet",
    "geography",
    "geometry",
]


def test_every_hasura_scalar_of_the_issue_has_a_type() -> None:
    mapping, unknown = scalar_types([*HASURA, "_text", "_int4", "_uuid"], {})
    assert unknown == []
    assert mapping["uuid"] == {"type": "uuid.UUID"}
    assert mapping["numeric"] == {"type": "decimal.Decimal"}
    assert mapping["time"] == {"type": "datetime.time"}
    assert mapping["bytea"] == mapping["ltree"] == mapping["interval"] == {"type": "str"}
    assert mapping["geography"] == mapping["jsonb"] == {"type": "dxtra_typed.scalars.JSON"}
    assert mapping["_text"] == mapping["_int4"] == {"type": "dxtra_typed.scalars.PgArray"}


def test_an_override_wins_and_an_unknown_scalar_passes_through() -> None:
    mapping, unknown = scalar_types(
        ["uuid", "acme_money", "geography"], {"uuid": {"type": "str"}, "other": {"type": "int"}}
    )
    assert mapping["uuid"] == {"type": "str"}
    assert mapping["acme_money"] == {"type": "dxtra_typed.scalars.JSON"}
    assert mapping["other"] == {"type": "int"}
    assert unknown == ["acme_money"]


def test_schema_scalars_reads_the_declarations(tmp_path: Path) -> None:
    schema = tmp_path / "schema.graphql"
    schema.write_text(
        'scalar uuid\n  scalar _text\n"""a description"""\nscalar Int\ntype A { a: Int }\n'
    )
    assert schema_scalars(schema) == ["_text", "uuid"]
    assert schema_scalars(tmp_path) == ["_text", "uuid"]


def _project(tmp_path: Path, scalars: str) -> Path:
    (tmp_path / "schema.graphql").write_text("scalar uuid\nscalar acme\ntype Query { a: uuid }\n")
    (tmp_path / "codegen.toml").write_text(
        '[tool.dxtra-typed]\npackage = "acme"\nschema = "schema.graphql"\n' + scalars
    )
    return tmp_path


def test_the_scalars_table_overrides_and_the_warning_names_what_is_left(tmp_path: Path) -> None:
    settings = load_settings(
        _project(
            tmp_path,
            '[tool.dxtra-typed.scalars]\nuuid = "str"\n'
            'other = { type = "decimal.Decimal", parse = "acme.parse" }\n',
        )
    )
    with pytest.warns(UnknownScalarWarning, match=r"scalar 'acme' \(in schema.graphql\)"):
        run = settings.ariadne_configs()[0]["tool"]["ariadne-codegen"]
    assert run["scalars"]["uuid"] == {"type": "str"}
    assert run["scalars"]["other"] == {"type": "decimal.Decimal", "parse": "acme.parse"}
    assert run["scalars"]["acme"] == {"type": "dxtra_typed.scalars.JSON"}
    quiet = load_settings(_project(tmp_path, '[tool.dxtra-typed.scalars]\nacme = "int"\n'))
    assert quiet.ariadne_configs()[0]["tool"]["ariadne-codegen"]["scalars"]["acme"] == {
        "type": "int"
    }


@pytest.mark.parametrize(
    "table",
    [
        "[tool.dxtra-typed.scalars]\nuuid = 3\n",
        '[tool.dxtra-typed.scalars]\nuuid = { parse = "a.b" }\n',
        '[tool.dxtra-typed.scalars]\nuuid = { type = "a.B", cast = "x" }\n',
        "[tool.dxtra-typed]\nscalars = 1\n",
    ],
)
def test_a_bad_scalars_entry_is_refused_naming_it(tmp_path: Path, table: str) -> None:
    if table.startswith("[tool.dxtra-typed]\n"):
        (tmp_path / "codegen.toml").write_text(
            '[tool.dxtra-typed]\npackage = "acme"\nscalars = 1\n'
        )
    else:
        _project(tmp_path, table)
    with pytest.raises(SchemaToolError, match=r"\[tool.dxtra-typed.scalars\]"):
        load_settings(tmp_path)


def test_the_table_is_plain_data() -> None:
    assert all(set(spec) == {"type"} for spec in SCALARS.values())


def test_generate_names_an_unknown_scalar_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dxtra_typed.cli import main

    _project(tmp_path, "")
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "a.graphql").write_text("query A { a }\n")
    assert main(["generate", "--root", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("generate: warning: scalar 'acme' (in schema.graphql) has no Python")
    assert len(err.splitlines()) == 1
