"""The processes of a test fleet: one parent imports the client once, then forks one child per
worker, the way a pre-forking server (gunicorn --preload, Celery prefork) starts its workers.

Run by tests/fleet/_fleet.py as ``python tests/fleet/worker.py`` with:
- DXTRA_* for the clients (DXTRA_TOKEN_CACHE picks the store, as a user would set it);
- FLEET_CONTROL: a loopback port of the test process to report to;
- FLEET_SPECS: JSON list of ``[local_address, "sync" | "async"]``, one per child.
Each child is a real process with its own client. It builds the client, connects to the control
port, says ``ready <index>``, then answers every ``call`` line with one JSON line (whether
data_controllers() worked, the error's type if not, this process's own exchange counts), and
exits when the test closes its connection.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from typing import Any, TextIO

import httpx


def _bind_source_address(address: str) -> None:
    """Every httpx transport this process builds (the client's API and auth ones included)
    connects from ``address``, so the sandbox sees this process as that client IP."""
    original = httpx.HTTPTransport.__init__

    def init(self: httpx.HTTPTransport, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("local_address", address)
        original(self, *args, **kwargs)

    httpx.HTTPTransport.__init__ = init  # type: ignore[method-assign]
    original_async = httpx.AsyncHTTPTransport.__init__

    def init_async(self: httpx.AsyncHTTPTransport, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("local_address", address)
        original_async(self, *args, **kwargs)

    httpx.AsyncHTTPTransport.__init__ = init_async  # type: ignore[method-assign]


def _reply(channel: TextIO, ok: bool, error: str | None, client: object) -> None:
    tokens = getattr(client, "_tokens", None)  # this process's own counts, when visible
    counts = {k: getattr(tokens, k, None) for k in ("signins", "refreshes")}
    channel.write(json.dumps({"ok": ok, "error": error, "pid": os.getpid(), **counts}) + "\n")
    channel.flush()


def run_sync(channel: TextIO, index: int) -> None:
    from dxtra_typed import DxtraClient, DxtraError

    with DxtraClient.from_env() as client:
        channel.write(f"ready {index}\n")
        channel.flush()
        for line in channel:
            if line.strip() != "call":
                break
            try:
                client.data_controllers()
                _reply(channel, True, None, client)
            except DxtraError as exc:
                _reply(channel, False, type(exc).__name__, client)


async def run_async(channel: TextIO, index: int) -> None:
    from dxtra_typed import AsyncDxtraClient, DxtraError

    async with AsyncDxtraClient.from_env() as client:
        channel.write(f"ready {index}\n")
        channel.flush()
        while True:
            line = await asyncio.to_thread(channel.readline)
            if line.strip() != "call":
                break
            try:
                await client.data_controllers()
                _reply(channel, True, None, client)
            except DxtraError as exc:
                _reply(channel, False, type(exc).__name__, client)


def child(index: int, address: str, mode: str, port: int) -> None:
    _bind_source_address(address)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        channel = sock.makefile("rw", encoding="utf-8")
        if mode == "async":
            asyncio.run(run_async(channel, index))
        else:
            run_sync(channel, index)


def main() -> int:
    # Import what every child needs once, before forking (no threads exist yet).
    import dxtra_generated.async_client
    import dxtra_generated.client  # noqa: F401

    import dxtra_typed._file_store
    import dxtra_typed._redis_store
    import dxtra_typed._sealing  # noqa: F401

    port = int(os.environ["FLEET_CONTROL"])
    specs = json.loads(os.environ["FLEET_SPECS"])
    children = []
    for index, (address, mode) in enumerate(specs):
        pid = os.fork()
        if pid == 0:
            status = 0
            try:
                child(index, address, mode, port)
            except BaseException as exc:
                print(f"fleet child {index}: {type(exc).__name__}: {exc}", file=sys.stderr)
                status = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        children.append(pid)
    failed = 0
    for pid in children:
        _, status = os.waitpid(pid, 0)
        failed += status != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
