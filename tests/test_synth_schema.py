"""The large-schema generator (bench/synth_schema.py): a valid Hasura-shaped schema whose
operations validate, and (hazards off) a generated package that passes check and mypy --strict."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
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


@pytest.mark.parametrize("tables", [1, 7, 10, 14, 20, 23, 40])
def test_operations_validate_at_every_size_with_hazards(tables: int) -> None:
    """20 tables with hazards used to select `amount` on a table whose numeric columns are the
    hazard scalars (bigint, float8, smallint), and 10/14 fields marketing_source lacks; below 7
    the hazard tables did not exist (IndexError). (1..60 were checked by hand, both ways.)"""
    synth = _synth()
    for hazards in (False, True):
        schema = build_schema(synth.render(tables, hazards=hazards))
        document = parse(synth.render_operations(tables, hazards=hazards))
        assert validate(schema, document) == [], (tables, hazards)


def test_tables_for_hits_the_size_asked() -> None:
    synth = _synth()
    tables = synth.tables_for(600)
    assert abs(len(synth.render(tables)) / 1024 - 600) < 30


@pytest.fixture(scope="module")
def modest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """16 tables, hazards off, generated once for the tests below."""
    project = Path(_synth().write_project(tmp_path_factory.mktemp("synth") / "project", 16))
    generate(project)
    return project


# A user's module over the generated package: the shared (generic) input types keep every
# field typed. The ignored lines must be errors: mypy --strict (warn_unused_ignores) fails
# the run if an alias had lost its types and accepted them.
_USER = """
import uuid

from synth_client import SynthClient, account_constraint, account_update_column
from synth_client import Field  # type: ignore[attr-defined]  # not an export (star import)
from synth_client import account_bool_exp as root_input  # type: ignore[attr-defined]
from synth_client.input_types import (
    account_bool_exp,
    account_insert_input,
    account_obj_rel_insert_input,
    account_on_conflict,
    uuid_comparison_exp,
)


def upsert(client: SynthClient) -> int | None:
    conflict = account_on_conflict(
        constraint=account_constraint.account_pkey,
        update_columns=[account_update_column.name],
        where=account_bool_exp(id=uuid_comparison_exp(_eq=uuid.uuid4())),
    )
    nested = account_obj_rel_insert_input(data=account_insert_input(name="a"), on_conflict=conflict)
    account_on_conflict(constraint="account_pkey", update_columns=[])  # type: ignore[arg-type]
    uuid_comparison_exp(_eq=3)  # type: ignore[arg-type]
    account_obj_rel_insert_input(data=conflict)  # type: ignore[arg-type]
    assert nested.data is not None
    result = client.insert_account(objects=[account_insert_input(name="b")], on_conflict=conflict)
    return result.affected_rows if result else None
"""


def test_a_modest_synthetic_project_generates_checks_and_passes_mypy_strict(
    modest: Path, mypy_cache_dir: Path
) -> None:
    package = modest / "synth_client"
    assert check(modest) == 0
    assert check(modest, full=True) == 0
    source = (package / "client.py").read_text()
    assert "def users_count(" in source and "def insert_user(" in source
    assert "def attachments_stream(" in (package / "async_client.py").read_text()
    (modest / "user_code.py").write_text(_USER)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(mypy_cache_dir),
            "synth_client",
            "user_code.py",
        ],
        capture_output=True,
        text=True,
        cwd=modest,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


_RUNTIME = """
import json, uuid
import pydantic
import synth_client
from synth_client import *
from synth_client import input_types as it
from synth_client.enums import account_constraint, account_update_column

assert it.account_on_conflict.__pydantic_generic_metadata__["origin"] is it._OnConflict
assert it.address_sum_order_by is it.attachments_avg_order_by  # identical twins
assert it.account_min_order_by is it.account_max_order_by
assert set(synth_client.__all__) <= set(dir(synth_client))
assert "SynthClient" in globals() and "account_constraint" in globals()
# Input types are not re-exported from the root (issue 21), but from input_types, whole.
assert "account_bool_exp" not in globals() and "account_bool_exp" not in synth_client.__all__
assert "account_bool_exp" in it.__all__ and "BaseModel" not in it.__all__
assert set(it.__all__) <= set(dir(it))
row = it.account_insert_input(
    name="n",
    attachments=it.attachments_obj_rel_insert_input(
        data=it.attachments_insert_input(name="c"),
        on_conflict=it.attachments_on_conflict(
            constraint="attachments_pkey",
            update_columns=["name"],
            where=it.attachments_bool_exp(id=it.uuid_comparison_exp(_in=[uuid.UUID(int=1)])),
        ),
    ),
)
print(json.dumps(row.model_dump(by_alias=True, exclude_unset=True, mode="json"), sort_keys=True))
try:
    it.account_on_conflict(constraint="nope", update_columns=[])
except pydantic.ValidationError as exc:
    print("refused:", exc.errors()[0]["loc"])
"""


def test_shared_input_types_validate_and_serialise_as_the_classes_did(modest: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", _RUNTIME],
        capture_output=True,
        text=True,
        cwd=modest,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    wire, refused = run.stdout.splitlines()
    assert json.loads(wire) == {
        "name": "n",
        "attachments": {
            "data": {"name": "c"},
            "on_conflict": {
                "constraint": "attachments_pkey",
                "update_columns": ["name"],
                "where": {"id": {"_in": ["00000000-0000-0000-0000-000000000001"]}},
            },
        },
    }
    assert refused == "refused: ('constraint',)"
