from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

from dxtra_typed._version import __version__

ROOT = Path(__file__).resolve().parent.parent


def test_version_literal_matches_pyproject_and_installed_metadata() -> None:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        declared = tomllib.load(fh)["project"]["version"]
    assert __version__ == declared
    assert version("dxtra-typed") == declared


def test_version_flag_and_python_dash_m() -> None:
    """`dxtra-typed --version` and `python -m dxtra_typed` (when the script is not on PATH)."""
    import subprocess
    import sys

    for argv in (
        [sys.executable, "-m", "dxtra_typed", "--version"],
        [str(Path(sys.executable).parent / "dxtra-typed"), "--version"],
    ):
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"dxtra-typed {__version__} (Python 3.")
    listed = subprocess.run(
        [sys.executable, "-m", "dxtra_typed", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert listed.returncode == 0 and "usage: dxtra-typed" in listed.stdout
