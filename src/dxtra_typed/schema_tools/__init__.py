"""Build-time schema lifecycle: pull a role's schema, diff two schemas, check operations.

Kept apart from the runtime client because it needs graphql-core (the ``codegen`` or
``sandbox`` extra), which a process that only calls the API must not have to install. The CLI
commands in ``dxtra_typed.cli`` are thin shells over these functions so tests can call them
directly.
"""

from __future__ import annotations

from ._errors import SchemaToolError, SetupError

__all__ = ["SchemaToolError", "SetupError"]
