"""Shared test hygiene."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dxtra_typed import _logging
from dxtra_typed._http_backends import HTTP_BACKENDS, HttpBackend

# The heaviest test modules, with their seconds in one `make test` run (2026-12-06), and the
# groups of modules that share a session fixture. Only the ORDER under xdist uses this; it never
# selects or skips a test. A stale or missing entry just runs in place.
HEAVY: dict[str, tuple[str, ...]] = {
    # Both share the session's wheel venv (built once, the other waits on its lock): keep them
    # on one worker, one after the other.
    "wheel": ("tests/test_user_project.py", "tests/test_user_project_sandbox.py"),
}
HEAVY_SECONDS: dict[str, float] = {
    "wheel": 23,
    "tests/test_readme.py": 18,
    "tests/fleet/test_fleet.py": 18,
    "tests/client/test_resilience.py": 17,
    "tests/names/test_schemas.py": 16,
    "tests/test_synth_schema.py": 13,
    "tests/sandbox/test_realschemas.py": 12,
    "tests/client/test_pagination.py": 11,
    "tests/client/test_subscriptions_sandbox.py": 11,
    "tests/test_codegen_stamp.py": 10,
    "tests/cli/test_init.py": 6,
    "tests/test_completion.py": 6,
    "tests/sandbox/test_engine.py": 5,
    "tests/sandbox/test_websocket.py": 5,
    "tests/security/test_isolation.py": 5,
    "tests/otel/test_telemetry.py": 5,
    "tests/sandbox/test_cli_bad_input.py": 5,
    # Little CPU but long waits (the soak runs for seconds; subprocesses).
    "tests/test_soak_smoke.py": 6,
    "tests/test_codegen.py": 4,
    "tests/test_readme_typing.py": 4,
    "tests/test_extras.py": 3,
    "tests/schema_tools/test_check.py": 3,
}


@pytest.hookimpl(trylast=True)  # after `-m`/`-k` deselection: the shares are of what runs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, start the heavy tests first, spread over the workers, so the run does not
    end with one worker on a 10 s test while the others idle.

    `--dist worksteal` hands each of the N workers a contiguous 1/N of the collection and then
    lets an idle worker steal the tail of the longest queue. So the heavy groups (above, whole
    modules, so module fixtures are built once) are dealt, heaviest first, to the least loaded
    share, and each share is its heavy groups, then its part of the rest in collection order:
    what is left to steal at the end is short tests. Every worker computes the same order (xdist
    checks that the collections match)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers < 2:
        return
    group_of: dict[str, str] = {}
    for heavy_name in HEAVY_SECONDS:
        for path in HEAVY.get(heavy_name, (heavy_name,)):
            group_of[path] = heavy_name

    heavy: dict[str, list[pytest.Item]] = {}
    rest: list[pytest.Item] = []
    for item in items:
        name = group_of.get(item.nodeid.split("::")[0])
        (heavy.setdefault(name, []) if name else rest).append(item)
    # The scheduler's split: share i gets len(pending) // (workers - i) of what is left.
    sizes: list[int] = []
    left = len(items)
    for i in range(workers):
        sizes.append(left // (workers - i))
        left -= sizes[-1]
    shares: list[list[pytest.Item]] = [[] for _ in range(workers)]
    load = [0.0] * workers
    for name in sorted(heavy, key=lambda g: -HEAVY_SECONDS[g]):
        i = min(range(workers), key=lambda w: (load[w], w))
        shares[i] += heavy[name]
        load[i] += HEAVY_SECONDS[name]
    ordered: list[pytest.Item] = []
    for i, share in enumerate(shares):
        room = max(0, sizes[i] - len(share))
        share += rest[:room]
        del rest[:room]
        ordered += share
    items[:] = ordered + rest


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
