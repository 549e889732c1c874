"""A real redis-server for tests: a free loopback port, no persistence, stopped afterwards.

The binary comes from Debian's `redis-server` package, which `make test` installs when it is
missing (see the Makefile's `redis` step). Without it the tests that need Redis skip, except
under CI (CI=true), where a missing server is a failure: a green CI must not hide it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

STARTUP_SECONDS = 15.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def redis_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (make redis, or apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


@contextmanager
def running_redis(workdir: Path) -> Iterator[str]:
    """Start redis-server on 127.0.0.1 and yield its URL; it answers PING before this yields."""
    import redis

    binary = redis_binary()
    for _attempt in range(3):  # another process may take the free port before redis binds it
        port = _free_port()
        # No persistence (no RDB snapshots, no AOF), loopback only.
        options = {"port": str(port), "bind": "127.0.0.1", "save": "", "appendonly": "no"}
        argv = [binary, "--dir", str(workdir)]
        for name, value in options.items():
            argv += [f"--{name}", value]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url, socket_timeout=1.0)
        deadline = time.monotonic() + STARTUP_SECONDS
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    if client.ping():
                        break
                except redis.ConnectionError:
                    time.sleep(0.05)
            if proc.poll() is not None:
                continue  # could not bind: try another port
            if time.monotonic() >= deadline:
                raise RuntimeError("redis-server did not answer PING in time")
            yield url
            return
        finally:
            client.close()
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
    raise RuntimeError("redis-server could not start on a free port")
