"""End to end, as a new user meets it: the built wheel in a fresh virtualenv outside the
repository, an empty folder, `dxtra-typed init`, an operation of their own, `schema pull`
from a sandbox, `dxtra-typed generate`, `mypy --strict` on a script using the generated
client in `with Client(...) as client:`, and the script run against the sandbox, calling
a bundled operation through `DxtraClient` in the same process.

Marked `wheel` (`pytest -m wheel` runs the wheel tests). The wheel is built and installed for
real, once per session (the `wheel_venv` fixture, tests/support/wheel.py: its dependencies from
the dev virtualenv, or from the package index with `DXTRA_WHEEL_FROM_INDEX=1`, as on CI).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dxtra_typed.sandbox import Sandbox

from .support.wheel import clean_env, run

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


def test_a_new_user_project_from_the_wheel(
    wheel_venv: Path, tmp_path: Path, dxtra_sandbox: Sandbox
) -> None:
    work = tmp_path / "reports"
    work.mkdir()
    dxtra = str(wheel_venv / "dxtra-typed")
    env = clean_env()

    out = run([dxtra, "init", "--package", "reports_dxtra"], work, env)
    assert "wrote codegen.toml" in out
    (work / "queries" / "titles.graphql").write_text(OPERATION)

    sandbox_env = clean_env(
        DXTRA_API_KEY=dxtra_sandbox.pat,
        DXTRA_AUTH_URL=dxtra_sandbox.auth_url,
        DXTRA_API_URL=dxtra_sandbox.api_url,
    )
    out = run([dxtra, "schema", "pull"], work, sandbox_env)
    assert "introspecting" in out
    out = run([dxtra, "generate"], work, env)
    assert "wrote reports_dxtra" in out
    assert (work / "reports_dxtra" / "client.py").is_file()
    assert not (work / "generated").exists()

    (work / "report.py").write_text(SCRIPT)
    # The dev venv's mypy, resolving imports in the new venv (as the user's own mypy would).
    run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-executable",
            str(wheel_venv / "python"),
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "report.py",
            "reports_dxtra",
        ],
        work,
        env,
    )

    out = run([str(wheel_venv / "python"), "report.py"], work, sandbox_env)
    assert "mine: Acme Privacy Ltd" in out
    assert "mine: Globex Health GmbH" in out
    assert "bundled: Acme Privacy Ltd, Globex Health GmbH" in out

    out = run([dxtra, "call", "ControllerTitles"], work, sandbox_env)
    assert "Acme Privacy Ltd" in out
    out = run([dxtra, "check"], work, env)
    assert "0 problem(s)" in out
