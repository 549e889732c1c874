"""What dxtra_typed relies on inside other libraries still exists and still works.

Each trick is in one place (``_interop``, the aiohttp transport, the codegen driver) and is
listed in docs/design.md with its measured reason. A dependency upgrade that renames or
changes what it touches fails here, by name, instead of the trick silently doing nothing.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
from contextvars import ContextVar

import httpx
import pytest
import sniffio

from dxtra_typed._interop import gc_paused, pin_async_library


def test_gc_offers_what_gc_paused_uses() -> None:
    for name in ("disable", "enable", "isenabled", "freeze", "unfreeze", "get_freeze_count"):
        assert callable(getattr(gc, name)), f"gc.{name} is gone: see _interop.gc_paused"
    before = gc.get_freeze_count()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == before


def test_sniffio_still_has_the_context_variable_pin_async_library_sets() -> None:
    assert isinstance(sniffio.current_async_library_cvar, ContextVar)
    assert hasattr(sniffio.thread_local, "name")

    async def pinned() -> tuple[object, str, object]:
        pin = pin_async_library()
        assert pin is not None, "nothing pinned under asyncio: see _interop.pin_async_library"
        seen = sniffio.current_async_library_cvar.get()
        name = sniffio.current_async_library()
        pin[0].reset(pin[1])
        return seen, name, sniffio.current_async_library_cvar.get()

    assert asyncio.run(pinned()) == ("asyncio", "asyncio", None)


def test_httpx_still_builds_transports_through_the_methods_aiohttp_client_overrides() -> None:
    pytest.importorskip("aiohttp")
    from dxtra_typed._aiohttp_transport import AiohttpClient, ExactErrorsAiohttpTransport

    init = inspect.signature(httpx.AsyncClient._init_transport)
    proxy = inspect.signature(httpx.AsyncClient._init_proxy_transport)
    assert "transport" in init.parameters and "proxy" in proxy.parameters
    client = AiohttpClient(proxy="http://127.0.0.1:9")
    try:
        assert isinstance(client._transport, ExactErrorsAiohttpTransport)
        assert all(isinstance(t, ExactErrorsAiohttpTransport) for t in client._mounts.values())
    finally:
        asyncio.run(client.aclose())


def test_ariadne_codegen_still_has_what_the_sync_run_patches() -> None:
    pytest.importorskip("ariadne_codegen")
    from ariadne_codegen.client_generators.client import ClientGenerator
    from ariadne_codegen.client_generators.package import PackageGenerator

    add_method = inspect.signature(ClientGenerator.add_method)
    assert list(add_method.parameters)[:2] == ["self", "definition"]
    assert callable(PackageGenerator._get_used_inputs)
