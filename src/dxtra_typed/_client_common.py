"""What every Dxtra client shares, sync or async, bundled or generated for a user's project:
settings, the constructor, ``from_env``, ``with_options`` and closing.

It lives in the base client (``_base_client.SyncBaseClient``/``AsyncBaseClient`` inherit it),
not in a hand-written subclass of one generated client, so *any* client ariadne-codegen
generates over the dxtra_typed templates is a whole Dxtra client: ``DxtraClient`` is simply
the generated client for the bundled operations, and a user's ``Client`` is the same for
theirs. The twins differ only in their httpx class and token cache (``_new_http``,
``_start_auth``); this module never imports the async machinery or websockets.

Methods that return "this client's own class" annotate ``self``/``cls`` with a bound TypeVar
rather than ``typing.Self``: both mean the same to mypy, but completion engines such as jedi
only follow the TypeVar, and ``with MyClient(...) as client:`` must complete ``client.``.
"""

from __future__ import annotations

import copy
import functools
import platform
import ssl
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final, Generic, TypedDict, TypeVar

import httpx

from dxtra_typed._auth import DxtraAuth
from dxtra_typed._config import ClientConfig, Role, check_role, resolve_config
from dxtra_typed._errors import ConfigurationError
from dxtra_typed._logging import setup_logging_from_env
from dxtra_typed._retry import DEFAULT_MAX_RETRIES, RetryPolicy
from dxtra_typed._store_choice import resolve_store
from dxtra_typed._telemetry import Telemetry, TelemetrySettings, telemetry_for
from dxtra_typed._token_store import TokenStore
from dxtra_typed._version import __version__
from dxtra_typed._wire import check_extra_headers

if TYPE_CHECKING:
    from dxtra_typed._http_backends import HttpBackend
    from dxtra_typed._subscriptions import SubscriptionSettings

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
USER_AGENT: Final = f"dxtra-typed/{__version__} python/{platform.python_version()}"
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=100, max_keepalive_connections=20)

Timeout = float | httpx.Timeout | None

HttpT = TypeVar("HttpT", httpx.Client, httpx.AsyncClient)


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
    token_store: TokenStore | None
    telemetry: TelemetrySettings | None


class ClientOverrides(CommonOverrides, total=False):
    """``from_env``'s keyword arguments (sync clients)."""

    http_client: httpx.Client | None


class AsyncClientOverrides(CommonOverrides, total=False):
    """``from_env``'s keyword arguments (async clients)."""

    http_client: httpx.AsyncClient | None
    ws: SubscriptionSettings | None
    http_backend: HttpBackend


_C = TypeVar("_C", bound="ClientCore[Any]")


class _NotGiven:
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = _NotGiven()


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every client in the process.

    httpx builds a fresh context (loading the whole CA bundle, ~25 ms) for each client it
    creates; each DxtraClient holds two (API and auth). Built by httpx itself, so it trusts
    exactly what a default httpx client would.
    """
    return httpx.create_ssl_context()


def http_settings(timeout: Timeout, *, auth: bool) -> dict[str, Any]:
    """What a client's own httpx clients are built with, sync or async: the API's is pooled,
    the auth exchange's carries the User-Agent (API calls send it with their own headers)."""
    if auth:
        return {
            "timeout": timeout,
            "headers": {"User-Agent": USER_AGENT},
            "verify": shared_ssl_context(),
        }
    return {"timeout": timeout, "limits": DEFAULT_LIMITS, "verify": shared_ssl_context()}


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


class ClientCore(Generic[HttpT]):
    """Configuration, auth wiring, ``from_env``, ``with_options`` and ``close`` of a client.

    Settings come from the arguments, then DXTRA_API_KEY / DXTRA_AUTH_URL / DXTRA_API_URL /
    DXTRA_ROLE, then defaults (production URLs, role ``user``). The API key (a Dxtra personal
    access token) is exchanged for a JWT on first use and renewed before it expires; the JWT
    stays in memory only, unless ``token_store`` (or DXTRA_TOKEN_CACHE) shares it, sealed, with
    other processes. Use as a context manager, or close it.
    """

    config: ClientConfig
    url: str
    headers: dict[str, str] | None
    http_client: HttpT
    _auth_http: HttpT
    _auth: httpx.Auth | None
    _policy: RetryPolicy
    _timeout: Timeout | _NotGiven
    _default_headers: Mapping[str, str]
    _telemetry: Telemetry | None
    # Whether closing this client closes the httpx clients (False for a caller's http_client
    # and for every with_options copy, which shares the original's).
    _owns_http_client: bool
    _owns_auth_http: bool

    def __init__(
        self,
        api_key: str | None = None,
        *,
        auth_url: str | None = None,
        api_url: str | None = None,
        role: Role | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: HttpT | None = None,
        allow_insecure_http: bool = False,
        env: Mapping[str, str] | None = None,
        token_store: TokenStore | None = None,
        telemetry: TelemetrySettings | None = None,
    ) -> None:
        """``telemetry``: OpenTelemetry settings (the ``otel`` extra); by default spans and
        metrics go to the configured providers, if any (README "Tracing and metrics")."""
        config, policy = _settings(
            api_key, auth_url, api_url, role, env, allow_insecure_http, max_retries
        )
        check_timeout(timeout)
        live = telemetry_for(telemetry)
        # Fleet token cache (docs/design.md "Many processes"): None keeps the JWT in memory.
        store = resolve_store(token_store, env) if config.needs_token else None
        self.config = config
        self._policy = policy
        self._timeout = timeout
        self._default_headers = {"User-Agent": USER_AGENT}
        self.url = config.api_url
        self.headers = None
        self._auth_http = self._new_http(timeout, auth=True)
        self._owns_auth_http = True
        self._owns_http_client = http_client is None
        self.http_client = http_client if http_client is not None else self._new_http(timeout)
        self._telemetry = live
        self._start_auth(config, policy, store)

    def _new_http(self, timeout: Timeout, *, auth: bool = False) -> HttpT:
        """A new httpx client of this twin's kind (``auth``: the one for the PAT exchange)."""
        raise NotImplementedError

    def _start_auth(
        self, config: ClientConfig, policy: RetryPolicy, store: TokenStore | None
    ) -> None:
        """Set ``_auth`` (and the token cache behind it, shared through ``store`` when given)
        for ``config.role``."""
        raise NotImplementedError

    @property
    def role(self) -> str:
        return self.config.role

    def with_options(
        self: _C,
        *,
        role: Role | None = None,
        timeout: Timeout | _NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> _C:
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
