"""Per-call options, typed so that a misspelt option fails type checking.

ariadne-codegen ends every generated method with ``**kwargs: Any`` (its #344), which lets
``client.data_controllers(timout=5)`` through. Our codegen plugin rewrites that to
``**kwargs: Unpack[CallOptions]``, so mypy and editors know exactly these keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

import httpx

from dxtra_typed._config import Role


class CallOptions(TypedDict, total=False):
    """Options accepted by every generated method, for one call only."""

    headers: Mapping[str, str]
    """Extra request headers (cannot replace Authorization or X-Hasura-Role)."""
    timeout: float | httpx.Timeout | None
    """This call's timeout; None means no timeout."""
    role: Role
    """X-Hasura-Role for this call; the JWT must allow it."""
    max_retries: int
    """Retries for this call (0 turns them off)."""
