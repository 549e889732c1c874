"""End to end, as a new user meets it: the built wheel in a fresh virtualenv outside the
repository, an empty folder, `dxtra-typed init`, an operation of their own, `schema pull`
from a sandbox, `dxtra-typed generate`, `mypy --strict` on a script using the generated
client in `with Client(...) as client:`, and the script run against the sandbox, calling
a bundled operation through `DxtraClient` in the same process.

Marked `wheel` (`pytest -m wheel` runs just this). The wheel itself is built and installed
for real; its dependencies come from the dev virtualenv (a `.pth` line behind the new venv's
own site-packages, so the wheel's `dxtra_typed` wins), which saves installing a dozen packages
from the index on every run. `DXTRA_WHEEL_FROM_INDEX=1` (CI sets it) installs
`wheel[codegen,sandbox]` from the package index instead, which also proves the declared
dependencies are enough.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from dxtra_typed.sandbox import Sandbox

ROOT = Path(__file__).parents[1]
pytestmark = pytest.mark.wheel

OPERATION = """\
# The titles of the data controllers, A to Z.
query ControllerTitles {
  dataControllers(order_by: [{ title: asc }]) {
    title
    createdAt
  }
}
"""

SCRIPT = """\
import os

from dxtra_typed import DxtraClient
from reports_dxtra.client import Client

key, auth_url = os.environ["DXTRA_API_KEY"], os.environ["DXTRA_AUTH_URL"]
with Client(api_key=key, auth_url=auth_url, api_url=os.environ["DXTRA_API_URL"]) as client:
    for row in client.controller_titles():
        year: int = row.created_at.year
        print("mine:", row.title, year)
with DxtraClient.from_env() as bundled:
    print("bundled:", ", ".join(c.title for c in bundled.data_controllers()))
"""


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{argv}: {result.stdout[-3000:]}{result.stderr[-3000:]}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed with [codegen,sandbox]; its bin folder."""
    base = tmp_path_factory.mktemp("wheel")
    env = _clean_env()
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--disable-pip-version-check",
            "-q",
            "-w",
            str(base / "dist"),
            str(ROOT),
        ],
        base,
        env,
    )
    (wheel,) = (base / "dist").glob("dxtra_typed-*.whl")
    from_index = os.environ.get("DXTRA_WHEEL_FROM_INDEX") == "1"
    venv.EnvBuilder(with_pip=from_index).create(base / "venv")
    bin_dir = base / "venv" / "bin"
    if from_index:
        pip = [str(bin_dir / "python"), "-m", "pip", "install", f"{wheel}[codegen,sandbox]"]
    else:
        # The dev venv's pip installs just the wheel into the new venv; the dependencies are
        # the dev venv's, reached through a .pth line that sys.path puts after the venv's own
        # site-packages (and whose own .pth files, the editable checkout, are not read).
        pip = [sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install"]
        pip += ["--no-deps", str(wheel)]
        (site,) = (base / "venv" / "lib").glob("python3*/site-packages")
        dev_site = next(p for p in sys.path if p.endswith("site-packages") and sys.prefix in p)
        (site / "_dxtra_dev_dependencies.pth").write_text(dev_site + "\n")
    _run([*pip, "-q", "--disable-pip-version-check", "--no-compile"], base, env)
    # The installed wheel, not the checkout, is what the new venv imports.
    where = _run(
        [
            str(bin_dir / "python"),
            "-c",
            "import dxtra_typed, dxtra_generated as g; print(dxtra_typed.__file__, g.__file__)",
        ],
        base,
        env,
    )
    assert str(ROOT) not in where and where.count(str(base / "venv")) == 2, where
    return bin_dir


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points into this checkout or at a real API."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("DXTRA_")}
    return {**env, **extra}


def test_a_new_user_project_from_the_wheel(
    installed: Path, tmp_path: Path, dxtra_sandbox: Sandbox
) -> None:
    work = tmp_path / "reports"
    work.mkdir()
    dxtra = str(installed / "dxtra-typed")
    env = _clean_env()

    out = _run([dxtra, "init", "--package", "reports_dxtra"], work, env)
    assert "wrote codegen.toml" in out
    (work / "queries" / "titles.graphql").write_text(OPERATION)

    sandbox_env = _clean_env(
        DXTRA_API_KEY=dxtra_sandbox.pat,
        DXTRA_AUTH_URL=dxtra_sandbox.auth_url,
        DXTRA_API_URL=dxtra_sandbox.api_url,
    )
    out = _run([dxtra, "schema", "pull"], work, sandbox_env)
    assert "introspecting" in out
    out = _run([dxtra, "generate"], work, env)
    assert "wrote reports_dxtra" in out
    assert (work / "reports_dxtra" / "client.py").is_file()
    assert not (work / "generated").exists()

    (work / "report.py").write_text(SCRIPT)
    # The dev venv's mypy, resolving imports in the new venv (as the user's own mypy would).
    _run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-executable",
            str(installed / "python"),
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "report.py",
            "reports_dxtra",
        ],
        work,
        env,
    )

    out = _run([str(installed / "python"), "report.py"], work, sandbox_env)
    assert "mine: Acme Privacy Ltd" in out
    assert "mine: Globex Health GmbH" in out
    assert "bundled: Acme Privacy Ltd, Globex Health GmbH" in out

    out = _run([dxtra, "call", "ControllerTitles"], work, sandbox_env)
    assert "Acme Privacy Ltd" in out
    out = _run([dxtra, "check"], work, env)
    assert "0 problem(s)" in out
