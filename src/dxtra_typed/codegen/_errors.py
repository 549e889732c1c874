"""The one error type the build-time tools (codegen settings, schema tools) raise for an
expected failure. It lives in codegen/ because the project settings (`_settings`) raise it and
schema_tools/ builds on codegen/, never the other way round."""

from __future__ import annotations


class SchemaToolError(Exception):
    """A failure the user can fix, with a message that is one line and names the remedy.

    The CLI prints ``str(error)`` and exits non-zero instead of showing a traceback, so the
    message must never contain a credential.
    """


class SetupError(SchemaToolError):
    """The command cannot run at all: no API key, a key the auth service refuses, a URL that
    does not answer. ``check --live`` exits 2 on it (as ``schema pull`` does) instead of
    reporting it as a problem of every operation."""


class NoProjectError(SchemaToolError):
    """No project settings at all in the folder (no codegen.toml, no [tool.dxtra-typed] in
    pyproject.toml): ``call`` then falls back to the bundled client."""
