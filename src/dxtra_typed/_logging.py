"""The ``dxtra_typed`` logger: silent by default, metadata only, with a redaction filter.

Opt in with ``DXTRA_LOG=debug`` or ``DXTRA_LOG=info`` (read when a client is built, never at
import). Records carry the operation name, attempt, status, delay and request id; never
headers, variables, bodies or tokens. httpx's own logger is left alone: it prints full URLs.
The filter masks anything shaped like a JWT or a Bearer header, and every credential value
this process holds in a ``Secret``, in case a future log call slips.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Final, TextIO

from dxtra_typed._secret import known_secret_values

logger: Final = logging.getLogger("dxtra_typed")

_JWT_OR_BEARER = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*|(?i:bearer)\s+[^\s\"',]+")
_MASK: Final = "<redacted>"


def scrub(text: str) -> str:
    text = _JWT_OR_BEARER.sub(_MASK, text)
    for value in known_secret_values():
        if value in text:
            text = text.replace(value, _MASK)
    return text


class RedactingFilter(logging.Filter):
    """Masks credentials in a record's final message, then drops the args it came from."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is *now*, like logging's last-resort handler.

    A handler that captured the stream at setup keeps writing to it after the program (or a
    test runner) replaces or closes it.
    """

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


_filter = RedactingFilter()
logger.addFilter(_filter)
_configured = False
_warned = False
LEVELS: Final = ("debug", "info")


def setup_logging_from_env() -> None:
    """Honour DXTRA_LOG once per process: attach a stderr handler at that level. Any other
    non-empty value is most likely a typo meant to turn logging on: say so once."""
    global _configured, _warned
    if _configured:
        return
    raw = os.environ.get("DXTRA_LOG", "").strip()
    level = raw.lower()
    if level not in LEVELS:
        if level and not _warned:
            _warned = True
            print(
                f"dxtra-typed: DXTRA_LOG={raw!r} is not one of {', '.join(LEVELS)}; "
                "logging stays off",
                file=sys.stderr,
                flush=True,
            )
        return
    _configured = True
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s %(levelname)s %(name)s] %(message)s"))
    handler.addFilter(_filter)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)
