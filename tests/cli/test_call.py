"""`dxtra-typed call` against the sandbox: listing, tables, JSON, bad variables, API errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest
from dxtra_generated.input_types import String_comparison_exp

from dxtra_typed.cli._call import find_operation, operations, parse_variables
from dxtra_typed.sandbox import Sandbox
from tests.cli.conftest import run_call


def _controller_id(capsys: pytest.CaptureFixture[str]) -> str:
    code, out, _ = run_call(capsys, "DataControllers", "--json")
    assert code == 0
    return str(json.loads(out)[0]["id"])


def test_list_shows_every_operation_with_its_one_line_doc(
    dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_call(capsys, "--list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert set(lines) >= {"DataControllers", "DataSubjects", "InsertRightsRequest"}
    assert (
        "List the data controllers (organisations) the caller's role can see"
        in (lines["DataControllers"])
    )
    assert "role anonymous" in lines["PublicDataControllers"]
    assert "mutation" in lines["UpdateRightsRequestStatus"]


def test_data_controllers_as_table_and_json(
    dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_call(capsys, "DataControllers")
    assert code == 0 and err == ""
    header, rule, *rows, count = out.splitlines()
    assert header.split() == ["id", "title", "did", "createdAt"]
    assert set(rule) <= {"-", " "} and count == f"({len(rows)} rows)"
    assert any("Acme Privacy Ltd" in row for row in rows)
    code, out, _ = run_call(capsys, "data_controllers", "--json")
    assert code == 0
    data = json.loads(out)
    assert {"id", "title", "did", "createdAt"} == set(data[0]) and len(data) == len(rows)


def test_variables_are_typed_single_objects_are_field_value(
    dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    cid = _controller_id(capsys)
    code, out, _ = run_call(capsys, "DataControllerCounts", "--var", f"id={cid}")
    assert code == 0
    assert out.splitlines()[0].split() == ["field", "value"]
    assert re.search(r"^dataSubjects +\{\"aggregate\":\{\"count\":\d+\}\}$", out, re.M)
    code, out, _ = run_call(
        capsys,
        "RightsRequests",
        "--var",
        f"controllerId={cid}",
        "--var",
        'status={"_eq": "submitted"}',
        "--var",
        "limit=2",
        "--json",
    )
    assert code == 0
    rows = json.loads(out)
    assert rows and all(r["status"] == "submitted" for r in rows) and len(rows) <= 2
    code, out, _ = run_call(capsys, "DataController", "--var", f"id={UUID(int=1)}")
    assert (code, out.strip()) == (0, "(none)")


def test_parse_variables_converts_through_the_annotations() -> None:
    ops = operations()
    insert = find_operation("InsertRightsRequest", ops)
    values = parse_variables(
        insert,
        [
            f"dataSubjectId={UUID(int=1)}",
            f"data_controller_id={UUID(int=2)}",
            "requestType=access",
            "dueDate=2026-12-31",
            "notes=null",
        ],
    )
    assert values["data_subject_id"] == UUID(int=1) and values["notes"] is None
    assert str(values["due_date"]) == "2026-12-31"
    status = parse_variables(
        find_operation("rights_requests", ops),
        [f"controllerId={UUID(int=3)}", 'status={"_in": ["a", "b"]}', "offset=7"],
    )
    assert status["status"] == String_comparison_exp(_in=["a", "b"]) and status["offset"] == 7


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["DataSubjects", "--var", "controllerId=nope"],
            "--var controllerId=nope: Input should be a UUID or a UUID string",
        ),
        (
            ["DataSubjects", "--var", f"controllerId={UUID(int=1)}", "--var", "limit=ten"],
            "valid integer",
        ),
        (["DataSubjects", "--var", "colour=red"], "DataSubjects has no such variable"),
        (["DataSubjects"], "DataSubjects needs --var controller_id=..."),
        (["DataControler"], "unknown operation 'DataControler'; did you mean DataController?"),
        (["DataSubjects", "--var", "novalue"], "expected NAME=VALUE"),
    ],
)
def test_bad_command_lines_exit_2_with_one_line(
    dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run_call(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and err.startswith("dxtra-typed call: ")


def test_api_errors_exit_1_with_one_line(
    dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_call(capsys, "DataControllers", "--role", "dataSubject")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "AccessDeniedError" in err


def test_role_flag_and_subprocess_without_traceback(dxtra_sandbox: Sandbox) -> None:
    env = {
        **os.environ,
        "DXTRA_API_KEY": dxtra_sandbox.pat,
        "DXTRA_AUTH_URL": dxtra_sandbox.auth_url,
        "DXTRA_API_URL": dxtra_sandbox.api_url,
        "DXTRA_ROLE": "user",
    }
    command = [str(Path(sys.executable).parent / "dxtra-typed"), "call"]
    ok = subprocess.run(
        [*command, "PublicDataControllers", "--role", "anonymous", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert {row["title"] for row in json.loads(ok.stdout)} >= {"Acme Privacy Ltd"}
    bad = subprocess.run(
        [*command, "DataSubject", "--var", "id=12"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    (line,) = bad.stderr.strip().splitlines()
    assert line.startswith("dxtra-typed call: --var id=12: Input should be a UUID or a UUID string")


def test_operation_facts_come_from_the_codegen_table_not_from_docstrings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dxtra_generated.client import DxtraClient

    for name in ("public_data_controllers", "update_rights_request_status"):
        monkeypatch.setattr(getattr(DxtraClient, name), "__doc__", "Reworded entirely.")
    ops = operations()
    public = ops["public_data_controllers"]
    assert (public.name, public.kind, public.role) == (
        "PublicDataControllers",
        "query",
        "anonymous",
    )
    update = ops["update_rights_request_status"]
    assert (update.name, update.kind, update.role) == (
        "UpdateRightsRequestStatus",
        "mutation",
        None,
    )
    assert (
        update.summary
        == 'Move a rights request to another status (e.g. "inProgress", "completed").'
    )


def test_a_reader_that_goes_away_ends_call_quietly() -> None:
    """`dxtra-typed call --list | head -1`: no BrokenPipeError traceback, SIGPIPE's status."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write: no race
    try:
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "dxtra-typed"), "call", "--list"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (141, "")
