"""Shared test hygiene."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from dxtra_typed import _logging
from dxtra_typed._http_backends import HTTP_BACKENDS, HttpBackend


@pytest.fixture(autouse=True)
def _isolated_dxtra_logging() -> Iterator[None]:
    """DXTRA_LOG configures the `dxtra_typed` logger once per process; undo it after each test
    so one test's opt-in never changes what another test sees."""
    logger = logging.getLogger("dxtra_typed")
    handlers, level, configured = list(logger.handlers), logger.level, _logging._configured
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    _logging._configured = configured


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real redis-server (loopback, free port, no persistence) for the whole session,
    started only by the tests that ask for it; tests keep apart by PAT or key prefix."""
    from .support.redis_server import running_redis

    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def mypy_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache per pytest process (so per xdist worker: no two mypy runs share it at
    once), for the tests that run mypy in a subprocess. The first such run in a worker seeds it
    with pydantic, httpx and dxtra_typed; every later run re-checks only its own files (mypy
    compares each module's source hash and options with the cache, so a changed file or flag is
    re-checked, never trusted). Cut a small run from ~3 s to ~0.3 s, against --no-incremental."""
    return tmp_path_factory.getbasetemp() / "mypy-cache"


@pytest.fixture(scope="session")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built wheel installed with [codegen,sandbox] into a fresh virtualenv (its bin
    folder), built once per session for every test marked `wheel` (tests/support/wheel.py).
    Tests must not install into it: `layered_venv` gives one that sits on top."""
    from .support.once import once_per_session
    from .support.wheel import build_wheel_venv

    return once_per_session(tmp_path_factory, "wheel", build_wheel_venv) / "venv" / "bin"


@pytest.fixture(params=HTTP_BACKENDS)
def http_backend(request: pytest.FixtureRequest) -> HttpBackend:
    """Each async-client test that takes this runs on httpx's transport and on aiohttp's."""
    return request.param  # type: ignore[no-any-return]
