"""What DxtraClient and AsyncDxtraClient share: settings, defaults and ``with_options``.

The twins live in their own modules (``_client``, ``_async_client``) so that a program using
only the sync client never imports the async client, its subscription machinery or websockets.
"""

from __future__ import annotations

import copy
import functools
import platform
import ssl
from collections.abc import Mapping
from dataclasses import replace
from typing import Final, Self, TypedDict

import httpx

from dxtra_typed._auth import DxtraAuth
from dxtra_typed._base_client import NOT_GIVEN, _NotGiven
from dxtra_typed._config import ClientConfig, Role, check_role, resolve_config
from dxtra_typed._errors import ConfigurationError
from dxtra_typed._logging import setup_logging_from_env
from dxtra_typed._retry import RetryPolicy
from dxtra_typed._version import __version__
from dxtra_typed._wire import check_extra_headers

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
USER_AGENT: Final = f"dxtra-typed/{__version__} python/{platform.python_version()}"
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=100, max_keepalive_connections=20)

Timeout = float | httpx.Timeout | None


class CommonOverrides(TypedDict, total=False):
    """The keyword arguments ``from_env`` passes on, typed, so ``from_env(timout=3)`` fails
    mypy like ``DxtraClient(timout=3)`` does (each twin adds its own ``http_client``)."""

    api_key: str | None
    auth_url: str | None
    api_url: str | None
    role: Role | None
    timeout: Timeout
    max_retries: int
    allow_insecure_http: bool


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every client in the process.

    httpx builds a fresh context (loading the whole CA bundle, ~25 ms) for each client it
    creates; each DxtraClient holds two (API and auth). Built by httpx itself, so it trusts
    exactly what a default httpx client would.
    """
    return httpx.create_ssl_context()


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
    check_max_retries(max_retries)
    if not isinstance(allow_insecure_http, bool):
        raise ConfigurationError(
            f"allow_insecure_http must be True or False, got {allow_insecure_http!r}"
        )
    if env is not None and not isinstance(env, Mapping):
        raise ConfigurationError(f"env must be a mapping of str to str, got {type(env).__name__}")
    config = resolve_config(
        api_key=api_key,
        auth_url=auth_url,
        api_url=api_url,
        role=role,
        env=env,
        allow_insecure_http=allow_insecure_http,
    )
    return config, RetryPolicy(max_retries=max_retries)


def check_max_retries(max_retries: object) -> int:
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise ConfigurationError(
            f"max_retries must be an int, 0 or more (0 turns retries off), got {max_retries!r}"
        )
    return max_retries


def check_timeout(timeout: object) -> None:
    ok = timeout is None or isinstance(timeout, (int, float, httpx.Timeout))
    if not ok or isinstance(timeout, bool):
        raise ConfigurationError(
            f"timeout must be seconds (a number), an httpx.Timeout or None, got {timeout!r}"
        )


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
        check_timeout(timeout)
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
            check_timeout(timeout)
            clone._timeout = timeout
        if max_retries is not None:
            check_max_retries(max_retries)
            clone._policy = replace(self._policy, max_retries=max_retries)
        if headers is not None:
            check_extra_headers(headers)
            clone._default_headers = {**self._default_headers, **headers}
        return clone

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_url={self.config.api_url!r}, role={self.config.role!r})"
