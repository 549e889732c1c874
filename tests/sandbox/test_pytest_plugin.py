"""The fixtures users get from the installed pytest plugin work as the README says."""

from __future__ import annotations

from dxtra_typed import AsyncDxtraClient, DxtraClient
from dxtra_typed.sandbox import Sandbox


def test_dxtra_client_talks_to_the_shared_sandbox(
    dxtra_client: DxtraClient, dxtra_sandbox: Sandbox
) -> None:
    assert dxtra_client.config.api_url == dxtra_sandbox.api_url
    assert dxtra_client.role == "user"
    assert dxtra_client.data_controllers()


async def test_async_dxtra_client_talks_to_the_shared_sandbox(
    async_dxtra_client: AsyncDxtraClient, dxtra_sandbox: Sandbox
) -> None:
    assert async_dxtra_client.config.api_url == dxtra_sandbox.api_url
    assert await async_dxtra_client.data_controllers()


def test_fresh_sandbox_is_private(fresh_dxtra_sandbox: Sandbox, dxtra_sandbox: Sandbox) -> None:
    assert fresh_dxtra_sandbox is not dxtra_sandbox
    assert fresh_dxtra_sandbox.running
    assert fresh_dxtra_sandbox.port != dxtra_sandbox.port
    fresh_dxtra_sandbox.faults.inject("graphql", "drop", count=3)
    assert dxtra_sandbox.faults.pending() == 0
