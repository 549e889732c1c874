"""JSON in and out of the sandbox without losing a digit.

Hasura sends ``numeric`` as a JSON number with every digit Postgres holds, and reads the numbers
a client sends the same way. Python's ``json`` turns ``12345678901234567.89`` into a float on the
way in and cannot write a ``Decimal`` on the way out. ``ExactFloat`` is a float that remembers its
source text (graphql-core's ``Float`` still accepts it, so nothing else changes), and ``dumps``
writes a ``Decimal`` as the number it is.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

__all__ = ["ExactFloat", "dumps", "loads"]


class ExactFloat(float):
    """A JSON number as a float, keeping its source text for a lossless ``Decimal``."""

    text: str

    def __new__(cls, text: str) -> ExactFloat:
        made = super().__new__(cls, text)
        made.text = text
        return made

    def as_decimal(self) -> Decimal:
        return Decimal(self.text)


def loads(raw: str | bytes) -> Any:
    """``json.loads`` whose non-integer numbers are ``ExactFloat``."""
    return json.loads(raw, parse_float=ExactFloat)


_MARK = "\u0000dxtra-num:"
_MARKED = re.compile(r'"\\u0000dxtra-num:([-+0-9.eE]+)"')


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return _MARK + format(value, "f" if abs(value.adjusted()) < 30 else "e")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps`` (same ``options``) that writes ``Decimal`` values as exact JSON numbers."""
    text = json.dumps(value, default=_default, **options)
    if _MARK[1:] not in text:
        return text
    return _MARKED.sub(lambda m: m.group(1), text)
