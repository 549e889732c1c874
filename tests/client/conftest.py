"""Clients of both kinds against the sandbox over real HTTP on 127.0.0.1.

Every behaviour test is written once and runs for the sync client and for the async client on
both of its HTTP backends (httpx's own transport and aiohttp's): ``Kind`` chooses the class and
backend, ``resolve`` awaits a result only when the async client returned a coroutine.
"""

from __future__ import annotations

import inspect
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal, TypeVar

import pytest

from dxtra_typed import AsyncDxtraClient, DxtraClient
from dxtra_typed._http_backends import HttpBackend
from dxtra_typed.pytest_plugin import sandbox_settings
from dxtra_typed.sandbox import Sandbox

Kind = Literal["sync", "async", "async-aiohttp"]
AnyClient = DxtraClient | AsyncDxtraClient
T = TypeVar("T")
ClientFactory = Callable[..., AnyClient]


def closed_port() -> int:
    """A loopback port nothing listens on (bound once, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


@pytest.fixture(params=["sync", "async", "async-aiohttp"])
def kind(request: pytest.FixtureRequest) -> Kind:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def make_client(kind: Kind, dxtra_sandbox: Sandbox) -> AsyncIterator[ClientFactory]:
    """Build clients of this test's kind against the shared sandbox; all closed afterwards."""
    made: list[AnyClient] = []

    def factory(sandbox: Sandbox | None = None, **overrides: Any) -> AnyClient:
        sb = sandbox or dxtra_sandbox
        settings = {**sandbox_settings(sb), **overrides}
        client: AnyClient
        if kind == "sync":
            client = DxtraClient(**settings)
        else:
            backend: HttpBackend = "aiohttp" if kind == "async-aiohttp" else "httpx"
            client = AsyncDxtraClient(**settings, http_backend=backend)
        made.append(client)
        return client

    yield factory
    for client in made:
        if isinstance(client, AsyncDxtraClient):
            await client.aclose()
        else:
            client.close()
