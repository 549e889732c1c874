"""Column values of a schema-served table: input coercion by scalar name, Hasura's JSON output
forms, and sort keys.

Kept lossless on purpose: ``numeric`` is a ``Decimal`` from the request's exact text
(``_exact_json.ExactFloat``) to the answer's exact JSON number, ``bigint`` an ``int``,
``timestamptz`` a timezone-aware ``datetime`` written back as Hasura writes it
(``2026-01-15T10:30:00+00:00``), ``date`` a ``date``, ``uuid`` a lower-case string and
``jsonb`` the JSON value itself.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ._exact_json import ExactFloat
from ._values import output

__all__ = ["CoercionError", "coerce", "output", "sort_key", "type_label"]

_INTS = frozenset({"Int", "bigint", "smallint", "integer", "int4", "int8", "int2"})
_FLOATS = frozenset({"Float", "float8", "float4", "real", "double precision"})
_NUMERIC = frozenset({"numeric", "money", "decimal"})
_STRINGS = frozenset({"String", "citext", "text", "bpchar", "name", "character", "ID", "bytea"})
_JSON = frozenset({"jsonb", "json"})
_NOW = frozenset({"now", "now()"})


class CoercionError(ValueError):
    """A value that does not fit its column's type; the message says what was expected."""


def type_label(type_: str) -> str:
    return {"Int": "integer", "Boolean": "boolean", "String": "text"}.get(type_, type_)


def _fail(type_: str, value: Any) -> CoercionError:
    shown = value if isinstance(value, str) else json.dumps(value, default=str)
    return CoercionError(f'invalid input syntax for type {type_label(type_)}: "{shown}"')


def _timestamp(value: Any, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise ValueError
    if value.strip().lower() in _NOW:
        return now
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def coerce(
    type_: str, value: Any, enum_values: frozenset[str] | None = None, now: datetime | None = None
) -> Any:
    """A JSON input value as the column stores it, or ``CoercionError``."""
    if value is None:
        return None
    now = now or datetime.now(UTC)
    try:
        if enum_values is not None:
            if not isinstance(value, str) or value not in enum_values:
                raise ValueError
            return value
        if type_ == "uuid":
            if not isinstance(value, str):
                raise ValueError
            return str(uuid.UUID(value))
        if type_ == "timestamptz":
            return _timestamp(value, now)
        if type_ == "date":
            if not isinstance(value, str):
                raise ValueError
            if value.strip().lower() in _NOW:
                return now.date()
            return date.fromisoformat(value[:10])
        if type_ in _NUMERIC:
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, ExactFloat):
                return value.as_decimal()
            if isinstance(value, (int, str, Decimal)):
                parsed = Decimal(value)
                if not parsed.is_finite():
                    raise ValueError
                return parsed
            return Decimal(str(value))
        if type_ in _INTS:
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ValueError
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if type_ in _FLOATS:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError
            return float(value)
        if type_ == "Boolean":
            if not isinstance(value, bool):
                raise ValueError
            return value
        if type_ in _STRINGS:
            if not isinstance(value, str):
                raise ValueError
            return value
    except (ValueError, InvalidOperation, TypeError):
        raise _fail(type_, value) from None
    return value  # jsonb and scalars the sandbox does not know: kept as sent


def sort_key(type_: str, value: Any) -> Any:
    if value is None:
        return None
    if type_ == "citext":
        return str(value).casefold()
    if type_ in _JSON:
        return json.dumps(value, sort_keys=True, default=str)
    return value


def is_numeric_type(type_: str) -> bool:
    return type_ in _INTS or type_ in _FLOATS or type_ in _NUMERIC
