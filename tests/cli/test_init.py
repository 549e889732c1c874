"""`dxtra-typed init` and a user's project: generate, check, call, side by side with the
bundled client (in-process; tests/test_user_project.py does it from a built wheel)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dxtra_typed import DxtraClient
from dxtra_typed.cli import main as cli
from dxtra_typed.cli._init import suggested_package
from dxtra_typed.codegen._driver import generate
from dxtra_typed.codegen._settings import load_settings
from dxtra_typed.pytest_plugin import sandbox_settings
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.schema_tools import SchemaToolError

ROOT = Path(__file__).parents[2]

EXTRA_OPERATION = """\
# Titles of the data controllers, A to Z.
query ControllerTitles {
  dataControllers(order_by: [{ title: asc }]) {
    title
  }
}
"""


@pytest.fixture(autouse=True)
def _no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """init pulls when DXTRA_API_KEY is set: keep a developer's key out of these tests."""
    for name in ("DXTRA_API_KEY", "DXTRA_API_URL", "DXTRA_AUTH_URL", "DXTRA_ROLE"):
        monkeypatch.delenv(name, raising=False)


def test_init_writes_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "acme-reports"
    assert cli(["init", str(project)]) == 0
    files = sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file())
    assert files == [
        "codegen.toml",
        "pyproject.toml",
        "queries/example.graphql",
        "schema/schema.graphql",
    ]
    settings = load_settings(project)
    assert settings.package == "acme_reports_dxtra"
    assert (settings.client, settings.async_client) == ("Client", "AsyncClient")
    bundled = (ROOT / "schema" / "schema.graphql").read_text()
    assert (project / "schema" / "schema.graphql").read_text() == bundled
    assert "bundled reconstruction" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("folder", "package"),
    [("acme-reports", "acme_reports_dxtra"), ("2024 Q1", "my_2024_q1_dxtra"), ("x", "x_dxtra")],
)
def test_the_package_name_comes_from_the_folder(tmp_path: Path, folder: str, package: str) -> None:
    assert suggested_package(tmp_path / folder) == package


def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "example.graphql").write_text("# mine\n")
    assert cli(["init", str(tmp_path), "--package", "mine"]) == 2
    err = capsys.readouterr().err
    assert "example.graphql already exists; nothing written" in err
    assert (tmp_path / "queries" / "example.graphql").read_text() == "# mine\n"
    assert not (tmp_path / "codegen.toml").exists()
    assert not (tmp_path / "schema").exists()


@pytest.mark.parametrize("name", ["dxtra_generated", "dxtra_typed", "not-valid", "class"])
def test_init_refuses_a_package_name_that_cannot_work(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["init", str(tmp_path), "--package", name]) == 2
    assert name in capsys.readouterr().err
    assert not (tmp_path / "codegen.toml").exists()


def test_init_with_examples_copies_the_bundled_operations(tmp_path: Path) -> None:
    assert cli(["init", str(tmp_path), "--package", "ex", "--with-examples"]) == 0
    copied = sorted(p.name for p in (tmp_path / "queries").glob("*.graphql"))
    assert copied == sorted(p.name for p in (ROOT / "queries").glob("*.graphql"))
    assert not (tmp_path / "queries" / "example.graphql").exists()


def test_init_pulls_the_schema_when_a_key_is_set(
    tmp_path: Path, dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["init", str(tmp_path), "--package", "pulled"]) == 0
    assert "pulled from DXTRA_API_URL" in capsys.readouterr().out
    # The sandbox serves the reconstruction, so the pull writes that same file.
    pulled = (tmp_path / "schema" / "schema.graphql").read_text()
    assert pulled == (ROOT / "schema" / "schema.graphql").read_text()


def test_init_with_a_rejected_key_writes_nothing(
    tmp_path: Path, dxtra_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DXTRA_API_KEY", "00000000-0000-0000-0000-000000000000")
    assert cli(["init", str(tmp_path), "--package", "refused"]) == 2
    assert not (tmp_path / "codegen.toml").exists()


def _project(tmp_path: Path, package: str) -> Path:
    project = tmp_path / "project"
    assert cli(["init", str(project), "--package", package]) == 0
    (project / "queries" / "titles.graphql").write_text(EXTRA_OPERATION)
    return project


@pytest.mark.slow
def test_a_users_client_works_beside_the_bundled_one(
    tmp_path: Path, dxtra_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, "side_by_side_dxtra")
    assert cli(["generate", "--root", str(project)]) == 0
    assert cli(["check", "--root", str(project)]) == 0
    monkeypatch.syspath_prepend(str(project))
    client_module = importlib.import_module("side_by_side_dxtra.client")
    settings = sandbox_settings(dxtra_sandbox)
    with client_module.Client(**settings) as mine, DxtraClient(**settings) as bundled:
        titles = [row.title for row in mine.controller_titles()]
        assert titles == sorted(c.title for c in bundled.data_controllers())
        assert mine.with_options(role="anonymous").role == "anonymous"
        assert not hasattr(bundled, "controller_titles")
    assert client_module.Client._unset is not DxtraClient._unset  # each package's own UNSET
    assert "dxtra_generated" in sys.modules


def test_call_runs_the_projects_operations(
    tmp_path: Path, dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, "callable_dxtra")
    generate(project)
    capsys.readouterr()
    assert cli(["call", "--list", "--root", str(project)]) == 0
    listed = capsys.readouterr().out
    assert "ControllerTitles" in listed and "ControllerContacts" in listed
    assert "DataSubjects" not in listed
    assert cli(["call", "ControllerTitles", "--root", str(project), "--json"]) == 0
    assert '"title": "Acme Privacy Ltd"' in capsys.readouterr().out


def test_call_before_generate_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, "not_generated_yet")
    assert cli(["call", "--list", "--root", str(project)]) == 2
    assert "run `dxtra-typed generate` first" in capsys.readouterr().err


