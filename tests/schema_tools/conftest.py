"""A throwaway copy of the project, so the commands can edit queries/ and write generated/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


def copy_project(dest: Path, *, with_generated: bool = False) -> Path:
    """schema/, queries/ and codegen.toml (plus generated/ and src/ for codegen runs).

    src/ comes along because ruff, run by ariadne-codegen from the project folder, sorts
    ``dxtra_typed`` imports as first-party only where it can see that package.
    """
    names = ["schema", "queries"] + (["generated", "src"] if with_generated else [])
    for name in names:
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "codegen.toml", dest / "codegen.toml")
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")
