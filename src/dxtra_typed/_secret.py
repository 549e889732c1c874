"""A credential that cannot be printed by accident.

Crash reporters and debuggers record the locals of every frame, and f-strings call repr/str;
so the PAT and the JWT live in this wrapper, whose repr and str never show the value. The one
place that reads ``reveal()`` is the code that writes the header or the exchange body.
"""

from __future__ import annotations

import weakref
from typing import Final

_MASK: Final = "<redacted>"
# Every live Secret, so the log filter can mask their values wherever they turn up.
_LIVE: weakref.WeakSet[Secret] = weakref.WeakSet()


def known_secret_values() -> list[str]:
    """Values of the credentials alive in this process (longest first, for masking)."""
    return sorted({s._value for s in list(_LIVE) if len(s._value) >= 8}, key=len, reverse=True)


class Secret:
    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        _LIVE.add(self)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({_MASK})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not picklable")


def redact(text: str, *secrets: Secret | None) -> str:
    """``text`` with every occurrence of the given secrets' values masked.

    Servers sometimes echo what they were sent (an OpenAPI validator quoting the rejected
    token, a proxy's error page), so anything that reaches an exception message or a log
    passes through here first.
    """
    for secret in secrets:
        if secret is not None and secret.reveal():
            text = text.replace(secret.reveal(), _MASK)
    return text
