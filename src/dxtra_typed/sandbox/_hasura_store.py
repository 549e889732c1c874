"""The rows of a schema-served sandbox: a list per table under one lock, all-or-nothing
blocks, and the change feed (``version`` and listeners) the WebSocket front's live queries and
streams wait on, as they do on the bundled SQLite store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ._change_feed import ChangeFeed
from ._hasura_model import Table

__all__ = ["MemoryStore", "Row"]

Row = dict[str, Any]


class MemoryStore(ChangeFeed):
    """Rows per table, one lock, and the change feed the WebSocket front listens to."""

    def __init__(self, tables: Mapping[str, Table]) -> None:
        self.rows: dict[str, list[Row]] = {name: [] for name in tables}
        self.lock = threading.RLock()
        self.version = 0
        self._listeners: list[Callable[[], None]] = []

    def changed(self) -> None:
        self.version += 1
        for listener in list(self._listeners):
            listener()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All of a block's writes or none: the rows are restored when it raises."""
        with self.lock:
            # Writes never change a row dict in place (they replace it), so copying the lists
            # is enough to restore: O(rows) pointers, not O(rows x columns) values.
            saved = {name: list(rows) for name, rows in self.rows.items()}
            try:
                yield
            except BaseException:
                self.rows = saved
                raise

    def replace(self, table: str, old: Row, new: Row) -> None:
        """Put ``new`` where ``old`` is (rows are replaced, never changed in place)."""
        rows = self.rows[table]
        for i, row in enumerate(rows):
            if row is old:
                rows[i] = new
                return
