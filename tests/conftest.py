"""Shared test hygiene."""

from __future__ import annotations

import logging
from collections.abc import Iterator

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


@pytest.fixture(params=HTTP_BACKENDS)
def http_backend(request: pytest.FixtureRequest) -> HttpBackend:
    """Each async-client test that takes this runs on httpx's transport and on aiohttp's."""
    return request.param  # type: ignore[no-any-return]
