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
