"""Build a ``SchemaEngine`` from files: a schema per role (SDL or introspection JSON), generated
rows, a seed file and canned answers for the root fields no table serves.

Everything is read and checked here, before a port is opened, so a wrong seed or schema stops
``dxtra-typed sandbox`` with one line and nothing served or written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLSchema, build_client_schema, build_schema

from dxtra_typed._errors import ConfigurationError

from ._hasura_engine import SchemaEngine
from ._hasura_seed import generated_rows, load_seed_file, rows_from

__all__ = ["SchemaSource", "build_engine", "load_schema"]

#: A schema file, or role → schema file (``None``: every role not named).
SchemaSource = str | os.PathLike[str] | Mapping[str | None, str | os.PathLike[str]]


def load_schema(path: Path) -> GraphQLSchema:
    """An SDL file, or an introspection result (``{"data": {"__schema": ...}}`` or
    ``{"__schema": ...}``) as JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"cannot read schema {path}: {exc.strerror or exc}") from None
    try:
        if text.lstrip().startswith("{"):
            data = json.loads(text)
            if isinstance(data, dict) and isinstance(data.get("data"), dict):
                data = data["data"]
            return build_client_schema(data)
        return build_schema(text)
    except (GraphQLError, TypeError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigurationError(f"schema {path} is not a valid GraphQL schema: {first}") from None


def _schemas(source: SchemaSource) -> dict[str | None, GraphQLSchema]:
    if isinstance(source, Mapping):
        return {role: load_schema(Path(p)) for role, p in source.items()}
    return {None: load_schema(Path(source))}


def build_engine(
    schema: SchemaSource,
    *,
    seed_rows: int = 0,
    seed: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    canned: str | os.PathLike[str] | Mapping[str, Any] | None = None,
) -> SchemaEngine:
    """The engine, its rows loaded. ``ConfigurationError`` for a bad schema or canned file,
    ``SeedError`` (a ``ValueError``) for a seed that does not fit the schema."""
    schemas = _schemas(schema)
    canned_answers = _canned(canned)
    engine = SchemaEngine(schemas, canned=canned_answers)
    enums = engine.enums()
    if seed_rows:
        engine.load(generated_rows(engine.tables, seed_rows, enums))
    if seed is not None:
        checked = (
            rows_from(seed, engine.tables, enums)
            if isinstance(seed, Mapping)
            else load_seed_file(Path(seed), engine.tables, enums)
        )
        engine.load(checked.rows)
        engine.permissions.update(checked.permissions)
    return engine


def _canned(canned: str | os.PathLike[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    if canned is None:
        return {}
    if isinstance(canned, Mapping):
        return dict(canned)
    path = Path(canned)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot read canned responses {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigurationError(f"canned responses {path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"canned responses {path}: expected an object: root field → answer"
        )
    return data
