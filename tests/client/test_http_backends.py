"""AsyncDxtraClient's HTTP backends: the switch, the missing-extra error, and the aiohttp error
mapping that decides whether a failed mutation may be sent again."""

from __future__ import annotations

import sys

import aiohttp
import httpx
import pytest
import sniffio

from dxtra_typed import AsyncDxtraClient, ConfigurationError, MissingExtraError
from dxtra_typed._aiohttp_transport import ExactErrorsAiohttpTransport, httpx_error_for
from dxtra_typed._interop import pin_async_library as _pin_async_library
from dxtra_typed._retry import never_sent
from dxtra_typed.pytest_plugin import sandbox_settings
from dxtra_typed.sandbox import Sandbox

_REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/graphql")


class _Key:
    """Stands in for aiohttp's ConnectionKey in ClientConnectorError (only read for str())."""

    host, port, ssl = "127.0.0.1", 9, False


@pytest.mark.parametrize(
    ("error", "expected", "unsent"),
    [
        (aiohttp.ConnectionTimeoutError("connect"), httpx.ConnectTimeout, True),
        (aiohttp.ClientConnectorError(_Key(), OSError(111, "refused")), httpx.ConnectError, True),  # type: ignore[arg-type]
        (aiohttp.SocketTimeoutError("read"), httpx.ReadTimeout, False),
        (aiohttp.ServerTimeoutError("read"), httpx.ReadTimeout, False),
        (TimeoutError(), httpx.ReadTimeout, False),
        # The ones httpx-aiohttp maps to ConnectTimeout ("never sent"): a mutation the server
        # may have run would be sent again.
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError, False),
        (aiohttp.ClientOSError(104, "reset by peer"), httpx.ReadError, False),
        (aiohttp.ClientConnectionResetError("reset"), httpx.ReadError, False),
        (aiohttp.ClientPayloadError("cut short"), httpx.ReadError, False),
        (aiohttp.InvalidURL("nope"), httpx.UnsupportedProtocol, False),
        (aiohttp.ClientError("other"), httpx.TransportError, False),
    ],
)
def test_only_a_failure_to_connect_counts_as_never_sent(
    error: BaseException, expected: type[httpx.TransportError], unsent: bool
) -> None:
    mapped = httpx_error_for(error, _REQUEST)
    assert type(mapped) is expected
    assert never_sent(mapped) is unsent
    assert mapped.request is _REQUEST


def test_other_exceptions_are_not_transport_errors() -> None:
    assert httpx_error_for(ValueError("bug"), _REQUEST) is None


def test_unknown_backend_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="http_backend must be one of 'httpx', 'aiohttp'"):
        AsyncDxtraClient(api_key="k", http_backend="trio", env={})  # type: ignore[arg-type]


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx_aiohttp", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "dxtra_typed._aiohttp_transport", raising=False)
    # The same MissingExtraError (a ConfigurationError) and message as every other extra.
    with pytest.raises(MissingExtraError, match=r'pip install "dxtra-typed\[aiohttp\]"') as info:
        AsyncDxtraClient(api_key="k", http_backend="aiohttp", env={})
    assert info.value.extra == "aiohttp"


async def test_aiohttp_backend_serves_api_calls_and_token_exchanges(
    dxtra_sandbox: Sandbox,
) -> None:
    settings = sandbox_settings(dxtra_sandbox)
    async with AsyncDxtraClient(**settings, http_backend="aiohttp") as client:
        assert await client.data_controllers()
        assert client._tokens is not None and client._tokens.exchanges == 1
        for http in (client.http_client, client._auth_http):
            transport = http._transport_for_url(httpx.URL(dxtra_sandbox.auth_url))
            assert isinstance(transport, ExactErrorsAiohttpTransport)
    async with AsyncDxtraClient(**settings) as default:
        transport = default.http_client._transport_for_url(httpx.URL(dxtra_sandbox.api_url))
        assert isinstance(transport, httpx.AsyncHTTPTransport)


async def test_sniffio_is_told_asyncio_for_the_call_only(dxtra_sandbox: Sandbox) -> None:
    """The async client pins sniffio's answer while a call runs (httpcore and anyio ask it
    about ten times a request) and restores the caller's context afterwards."""
    seen: list[str | None] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(sniffio.current_async_library_cvar.get())

    http = httpx.AsyncClient(event_hooks={"request": [hook]})
    async with AsyncDxtraClient(
        api_key=None,
        role="anonymous",
        api_url=dxtra_sandbox.api_url,
        env={},
        http_client=http,
    ) as client:
        assert sniffio.current_async_library_cvar.get() is None
        assert await client.public_data_controllers()
        assert sniffio.current_async_library_cvar.get() is None
    await http.aclose()
    assert seen == ["asyncio"]
    token = sniffio.current_async_library_cvar.set("curio")  # someone else's pin is kept
    try:
        assert _pin_async_library() is None
    finally:
        sniffio.current_async_library_cvar.reset(token)


def test_nothing_is_pinned_outside_an_event_loop() -> None:
    assert _pin_async_library() is None
