"""Where a project's schema and operations live: read from its settings, like codegen does.

The commands must look at exactly the files ariadne-codegen compiles, with the validation rules
it applies, or ``check`` could pass while ``generate`` fails. The settings themselves are
``dxtra_typed.codegen._settings`` (one reader for every command).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dxtra_typed.codegen._settings import load_settings


@dataclass(frozen=True)
class Project:
    root: Path
    config_path: Path
    schema_path: Path
    queries_path: Path
    skip_rules: tuple[str, ...]

    def shown(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)


def load_project(root: Path, config_path: Path | None = None) -> Project:
    settings = load_settings(root, config_path)
    return Project(
        root=root,
        config_path=settings.config_path,
        schema_path=settings.schema_path,
        queries_path=settings.queries_path,
        skip_rules=settings.skip_rules,
    )
