"""`check --live` that cannot run (a key refused or missing) exits 2 with one error line, as
`schema pull` does; exit 1 stays for problems in the operations."""

from __future__ import annotations

from pathlib import Path

import pytest

from dxtra_typed.cli import main

REFUSED_KEY = "5b0e6a4c-1f2d-4c3b-9a8e-7d6c5b4a3f21"


def _check_live(project: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, list[str]]:
    code = main(["check", "--root", str(project), "--live", "--skip-generated"])
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    return code, out, errors


def test_a_rejected_key_exits_2_with_one_line(
    dxtra_env: dict[str, str],
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DXTRA_API_KEY", REFUSED_KEY)
    code, out, errors = _check_live(project, capsys)
    assert code == 2
    assert not [line for line in out.splitlines() if line.startswith("queries/")]
    (line,) = errors
    assert line.startswith("dxtra-typed check: error: PAT exchange")
    assert "401" in line and REFUSED_KEY not in out + line


def test_a_missing_key_exits_2_with_one_line(
    dxtra_env: dict[str, str],
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("DXTRA_API_KEY")
    code, out, errors = _check_live(project, capsys)
    assert code == 2 and "queries/" not in out
    (line,) = errors
    assert line.startswith("dxtra-typed check: error: ") and "DXTRA_API_KEY" in line


def test_an_unknown_declared_role_is_a_problem_of_that_operation(
    dxtra_env: dict[str, str], project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "queries" / "admin.graphql").write_text(
        "# Everything.\n# role: admin\nquery AllControllers {\n  dataControllers { id }\n}\n"
    )
    code, out, _ = _check_live(project, capsys)
    assert code == 1
    (problem,) = [line for line in out.splitlines() if line.startswith("queries/")]
    assert problem.startswith("queries/admin.graphql:3:1: AllControllers: cannot get the schema")
    assert "'admin'" in problem
