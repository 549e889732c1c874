"""The large-schema generator (bench/synth_schema.py): a valid Hasura-shaped schema whose
operations validate, and (hazards off) a generated package that passes check and mypy --strict."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from graphql import build_schema, parse, validate

from dxtra_typed.codegen._driver import check, generate

ROOT = Path(__file__).parents[1]


def _synth() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "synth_schema", ROOT / "bench" / "synth_schema.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("synth_schema", module)
    spec.loader.exec_module(module)
    return module


def test_output_is_deterministic_and_hasura_sized() -> None:
    synth = _synth()
    sdl = synth.render(20)
    assert sdl == synth.render(20)
    per_table_kb = len(sdl) / 20 / 1024
    assert 9 <= per_table_kb <= 16, per_table_kb  # Hasura renders about 12 KB per table
    schema = build_schema(sdl)
    for name in (
        "account_bool_exp",
        "account_aggregate_fields",
        "address_avg_fields",
        "address_inc_input",
        "account_on_conflict",
        "account_stream_cursor_input",
        "account_updates",
        "account_mutation_response",
        "status_enum",
        "CreateReportOutput",
    ):
        assert name in schema.type_map, name
    roots = schema.query_type.fields if schema.query_type else {}
    assert {"usersAggregate", "user", "account_by_pk", "account_aggregate"} <= set(roots)
    mutations = schema.mutation_type.fields if schema.mutation_type else {}
    assert {"insertUser", "updateUsersMany", "update_account_many", "createReport"} <= set(
        mutations
    )
    streams = schema.subscription_type.fields if schema.subscription_type else {}
    assert {"attachmentsStream", "account_stream"} <= set(streams)


def test_operations_validate_with_and_without_hazards() -> None:
    synth = _synth()
    for hazards in (False, True):
        schema = build_schema(synth.render(18, hazards=hazards))
        document = parse(synth.render_operations(18, hazards=hazards))
        assert validate(schema, document) == []
        names = {d.name.value for d in document.definitions if d.name}  # type: ignore[attr-defined]
        assert len(names) >= 30
        if hazards:
            sdl = synth.render(18, hazards=True)
            for hazard in ("  from: String", "  User: String", "  title: String", "scalar ltree"):
                assert hazard in sdl
            assert {"users", "RoleOptions", "Keywords", "Alike"} <= names


def test_tables_for_hits_the_size_asked() -> None:
    synth = _synth()
    tables = synth.tables_for(600)
    assert abs(len(synth.render(tables)) / 1024 - 600) < 30


def test_a_modest_synthetic_project_generates_checks_and_passes_mypy_strict(
    tmp_path: Path,
) -> None:
    synth = _synth()
    project = synth.write_project(tmp_path / "project", 16)
    package = generate(project)
    assert check(project) == 0
    assert check(project, full=True) == 0
    source = (package / "client.py").read_text()
    assert "def users_count(" in source and "def insert_user(" in source
    assert "def attachments_stream(" in (package / "async_client.py").read_text()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "synth_client",
        ],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
