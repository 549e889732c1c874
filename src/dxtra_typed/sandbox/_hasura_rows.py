"""One request's reads and writes over a schema-served sandbox's rows, with Hasura's semantics.

Boolean expressions (``_and``/``_or``/``_not``, column operators, relationships both ways,
aggregate predicates; a null operand is ignored, as Hasura does), ``order_by`` (Postgres' null
placement, through relationships and aggregates), ``distinct_on``, pagination, ``_stream``
batches, and the writes: inserts (defaults, nested object and array inserts, ``on_conflict``),
updates (``_set``, ``_inc``, the jsonb operators) and deletes. Rows are replaced, never changed in
place, so ``MemoryStore.transaction`` can restore by copying lists.
"""

from __future__ import annotations

import functools
import json
import operator
import re
import statistics
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ._engine import Session, StreamState, stream_batch
from ._hasura_errors import HasuraError, uniqueness_violation
from ._hasura_model import Relationship, Table
from ._hasura_store import MemoryStore, Row
from ._hasura_values import CoercionError, coerce, is_numeric_type, output, sort_key

__all__ = ["RowRequest", "aggregate", "count_rows"]

USER_ID_VARIABLE = "x-hasura-user-id"


_DIRECTIONS = {
    "asc": (False, False),
    "asc_nulls_last": (False, False),
    "asc_nulls_first": (False, True),
    "desc": (True, True),
    "desc_nulls_first": (True, True),
    "desc_nulls_last": (True, False),
}


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "_eq": operator.eq,
    "_neq": operator.ne,
    "_gt": operator.gt,
    "_gte": operator.ge,
    "_lt": operator.lt,
    "_lte": operator.le,
}


def _like(pattern: str, flags: int = 0) -> re.Pattern[str]:
    out = []
    for ch in pattern:
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("".join(out) + r"\Z", flags | re.DOTALL)


def _contains(big: Any, small: Any) -> bool:
    """Postgres' jsonb ``@>``."""
    if isinstance(small, dict):
        return isinstance(big, dict) and all(
            k in big and _contains(big[k], v) for k, v in small.items()
        )
    if isinstance(small, list):
        return isinstance(big, list) and all(any(_contains(b, s) for b in big) for s in small)
    return bool(big == small)


