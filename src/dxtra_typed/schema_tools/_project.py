"""Where a project's schema and operations live: read from codegen.toml, like codegen does.

The commands must look at exactly the files ariadne-codegen compiles, with the validation rules
it applies, or ``check`` could pass while ``generate`` fails.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ._errors import SchemaToolError
from ._operations import DEFAULT_SKIP_RULES


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
    config_path = config_path or root / "codegen.toml"
    try:
        with config_path.open("rb") as fh:
            config = tomllib.load(fh)
    except OSError as exc:
        raise SchemaToolError(
            f"cannot read {config_path}: {exc.strerror} "
            "(run from the project folder or pass --root)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SchemaToolError(f"{config_path}: {exc}") from None
    section = config.get("tool", {}).get("ariadne-codegen", {})
    schema = section.get("schema_path")
    queries = section.get("queries_path")
    if not isinstance(schema, str) or not isinstance(queries, str):
        raise SchemaToolError(
            f"{config_path}: [tool.ariadne-codegen] needs schema_path and queries_path"
        )
    skip = section.get("skip_validation_rules", list(DEFAULT_SKIP_RULES))
    return Project(
        root=root,
        config_path=config_path,
        schema_path=root / schema,
        queries_path=root / queries,
        skip_rules=tuple(str(s) for s in skip),
    )
