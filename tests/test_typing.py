"""The generated methods are declared, typed methods: mypy rejects a misspelt result field.

This is the proof behind "IDE completion": what mypy sees, an editor's completion engine sees.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]

GOOD = """
from dxtra_typed import DxtraClient

def titles(client: DxtraClient) -> list[str]:
    return [c.title for c in client.data_controllers()]
"""


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "snippet.py"
    path.write_text(source)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            str(path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_per_call_options_are_typed(tmp_path: Path) -> None:
    good = GOOD.replace(
        "client.data_controllers()",
        "client.data_controllers(timeout=5.0, max_retries=0, role='me', headers={'X-A': 'b'})",
    )
    assert _mypy(tmp_path, good).returncode == 0
    bad = _mypy(
        tmp_path, GOOD.replace("client.data_controllers()", "client.data_controllers(timout=5)")
    )
    assert bad.returncode == 1 and '"timout"' in bad.stdout
    wrong_role = _mypy(
        tmp_path, GOOD.replace("client.data_controllers()", "client.data_controllers(role='admin')")
    )
    assert wrong_role.returncode == 1


def test_correct_field_type_checks_and_misspelt_field_fails(tmp_path: Path) -> None:
    ok = _mypy(tmp_path, GOOD)
    assert ok.returncode == 0, ok.stdout
    bad = _mypy(tmp_path, GOOD.replace("c.title", "c.titel"))
    assert bad.returncode == 1
    assert 'has no attribute "titel"' in bad.stdout
