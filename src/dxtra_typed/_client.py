"""DxtraClient and AsyncDxtraClient: the generated clients with configuration and auth.

They *subclass* the generated clients rather than wrap them, so every generated method is a
real, declared method: editors complete ``client.data_controllers()`` and mypy checks its
result, which a ``__getattr__`` forwarder would hide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Self

import httpx
from dxtra_generated.async_client import AsyncDxtraGeneratedClient
from dxtra_generated.client import DxtraGeneratedClient

from dxtra_typed._auth import AsyncTokenCache, DxtraAuth, SyncTokenCache
from dxtra_typed._config import ClientConfig, Role, resolve_config
from dxtra_typed._version import __version__

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
USER_AGENT: Final = f"dxtra-typed/{__version__} python-httpx/{httpx.__version__}"


class DxtraClient(DxtraGeneratedClient):
    """Sync client for Dxtra's GraphQL API: one typed method per operation in queries/.

    Settings come from the arguments, then DXTRA_API_KEY / DXTRA_AUTH_URL / DXTRA_API_URL /
    DXTRA_ROLE, then defaults (production URLs, role ``user``). The API key (a Dxtra personal
    access token) is exchanged for a JWT on first use and again before it expires; the JWT
    stays in memory only. Use as a context manager, or call ``close()``.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        auth_url: str | None = None,
        api_url: str | None = None,
        role: Role | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.Client | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        config = resolve_config(
            api_key=api_key, auth_url=auth_url, api_url=api_url, role=role, env=env
        )
        self.config: ClientConfig = config
        self._auth_http = httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT})
        tokens = (
            SyncTokenCache(self._auth_http, config.auth_url, config.api_key)
            if config.api_key is not None and config.needs_token
            else None
        )
        self._tokens = tokens
        owns = http_client is None
        super().__init__(
            url=config.api_url,
            http_client=http_client
            or httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT}),
        )
        self._owns_http_client = owns
        self._auth = DxtraAuth(config.role, sync_tokens=tokens)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Self:
        """A client configured from DXTRA_* environment variables (``env`` replaces os.environ)."""
        return cls(env=env, **overrides)  # type: ignore[arg-type]

    @property
    def role(self) -> str:
        return self.config.role

    def close(self) -> None:
        super().close()
        self._auth_http.close()

    def __repr__(self) -> str:
        return f"DxtraClient(api_url={self.config.api_url!r}, role={self.config.role!r})"


class AsyncDxtraClient(AsyncDxtraGeneratedClient):
    """Async twin of DxtraClient: the same methods, awaited, on an httpx.AsyncClient."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        auth_url: str | None = None,
        api_url: str | None = None,
        role: Role | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        config = resolve_config(
            api_key=api_key, auth_url=auth_url, api_url=api_url, role=role, env=env
        )
        self.config: ClientConfig = config
        self._auth_http = httpx.AsyncClient(timeout=timeout, headers={"User-Agent": USER_AGENT})
        tokens = (
            AsyncTokenCache(self._auth_http, config.auth_url, config.api_key)
            if config.api_key is not None and config.needs_token
            else None
        )
        self._tokens = tokens
        owns = http_client is None
        super().__init__(
            url=config.api_url,
            http_client=http_client
            or httpx.AsyncClient(timeout=timeout, headers={"User-Agent": USER_AGENT}),
        )
        self._owns_http_client = owns
        self._auth = DxtraAuth(config.role, async_tokens=tokens)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Self:
        """A client configured from DXTRA_* environment variables (``env`` replaces os.environ)."""
        return cls(env=env, **overrides)  # type: ignore[arg-type]

    @property
    def role(self) -> str:
        return self.config.role

    async def aclose(self) -> None:
        await super().aclose()
        await self._auth_http.aclose()

    def __repr__(self) -> str:
        return f"AsyncDxtraClient(api_url={self.config.api_url!r}, role={self.config.role!r})"