class RowRequest:
    """One operation's view of the rows: the session's role, its permission filters."""

    def __init__(
        self,
        store: MemoryStore,
        tables: Mapping[str, Table],
        enums: Mapping[str, frozenset[str]],
        permissions: Mapping[str, Mapping[str, Any]],
        session: Session,
        stream: StreamState | None = None,
    ) -> None:
        self.store = store
        self.tables = tables
        self.enums = enums
        self.session = session
        self.stream_state = stream
        self.now = datetime.now(UTC)
        rules = permissions.get(session.role, {})
        self.filters = {t: self._substitute(f) for t, f in rules.items()}

    def _substitute(self, exp: Any) -> Any:
        if isinstance(exp, dict):
            return {k: self._substitute(v) for k, v in exp.items()}
        if isinstance(exp, list):
            return [self._substitute(v) for v in exp]
        if isinstance(exp, str) and exp.lower() == USER_ID_VARIABLE:
            if self.session.user_id is None:
                raise HasuraError('missing session variable: "x-hasura-user-id"', "not-found")
            return self.session.user_id
        return exp

    # --- values ---

    def coerce(self, table: Table, column: str, value: Any) -> Any:
        type_ = table.columns[column]
        try:
            return coerce(type_, value, self.enums.get(type_), self.now)
        except CoercionError as exc:
            raise HasuraError(str(exc), "data-exception") from None

    def key(self, table: Table, column: str, value: Any) -> Any:
        return sort_key(table.columns.get(column, "String"), value)

    # --- reading ---

    def visible(self, table: Table, rows: list[Row] | None = None) -> list[Row]:
        source = self.store.rows[table.name] if rows is None else rows
        rule = self.filters.get(table.name)
        if rule is None:
            return list(source)
        return [r for r in source if self.matches(table, r, rule)]

    def related(self, table: Table, row: Row, rel: Relationship) -> list[Row]:
        if rel.join is None:
            return []
        here, there = rel.join
        value = row.get(here)
        if value is None:
            return []
        target = self.tables[rel.target]
        return [r for r in self.visible(target) if r.get(there) == value]

    def select(
        self, table: Table, args: Mapping[str, Any], rows: list[Row] | None = None
    ) -> list[Row]:
        rows = self.visible(table, rows)
        where = args.get("where")
        if where:
            rows = [r for r in rows if self.matches(table, r, where)]
        order = args.get("order_by")
        if order:
            rows = self.ordered(table, rows, order)
        distinct = args.get("distinct_on")
        if distinct:
            columns = [distinct] if isinstance(distinct, str) else list(distinct)
            leading = [k for exp in _as_list(order or []) for k in exp][: len(columns)]
            if order and sorted(leading) != sorted(columns):
                raise HasuraError(
                    '"distinct_on" columns must match initial "order_by" columns',
                    "validation-failed",
                )
            seen: set[Any] = set()
            unique = []
            for r in rows:
                k = tuple(json.dumps(self.key(table, c, r.get(c)), default=str) for c in columns)
                if k not in seen:
                    seen.add(k)
                    unique.append(r)
            rows = unique
        offset = args.get("offset") or 0
        limit = args.get("limit")
        if offset:
            rows = rows[offset:]
        if limit is not None:
            rows = rows[:limit]
        return rows

    def matches(self, table: Table, row: Row, exp: Any) -> bool:
        if isinstance(exp, list):
            return all(self.matches(table, row, e) for e in exp)
        for key, value in exp.items():
            if value is None:
                continue
            if key == "_and":
                if not all(self.matches(table, row, e) for e in _as_list(value)):
                    return False
            elif key == "_or":
                items = _as_list(value)
                if items and not any(self.matches(table, row, e) for e in items):
                    return False
            elif key == "_not":
                if self.matches(table, row, value):
                    return False
            elif key in table.columns:
                if not self.compare(table, key, row.get(key), value):
                    return False
            elif key in table.relationships:
                rel = table.relationships[key]
                target = self.tables[rel.target]
                found = self.related(table, row, rel)
                if not any(self.matches(target, r, value) for r in found):
                    return False
            elif key in table.aggregates:
                rel = table.relationships[table.aggregates[key]]
                if not self._aggregate_matches(table, row, rel, value):
                    return False
            else:
                raise HasuraError(
                    f"field '{key}' not found in type: '{table.name}_bool_exp'", "validation-failed"
                )
        return True

    def _aggregate_matches(self, table: Table, row: Row, rel: Relationship, exp: Any) -> bool:
        count = exp.get("count")
        if not count:
            return True
        target = self.tables[rel.target]
        rows = self.related(table, row, rel)
        if count.get("filter"):
            rows = [r for r in rows if self.matches(target, r, count["filter"])]
        n = count_rows(
            target, rows, {"columns": count.get("arguments"), "distinct": count.get("distinct")}
        )
        return self._compare_values("Int", n, count.get("predicate") or {})

    def compare(self, table: Table, column: str, value: Any, ops: Mapping[str, Any]) -> bool:
        type_ = table.columns[column]

        def operand(v: Any) -> Any:
            return self.coerce(table, column, v)

        return self._compare_values(type_, value, ops, operand)

    def _compare_values(
        self,
        type_: str,
        value: Any,
        ops: Mapping[str, Any],
        operand: Callable[[Any], Any] = lambda v: v,
    ) -> bool:
        k = sort_key(type_, value)
        for op, raw in ops.items():
            if raw is None:
                continue  # Hasura ignores a null operand
            if op == "_is_null":
                if (value is None) != raw:
                    return False
                continue
            if op in ("_in", "_nin"):
                keys = {json.dumps(sort_key(type_, operand(v)), default=str) for v in raw}
                inside = value is not None and json.dumps(k, default=str) in keys
                if value is None or inside != (op == "_in"):
                    return False
                continue
            if value is None:
                return False
            if op in ("_like", "_nlike", "_ilike", "_nilike"):
                flags = re.IGNORECASE if "ilike" in op or type_ == "citext" else 0
                hit = bool(_like(str(raw), flags).match(str(value)))
                if hit == op.startswith("_n"):
                    return False
                continue
            if op in ("_regex", "_nregex", "_iregex", "_niregex", "_similar", "_nsimilar"):
                flags = re.IGNORECASE if "iregex" in op else 0
                pattern = str(raw)
                hit = (
                    bool(re.search(pattern, str(value), flags))
                    if "regex" in op
                    else bool(_like(pattern.replace(".*", "%")).match(str(value)))
                )
                if hit == op.startswith("_n"):
                    return False
                continue
            if op == "_contains":
                if not _contains(value, raw):
                    return False
                continue
            if op == "_contained_in":
                if not _contains(raw, value):
                    return False
                continue
            if op in ("_has_key", "_has_keys_any", "_has_keys_all"):
                wanted = [raw] if isinstance(raw, str) else list(raw)
                present = [isinstance(value, dict) and x in value for x in wanted]
                if not (any(present) if op == "_has_keys_any" else all(present)):
                    return False
                continue
            if op == "_cast":
                continue
            compare = _COMPARISONS.get(op)
            if compare is None:
                raise HasuraError(
                    f"the sandbox does not support the operator {op}", "not-supported"
                )
            if not compare(k, sort_key(type_, operand(raw))):
                return False
        return True

    def ordered(self, table: Table, rows: list[Row], order: Any) -> list[Row]:
        specs: list[tuple[Callable[[Row], Any], bool, bool]] = []

        def add(tbl: Table, exp: Mapping[str, Any], path: Callable[[Row], list[Row]]) -> None:
            for name, direction in exp.items():
                if direction is None:
                    continue
                if name in tbl.columns:
                    desc, nulls_first = _DIRECTIONS[direction]

                    def getter(r: Row, name: str = name, tbl: Table = tbl, path: Any = path) -> Any:
                        found = path(r)
                        return self.key(tbl, name, found[0].get(name)) if found else None

                    specs.append((getter, desc, nulls_first))
                elif name in tbl.relationships:
                    rel = tbl.relationships[name]
                    target = self.tables[rel.target]

                    def step(
                        r: Row, rel: Relationship = rel, tbl: Table = tbl, path: Any = path
                    ) -> list[Row]:
                        found = path(r)
                        return self.related(tbl, found[0], rel)[:1] if found else []

                    add(target, direction, step)
                elif name in tbl.aggregates:
                    rel = tbl.relationships[tbl.aggregates[name]]
                    for fn, sub in direction.items():
                        if fn == "count":
                            desc, nulls_first = _DIRECTIONS[sub]

                            def counter(
                                r: Row, rel: Relationship = rel, tbl: Table = tbl, path: Any = path
                            ) -> Any:
                                found = path(r)
                                return len(self.related(tbl, found[0], rel)) if found else 0

                            specs.append((counter, desc, nulls_first))
                        elif isinstance(sub, Mapping):
                            # `{max: {weight: desc}}`: the related rows' aggregate of a column.
                            target = self.tables[rel.target]
                            for column, order_dir in sub.items():
                                desc, nulls_first = _DIRECTIONS[order_dir]

                                def aggregated(
                                    r: Row,
                                    rel: Relationship = rel,
                                    tbl: Table = tbl,
                                    path: Any = path,
                                    fn: str = fn,
                                    column: str = column,
                                    target: Table = target,
                                ) -> Any:
                                    found = path(r)
                                    rows = self.related(tbl, found[0], rel) if found else []
                                    value = aggregate(fn, target, rows, column)
                                    return sort_key(target.columns.get(column, "String"), value)

                                specs.append((aggregated, desc, nulls_first))

        for exp in _as_list(order):
            add(table, exp, lambda r: [r])

        def compare(a: Row, b: Row) -> int:
            for getter, desc, nulls_first in specs:
                x, y = getter(a), getter(b)
                if x is None and y is None:
                    continue
                if x is None or y is None:
                    first = (x is None) == nulls_first
                    return -1 if first else 1
                if x == y:
                    continue
                less = x < y
                return (1 if less else -1) if desc else (-1 if less else 1)
            return 0

        return sorted(rows, key=functools.cmp_to_key(compare))

    def by_pk(self, table: Table, args: Mapping[str, Any]) -> Row | None:
        wanted = {c: self.key(table, c, self.coerce(table, c, v)) for c, v in args.items()}
        for r in self.visible(table):
            if all(self.key(table, c, r.get(c)) == v for c, v in wanted.items()):
                return r
        return None

    def stream(self, table: Table, args: Mapping[str, Any]) -> list[Row]:
        column, batch, state = stream_batch(
            args, _as_list(args.get("cursor") or []), self.stream_state
        )
        rows = self.select(table, batch)
        state.count = len(rows)
        state.batch_size = batch["limit"]
        if rows:
            last = output(rows[-1].get(column))
            state.last = str(last) if isinstance(last, Decimal) else last
        return rows

    # --- writing ---

    def _default(self, table: Table, column: str) -> Any:
        type_ = table.columns[column]
        if table.nullable.get(column, True) and column not in table.primary_key:
            return None
        for rel in table.relationships.values():
            # A required key left out points at an existing row (Hasura would take a column
            # preset such as X-Hasura-User-Id, or refuse), so the relationship resolves.
            if rel.kind == "object" and rel.join is not None and rel.join[0] == column:
                target = self.tables[rel.target]
                if rel.join[1] in target.primary_key and column not in table.primary_key:
                    rows = self.visible(target)
                    if rows:
                        return rows[0].get(rel.join[1])
        if type_ == "uuid":
            return str(uuid.uuid4())
        if type_ == "timestamptz":
            return self.now
        if type_ == "date":
            return self.now.date()
        if type_ == "Boolean":
            return False
        if is_numeric_type(type_):
            if column in table.primary_key:
                existing = [r.get(column) or 0 for r in self.store.rows[table.name]]
                return max(existing, default=0) + 1
            return Decimal(0) if type_ == "numeric" else 0
        enum = self.enums.get(type_)
        if enum:
            return sorted(enum)[0]
        if type_ in ("jsonb", "json"):
            return {}
        return ""

    def _find_same(self, table: Table, row: Row) -> Row | None:
        if not table.primary_key:
            return None
        key = tuple(self.key(table, c, row.get(c)) for c in table.primary_key)
        for r in self.store.rows[table.name]:
            if tuple(self.key(table, c, r.get(c)) for c in table.primary_key) == key:
                return r
        return None

    def insert(
        self, table: Table, objects: list[Mapping[str, Any]], on_conflict: Any, path: str
    ) -> list[Row]:
        out: list[Row] = []
        for obj in objects:
            row: Row = {}
            later: list[tuple[Relationship, Any]] = []
            for name, value in obj.items():
                if name in table.columns:
                    row[name] = self.coerce(table, name, value)
                elif name in table.relationships:
                    rel = table.relationships[name]
                    target = self.tables[rel.target]
                    if rel.join is None:
                        raise HasuraError(
                            f'the sandbox cannot tell which columns join "{table.name}.{name}"',
                            "not-supported",
                            path,
                        )
                    here, there = rel.join
                    if (
                        rel.kind == "object"
                        and there in target.primary_key
                        and here not in table.primary_key
                    ):
                        parent = self.insert(
                            target, [value["data"]], value.get("on_conflict"), path
                        )
                        if parent:
                            row[here] = parent[0][there]
                    else:
                        later.append((rel, value))
            for column in table.columns:
                if column not in row:
                    row[column] = self._default(table, column)
            existing = self._find_same(table, row)
            if existing is not None:
                if on_conflict is None:
                    raise uniqueness_violation(f"{table.name}_pkey", path)
                columns = list(on_conflict.get("update_columns") or [])
                if not columns:
                    continue
                cond = on_conflict.get("where")
                if cond and not self.matches(table, existing, cond):
                    continue
                updated = {**existing, **{c: row[c] for c in columns if c in obj}}
                self.store.replace(table.name, existing, updated)
                out.append(updated)
                saved = updated
            else:
                self.store.rows[table.name].append(row)
                out.append(row)
                saved = row
            for rel, value in later:
                here, there = rel.join  # type: ignore[misc]
                target = self.tables[rel.target]
                data = value["data"]
                children = data if isinstance(data, list) else [data]
                self.insert(
                    target,
                    [{**child, there: output(saved[here])} for child in children],
                    value.get("on_conflict"),
                    path,
                )
        return out

    def update(self, table: Table, rows: list[Row], args: Mapping[str, Any]) -> list[Row]:
        out: list[Row] = []
        stored = self.store.rows[table.name]
        positions = {id(r): i for i, r in enumerate(stored)}
        for old in rows:
            row = dict(old)
            for name, value in (args.get("_set") or {}).items():
                row[name] = self.coerce(table, name, value)
            for name, value in (args.get("_inc") or {}).items():
                if value is not None and row.get(name) is not None:
                    row[name] = row[name] + self.coerce(table, name, value)
            for name, value in (args.get("_append") or {}).items():
                row[name] = _json_concat(row.get(name), value)
            for name, value in (args.get("_prepend") or {}).items():
                row[name] = _json_concat(value, row.get(name))
            for name, value in (args.get("_delete_key") or {}).items():
                if isinstance(row.get(name), dict):
                    row[name] = {k: v for k, v in row[name].items() if k != value}
            for name, value in (args.get("_delete_elem") or {}).items():
                if isinstance(row.get(name), list):
                    row[name] = [v for i, v in enumerate(row[name]) if i != value]
            stored[positions[id(old)]] = row
            out.append(row)
        return out

    def delete(self, table: Table, rows: list[Row]) -> list[Row]:
        doomed = {id(r) for r in rows}
        self.store.rows[table.name] = [
            r for r in self.store.rows[table.name] if id(r) not in doomed
        ]
        return rows


