"""Where a client's settings come from, in a fixed and documented order.

Precedence, highest first:
  1. arguments given to the constructor (or to ``from_env``);
  2. environment variables DXTRA_API_KEY, DXTRA_AUTH_URL, DXTRA_API_URL, DXTRA_ROLE,
     read when the client is built, never at import;
  3. defaults: Dxtra's production URLs and the ``user`` role.
Everything is checked here, before any request, so a wrong setting fails with a message that
names it instead of with an HTTP error later.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args
from urllib.parse import urlsplit

import httpx

from dxtra_typed._errors import ConfigurationError
from dxtra_typed._secret import Secret

Role = Literal["user", "me", "dataSubject", "anonymous", "public"]
"""The X-Hasura-Role values Dxtra documents (``public`` only on its actions index)."""

DEFAULT_AUTH_URL: Final = "https://auth.dxtra.ai"
DEFAULT_API_URL: Final = "https://api.dxtra.ai/v1/graphql"
DEFAULT_ROLE: Final[Role] = "user"
ENV_API_KEY: Final = "DXTRA_API_KEY"
ENV_AUTH_URL: Final = "DXTRA_AUTH_URL"
ENV_API_URL: Final = "DXTRA_API_URL"
ENV_ROLE: Final = "DXTRA_ROLE"

DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
Timeout = float | httpx.Timeout | None
"""A client's or a call's timeout: seconds, an ``httpx.Timeout``, or None for none."""

# Roles Hasura serves without a token (Nhost's unauthorized / anonymous roles).
TOKENLESS_ROLES: Final = frozenset({"anonymous", "public"})
_SIGNIN_SUFFIX = "/v1/signin/pat"


@dataclass(frozen=True)
class ClientConfig:
    api_key: Secret | None
    auth_url: str
    api_url: str
    role: str

    @property
    def needs_token(self) -> bool:
        return self.role not in TOKENLESS_ROLES


def _pick(explicit: str | None, env: Mapping[str, str], name: str) -> str | None:
    if explicit is not None:
        return explicit
    value = env.get(name, "").strip()
    return value or None


Source = Literal["argument", "environment", "default"]


def source_of(explicit: str | None, env: Mapping[str, str], name: str) -> Source:
    """Where ``_pick`` finds a setting (``dxtra-typed doctor`` reports it)."""
    if explicit is not None:
        return "argument"
    return "environment" if env.get(name, "").strip() else "default"


ROLES: Final[tuple[str, ...]] = get_args(Role)


def check_role(role: object, what: str = f"role ({ENV_ROLE})") -> str:
    """``role`` if it is one of ``Role``'s values. The constructor, ``with_options``,
    DXTRA_ROLE and a per-call ``role=`` (checked against the same ``Role`` by the argument
    validator) all accept exactly the roles the type does."""
    if not isinstance(role, str) or role not in ROLES:
        raise ConfigurationError(
            f"{what} must be a Hasura role name Dxtra documents, one of "
            f"{', '.join(repr(r) for r in ROLES)}; got {role!r}"
        )
    return role


def check_optional_str(value: object, what: str) -> str | None:
    """A setting that must be text when given: ``api_key=12345`` fails here, by name, rather
    than as an AttributeError deep inside."""
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"{what} must be a str, got {type(value).__name__}")
    return value


def _check_url(value: str, what: str, example: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(
            f"{what} must be an http(s) URL such as {example!r}, got {value!r}"
        )
    return value.rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_transport(url: str, what: str, allow_insecure_http: bool) -> None:
    """Refuse plain http:// to anything but this machine: the PAT and JWT would travel in clear."""
    parts = urlsplit(url)
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback(parts.hostname or ""):
        raise ConfigurationError(
            f"{what} uses plain http:// to {parts.hostname!r}, which would send credentials "
            "unencrypted; use https://, or pass allow_insecure_http=True if you really mean it"
        )


def normalize_auth_url(value: str) -> str:
    """The auth service's base URL.

    Dxtra's docs set ``AUTH_URL=https://auth.dxtra.ai/v1/signin/pat`` (the full endpoint), so
    that form is accepted too and cut back to the base.
    """
    value = _check_url(value, f"auth_url ({ENV_AUTH_URL})", DEFAULT_AUTH_URL)
    if value.endswith(_SIGNIN_SUFFIX):
        value = value[: -len(_SIGNIN_SUFFIX)]
    return value


def normalize_api_url(value: str) -> str:
    return _check_url(value, f"api_url ({ENV_API_URL})", DEFAULT_API_URL)


def resolve_config(
    *,
    api_key: str | None = None,
    auth_url: str | None = None,
    api_url: str | None = None,
    role: str | None = None,
    env: Mapping[str, str] | None = None,
    allow_insecure_http: bool = False,
) -> ClientConfig:
    env = os.environ if env is None else env
    api_key = check_optional_str(api_key, "api_key")
    auth_url = check_optional_str(auth_url, "auth_url")
    api_url = check_optional_str(api_url, "api_url")
    role = check_optional_str(role, "role")
    chosen_role = check_role(_pick(role, env, ENV_ROLE) or DEFAULT_ROLE)
    # Stray whitespace from a copy-paste is the commonest way to break a key.
    key = (_pick(api_key, env, ENV_API_KEY) or "").strip() or None
    config = ClientConfig(
        api_key=Secret(key) if key else None,
        auth_url=normalize_auth_url(_pick(auth_url, env, ENV_AUTH_URL) or DEFAULT_AUTH_URL),
        api_url=normalize_api_url(_pick(api_url, env, ENV_API_URL) or DEFAULT_API_URL),
        role=chosen_role,
    )
    check_transport(config.api_url, f"api_url ({ENV_API_URL})", allow_insecure_http)
    check_transport(config.auth_url, f"auth_url ({ENV_AUTH_URL})", allow_insecure_http)
    if config.needs_token and config.api_key is None:
        raise ConfigurationError(
            f"role {chosen_role!r} needs an API key: pass api_key=... or set {ENV_API_KEY} "
            "(create one in the Dxtra dashboard under Developers → Create API Key); "
            "only the 'anonymous' and 'public' roles work without one"
        )
    return config


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


def client_config(
    *,
    api_key: str | None,
    auth_url: str | None,
    api_url: str | None,
    role: str | None,
    env: Mapping[str, str] | None,
    allow_insecure_http: bool,
    max_retries: int,
    timeout: object,
) -> ClientConfig:
    """A client constructor's settings, every one checked (``resolve_config`` and the rest)."""
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
    check_timeout(timeout)
    return config
