"""The one error type the schema tools raise for an expected failure."""

from __future__ import annotations


class SchemaToolError(Exception):
    """A failure the user can fix, with a message that is one line and names the remedy.

    The CLI prints ``str(error)`` and exits non-zero instead of showing a traceback, so the
    message must never contain a credential.
    """
