"""The README's examples type-check as users will check them: every python block (outside the
walkthrough, which test_readme checks in its generated project) with ``mypy --strict``, and
the subscription examples, early exit with ``aclosing`` included, with basedpyright in strict
mode. No ``# type: ignore`` is needed in either.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .test_readme import PYTHON, README

ROOT = Path(__file__).parents[1]
_SUBSCRIPTIONS = README.index("\n## Subscriptions\n")
_AFTER = README.index("\n## ", _SUBSCRIPTIONS + 1)


def _write(folder: Path, chosen: list[tuple[int, str]]) -> list[str]:
    names = []
    for line, code in chosen:
        assert "type: ignore" not in code and "pyright: ignore" not in code, f"README.md:{line}"
        path = folder / f"readme_line_{line}.py"
        path.write_text(code, encoding="utf-8")
        names.append(path.name)
    return names


def test_readme_python_blocks_pass_mypy_strict(tmp_path: Path, mypy_cache_dir: Path) -> None:
    names = _write(tmp_path, PYTHON)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(mypy_cache_dir), *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_readme_subscription_examples_pass_basedpyright_strict(tmp_path: Path) -> None:
    start = README.count("\n", 0, _SUBSCRIPTIONS) + 1
    end = README.count("\n", 0, _AFTER) + 1
    chosen = [(line, code) for line, code in PYTHON if start <= line < end]
    assert any("aclosing(" in code for _, code in chosen)
    names = _write(tmp_path, chosen)
    config = {"typeCheckingMode": "strict", "pythonVersion": "3.11"}
    (tmp_path / "pyrightconfig.json").write_text(json.dumps(config))
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "basedpyright"),
            "--pythonpath",
            sys.executable,
            *names,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0 and "0 errors" in result.stdout, result.stdout[-4000:]
