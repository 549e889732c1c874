"""The embedded local Dxtra: Nhost-style auth plus a Hasura-style GraphQL engine.

`Sandbox` is resolved lazily so that `python -m dxtra_typed.sandbox` and the CLI can still print
a clear "install the extra" hint when starlette/uvicorn are missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._server import Sandbox

__all__ = ["Sandbox"]


def __getattr__(name: str) -> Any:
    if name == "Sandbox":
        from ._server import Sandbox

        return Sandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
