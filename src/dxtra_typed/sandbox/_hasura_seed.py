"""Rows for a schema-served sandbox: deterministic generated rows and the user's own seed file.

Generated rows (``--seed-rows N``) are the same on every run: ids are ``uuid5`` of the table
and row number, other values follow the row number, and every inferred foreign key points at
a generated row of the other table, so relationships resolve both ways.

A seed file (``--seed FILE``) is JSON, or YAML when PyYAML is installed: ``{table: [rows]}``
plus an optional ``"_permissions": {role: {table: bool_exp}}``. Every table, column and value
is checked against the schema before anything is served, and the first problem is one
``SeedError`` line naming the table, the row and the column.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._exact_json import loads as exact_loads
from ._hasura_model import Table
from ._hasura_values import CoercionError, coerce, is_numeric_type, output

__all__ = [
    "PERMISSIONS_KEY",
    "SeedError",
    "SeedFile",
    "generated_rows",
    "load_seed_file",
    "rows_from",
]

PERMISSIONS_KEY = "_permissions"
_NAMESPACE = uuid.UUID("7f0e1c52-9d3b-4a8e-8c41-2b6f5d0a9e13")
_T0 = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)

Row = dict[str, Any]
EnumLookup = Mapping[str, frozenset[str]]


class SeedError(ValueError):
    """A seed that does not fit the schema: one line naming table, row and column."""


class SeedFile:
    """A checked seed: rows per table (coerced) and the permission rules per role."""

    def __init__(self, rows: dict[str, list[Row]], permissions: dict[str, dict[str, Any]]) -> None:
        self.rows = rows
        self.permissions = permissions


def generated_id(table: str, i: int) -> str:
    """The uuid of generated row ``i`` of ``table`` (``--seed-rows``): the same on every run."""
    return str(uuid.uuid5(_NAMESPACE, f"{table}:{i}"))


def _value(table: Table, column: str, i: int, enums: EnumLookup) -> Any:
    type_ = table.columns[column]
    if type_ in enums:
        values = sorted(enums[type_])
        return values[i % len(values)] if values else None
    if type_ == "uuid":
        return generated_id(table.name, i)
    if type_ == "timestamptz":
        return _T0 + timedelta(hours=i)
    if type_ == "date":
        return (_T0 + timedelta(days=i)).date()
    if type_ == "Boolean":
        return i % 2 == 0
    if type_ == "numeric":
        return Decimal(f"{i + 1}.50")
    if is_numeric_type(type_):
        return i + 1 if "Float" not in type_ else float(i) + 0.5
    if type_ in ("jsonb", "json"):
        return {"n": i + 1}
    return f"{column} {i + 1}"


def generated_rows(
    tables: Mapping[str, Table], count: int, enums: EnumLookup
) -> dict[str, list[Row]]:
    """``count`` rows for every table, with every inferred key pointing at a row that exists."""
    rows = {
        name: [{c: _value(t, c, i, enums) for c in t.columns} for i in range(count)]
        for name, t in tables.items()
    }
    if not count:
        return rows
    for name, table in tables.items():
        values = enums.get(f"{name}_enum")
        if values and len(table.primary_key) == 1:
            # An enum table: its rows are the enum's values, one each (as in Hasura).
            key = table.primary_key[0]
            rows[name] = [
                {**{c: _value(table, c, i, enums) for c in table.columns}, key: value}
                for i, value in enumerate(sorted(values))
            ]
    # Keys may chain (a one-to-one table's key is another's key): a few passes settle them.
    for _ in range(3):
        for name, table in tables.items():
            for rel in table.relationships.values():
                if rel.join is None:
                    continue
                here, there = rel.join
                target = tables[rel.target]
                targets, sources = rows[rel.target], rows[name]
                if rel.kind == "object" and there in target.primary_key and targets:
                    for i, row in enumerate(sources):
                        row[here] = targets[i % len(targets)][there]
                elif here in table.primary_key and sources:
                    for j, other in enumerate(targets):
                        other[there] = sources[j % len(sources)][here]
    return rows


def _parse_text(path: Path, text: str) -> Any:
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml  # type: ignore[import-untyped]
        except ImportError:
            raise SeedError(
                f"{path}: a YAML seed needs PyYAML (pip install pyyaml); or write it as JSON"
            ) from None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SeedError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    try:
        return exact_loads(text)
    except ValueError as exc:
        raise SeedError(f"{path}: not valid JSON: {exc}") from None


def load_seed_file(path: Path, tables: Mapping[str, Table], enums: EnumLookup) -> SeedFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SeedError(f"{path}: cannot read the seed file: {exc.strerror or exc}") from None
    return rows_from(_parse_text(path, text), tables, enums, where=str(path))


def rows_from(
    data: Any, tables: Mapping[str, Table], enums: EnumLookup, where: str = "seed"
) -> SeedFile:
    """Check and coerce ``{table: [rows], "_permissions": {...}}``; SeedError on the first fault."""
    if not isinstance(data, dict):
        raise SeedError(f"{where}: expected an object mapping table names to lists of rows")
    permissions = data.get(PERMISSIONS_KEY) or {}
    if not isinstance(permissions, dict) or not all(
        isinstance(v, dict) and all(t in tables for t in v) for v in permissions.values()
    ):
        unknown = (
            [
                f"{role}.{t}"
                for role, v in permissions.items()
                if isinstance(v, dict)
                for t in v
                if t not in tables
            ]
            if isinstance(permissions, dict)
            else []
        )
        detail = f": unknown table {unknown[0]}" if unknown else ""
        raise SeedError(
            f"{where}: {PERMISSIONS_KEY} must map role → table → boolean expression{detail}"
        )
    out: dict[str, list[Row]] = {}
    for name, items in data.items():
        if name == PERMISSIONS_KEY:
            continue
        table = tables.get(name)
        if table is None:
            raise SeedError(f"{where}: unknown table {name!r} (not a table of the schema)")
        if not isinstance(items, list):
            raise SeedError(f"{where}: table {name!r}: expected a list of rows")
        seen: set[str] = set()
        checked: list[Row] = []
        for i, item in enumerate(items):
            here = f"{where}: table {name!r} row {i}"
            if not isinstance(item, dict):
                raise SeedError(f"{here}: expected an object of column values")
            row: Row = {}
            for column, value in item.items():
                if column not in table.columns:
                    raise SeedError(f"{here}: unknown column {column!r}")
                type_ = table.columns[column]
                try:
                    row[column] = coerce(type_, value, enums.get(type_), _T0)
                except CoercionError as exc:
                    raise SeedError(f"{here} column {column!r}: {exc}") from None
                if value is None and not table.nullable.get(column, True):
                    raise SeedError(f"{here} column {column!r}: null in a non-null column")
            for column in table.columns:
                if column not in row:
                    row[column] = _default(table, column, enums)
            if table.primary_key:
                key = json.dumps([output(row[c]) for c in table.primary_key], default=str)
                if key in seen:
                    raise SeedError(f"{here}: duplicate primary key {key}")
                seen.add(key)
            checked.append(row)
        out[name] = checked
    return SeedFile(out, {role: dict(rules) for role, rules in permissions.items()})


def _default(table: Table, column: str, enums: EnumLookup) -> Any:
    type_ = table.columns[column]
    if type_ == "uuid" and column in table.primary_key:
        return str(uuid.uuid4())
    if table.nullable.get(column, True):
        return None
    if type_ == "uuid":
        return str(uuid.uuid4())
    if type_ == "timestamptz":
        return datetime.now(UTC)
    if type_ == "date":
        return datetime.now(UTC).date()
    if type_ == "Boolean":
        return False
    if is_numeric_type(type_):
        return Decimal(0) if type_ == "numeric" else 0
    if type_ in enums:
        return sorted(enums[type_])[0] if enums[type_] else None
    if type_ in ("jsonb", "json"):
        return {}
    return ""
