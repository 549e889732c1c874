"""Keyset pagination: every row of a list exactly once, a page at a time.

Hasura pages with ``limit``/``offset``, but an offset is a position, and a row inserted before
that position while you page shifts every later row by one: you see a row twice or never.
Paging on the primary key does not move: each page asks for the rows whose ``id`` is greater
than the last ``id`` already seen, ordered by ``id``. A row that exists when paging starts is
yielded exactly once, whatever is inserted meanwhile (a row inserted behind the cursor is not
yielded; one inserted ahead of it is, once).

The codegen plugin (``dxtra_typed.codegen.pagination``) gives every operation that declares
``$after`` and ``$limit`` and orders by ``id`` an ``iter_<name>`` method on both clients, e.g.
``client.iter_data_subjects(controller_id=cid, page_size=500)``; those return the iterators
below. They are also usable directly with any fetch function of your own::

    pages = KeysetPager(lambda after, limit: (fetch_rows(after, limit), None), page_size=200)
    for row in pages: ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from dxtra_typed._errors import ConfigurationError

__all__ = ["FIRST_ID", "AsyncKeysetPager", "HasId", "KeysetPager", "Page"]

FIRST_ID = UUID(int=0)
"""The cursor before every uuid: the first page asks for ``id > 00000000-…``."""


class HasId(Protocol):
    """A row with a uuid primary key (every generated row model of a paged operation)."""

    @property
    def id(self) -> UUID: ...


RowT = TypeVar("RowT", bound=HasId)

Page = tuple[Sequence[RowT], int | None]
"""What a fetch returns: the rows of one page, and the total count when the operation exposes
it through an aggregate (else None)."""


def _check_page_size(page_size: int) -> int:
    if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1:
        raise ConfigurationError(f"page_size must be a positive int, got {page_size!r}")
    return page_size


class _PagerState(Generic[RowT]):
    def __init__(self, page_size: int, after: UUID) -> None:
        self.page_size = _check_page_size(page_size)
        self.after = after
        self.total: int | None = None
        """The operation's aggregate count (rows matching the filter when the first page was
        read), or None when the operation exposes no count or no page has been read yet."""
        self.pages = 0
        """How many pages have been requested so far."""
        self._buffer: list[RowT] = []
        self._done = False

    def _accept(self, page: Page[RowT]) -> None:
        rows, total = page
        self.pages += 1
        if total is not None and self.total is None:
            self.total = total
        self._buffer = list(rows)
        # A short page is the last one; an empty page too (the final full page is followed by
        # one empty request, which also catches rows inserted meanwhile ahead of the cursor).
        if len(self._buffer) < self.page_size:
            self._done = True
        if self._buffer:
            last = self._buffer[-1].id
            if last <= self.after:
                raise ConfigurationError(
                    f"keyset pagination went backwards (a page after {self.after} ended at "
                    f"{last}): the operation or fetch function must filter id > after and "
                    "order by id ascending"
                )
            self.after = last
        self._buffer.reverse()  # pop() from the end yields rows in order


class KeysetPager(_PagerState[RowT], Iterator[RowT]):
    """Iterator over every row, fetched ``page_size`` at a time with ``fetch(after, limit)``.

    ``after`` starts at :data:`FIRST_ID` (or the ``after`` you pass to resume) and moves to
    the last id of each page. ``total`` holds the aggregate count once the first page arrived,
    when the operation selects one.
    """

    def __init__(
        self,
        fetch: Callable[[UUID, int], Page[RowT]],
        *,
        page_size: int = 500,
        after: UUID = FIRST_ID,
    ) -> None:
        super().__init__(page_size, after)
        self._fetch = fetch

    def __iter__(self) -> KeysetPager[RowT]:
        return self

    def __next__(self) -> RowT:
        while not self._buffer:
            if self._done:
                raise StopIteration
            self._accept(self._fetch(self.after, self.page_size))
        return self._buffer.pop()

    def by_page(self) -> Iterator[list[RowT]]:
        """The remaining rows page by page (each a list of at most ``page_size`` rows)."""
        while True:
            if self._buffer:
                page, self._buffer = list(reversed(self._buffer)), []
                yield page
            if self._done:
                return
            self._accept(self._fetch(self.after, self.page_size))


class AsyncKeysetPager(_PagerState[RowT], AsyncIterator[RowT]):
    """The async twin of :class:`KeysetPager`: ``async for row in client.iter_...(...)``."""

    def __init__(
        self,
        fetch: Callable[[UUID, int], Awaitable[Page[RowT]]],
        *,
        page_size: int = 500,
        after: UUID = FIRST_ID,
    ) -> None:
        super().__init__(page_size, after)
        self._fetch = fetch

    def __aiter__(self) -> AsyncKeysetPager[RowT]:
        return self

    async def __anext__(self) -> RowT:
        while not self._buffer:
            if self._done:
                raise StopAsyncIteration
            self._accept(await self._fetch(self.after, self.page_size))
        return self._buffer.pop()

    async def by_page(self) -> AsyncIterator[list[RowT]]:
        """The remaining rows page by page (each a list of at most ``page_size`` rows)."""
        while True:
            if self._buffer:
                page, self._buffer = list(reversed(self._buffer)), []
                yield page
            if self._done:
                return
            self._accept(await self._fetch(self.after, self.page_size))
