"""Which optional extra a feature needs, and a one-line error when it is not installed.

The base install is only what a process needs to call the API (httpx, pydantic, pyjwt).
Codegen, the sandbox and subscriptions each need an extra; without it the user should read
one line naming it, not a ``ModuleNotFoundError`` traceback from deep inside a command.
Presence is checked with ``importlib.util.find_spec``, which imports nothing.
"""

from __future__ import annotations

import importlib.util
from typing import Final

from dxtra_typed._errors import MissingExtraError

# The top-level modules each extra installs (see pyproject.toml).
EXTRA_MODULES: Final[dict[str, tuple[str, ...]]] = {
    "codegen": ("ariadne_codegen", "graphql", "ruff"),
    "sandbox": ("graphql", "starlette", "uvicorn", "websockets"),
    "subscriptions": ("websockets",),
    "fleet": ("cryptography",),
    "redis": ("cryptography", "redis"),
    "aiohttp": ("httpx_aiohttp", "aiohttp"),
}


def _absent(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # ValueError: sys.modules[module] is None (blocked)
        return True


def install_hint(extra: str) -> str:
    return f'pip install "dxtra-typed[{extra}]"'


def missing_extra_message(extra: str, what: str) -> str | None:
    """The one-line message when ``extra`` is not installed, else None."""
    missing = [m for m in EXTRA_MODULES[extra] if _absent(m)]
    if not missing:
        return None
    return (
        f"{what} needs the {extra} extra ({', '.join(missing)} not installed): "
        f"{install_hint(extra)}"
    )


def require_extra(extra: str, what: str) -> None:
    """Raise ``MissingExtraError`` naming ``extra`` unless its modules are installed."""
    message = missing_extra_message(extra, what)
    if message is not None:
        raise MissingExtraError(message, extra=extra)
