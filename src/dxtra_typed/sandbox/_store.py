"""In-memory rows of the sandbox, behind the small interface the engine needs.

Rows are plain dicts keyed by GraphQL column name holding typed Python values (uuid as its
canonical string, timestamptz as an aware datetime, date, Decimal, int, JSON values), so the
engine compares and orders them natively and serialises only at the edge. The interface is kept
narrow (rows / get / insert / update / delete / transaction) so a SQLite store can replace it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

Row = dict[str, Any]


class Store:
    def __init__(self, tables: Mapping[str, list[Row]] | None = None) -> None:
        # Re-entrant: the engine holds it for a whole request and the store methods take it too.
        self.lock = threading.RLock()
        self._tables: dict[str, dict[str, Row]] = {}
        for name, rows in (tables or {}).items():
            self._tables[name] = {row["id"]: dict(row) for row in rows}

    @classmethod
    def seeded(cls) -> Store:
        from dxtra_typed.sandbox._seed import seed_rows

        return cls(seed_rows())

    def rows(self, table: str) -> list[Row]:
        with self.lock:
            return list(self._tables.get(table, {}).values())

    def get(self, table: str, row_id: str) -> Row | None:
        with self.lock:
            return self._tables.get(table, {}).get(row_id)

    def insert(self, table: str, row: Row) -> None:
        with self.lock:
            rows = self._tables.setdefault(table, {})
            if row["id"] in rows:
                raise KeyError(row["id"])
            rows[row["id"]] = dict(row)

    def update(self, table: str, row_id: str, changes: Mapping[str, Any]) -> Row:
        with self.lock:
            row = self._tables[table][row_id]
            row.update(changes)
            return row

    def delete(self, table: str, row_id: str) -> None:
        with self.lock:
            del self._tables[table][row_id]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: any exception restores the rows as they were before the block."""
        with self.lock:
            saved = copy.deepcopy(self._tables)
            try:
                yield
            except BaseException:
                self._tables = saved
                raise
