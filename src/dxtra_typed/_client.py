"""DxtraClient: the generated sync client with configuration and auth.

It *subclasses* the generated client rather than wrapping it, so every generated method is a
real, declared method: editors complete ``client.data_controllers()`` and mypy checks its
result, which a ``__getattr__`` forwarder would hide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self, Unpack

import httpx
from dxtra_generated.client import DxtraGeneratedClient

from dxtra_typed._auth import DxtraAuth, SyncTokenCache
from dxtra_typed._client_common import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    CommonOverrides,
    Timeout,
    _Options,
    _settings,
    shared_ssl_context,
)
from dxtra_typed._config import Role
from dxtra_typed._retry import DEFAULT_MAX_RETRIES
from dxtra_typed._token_store import TokenStore, resolve_store


class ClientOverrides(CommonOverrides, total=False):
    """``from_env``'s keyword arguments."""

    http_client: httpx.Client | None


class DxtraClient(_Options, DxtraGeneratedClient):
    """Sync client for Dxtra's GraphQL API: one typed method per operation in queries/.

    Settings come from the arguments, then DXTRA_API_KEY / DXTRA_AUTH_URL / DXTRA_API_URL /
    DXTRA_ROLE, then defaults (production URLs, role ``user``). The API key (a Dxtra personal
    access token) is exchanged for a JWT on first use and renewed before it expires; the JWT
    stays in memory only, unless ``token_store`` (or DXTRA_TOKEN_CACHE) shares it, sealed, with
    other processes. Use as a context manager, or call ``close()``.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        auth_url: str | None = None,
        api_url: str | None = None,
        role: Role | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.Client | None = None,
        allow_insecure_http: bool = False,
        env: Mapping[str, str] | None = None,
        token_store: TokenStore | None = None,
    ) -> None:
        config, policy = _settings(
            api_key, auth_url, api_url, role, env, allow_insecure_http, max_retries
        )
        self._configure(config, policy, timeout)
        # Fleet token cache (docs/design.md "Many processes"): None keeps the JWT in memory.
        store = resolve_store(token_store, env) if config.needs_token else None
        self._auth_http = httpx.Client(
            timeout=timeout, headers={"User-Agent": USER_AGENT}, verify=shared_ssl_context()
        )
        self._tokens = (
            SyncTokenCache(
                self._auth_http, config.auth_url, config.api_key, policy=policy, store=store
            )
            if config.api_key is not None and config.needs_token
            else None
        )
        owns = http_client is None
        super().__init__(
            url=config.api_url,
            http_client=http_client
            or httpx.Client(timeout=timeout, limits=DEFAULT_LIMITS, verify=shared_ssl_context()),
        )
        self._owns_http_client = owns
        self._auth = DxtraAuth(config.role, sync_tokens=self._tokens)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, **overrides: Unpack[ClientOverrides]
    ) -> Self:
        """A client configured from DXTRA_* environment variables (``env`` replaces os.environ);
        keyword arguments are the constructor's and win over the environment."""
        return cls(env=env, **overrides)

    def close(self) -> None:
        super().close()
        if self._owns_auth_http:
            self._auth_http.close()
