"""Which HTTP stack an AsyncDxtraClient sends with: httpx's own (default) or aiohttp's.

Both are an ``httpx.AsyncClient`` to the rest of the library (auth flow, retries, parsing), so
behaviour is identical and only the transport underneath differs. ``"aiohttp"`` needs the
``aiohttp`` extra (``httpx-aiohttp``); it is imported only when chosen.
"""

from __future__ import annotations

from typing import Any, Final, Literal, get_args

import httpx

from dxtra_typed._errors import ConfigurationError

HttpBackend = Literal["httpx", "aiohttp"]
HTTP_BACKENDS: Final[tuple[str, ...]] = get_args(HttpBackend)


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
