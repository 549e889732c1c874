"""The schema tools' errors: the build-time error types, defined beside the project settings in
``codegen/_errors.py`` (codegen/ must not import schema_tools/; see ARCHITECTURE.md)."""

from __future__ import annotations

from dxtra_typed.codegen._errors import NoProjectError, SchemaToolError, SetupError

__all__ = ["NoProjectError", "SchemaToolError", "SetupError"]
