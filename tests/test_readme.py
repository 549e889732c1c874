"""Every ```python block in README.md runs against the sandbox, so the README cannot rot.

Each block runs as a script of its own in a fresh interpreter (as a user would run it), with
the four DXTRA_* variables pointing at a sandbox of this module's own: README blocks may write
(e.g. file a rights request) and must not disturb other tests' counts. `from_env()` works as
written; the placeholder `api_key="..."` is replaced by the sandbox's key. Blocks must be
self-contained: they can rely on nothing but that environment. ```bash blocks are not run,
but every `dxtra-typed COMMAND` and `make TARGET` they show must exist.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dxtra_typed.cli import build_parser
from dxtra_typed.sandbox import Sandbox

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> list[tuple[int, str]]:
    return [
        (README.count("\n", 0, match.start()) + 1, match.group(2))
        for match in _BLOCK.finditer(README)
        if match.group(1) == language
    ]


PYTHON = blocks("python")


@pytest.fixture(scope="module")
def readme_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def readme_env(readme_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "DXTRA_AUTH_URL": readme_sandbox.auth_url,
        "DXTRA_API_URL": readme_sandbox.api_url,
        "DXTRA_API_KEY": readme_sandbox.pat,
        "DXTRA_ROLE": "user",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def test_the_readme_has_python_blocks() -> None:
    assert len(PYTHON) >= 5


@pytest.mark.parametrize(("line", "code"), PYTHON, ids=[f"README.md:{n}" for n, _ in PYTHON])
def test_python_block_runs_against_the_sandbox(
    line: int, code: str, readme_env: dict[str, str], tmp_path: Path
) -> None:
    """Run the block as a user would: a script of its own, in a fresh interpreter."""
    source = code.replace('api_key="..."', f"api_key={readme_env['DXTRA_API_KEY']!r}")
    script = tmp_path / f"readme_line_{line}.py"
    script.write_text(source, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, **readme_env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"README.md:{line} failed:\n{result.stderr[-3000:]}"


def _subcommands() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices or ())


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))


def test_bash_blocks_name_only_existing_commands() -> None:
    commands, targets = _subcommands(), _make_targets()
    for line, code in blocks("bash"):
        for word in re.findall(r"(?:^|[;&|]\s*|\s)dxtra-typed\s+([a-z][\w-]*)", code, re.M):
            assert word in commands, f"README.md:{line}: no `dxtra-typed {word}`"
        for word in re.findall(r"(?:^|\s)make\s+([a-z][\w-]*)", code, re.M):
            assert word in targets, f"README.md:{line}: no `make {word}`"
