"""Per-call options, typed so that a misspelt option fails type checking.

ariadne-codegen ends every generated method with ``**kwargs: Any`` (its #344), which lets
``client.data_controllers(timout=5)`` through. Our codegen plugin rewrites that to
``**kwargs: Unpack[CallOptions]``, so mypy and editors know exactly these keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import httpx
from annotated_types import Ge
from pydantic import ConfigDict, with_config
from typing_extensions import TypedDict  # pydantic validates only this one on Python 3.11

from dxtra_typed._config import Role


# extra="forbid": the runtime argument check (dxtra_typed._validation) refuses `timout=` too.
@with_config(ConfigDict(extra="forbid", arbitrary_types_allowed=True))
class CallOptions(TypedDict, total=False):
    """Options accepted by every generated method, for one call only."""

    timeout: float | httpx.Timeout | None
    """This call's timeout; None means no timeout."""
    max_retries: Annotated[int, Ge(0)]
    """Retries for this call (0 turns them off)."""
    role: Role
    """X-Hasura-Role for this call; the JWT must allow it."""
    headers: Mapping[str, str]
    """Extra request headers (cannot replace Authorization or X-Hasura-Role)."""
