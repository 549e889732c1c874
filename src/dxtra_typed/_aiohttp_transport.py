"""The ``http_backend="aiohttp"`` transport: httpx-aiohttp's AiohttpTransport with exact errors.

Why not httpx-aiohttp's transport as it is: it maps aiohttp's errors to httpx's by class, and
every ``ClientConnectionError`` it has no closer match for becomes ``httpx.ConnectTimeout``,
a "the request never left" error. A server that drops the connection after reading a mutation
(``ServerDisconnectedError``) or a reset mid-response (``ClientOSError``) would then look
unsent, and the retry policy would send the mutation again. ``httpx_error_for`` maps by what
is known about the request instead: only a failure to connect (refused, DNS, TLS, connect or
pool timeout) is "never sent"; everything else is a read-side error, which a mutation never
retries. Imported only when the aiohttp backend is chosen (the ``aiohttp`` extra).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport


def httpx_error_for(error: BaseException, request: httpx.Request) -> httpx.TransportError | None:
    """The httpx error an aiohttp failure amounts to, or None if it is not a transport failure.

    Order matters: aiohttp's connect timeout is also a ``ServerTimeoutError``, and its
    connector errors are also ``ClientOSError``.
    """
    message = str(error) or type(error).__name__
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)  # connect or wait for the pool
    if isinstance(error, (aiohttp.ServerTimeoutError, asyncio.TimeoutError)):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(error, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message, request=request)  # refused, DNS, TLS, proxy
    if isinstance(error, (aiohttp.NonHttpUrlClientError, aiohttp.InvalidURL)):
        return httpx.UnsupportedProtocol(message, request=request)
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(error, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, OSError)):
        return httpx.ReadError(message, request=request)  # reset, payload cut short
    if isinstance(error, aiohttp.ClientError):
        return httpx.TransportError(message, request=request)
    return None


def _aiohttp_cause(exc: BaseException) -> BaseException:
    """The aiohttp error behind an httpx error raised by httpx-aiohttp (``raise ... from``)."""
    cause = exc.__cause__
    return cause if isinstance(cause, (aiohttp.ClientError, asyncio.TimeoutError)) else exc


def _exact_error(exc: BaseException, request: httpx.Request) -> httpx.TransportError | None:
    """What to raise instead of ``exc`` (sending or reading), or None to let it through as is:
    not a transport failure, or httpx's own error with no aiohttp error behind it."""
    cause = _aiohttp_cause(exc)
    mapped = httpx_error_for(cause, request)
    if mapped is None or (isinstance(exc, httpx.TransportError) and cause is exc):
        return None
    return mapped


class _ExactErrorsStream(httpx.AsyncByteStream):
    """The response body stream, with read errors mapped by ``httpx_error_for``."""

    def __init__(self, inner: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._inner = inner
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                yield chunk
        except (TimeoutError, httpx.TransportError, aiohttp.ClientError) as exc:
            mapped = _exact_error(exc, self._request)
            if mapped is None:
                raise
            raise mapped from _aiohttp_cause(exc)

    async def aclose(self) -> None:
        await self._inner.aclose()


class ExactErrorsAiohttpTransport(AiohttpTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except (TimeoutError, httpx.TransportError, aiohttp.ClientError) as exc:
            mapped = _exact_error(exc, request)
            if mapped is None:
                raise
            raise mapped from _aiohttp_cause(exc)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _ExactErrorsStream(response.stream, request)
        return response


class AiohttpClient(httpx.AsyncClient):
    """``httpx.AsyncClient`` whose transports (direct and through a proxy from the environment)
    are ``ExactErrorsAiohttpTransport``."""

    def _init_transport(  # type: ignore[override]
        self, transport: httpx.AsyncBaseTransport | None = None, **settings: Any
    ) -> httpx.AsyncBaseTransport:
        return transport if transport is not None else ExactErrorsAiohttpTransport(**settings)

    def _init_proxy_transport(  # type: ignore[override]
        self, proxy: httpx.Proxy, **settings: Any
    ) -> httpx.AsyncBaseTransport:
        return ExactErrorsAiohttpTransport(proxy=proxy, **settings)
