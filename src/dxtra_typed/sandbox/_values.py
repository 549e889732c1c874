"""Column values between GraphQL JSON, the store and the answer: lenient input parsing (as
Postgres casts what Hasura forwards), Hasura's output forms (numeric as a JSON number), and the
sort keys Postgres' collations imply. Shared by the SQL compiler and the engine's resolvers.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from dxtra_typed.sandbox._hasura_errors import HasuraError

PG_TYPE_NAMES = {
    "uuid": "uuid",
    "timestamptz": "timestamp with time zone",
    "date": "date",
    "numeric": "numeric",
    "bigint": "bigint",
    "Int": "integer",
}


def bad_input(type_: str, value: Any) -> HasuraError:
    shown = value if isinstance(value, str) else json.dumps(value)
    return HasuraError(
        f'invalid input syntax for type {PG_TYPE_NAMES.get(type_, type_)}: "{shown}"',
        "data-exception",
    )


def parse_value(type_: str, value: Any) -> Any:
    """Lenient input parsing, like Postgres casting the JSON Hasura forwards to it."""
    if value is None:
        return None
    try:
        if type_ == "uuid":
            if not isinstance(value, str):
                raise ValueError
            return str(uuid.UUID(value))
        if type_ == "timestamptz":
            if not isinstance(value, str):
                raise ValueError
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if type_ == "date":
            if not isinstance(value, str):
                raise ValueError
            return date.fromisoformat(value[:10])
        if type_ == "numeric":
            if isinstance(value, bool):
                raise ValueError
            return Decimal(str(value))
        if type_ in ("bigint", "Int"):
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if type_ in ("String", "citext"):
            return value if isinstance(value, str) else json.dumps(value)
    except (ValueError, InvalidOperation, TypeError):
        raise bad_input(type_, value) from None
    return value


def output(value: Any) -> Any:
    """Hasura's JSON form of a stored date or time; other values are returned as they are
    (the schema engine keeps ``Decimal`` exact, see ``_exact_json``)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def serialize(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Hasura sends numeric as a JSON number: a float unless it is whole (precision trap).
        return int(value) if value == value.to_integral_value() else float(value)
    return output(value)


def sort_key(type_: str, value: Any) -> Any:
    if value is None:
        return None
    if type_ == "citext":
        return str(value).casefold()
    if type_ == "jsonb":
        return json.dumps(value, sort_keys=True)
    return value
