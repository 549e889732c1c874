"""Python types for Hasura scalars that need more than a plain mapping (used by codegen.toml).

Imported by generated models at runtime, so it stays dependency-free beyond pydantic.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, JsonValue


def _plain_numbers(value: Any) -> Any:
    """jsonb holds arbitrary JSON: turn the Decimals of our lossless parser back into numbers.

    Responses are parsed with ``parse_float=Decimal`` so ``numeric`` columns stay exact; inside
    a jsonb document there is no column type to honour, so floats are floats again.
    """
    if isinstance(value, Decimal):
        # Only JSON literals with a fraction or exponent become Decimal; integers stay int.
        return float(value)
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(v) for v in value]
    return value


JSON = Annotated[JsonValue, BeforeValidator(_plain_numbers)]
"""A Hasura ``jsonb`` / ``json`` value: dict, list, str, int, float, bool or None."""

PgArray = Annotated[list[JsonValue] | str, BeforeValidator(_plain_numbers)]
"""A Postgres array column (Hasura scalars ``_text``, ``_int4``, ``_uuid``...).

Hasura v2 answers with a JSON array; as input it takes the Postgres array literal
(``"{a,b}"``), so both are accepted here, unchanged.
"""
