"""DxtraClient and AsyncDxtraClient: the generated clients with configuration and auth.

They *subclass* the generated clients rather than wrap them, so every generated method is a
real, declared method: editors complete ``client.data_controllers()`` and mypy checks its
result, which a ``__getattr__`` forwarder would hide.
"""

from __future__ import annotations

import copy
import platform
from collections.abc import Mapping
from dataclasses import replace
from typing import Final, Self

import httpx
from dxtra_generated.async_client import AsyncDxtraGeneratedClient
from dxtra_generated.client import DxtraGeneratedClient

from dxtra_typed._auth import AsyncTokenCache, DxtraAuth, SyncTokenCache
from dxtra_typed._base_client import NOT_GIVEN, _NotGiven
from dxtra_typed._config import ClientConfig, Role, check_role, resolve_config
from dxtra_typed._errors import ConfigurationError
from dxtra_typed._logging import setup_logging_from_env
from dxtra_typed._retry import DEFAULT_MAX_RETRIES, RetryPolicy
from dxtra_typed._subscriptions import SubscriptionSettings
from dxtra_typed._version import __version__

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
USER_AGENT: Final = f"dxtra-typed/{__version__} python/{platform.python_version()}"
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=100, max_keepalive_connections=20)

Timeout = float | httpx.Timeout | None


def _settings(
    api_key: str | None,
    auth_url: str | None,
    api_url: str | None,
    role: str | None,
    env: Mapping[str, str] | None,
    allow_insecure_http: bool,
    max_retries: int,
) -> tuple[ClientConfig, RetryPolicy]:
    setup_logging_from_env()
    config = resolve_config(
        api_key=api_key,
        auth_url=auth_url,
        api_url=api_url,
        role=role,
        env=env,
        allow_insecure_http=allow_insecure_http,
    )
    try:
        policy = RetryPolicy(max_retries=max_retries)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    return config, policy


class _Options:
    """``with_options`` and the shared read-only surface of both clients."""

    config: ClientConfig
    _auth: httpx.Auth | None
    _policy: RetryPolicy
    _timeout: Timeout | _NotGiven
    _default_headers: Mapping[str, str]
    _owns_http_client: bool
    _owns_auth_http: bool

    def _configure(self, config: ClientConfig, policy: RetryPolicy, timeout: Timeout) -> None:
        """The settings both twins keep; only their httpx classes and token caches differ."""
        self.config = config
        self._policy = policy
        self._timeout = timeout
        self._default_headers = {"User-Agent": USER_AGENT}
        self._owns_auth_http = True

    @property
    def role(self) -> str:
        return self.config.role

    def with_options(
        self,
        *,
        role: Role | None = None,
        timeout: Timeout | _NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy with other defaults that shares this client's connection pool and token
        cache (so no new PAT exchange). Closing the copy leaves the original working.

        The JWT works for every role it allows, so switching role reuses it.
        """
        clone = copy.copy(self)
        clone._owns_http_client = False
        clone._owns_auth_http = False
        if role is not None:
            check_role(role, "role")
            clone.config = replace(self.config, role=role)
            if isinstance(self._auth, DxtraAuth):
                clone._auth = self._auth.for_role(role)
        if not isinstance(timeout, _NotGiven):
            clone._timeout = timeout
        if max_retries is not None:
            if max_retries < 0:
                raise ConfigurationError("max_retries must be 0 or more")
            clone._policy = replace(self._policy, max_retries=max_retries)
        if headers is not None:
            clone._default_headers = {**self._default_headers, **headers}
        return clone

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_url={self.config.api_url!r}, role={self.config.role!r})"


class DxtraClient(_Options, DxtraGeneratedClient):
    """Sync client for Dxtra's GraphQL API: one typed method per operation in queries/.

    Settings come from the arguments, then DXTRA_API_KEY / DXTRA_AUTH_URL / DXTRA_API_URL /
    DXTRA_ROLE, then defaults (production URLs, role ``user``). The API key (a Dxtra personal
    access token) is exchanged for a JWT on first use and renewed before it expires; the JWT
    stays in memory only. Use as a context manager, or call ``close()``.
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
    ) -> None:
        config, policy = _settings(
            api_key, auth_url, api_url, role, env, allow_insecure_http, max_retries
        )
        self._configure(config, policy, timeout)
        self._auth_http = httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT})
        self._tokens = (
            SyncTokenCache(self._auth_http, config.auth_url, config.api_key, policy=policy)
            if config.api_key is not None and config.needs_token
            else None
        )
        owns = http_client is None
        super().__init__(
            url=config.api_url,
            http_client=http_client or httpx.Client(timeout=timeout, limits=DEFAULT_LIMITS),
        )
        self._owns_http_client = owns
        self._auth = DxtraAuth(config.role, sync_tokens=self._tokens)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Self:
        """A client configured from DXTRA_* environment variables (``env`` replaces os.environ)."""
        return cls(env=env, **overrides)  # type: ignore[arg-type]

    def close(self) -> None:
        super().close()
        if self._owns_auth_http:
            self._auth_http.close()


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
        ws: SubscriptionSettings | None = None,
    ) -> None:
        """``ws``: WebSocket settings for subscriptions (URL, subprotocols, reconnects)."""
        config, policy = _settings(
            api_key, auth_url, api_url, role, env, allow_insecure_http, max_retries
        )
        self._configure(config, policy, timeout)
        self._ws_settings = ws or SubscriptionSettings()
        self._auth_http = httpx.AsyncClient(timeout=timeout, headers={"User-Agent": USER_AGENT})
        self._tokens = (
            AsyncTokenCache(self._auth_http, config.auth_url, config.api_key, policy=policy)
            if config.api_key is not None and config.needs_token
            else None
        )
        owns = http_client is None
        super().__init__(
            url=config.api_url,
            http_client=http_client or httpx.AsyncClient(timeout=timeout, limits=DEFAULT_LIMITS),
        )
        self._owns_http_client = owns
        self._auth = DxtraAuth(config.role, async_tokens=self._tokens)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Self:
        """A client configured from DXTRA_* environment variables (``env`` replaces os.environ)."""
        return cls(env=env, **overrides)  # type: ignore[arg-type]

    async def aclose(self) -> None:
        await super().aclose()
        if self._owns_auth_http:
            await self._auth_http.aclose()