FIXTURE_TEST = """\
from dxtra_typed.pytest_plugin import ClientFactory
from {package}.client import Client


def test_titles(dxtra_client_factory: ClientFactory) -> None:
    client = dxtra_client_factory(Client)
    assert [row.title for row in client.controller_titles()]
"""


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def test_plain_pytest_runs_a_fixture_test_in_a_fresh_project(tmp_path: Path) -> None:
    """No settings to add: init's pyproject.toml puts the project folder on pytest's path."""
    project = _project(tmp_path, "tested_dxtra")
    generate(project)
    (project / "tests").mkdir()
    (project / "tests" / "test_titles.py").write_text(FIXTURE_TEST.format(package="tested_dxtra"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DXTRA_", "PYTEST_"))}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [_tool("pytest"), "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout


def test_the_generated_package_is_left_out_of_the_users_linters(tmp_path: Path) -> None:
    project = _project(tmp_path, "linted_dxtra")
    generate(project)
    (project / "report.py").write_text(
        "from linted_dxtra.client import Client\n\n\n"
        "def titles(client: Client) -> list[str]:\n"
        "    return [row.title for row in client.controller_titles()]\n"
    )
    ruff = subprocess.run(
        [_tool("ruff"), "check", "--select", "UP,E501", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout[-3000:]
    pyright = subprocess.run(
        [_tool("basedpyright"), "--level", "warning", "--pythonpath", sys.executable],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "0 errors, 0 warnings" in pyright.stdout, pyright.stdout[-3000:]


def test_init_leaves_an_existing_pyproject_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "mine"\n')
    assert cli(["init", str(tmp_path), "--package", "mine_dxtra"]) == 0
    assert (tmp_path / "pyproject.toml").read_text() == '[project]\nname = "mine"\n'
    assert 'pythonpath = ["."]' in capsys.readouterr().out


def test_a_stale_project_package_fails_check(tmp_path: Path) -> None:
    project = _project(tmp_path, "stale_dxtra")
    generate(project)
    (project / "queries" / "titles.graphql").unlink()
    assert cli(["check", "--root", str(project)]) == 1


# -- settings ---------------------------------------------------------------------------------


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_settings_may_live_in_pyproject(tmp_path: Path) -> None:
    _write(
        tmp_path, "pyproject.toml", '[project]\nname = "x"\n\n[tool.dxtra-typed]\npackage = "p"\n'
    )
    settings = load_settings(tmp_path)
    assert settings.package == "p"
    assert settings.config_path.name == "pyproject.toml"
    assert settings.async_client == "AsyncClient"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[tool.dxtra-typed]\n", "needs package"),
        ('[tool.dxtra-typed]\npackage = "a-b"\n', "must be a Python identifier"),
        (
            '[tool.dxtra-typed]\npackage = "p"\nqueris = "q"\n',
            "unknown key(s) in [tool.dxtra-typed]: queris",
        ),
        (
            '[tool.dxtra-typed]\npackage = "p"\n[tool.ariadne-codegen]\nschema_path = "s"\n',
            "schema_path is not used: set schema in [tool.dxtra-typed]",
        ),
        ("[tool.ariadne-codegen]\n", "no [tool.dxtra-typed] table"),
        ("[tool.dxtra-typed\n", "codegen.toml"),
    ],
)
def test_bad_settings_name_the_problem(tmp_path: Path, text: str, reason: str) -> None:
    _write(tmp_path, "codegen.toml", text)
    with pytest.raises(SchemaToolError, match=None) as caught:
        load_settings(tmp_path)
    assert reason in str(caught.value)


def test_no_project_says_to_run_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SchemaToolError, match="run `dxtra-typed init`"):
        load_settings(tmp_path)
    assert cli(["generate", "--root", str(tmp_path)]) == 2
    assert "dxtra-typed init" in capsys.readouterr().err


def test_extra_ariadne_settings_are_layered_on_ours(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "codegen.toml",
        '[tool.dxtra-typed]\npackage = "p"\n\n[tool.ariadne-codegen]\n'
        'plugins = ["my.Plugin"]\n[tool.ariadne-codegen.scalars.money]\ntype = "decimal.Decimal"\n',
    )
    async_run, sync_run = load_settings(tmp_path).ariadne_configs()
    section = sync_run["tool"]["ariadne-codegen"]
    assert section["plugins"][-1] == "my.Plugin"
    assert section["plugins"][0].endswith("ShorterResultsPlugin")
    assert section["scalars"]["money"] == {"type": "decimal.Decimal"}
    assert section["scalars"]["uuid"] == {"type": "uuid.UUID"}
    assert Path(section["base_client_file_path"]).is_file()
    assert async_run["tool"]["ariadne-codegen"]["async_client"] is True
