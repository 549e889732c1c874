"""uvicorn's `Server`, stopped at once instead of on its 0.1 s ticks.

uvicorn notices `should_exit` on a 0.1 s main-loop tick, then sleeps a fixed 0.1 s after asking
connections to close and polls them every 0.1 s: ~0.17-0.2 s per `Sandbox.stop()`, which the
test suite pays on every one of its ~180 sandboxes (~31 s). Here `request_exit()` wakes the main
loop through the loop's own thread-safe call, and shutdown polls every 5 ms; what is waited for
is unchanged (connections closed, tasks done, within `timeout_graceful_shutdown`, then cancel).
`tests/sandbox/test_quick_stop.py` pins the uvicorn attributes this relies on.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import uvicorn

_TICK = 0.1  # uvicorn's: the Date header is refreshed every 10 ticks
_POLL = 0.005


class QuickServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def request_exit(self) -> None:
        """From any thread: stop serving now (the main loop is woken, not polled)."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # a closed loop: nothing left to wake
                loop.call_soon_threadsafe(wake.set)

    async def main_loop(self) -> None:
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            try:
                async with asyncio.timeout(_TICK):
                    await self._wake.wait()
            except TimeoutError:
                pass
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        state = self.server_state
        try:
            async with asyncio.timeout(self.config.timeout_graceful_shutdown):
                while (state.connections or state.tasks) and not self.force_exit:
                    await asyncio.sleep(_POLL)
                for server in self.servers:
                    await server.wait_closed()
        except TimeoutError:
            for task in state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()
