"""Every ```python block in README.md runs against the sandbox, so the README cannot rot.

Each block runs as a script of its own in a fresh interpreter (as a user would run it), with
the four DXTRA_* variables pointing at a sandbox of this module's own: README blocks may write
(e.g. file a rights request) and must not disturb other tests' counts. `from_env()` works as
written; the placeholder `api_key="..."` is replaced by the sandbox's key. Blocks must be
self-contained: they can rely on nothing but that environment. ```bash blocks are not run,
but every `dxtra-typed COMMAND` and `make TARGET` they show must exist.

The "Your own operations" section is a walkthrough, so it is run as one, in order, in an
empty folder named `reports`: its bash blocks with `bash -e` (`export` lines skipped: the
sandbox's variables are set), its graphql block written to the file its first line names,
its python blocks as scripts in that folder (pytest runs a block that defines tests), and its
toml block compared with the settings `init` wrote.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from dxtra_typed.cli import build_parser
from dxtra_typed.codegen._settings import load_settings
from dxtra_typed.sandbox import Sandbox

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
WALKTHROUGH = "## Your own operations\n"
_START = README.index(WALKTHROUGH)
_END = README.index("\n## ", _START + 1)


def all_blocks() -> list[tuple[int, str, str]]:
    """(line, language, code) of every fenced block, in order."""
    return [
        (README.count("\n", 0, match.start()) + 1, match.group(1), match.group(2))
        for match in _BLOCK.finditer(README)
    ]


def blocks(language: str, *, walkthrough: bool | None = None) -> list[tuple[int, str]]:
    """Blocks of one language; ``walkthrough`` True/False: only inside/outside that section."""
    start, end = README.count("\n", 0, _START) + 1, README.count("\n", 0, _END) + 1
    return [
        (line, code)
        for line, lang, code in all_blocks()
        if lang == language and (walkthrough is None or (start <= line < end) == walkthrough)
    ]


PYTHON = blocks("python", walkthrough=False)


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
    assert len(blocks("python", walkthrough=True)) >= 2


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


def _run(argv: list[str], cwd: Path, env: dict[str, str], line: int) -> None:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    output = result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, f"README.md:{line} failed:\n{output}"


@pytest.mark.slow
def test_your_own_operations_walkthrough(
    readme_env: dict[str, str], tmp_path: Path, mypy_cache_dir: Path
) -> None:
    project = tmp_path / "reports"
    project.mkdir()
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, **readme_env, "PATH": path}
    start, end = README.count("\n", 0, _START) + 1, README.count("\n", 0, _END) + 1
    ran: set[str] = set()
    typed: list[str] = []
    for line, language, code in all_blocks():
        if not start <= line < end:
            continue
        ran.add(language)
        if language == "bash":
            commands = "\n".join(x for x in code.splitlines() if not x.startswith("export "))
            _run(["bash", "-e", "-c", commands], project, env, line)
        elif language == "graphql":
            named = re.match(r"# file: (\S+)\n", code)
            assert named, f"README.md:{line}: the first line must be '# file: <path>'"
            (project / named.group(1)).write_text(code, encoding="utf-8")
        elif language == "toml":
            shown = tomllib.loads(code)["tool"]["dxtra-typed"]
            assert shown == load_settings(project).table(), f"README.md:{line}"
        elif language == "python":
            named = re.match(r"# file: (\S+)\n", code)
            script = project / (named.group(1) if named else f"readme_line_{line}.py")
            script.parent.mkdir(parents=True, exist_ok=True)
            script.write_text(code, encoding="utf-8")
            typed.append(str(script.relative_to(project)))
            if "def test_" in code:
                # Plain `pytest`, as a user types it: no -m (which would put the folder on
                # sys.path), no settings but those `init` wrote.
                pytest_bin = str(Path(sys.executable).parent / "pytest")
                argv = [pytest_bin, "-q", "-p", "no:cacheprovider", str(script.parent.name)]
            else:
                argv = [sys.executable, script.name]
            _run(argv, project, env, line)
        else:
            raise AssertionError(f"README.md:{line}: no runner for ```{language} blocks")
    assert ran == {"bash", "graphql", "toml", "python"}
    # The python blocks, fixture tests included, as `mypy --strict` sees them in the project.
    cache = ["--cache-dir", str(mypy_cache_dir)]
    _run([sys.executable, "-m", "mypy", "--strict", *cache, *typed], project, env, 0)
