"""pytest fixtures for users' own tests (registered through the `pytest11` entry point).

pytest loads this module in every run of every project that installs dxtra-typed, so it imports
nothing beyond pytest at module level: a missing sandbox extra skips the tests that ask for these
fixtures instead of breaking the whole run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from dxtra_typed.sandbox import Sandbox


@pytest.fixture(scope="session")
def dxtra_sandbox() -> Iterator[Sandbox]:
    """A running local Dxtra shared by the whole test session."""
    try:
        from dxtra_typed.sandbox import Sandbox
    except ImportError:  # pragma: no cover - depends on the installed extras
        pytest.skip("dxtra_sandbox needs the sandbox extra: pip install 'dxtra-typed[sandbox]'")
    try:
        sandbox = Sandbox()
    except ImportError:  # pragma: no cover - depends on the installed extras
        pytest.skip("dxtra_sandbox needs the sandbox extra: pip install 'dxtra-typed[sandbox]'")
    with sandbox:
        yield sandbox


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
