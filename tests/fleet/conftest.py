from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..support.redis_server import running_redis


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real redis-server for the session (tests use their own key prefixes)."""
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url
