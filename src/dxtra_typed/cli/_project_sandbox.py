"""What `dxtra-typed sandbox` and the pytest fixtures serve by default in a user's project.

A project is the nearest folder (from the working directory, or pytest's rootdir) with
``[tool.dxtra-typed]`` settings (``codegen.toml``, or ``pyproject.toml``). Its schema file is
served by the schema-driven engine, except when that file is the bundled Dxtra schema itself
(what ``dxtra-typed init`` copies in, and this repository's own schema): then the bundled
Dxtra sandbox, which knows Dxtra's permissions and seed rows, serves it as before.

Optional sandbox settings go in their own table beside the project's, so the codegen table's
keys stay codegen's::

    [tool.dxtra-typed-sandbox]
    seed = "sandbox/seed.json"      # table -> rows (JSON, or YAML with PyYAML installed)
    canned = "sandbox/canned.json"  # root field -> answer, for Actions
    seed_rows = 3                   # generated rows per table
    roles = { admin = "schema/admin.graphql" }  # a schema per role (others: `schema`)
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dxtra_typed._errors import ConfigurationError

__all__ = ["SANDBOX_TABLE", "ProjectSandbox", "find_project_root", "project_sandbox"]

SANDBOX_TABLE = "dxtra-typed-sandbox"
_KEYS = ("seed", "canned", "seed_rows", "roles")


@dataclass(frozen=True)
class ProjectSandbox:
    """The sandbox a project asks for; ``schema`` None means the bundled Dxtra sandbox."""

    root: Path
    schema: Path | None
    seed: Path | None = None
    canned: Path | None = None
    seed_rows: int = 0
    roles: dict[str, Path] = field(default_factory=dict)

    def sandbox_options(self) -> dict[str, Any]:
        """Keyword arguments for ``Sandbox`` (empty: the bundled Dxtra sandbox)."""
        if self.schema is None:
            return {}
        schema: Any = {None: self.schema, **self.roles} if self.roles else self.schema
        return {
            "schema": schema,
            "seed": self.seed,
            "canned": self.canned,
            "seed_rows": self.seed_rows,
        }


def _has_settings(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return isinstance(tomllib.load(fh).get("tool", {}).get("dxtra-typed"), dict)
    except (OSError, tomllib.TOMLDecodeError):
        return path.name == "codegen.toml" and path.is_file()


def find_project_root(start: Path) -> Path | None:
    for folder in (start.resolve(), *start.resolve().parents):
        for name in ("codegen.toml", "pyproject.toml"):
            if (folder / name).is_file() and _has_settings(folder / name):
                return folder
    return None


@functools.lru_cache(maxsize=1)
def _bundled_sdl() -> str:
    from dxtra_typed.sandbox._sdl import render_sdl

    return render_sdl("user").strip()


def _is_bundled_dxtra(schema: Path) -> bool:
    try:
        return schema.read_text(encoding="utf-8").strip() == _bundled_sdl()
    except OSError:
        return False


def project_sandbox(start: Path) -> ProjectSandbox | None:
    """The project's sandbox settings, or None outside a project."""
    root = find_project_root(start)
    if root is None:
        return None
    from dxtra_typed.codegen._settings import load_settings

    try:
        settings = load_settings(root)
    except Exception as exc:  # SchemaToolError: one line naming the file
        raise ConfigurationError(str(exc)) from None
    table = _sandbox_table(settings.config_path)
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigurationError(
            f"{settings.config_path}: unknown key(s) in [tool.{SANDBOX_TABLE}]: "
            f"{', '.join(unknown)} (known: {', '.join(_KEYS)})"
        )
    schema = settings.schema_path
    if not table and _is_bundled_dxtra(schema):
        return ProjectSandbox(root, None)
    seed_rows = table.get("seed_rows", 0)
    if not isinstance(seed_rows, int) or isinstance(seed_rows, bool) or seed_rows < 0:
        raise ConfigurationError(
            f"{settings.config_path}: [tool.{SANDBOX_TABLE}] seed_rows must be 0 or more"
        )
    roles = table.get("roles", {})
    if not isinstance(roles, dict) or not all(isinstance(v, str) for v in roles.values()):
        raise ConfigurationError(
            f'{settings.config_path}: [tool.{SANDBOX_TABLE}] roles must map role = "file"'
        )
    return ProjectSandbox(
        root,
        schema,
        seed=_path(root, table, "seed", settings.config_path),
        canned=_path(root, table, "canned", settings.config_path),
        seed_rows=seed_rows,
        roles={role: root / p for role, p in roles.items()},
    )


def _sandbox_table(config_path: Path) -> dict[str, Any]:
    with config_path.open("rb") as fh:
        table = tomllib.load(fh).get("tool", {}).get(SANDBOX_TABLE, {})
    if not isinstance(table, dict):
        raise ConfigurationError(f"{config_path}: [tool.{SANDBOX_TABLE}] must be a table")
    return table


def _path(root: Path, table: dict[str, Any], key: str, where: Path) -> Path | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{where}: [tool.{SANDBOX_TABLE}] {key} must be a file path")
    return root / value