def _json_concat(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        return {**a, **b}
    left = a if isinstance(a, list) else [] if a is None else [a]
    right = b if isinstance(b, list) else [] if b is None else [b]
    return left + right


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def count_rows(table: Table, rows: list[Row], args: Mapping[str, Any]) -> int:
    columns = list(args.get("columns") or [])
    if not columns:
        return len(rows)
    values = [
        json.dumps(
            [sort_key(table.columns.get(c, "String"), r.get(c)) for c in columns], default=str
        )
        for r in rows
        if all(r.get(c) is not None for c in columns)
    ]
    return len(set(values)) if args.get("distinct") else len(values)


def aggregate(op: str, table: Table, rows: list[Row], column: str) -> Any:
    type_ = table.columns.get(column, "String")
    values = [r[column] for r in rows if r.get(column) is not None]
    if not values:
        return None
    if op in ("max", "min"):
        keyed = sorted(values, key=lambda v: sort_key(type_, v))
        return output(keyed[-1] if op == "max" else keyed[0])
    numbers = [Decimal(str(v)) if not isinstance(v, Decimal) else v for v in values]
    if op == "sum":
        total = sum(numbers, Decimal(0))
        return (
            total
            if type_ == "numeric"
            else float(total)
            if "float" in type_.lower()
            else int(total)
        )
    if op == "avg":
        return float(sum(numbers, Decimal(0)) / len(numbers))
    floats = [float(n) for n in numbers]
    if op in ("stddev", "stddev_samp"):
        return statistics.stdev(floats) if len(floats) > 1 else None
    if op == "stddev_pop":
        return statistics.pstdev(floats)
    if op in ("variance", "var_samp"):
        return statistics.variance(floats) if len(floats) > 1 else None
    if op == "var_pop":
        return statistics.pvariance(floats)
    return None
