"""Consume an async iterable (a subscription) from sync code: ``iterate_blocking``.

Its own module because it has nothing to do with the subscription protocol: it runs any async
iterable on an event loop in a worker thread and hands items over through a bounded queue, so
the consumer's pace still pushes back on the producer (and on the socket it reads).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Final, Generic, Self, TypeVar

from dxtra_typed._errors import ConfigurationError

T = TypeVar("T")

_DONE: Final = object()


class BlockingIterator(Generic[T]):
    """A sync iterator over an async iterable, run on an event loop in a worker thread.

    At most ``max_buffer`` events wait in between (the worker blocks when the buffer is full,
    which in turn stops it reading the socket). ``close()`` (or leaving the ``with`` block, or
    ``break`` followed by garbage collection) cancels the async side and joins the thread.
    """

    def __init__(
        self,
        source: AsyncIterable[T],
        *,
        max_buffer: int = 16,
        cleanup: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        if max_buffer < 1:
            raise ConfigurationError("max_buffer must be 1 or more")
        self._source = source
        self._cleanup = cleanup
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max_buffer)
        self._loop = asyncio.new_event_loop()
        self._task: asyncio.Task[None] | None = None
        self._started = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="dxtra-subscription", daemon=True)
        self._thread.start()
        self._started.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._task = self._loop.create_task(self._pump())
        self._started.set()
        try:
            self._loop.run_until_complete(self._task)
        except BaseException:  # reported through the queue, or cancelled
            pass
        finally:
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

    async def _put(self, item: object) -> None:
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                await asyncio.sleep(0.005)

    async def _pump(self) -> None:
        iterator = aiter(self._source)
        try:
            async for item in iterator:
                await self._put(item)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer
            await self._put(_Failure(exc))
        else:
            await self._put(_DONE)
        finally:
            try:
                aclose = getattr(iterator, "aclose", None)
                if aclose is not None:
                    await aclose()
            finally:
                if self._cleanup is not None:
                    await self._cleanup()

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> T:
        if self._closed:
            raise StopIteration
        item = self._queue.get()
        if item is _DONE:
            self.close()
            raise StopIteration
        if isinstance(item, _Failure):
            self.close()
            raise item.exc
        return item  # type: ignore[return-value]

    def close(self) -> None:
        """Stop the subscription (closing its socket) and join the worker thread."""
        if self._closed:
            return
        self._closed = True
        task = self._task
        if task is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop finished meanwhile
                self._loop.call_soon_threadsafe(task.cancel)
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get_nowait()  # unblock a worker waiting for room
            self._thread.join(timeout=0.01)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # getattr: __init__ may have refused its arguments before there was anything to close.
        if getattr(self, "_closed", True):
            return
        if threading.current_thread() is not self._thread:
            self.close()


@dataclass(frozen=True)
class _Failure:
    exc: BaseException


def iterate_blocking(
    source: AsyncIterable[T],
    *,
    max_buffer: int = 16,
    cleanup: Callable[[], Awaitable[object]] | None = None,
) -> BlockingIterator[T]:
    """Consume an async iterable (e.g. a subscription) from sync code::

        client = AsyncDxtraClient()  # used only by this subscription
        stream = client.rights_requests_stream(cursor=...)
        with iterate_blocking(stream, cleanup=client.aclose) as events:
            for request in events:
                ...

    The async side runs on its own event loop in a worker thread, so give it an
    ``AsyncDxtraClient`` no other event loop uses; ``cleanup`` (e.g. ``client.aclose``) runs on
    that loop once the iteration ends, since httpx connections belong to the loop they opened on.
    """
    return BlockingIterator(source, max_buffer=max_buffer, cleanup=cleanup)
