"""``Subscription[T]``: what a generated subscription method returns.

Why a class and not an ``async def ... yield`` method (as before): three things users meet.

- **Typing**: ``async with aclosing(client.x_stream(...)) as rows`` needs ``aclose()``; an
  ``AsyncIterator[T]`` annotation does not promise it, so mypy --strict and basedpyright
  refused the README's own example. ``Subscription`` has ``aclose()`` and is an async
  context manager itself (``async with client.x_stream(...) as rows:``).
- **Leaving with ``break``** (no ``aclosing``): a generated async generator wrapping the
  base client's event generator made two async generators close each other at interpreter
  shutdown; asyncio's finaliser and ``shutdown_asyncgens`` then both called ``aclose()`` on
  the inner one ("aclose(): asynchronous generator is already running" on stderr). Here the
  only async generator is the base client's (``run_subscription``), closed once.
- **Completion**: jedi infers an ``async def`` generator's items from its ``yield``
  expressions, not its annotation (nothing for ``model_validate(...).field``); it follows
  ``__anext__``'s annotation here.

A *stream* subscription yields one row at a time (``Subscription.rows``): the next batch is
read only when the rows of the last one have all been handed over, so the base client's
resume cursor (the last row of the last batch read) is the last row yielded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Subscription(AsyncIterator[T], Generic[T]):
    """The events of one subscription: ``async for event in client.x_live(...)``.

    ``await sub.aclose()`` (or ``async with``/``aclosing``) closes the socket at once;
    leaving the loop early without it closes it when the object is garbage collected.
    """

    __slots__ = ("_convert", "_events", "_flatten", "_pending")

    def __init__(self, events: AsyncGenerator[Any, None], convert: Callable[[Any], T]) -> None:
        self._events = events
        self._convert: Callable[[Any], Any] = convert
        self._flatten = False
        self._pending: deque[T] = deque()

    @classmethod
    def rows(
        cls, events: AsyncGenerator[Any, None], convert: Callable[[Any], Iterable[T]]
    ) -> Subscription[T]:
        """One item per row of each event's list (a Hasura ``..._stream`` subscription)."""
        subscription: Subscription[T] = cls(events, convert)  # type: ignore[arg-type]
        subscription._flatten = True
        return subscription

    def __aiter__(self) -> Subscription[T]:
        return self

    async def __anext__(self) -> T:
        if not self._flatten:
            converted: T = self._convert(await self._events.__anext__())
            return converted
        while not self._pending:
            self._pending.extend(self._convert(await self._events.__anext__()))
        return self._pending.popleft()

    async def aclose(self) -> None:
        """Stop the subscription and close its socket (idempotent)."""
        self._pending.clear()
        await self._events.aclose()

    async def __aenter__(self) -> Subscription[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        name = getattr(self._events, "__qualname__", type(self._events).__name__)
        return f"<Subscription over {name}>"
