"""`check`: file:line errors for invalid operations, per-role live validation, freshness."""

from __future__ import annotations

from pathlib import Path

import pytest

from dxtra_typed.cli import main
from dxtra_typed.schema_tools._operations import declared_role, load_operations

from .conftest import copy_project


def check(project: Path, *extra: str) -> int:
    return main(["check", "--root", str(project), *extra])


def test_the_project_operations_are_valid(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert check(project, "--skip-generated") == 0
    assert "0 problem(s)" in capsys.readouterr().err


def test_a_typo_prints_file_line_and_the_field_and_fails(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = project / "queries" / "data_subjects.graphql"
    lines = query.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.strip() == "did")
    lines[index] = lines[index].replace("did", "dId")
    query.write_text("".join(lines))
    assert check(project) == 1
    captured = capsys.readouterr()
    column = lines[index].index("dId") + 1
    assert (
        f"queries/data_subjects.graphql:{index + 1}:{column}: "
        "Cannot query field 'dId' on type 'dataSubjects'." in captured.out
    )
    assert "not compared with a fresh generate" in captured.err
    assert "generated/" not in captured.err  # a user's package is not called generated/


def test_a_syntax_error_is_located_too(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "queries" / "broken.graphql").write_text(
        "# oops\nquery Broken {\n  dataControllers {\n"
    )
    assert check(project, "--skip-generated") == 1
    assert "queries/broken.graphql:4:1: Syntax Error" in capsys.readouterr().out


def test_a_stale_generated_package_fails_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = copy_project(tmp_path / "p", with_generated=True)
    (project / "generated" / "dxtra_generated" / "stray.py").write_text("")
    query = project / "queries" / "data_subjects.graphql"
    query.write_text(
        query.read_text().replace(
            "    ...DataSubjectSummary\n", "    ...DataSubjectSummary\n    updatedAt\n", 1
        )
    )
    assert check(project) == 1
    err = capsys.readouterr().err
    # One line per file, not the generated code's diff; `--diff` shows that.
    assert "  stray.py: stale (codegen no longer writes it)" in err
    assert "  data_subjects.py: 5 line(s) added, 0 removed" in err
    assert "@@" not in err and "regenerated/" not in err
    assert "run `dxtra-typed generate` and commit" in err and "make generate" not in err
    assert check(project, "--diff") == 1
    assert "+++ regenerated/data_subjects.py" in capsys.readouterr().err


PUBLIC_BUT_NOT_FOR_ANONYMOUS = """
# The newest controllers, for the public landing page.
# role: anonymous
query NewestControllers {
  dataControllers(order_by: [{ title: asc }]) {
    id
    createdAt
  }
}
"""


def test_live_check_catches_a_field_the_declared_role_cannot_see(
    dxtra_env: dict[str, str], project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "queries" / "landing.graphql").write_text(PUBLIC_BUT_NOT_FOR_ANONYMOUS)
    assert check(project, "--skip-generated") == 0  # valid for `user`, the static schema
    capsys.readouterr()
    assert check(project, "--live", "--skip-generated") == 1
    captured = capsys.readouterr()
    problems = [line for line in captured.out.splitlines() if line.startswith("queries/")]
    assert problems == [
        "queries/landing.graphql:7:5: Cannot query field 'createdAt' on type 'dataControllers'. "
        "(live schema of role 'anonymous', operation NewestControllers)"
    ]
    assert "as role 'anonymous'" in captured.err and "as role 'user'" in captured.err


def test_live_check_passes_for_the_shipped_operations(
    dxtra_env: dict[str, str], project: Path
) -> None:
    assert check(project, "--live", "--skip-generated") == 0


def test_roles_come_from_the_comment_block_directly_above(tmp_path: Path) -> None:
    lines = [
        "# role: me",
        "",
        "# about it",
        "# role: dataSubject",
        "query A { x }",
        "query B { x }",
    ]
    assert declared_role(lines, 5) == "dataSubject"
    assert declared_role(lines, 6) == "user"
    assert declared_role(["# role: me", "", "query C { x }"], 3) == "user"
    operations = load_operations(Path(__file__).parents[2] / "queries")
    roles = {op.name: op.role for op in operations.operations}
    assert roles["PublicDataControllers"] == "anonymous" and roles["DataControllers"] == "user"
