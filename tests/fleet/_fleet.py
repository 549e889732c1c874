"""Start a fleet of real worker processes (tests/fleet/worker.py), release them together.

Bounded in count and time: at most MAX_WORKERS processes, every wait has a deadline, and on the
way out every connection is closed (a child exits when its connection does) and the forking
parent is waited for, then killed if it lingers.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

WORKER = Path(__file__).with_name("worker.py")
MAX_WORKERS = 40
DEADLINE_SECONDS = 120.0


@dataclass(frozen=True)
class Spec:
    """One worker: where it sends requests from and which client it runs."""

    local_address: str = "127.0.0.1"
    mode: str = "sync"


class Fleet:
    def __init__(self, channels: list[TextIO]) -> None:
        self.channels = channels

    def call_all(self) -> list[dict[str, Any]]:
        """Release every worker at once (each is blocked reading its connection), then collect."""
        for channel in self.channels:
            channel.write("call\n")
            channel.flush()
        return [json.loads(_line(channel, "a reply")) for channel in self.channels]


def _line(channel: TextIO, what: str) -> str:
    line = channel.readline()  # the socket's timeout bounds the wait
    if not line:
        raise RuntimeError(f"a fleet worker closed its connection instead of sending {what}")
    return line.strip()


@contextmanager
def fleet(specs: list[Spec], env: Mapping[str, str]) -> Iterator[Fleet]:
    """Fork the workers (each its own process) and wait until every client is built."""
    assert 0 < len(specs) <= MAX_WORKERS
    base = {k: v for k, v in os.environ.items() if not k.startswith("DXTRA_")}
    with ExitStack() as stack:
        server = stack.enter_context(socket.create_server(("127.0.0.1", 0)))
        server.settimeout(DEADLINE_SECONDS)
        parent = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.DEVNULL,
            env={
                **base,
                **env,
                "FLEET_CONTROL": str(server.getsockname()[1]),
                "FLEET_SPECS": json.dumps([[s.local_address, s.mode] for s in specs]),
            },
        )
        stack.callback(_reap, parent)
        deadline = time.monotonic() + DEADLINE_SECONDS
        channels: dict[int, TextIO] = {}
        while len(channels) < len(specs):
            server.settimeout(max(0.1, deadline - time.monotonic()))
            conn, _ = server.accept()
            conn.settimeout(DEADLINE_SECONDS)
            stack.callback(conn.close)
            channel = conn.makefile("rw", encoding="utf-8")
            stack.callback(channel.close)
            word, index = _line(channel, "ready").split()
            assert word == "ready"
            channels[int(index)] = channel
        yield Fleet([channels[i] for i in range(len(specs))])


def _reap(parent: subprocess.Popen[bytes]) -> None:
    try:
        parent.wait(timeout=30)
    except subprocess.TimeoutExpired:
        parent.kill()
        parent.wait(timeout=10)
