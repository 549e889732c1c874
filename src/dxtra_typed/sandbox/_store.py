"""The sandbox's rows in SQLite (standard library), in memory or in a file.

A real database underneath, rather than dicts, is what makes the sandbox's promises cheap to keep:
mutations are transactions (all root fields commit or none), a file survives a restart, and
filters compile to SQL so a 10,000-row table still answers in milliseconds.

Rows cross this boundary as plain dicts keyed by GraphQL column name holding typed Python values
(uuid as its canonical string, timestamptz as an aware datetime, date, Decimal, int, bool, JSON
values); the encoding below is chosen so SQLite's own comparisons agree with Postgres's:
timestamps are fixed-width UTC text (lexical order is time order), `numeric` is exact text under
a Decimal collation, `citext` compares case-insensitively (NOCASE), jsonb is canonical JSON text.

Concurrency: one connection, guarded by a re-entrant lock the engine holds for a whole request;
files use WAL and a busy timeout so another process on the same file waits instead of failing.

Change feed: every write bumps `version`, and listeners (the WebSocket front's live queries and
streams) are called once per committed write or transaction, from whichever thread wrote.
`next_timestamp()` hands out strictly increasing timestamps (microsecond steps), so rows
inserted in the same instant still have distinct, ordered `createdAt` values: a stream cursor
on `createdAt` is then exact.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from dxtra_typed._errors import ConfigurationError
from dxtra_typed.sandbox._change_feed import ChangeFeed
from dxtra_typed.sandbox._model import TABLES, Column, Table

Row = dict[str, Any]

_TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"
# Collations for SQL terms whose Postgres ordering differs from SQLite's binary text order.
COLLATIONS = {"numeric": "DECIMAL", "citext": "NOCASE"}
_SQL_TYPES = {"Int": "INTEGER", "bigint": "INTEGER", "Boolean": "INTEGER"}


def encode(type_: str, value: Any) -> Any:
    """A typed Python value as the SQLite value stored for it."""
    if value is None:
        return None
    if type_ == "timestamptz":
        return value.astimezone(UTC).strftime(_TS_FORMAT)
    if type_ == "date":
        return value.isoformat()
    if type_ == "jsonb":
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    if type_ == "numeric":
        return str(value)
    if type_ == "Boolean":
        return int(bool(value))
    return value


def _decoder(type_: str) -> Callable[[Any], Any] | None:
    if type_ == "timestamptz":
        return datetime.fromisoformat
    if type_ == "date":
        return date.fromisoformat
    if type_ == "jsonb":
        return json.loads
    if type_ == "numeric":
        return Decimal
    if type_ == "Boolean":
        return bool
    return None


def _decimal_collation(a: str, b: str) -> int:
    x, y = Decimal(a), Decimal(b)
    return (x > y) - (x < y)


def qi(name: str) -> str:
    """A quoted SQL identifier (names come from the model, never from requests)."""
    return '"' + name.replace('"', '""') + '"'


def column_list(table: Table, alias: str) -> str:
    return ", ".join(f"{alias}.{qi(c.db_name)}" for c in table.columns)


def _ddl(table: Table) -> list[str]:
    cols: list[str] = []
    for col in table.columns:
        parts = [qi(col.db_name), _SQL_TYPES.get(col.type, "TEXT")]
        if col.name == "id":
            parts.append("PRIMARY KEY")
        elif not col.nullable:
            parts.append("NOT NULL")
        if col.type in COLLATIONS:
            parts.append(f"COLLATE {COLLATIONS[col.type]}")
        cols.append(" ".join(parts))
    stmts = [f"CREATE TABLE IF NOT EXISTS {qi(table.db_name)} ({', '.join(cols)})"]
    # Every relationship column is looked up by value (permission joins, nested selections).
    indexed = {rel.mapping[0][0] for rel in table.relationships if rel.kind == "object"}
    for other in TABLES.values():
        for rel in other.relationships:
            if rel.kind == "array" and rel.target == table.name:
                indexed.add(rel.mapping[0][1])
    for name in sorted(indexed - {"id"}):
        indexed_col = table.column(name)
        assert indexed_col is not None
        db = indexed_col.db_name
        stmts.append(
            f"CREATE INDEX IF NOT EXISTS {qi(f'{table.db_name}_{db}_idx')} "
            f"ON {qi(table.db_name)} ({qi(db)})"
        )
    return stmts


_META_TABLE = "_sandbox_meta"


def _open(path: Path | None) -> sqlite3.Connection:
    """A connection to a new or an existing sandbox database, or ``ConfigurationError`` naming
    the path and the reason. Someone else's file (not SQLite, or SQLite without the sandbox's
    own table) is refused before anything is written to it."""
    if path is None:
        return sqlite3.connect(
            ":memory:", isolation_level=None, check_same_thread=False, timeout=10.0
        )
    where = f"the sandbox database {str(path)!r}"
    if path.is_dir():
        raise ConfigurationError(f"cannot open {where}: it is a folder, not a file")
    if not path.parent.is_dir():
        raise ConfigurationError(
            f"cannot open {where}: the folder {str(path.parent)!r} does not exist"
        )
    try:
        conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=10.0
        )
    except sqlite3.Error as exc:
        raise ConfigurationError(f"cannot open {where}: {exc}") from None
    try:
        # Read before writing: this fails on a file that is not SQLite, and shows whose it is.
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and _META_TABLE not in tables:
            shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
            raise ConfigurationError(
                f"refusing to use {where}: it is an SQLite database of another application "
                f"(tables: {shown}); give --db a new file or one the sandbox created"
            )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("BEGIN IMMEDIATE")  # can we write? (a read-only file fails here)
        conn.execute("ROLLBACK")
    except BaseException as exc:
        conn.close()
        if not isinstance(exc, sqlite3.DatabaseError):
            raise
        reason = str(exc)
        if "not a database" in reason:
            reason = "the file is not an SQLite database (left untouched)"
        raise ConfigurationError(f"cannot open {where}: {reason}") from None
    return conn


class Store(ChangeFeed):
    """The sandbox database. `path=None` is a private in-memory database.

    A new database (memory, or a new or empty file) is seeded with the fixed world of
    `_seed.py` plus `seed_rows` generated data subjects; an existing sandbox file is opened as
    it is, so committed writes survive a restart and are never seeded over. Any other file is
    refused untouched (see `_open`).
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        seed_rows: int = 0,
        rows: Mapping[str, Sequence[Row]] | None = None,
    ) -> None:
        self.path = None if path is None else Path(path)
        # Re-entrant: the engine holds it for a whole request and the store methods take it too.
        self.lock = threading.RLock()
        self._depth = 0
        #: Bumped by every write; a reader compares it to know whether anything changed.
        self.version = 0
        self._notified_version = 0
        self._listeners: list[Callable[[], None]] = []
        self._last_timestamp: datetime | None = None
        self._conn = _open(self.path)
        self._conn.create_collation("DECIMAL", _decimal_collation)
        self._decoders = {
            t.name: [(c.name, _decoder(c.type)) for c in t.columns] for t in TABLES.values()
        }
        with self.lock, self.transaction():
            self._conn.execute(
                f"CREATE TABLE IF NOT EXISTS {_META_TABLE} (key TEXT PRIMARY KEY, value TEXT)"
            )
            for table in TABLES.values():
                for stmt in _ddl(table):
                    self._conn.execute(stmt)
            seeded = self._conn.execute(
                f"SELECT value FROM {_META_TABLE} WHERE key = 'seeded'"
            ).fetchone()
            if seeded is None:
                if rows is None:
                    from dxtra_typed.sandbox._seed import seed_rows as make_rows

                    rows = make_rows(seed_rows)
                for name, table_rows in rows.items():
                    self.insert_many(name, table_rows)
                self._conn.execute(
                    f"INSERT INTO {_META_TABLE} VALUES ('seeded', ?)", (str(seed_rows),)
                )

    def remember(self, key: str, make: Callable[[], str]) -> str:
        """A setting kept with the data (the sandbox's API keys): read it, or make and store
        it on first use, so a restart on the same file gives the same value."""
        with self.lock, self.transaction():
            found = self._conn.execute(
                f"SELECT value FROM {_META_TABLE} WHERE key = ?", (key,)
            ).fetchone()
            if found is not None:
                return str(found[0])
            value = make()
            self._conn.execute(f"INSERT INTO {_META_TABLE} VALUES (?, ?)", (key, value))
            return value

    @classmethod
    def seeded(cls, seed_rows: int = 0) -> Store:
        return cls(seed_rows=seed_rows)

    def close(self) -> None:
        with self.lock:
            self._conn.close()

    # change feed

    def _changed(self) -> None:
        self.version += 1
        if self._depth == 0:
            self._notify()

    def _notify(self) -> None:
        if self._notified_version == self.version:
            return
        self._notified_version = self.version
        for listener in list(self._listeners):
            listener()

    def next_timestamp(self) -> datetime:
        """Now, but strictly later than any timestamp this store handed out before (1 µs steps).

        The first call starts after the newest `createdAt` already stored, so a file database
        reopened later keeps the order too.
        """
        with self.lock:
            last = self._last_timestamp
            if last is None:
                last = datetime.min.replace(tzinfo=UTC)
                for table in TABLES.values():
                    col = table.column("createdAt")
                    if col is None:
                        continue
                    found = self.scalar(f"SELECT max({qi(col.db_name)}) FROM {qi(table.db_name)}")
                    if found is not None:
                        last = max(last, datetime.fromisoformat(found))
            now = datetime.now(UTC)
            stamp = now if now > last else last + timedelta(microseconds=1)
            self._last_timestamp = stamp
            return stamp

    # reading

    def decode(self, table: str, raw: Sequence[Any]) -> Row:
        row: Row = {}
        for (name, dec), value in zip(self._decoders[table], raw, strict=True):
            row[name] = value if value is None or dec is None else dec(value)
        return row

    def query(
        self, table: str, sql: str, params: Mapping[str, Any] | Sequence[Any] = ()
    ) -> list[Row]:
        """Rows of `table` from a SELECT whose columns are `column_list(table, ...)`."""
        with self.lock:
            raw = self._conn.execute(sql, params).fetchall()
        return [self.decode(table, r) for r in raw]

    def scalar(self, sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> Any:
        with self.lock:
            found = self._conn.execute(sql, params).fetchone()
        return None if found is None else found[0]

    def rows(self, table: str) -> list[Row]:
        t = TABLES[table]
        return self.query(
            table, f"SELECT {column_list(t, 't')} FROM {qi(t.db_name)} t ORDER BY t.rowid"
        )

    def get(self, table: str, row_id: str) -> Row | None:
        t = TABLES[table]
        found = self.query(
            table, f"SELECT {column_list(t, 't')} FROM {qi(t.db_name)} t WHERE t.id = ?", (row_id,)
        )
        return found[0] if found else None

    def count(self, table: str) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {qi(TABLES[table].db_name)}"))

    # writing

    def insert_many(self, table: str, rows: Sequence[Row]) -> None:
        t = TABLES[table]
        names = ", ".join(qi(c.db_name) for c in t.columns)
        marks = ", ".join("?" for _ in t.columns)
        data = [tuple(encode(c.type, r.get(c.name)) for c in t.columns) for r in rows]
        with self.lock:
            self._conn.executemany(f"INSERT INTO {qi(t.db_name)} ({names}) VALUES ({marks})", data)
            self._changed()

    def insert(self, table: str, row: Row) -> None:
        self.insert_many(table, [row])

    def update(self, table: str, row_id: str, changes: Mapping[str, Any]) -> Row:
        t = TABLES[table]
        cols: list[Column] = [c for c in t.columns if c.name in changes]
        if cols:
            assignments = ", ".join(f"{qi(c.db_name)} = ?" for c in cols)
            values = [encode(c.type, changes[c.name]) for c in cols]
            with self.lock:
                self._conn.execute(
                    f"UPDATE {qi(t.db_name)} SET {assignments} WHERE id = ?", (*values, row_id)
                )
                self._changed()
        row = self.get(table, row_id)
        if row is None:
            raise KeyError(row_id)
        return row

    def delete(self, table: str, row_id: str) -> None:
        with self.lock:
            self._conn.execute(f"DELETE FROM {qi(TABLES[table].db_name)} WHERE id = ?", (row_id,))
            self._changed()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: an exception rolls the whole block back; nested blocks join it."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            # IMMEDIATE takes the write lock up front, so two writers never interleave.
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._depth = 0
                # A rolled-back block may have bumped the version too: a spurious wake-up
                # costs one re-evaluation that finds nothing new.
                self._notify()

    def create_function(self, name: str, nargs: int, fn: Callable[..., Any]) -> None:
        with self.lock:
            self._conn.create_function(name, nargs, fn, deterministic=True)
