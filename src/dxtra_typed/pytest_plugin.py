"""pytest fixtures for users' own tests (registered through the `pytest11` entry point).

pytest loads this module in every run of every project that installs dxtra-typed, so it imports
nothing beyond pytest at module level: a missing sandbox extra skips the tests that ask for these
fixtures instead of breaking the whole run.

The client fixtures serve any generated client class, the bundled ``DxtraClient`` or a
project's own ``Client``: ``dxtra_client_factory(Client)`` builds one on the shared sandbox and
closes it after the test. The async fixtures are declared through pytest-asyncio when it is
installed, so they work in its default *strict* mode for tests marked
``@pytest.mark.asyncio``, not only in auto mode.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pytest

if TYPE_CHECKING:
    from dxtra_typed import AsyncDxtraClient, DxtraClient
    from dxtra_typed._base_client import AsyncBaseClient, SyncBaseClient
    from dxtra_typed.sandbox import Sandbox

_EXTRA_HINT = "needs the sandbox extra: pip install 'dxtra-typed[sandbox]'"

_S = TypeVar("_S", bound="SyncBaseClient")
_A = TypeVar("_A", bound="AsyncBaseClient")


def _async_fixture() -> Callable[[Any], Any]:
    """``pytest_asyncio.fixture`` when pytest-asyncio is installed (strict mode needs it),
    else a plain fixture (anyio and pytest-asyncio's auto mode run those)."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - depends on what the user installed
        return pytest.fixture
    fixture: Callable[[Any], Any] = pytest_asyncio.fixture
    return fixture


class ClientFactory(Protocol):
    """``dxtra_client_factory(Client, role="me")``: a client of that class on the sandbox."""

    def __call__(self, client_class: type[_S], /, **options: Any) -> _S: ...


class AsyncClientFactory(Protocol):
    """``async_dxtra_client_factory(AsyncClient)``: an async client on the sandbox."""

    def __call__(self, client_class: type[_A], /, **options: Any) -> _A: ...


def sandbox_settings(sandbox: Sandbox) -> dict[str, Any]:
    """Constructor arguments that point any generated client at ``sandbox`` as role ``user``.

    ``env={}`` so a developer's real DXTRA_* variables can never point a test at production.
    """
    return {
        "api_key": sandbox.pat,
        "auth_url": sandbox.auth_url,
        "api_url": sandbox.api_url,
        "env": {},
    }


def _new_sandbox(fixture: str, config: pytest.Config, seed: Any = None) -> Sandbox:
    """The project's sandbox: in a dxtra-typed project (``[tool.dxtra-typed]`` settings under
    pytest's rootdir) its schema and seed file, served with Hasura's semantics; elsewhere, or
    when the project's schema is the bundled Dxtra one, the bundled Dxtra sandbox."""
    from dxtra_typed.cli._project_sandbox import project_sandbox

    project = project_sandbox(config.rootpath)
    options = project.sandbox_options() if project is not None else {}
    try:
        from dxtra_typed.sandbox import Sandbox

        sandbox = Sandbox(**options)
    except ImportError:  # pragma: no cover - depends on the installed extras
        pytest.skip(f"{fixture} {_EXTRA_HINT}")
    if seed is not None:
        sandbox.add_rows(seed)
    return sandbox


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "dxtra_seed(rows): rows ({table: [row, ...]}) the test's fresh_dxtra_sandbox starts "
        "with, on top of the project's seed file (a project with its own schema only)",
    )


@pytest.fixture(scope="session")
def dxtra_sandbox(pytestconfig: pytest.Config) -> Iterator[Sandbox]:
    """A running local Dxtra shared by the whole test session (in a project with its own
    schema: that schema and its seed file).

    Shared, so cheap; a test that injects faults, expires tokens or needs rows of its own
    (``@pytest.mark.dxtra_seed({...})``) should take `fresh_dxtra_sandbox` instead, so nothing
    it arms can leak into other tests.
    """
    with _new_sandbox("dxtra_sandbox", pytestconfig) as sandbox:
        yield sandbox


@pytest.fixture
def fresh_dxtra_sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A running local Dxtra of this test's own: its faults, tokens and data die with it.

    ``@pytest.mark.dxtra_seed({"table": [row, ...]})`` adds rows for this test (checked
    against the schema like a seed file)."""
    marker = request.node.get_closest_marker("dxtra_seed")
    seed = marker.args[0] if marker is not None and marker.args else None
    with _new_sandbox("fresh_dxtra_sandbox", request.config, seed) as sandbox:
        yield sandbox


@pytest.fixture
def dxtra_client_factory(dxtra_sandbox: Sandbox) -> Iterator[ClientFactory]:
    """Build sync clients of any generated class on the shared sandbox (keyword arguments
    override the constructor's, e.g. ``role="me"``); each is closed after the test."""
    made: list[SyncBaseClient] = []

    def make(client_class: type[_S], /, **options: Any) -> _S:
        client = client_class(**{**sandbox_settings(dxtra_sandbox), **options})
        made.append(client)
        return client

    yield make
    for client in reversed(made):
        client.close()


@_async_fixture()
async def async_dxtra_client_factory(dxtra_sandbox: Sandbox) -> AsyncIterator[AsyncClientFactory]:
    """The async twin of ``dxtra_client_factory``; each client is closed (awaited) after the
    test, on the test's event loop."""
    made: list[AsyncBaseClient] = []

    def make(client_class: type[_A], /, **options: Any) -> _A:
        client = client_class(**{**sandbox_settings(dxtra_sandbox), **options})
        made.append(client)
        return client

    yield make
    for client in reversed(made):
        await client.aclose()


@pytest.fixture
def dxtra_client(dxtra_client_factory: ClientFactory) -> DxtraClient:
    """A `DxtraClient` (role `user`) on the shared sandbox, closed after the test."""
    from dxtra_typed import DxtraClient

    return dxtra_client_factory(DxtraClient)


@_async_fixture()
async def async_dxtra_client(dxtra_sandbox: Sandbox) -> AsyncIterator[AsyncDxtraClient]:
    """An `AsyncDxtraClient` (role `user`) on the shared sandbox, closed after the test.

    Needs pytest-asyncio (auto mode, or strict with the test marked
    ``@pytest.mark.asyncio``) or anyio.
    """
    from dxtra_typed import AsyncDxtraClient

    async with AsyncDxtraClient(**sandbox_settings(dxtra_sandbox)) as client:
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
