"""AsyncDxtraClient: the generated async client with configuration, auth and subscriptions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self, Unpack

import httpx
from dxtra_generated.async_client import AsyncDxtraGeneratedClient

from dxtra_typed._auth import AsyncTokenCache, DxtraAuth
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
from dxtra_typed._http_backends import HttpBackend, async_http_client, check_http_backend
from dxtra_typed._retry import DEFAULT_MAX_RETRIES
from dxtra_typed._subscriptions import SubscriptionSettings
from dxtra_typed._token_store import TokenStore, resolve_store


class AsyncClientOverrides(CommonOverrides, total=False):
    """``from_env``'s keyword arguments."""

    http_client: httpx.AsyncClient | None
    ws: SubscriptionSettings | None
    http_backend: HttpBackend


class AsyncDxtraClient(_Options, AsyncDxtraGeneratedClient):
    """Async twin of DxtraClient: the same methods, awaited, on an httpx.AsyncClient."""

    def __init__(
        self,
        api_key: str | None = None,
        *,
        auth_url: str | None = None,
        api_url: str | None = None,
        role: Role | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        env: Mapping[str, str] | None = None,
        token_store: TokenStore | None = None,
        ws: SubscriptionSettings | None = None,
        http_backend: HttpBackend = "httpx",
    ) -> None:
        """``ws``: WebSocket settings for subscriptions (URL, subprotocols, reconnects).

        ``http_backend="aiohttp"`` sends over aiohttp (the ``aiohttp`` extra) instead of
        httpx's own transport: the same behaviour, faster per call. It serves the API calls
        and the token exchanges; a client on it belongs to the event loop of its first call.
        """
        check_http_backend(http_backend)
        config, policy = _settings(
            api_key, auth_url, api_url, role, env, allow_insecure_http, max_retries
        )
        self._configure(config, policy, timeout)
        # Fleet token cache (docs/design.md "Many processes"): None keeps the JWT in memory.
        store = resolve_store(token_store, env) if config.needs_token else None
        self._ws_settings = ws or SubscriptionSettings()
        self._auth_http = async_http_client(
            http_backend,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
            verify=shared_ssl_context(),
        )
        self._tokens = (
            AsyncTokenCache(
                self._auth_http, config.auth_url, config.api_key, policy=policy, store=store
            )
            if config.api_key is not None and config.needs_token
            else None
        )
        owns = http_client is None
        super().__init__(
            url=config.api_url,
            http_client=http_client
            or async_http_client(
                http_backend, timeout=timeout, limits=DEFAULT_LIMITS, verify=shared_ssl_context()
            ),
        )
        self._owns_http_client = owns
        self._auth = DxtraAuth(config.role, async_tokens=self._tokens)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, **overrides: Unpack[AsyncClientOverrides]
    ) -> Self:
        """A client configured from DXTRA_* environment variables (``env`` replaces os.environ);
        keyword arguments are the constructor's and win over the environment."""
        return cls(env=env, **overrides)

    async def aclose(self) -> None:
        await super().aclose()
        if self._owns_auth_http:
            await self._auth_http.aclose()
