"""pytest fixtures for users' own tests (registered through the `pytest11` entry point).

pytest loads this module in every run of every project that installs dxtra-typed, so it imports
nothing beyond pytest at module level: a missing sandbox extra skips the tests that ask for these
fixtures instead of breaking the whole run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from dxtra_typed import AsyncDxtraClient, DxtraClient
    from dxtra_typed.sandbox import Sandbox

_EXTRA_HINT = "needs the sandbox extra: pip install 'dxtra-typed[sandbox]'"


def _new_sandbox(fixture: str) -> Sandbox:
    try:
        from dxtra_typed.sandbox import Sandbox

        return Sandbox()
    except ImportError:  # pragma: no cover - depends on the installed extras
        pytest.skip(f"{fixture} {_EXTRA_HINT}")


@pytest.fixture(scope="session")
def dxtra_sandbox() -> Iterator[Sandbox]:
    """A running local Dxtra shared by the whole test session.

    Shared, so cheap; a test that injects faults or expires tokens should take
    `fresh_dxtra_sandbox` instead, so nothing it arms can leak into other tests.
    """
    with _new_sandbox("dxtra_sandbox") as sandbox:
        yield sandbox


@pytest.fixture
def fresh_dxtra_sandbox() -> Iterator[Sandbox]:
    """A running local Dxtra of this test's own: its faults, tokens and data die with it."""
    with _new_sandbox("fresh_dxtra_sandbox") as sandbox:
        yield sandbox


@pytest.fixture
def dxtra_client(dxtra_sandbox: Sandbox) -> Iterator[DxtraClient]:
    """A `DxtraClient` (role `user`) on the shared sandbox, closed after the test."""
    from dxtra_typed import DxtraClient

    # env={} so a developer's real DXTRA_* variables can never point a test at production.
    sb = dxtra_sandbox
    with DxtraClient(sb.pat, auth_url=sb.auth_url, api_url=sb.api_url, env={}) as client:
        yield client


@pytest.fixture
async def async_dxtra_client(dxtra_sandbox: Sandbox) -> AsyncIterator[AsyncDxtraClient]:
    """An `AsyncDxtraClient` (role `user`) on the shared sandbox, closed after the test.

    An async generator fixture: it needs pytest-asyncio (or anyio) in auto mode, or the
    test marked accordingly.
    """
    from dxtra_typed import AsyncDxtraClient

    sb = dxtra_sandbox
    async with AsyncDxtraClient(sb.pat, auth_url=sb.auth_url, api_url=sb.api_url, env={}) as client:
        yield client


@pytest.fixture
def dxtra_env(dxtra_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point `DxtraClient.from_env()` at the sandbox for one test."""
    env = {
        "DXTRA_AUTH_URL": dxtra_sandbox.auth_url,
        "DXTRA_API_URL": dxtra_sandbox.api_url,
        "DXTRA_API_KEY": dxtra_sandbox.pat,
        "DXTRA_ROLE": "user",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
