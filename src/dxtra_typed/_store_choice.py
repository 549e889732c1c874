"""Which token store a client uses: the ``token_store`` argument, else ``DXTRA_TOKEN_CACHE``
(a file path: ``FileTokenStore``; a redis:// URL: ``RedisTokenStore``), else none.

Apart from ``_token_store`` so that the extension point's base knows no implementation; this
is the one place that names them (see ARCHITECTURE.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

from dxtra_typed._errors import ConfigurationError
from dxtra_typed._token_store import TokenStore

ENV_TOKEN_CACHE: Final = "DXTRA_TOKEN_CACHE"
_REDIS_SCHEMES: Final = ("redis://", "rediss://", "unix://")


def store_from_env(env: Mapping[str, str]) -> TokenStore | None:
    """``DXTRA_TOKEN_CACHE``: a file path (FileTokenStore) or a redis:// URL (RedisTokenStore)."""
    value = env.get(ENV_TOKEN_CACHE, "").strip()
    if not value:
        return None
    if value.startswith(_REDIS_SCHEMES):
        from dxtra_typed._redis_store import RedisTokenStore

        return RedisTokenStore(value)
    from dxtra_typed._file_store import FileTokenStore

    return FileTokenStore(value)


def resolve_store(explicit: TokenStore | None, env: Mapping[str, str] | None) -> TokenStore | None:
    """The constructor argument, else ``DXTRA_TOKEN_CACHE``, else None (in-process memory)."""
    if explicit is not None:
        if not isinstance(explicit, TokenStore):
            raise ConfigurationError(
                "token_store must be a FileTokenStore, a RedisTokenStore or another "
                f"dxtra_typed.TokenStore, got {type(explicit).__name__}"
            )
        return explicit
    return store_from_env(os.environ if env is None else env)
