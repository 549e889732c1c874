"""The httpx clients a Dxtra client sends with: what they are built with, and on which HTTP
stack an async client sends (httpx's own, the default, or aiohttp's).

Every client holds two (the API's, pooled, and the PAT exchange's) and every one shares the
process's single verifying TLS context. Both stacks are an ``httpx.AsyncClient`` to the rest of
the library (auth flow, retries, parsing), so behaviour is identical and only the transport
underneath differs. ``"aiohttp"`` needs the ``aiohttp`` extra (``httpx-aiohttp``); it is
imported only when chosen.
"""

from __future__ import annotations

import functools
import platform
import ssl
from typing import Any, Final, Literal, get_args

import httpx

from dxtra_typed._config import Timeout
from dxtra_typed._errors import ConfigurationError
from dxtra_typed._version import __version__

USER_AGENT: Final = f"dxtra-typed/{__version__} python/{platform.python_version()}"
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=100, max_keepalive_connections=20)

HttpBackend = Literal["httpx", "aiohttp"]
HTTP_BACKENDS: Final[tuple[str, ...]] = get_args(HttpBackend)


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


def check_http_backend(backend: object) -> HttpBackend:
    """``backend`` if it names a known backend, else a ConfigurationError naming the choices."""
    if backend not in HTTP_BACKENDS:
        raise ConfigurationError(
            f"http_backend must be one of {', '.join(map(repr, HTTP_BACKENDS))}, not {backend!r}"
        )
    return backend  # type: ignore[return-value]


def async_http_client(backend: HttpBackend, **settings: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` with ``settings`` (timeout, limits, verify, headers) on
    ``backend``'s transport."""
    if check_http_backend(backend) == "httpx":
        return httpx.AsyncClient(**settings)
    from dxtra_typed._extras import require_extra

    require_extra("aiohttp", "http_backend='aiohttp'")  # MissingExtraError, as every extra
    from dxtra_typed._aiohttp_transport import AiohttpClient

    return AiohttpClient(**settings)
