"""The SQL compiler: Hasura's ``where`` / ``order_by`` / permission filters as SQLite SQL.

Compiled the way Hasura compiles them for Postgres: relationships as EXISTS subqueries (and, in
a request's ``where``, seen through the target's select permission), a null operand dropping
its comparison, Postgres' null ordering. The filter operators come from the table model
(``_model.FILTER_OPERATORS``: one list for this compiler and the SDL); the Postgres operators
SQLite lacks are SQL functions registered on the store's connection (``register_functions``).
The engine runs what this module writes; nothing here touches the store's rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dxtra_typed.sandbox._hasura_errors import HasuraError
from dxtra_typed.sandbox._model import (
    FILTER_OPERATORS,
    TABLES,
    BoolExp,
    Column,
    FilterOperator,
    Relationship,
    Table,
    permission,
)
from dxtra_typed.sandbox._store import COLLATIONS, Store, column_list, encode, qi
from dxtra_typed.sandbox._values import parse_value


def _like_regex(pattern: str) -> str:
    out: list[str] = []
    escaped = False
    for ch in pattern:
        if escaped:
            out.append(re.escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _similar_regex(pattern: str) -> str:
    return pattern.replace("%", ".*").replace("_", ".")


def _json_contains(container: Any, contained: Any) -> bool:
    """Postgres jsonb `@>`: objects by key subset, arrays by element containment."""
    if isinstance(contained, dict):
        return isinstance(container, dict) and all(
            k in container and _json_contains(container[k], v) for k, v in contained.items()
        )
    if isinstance(contained, list):
        if not isinstance(container, list):
            return False
        return all(any(_json_contains(c, item) for c in container) for item in contained)
    if isinstance(container, list):
        return any(_json_contains(c, contained) for c in container)
    return bool(container == contained and type(container) is type(contained))


# --- SQL functions: Postgres operators SQLite lacks, registered on every store's connection ---


@lru_cache(maxsize=256)
def _pattern(kind: str, pattern: str, ci: bool) -> re.Pattern[str]:
    flags = re.DOTALL | (re.IGNORECASE if ci else 0)
    if kind == "like":
        return re.compile(_like_regex(pattern), flags)
    if kind == "similar":
        return re.compile(_similar_regex(pattern), flags)
    return re.compile(pattern, flags)


def _fn_match(kind: str) -> Callable[[Any, Any, Any], int | None]:
    def fn(value: Any, pattern: Any, ci: Any) -> int | None:
        if value is None or pattern is None:
            return None
        compiled = _pattern(kind, pattern, bool(ci))
        hit = compiled.search(value) if kind == "regex" else compiled.fullmatch(value)
        return int(hit is not None)

    return fn


def _fn_json(op: str) -> Callable[[Any, Any], int | None]:
    def fn(left: Any, right: Any) -> int | None:
        if left is None or right is None:
            return None
        a, b = json.loads(left), json.loads(right)
        if op == "contains":
            return int(_json_contains(a, b))
        if not isinstance(a, dict):
            return 0
        if op == "has_key":
            return int(b in a)
        if op == "has_keys_all":
            return int(all(k in a for k in b))
        return int(any(k in a for k in b))

    return fn


def register_functions(store: Store) -> None:
    for kind in sorted({op.sql for op in FILTER_OPERATORS if op.kind == "match"}):
        store.create_function(f"sb_{kind}", 3, _fn_match(kind))
    for function in sorted({op.sql for op in FILTER_OPERATORS if op.kind == "json"}):
        store.create_function(f"sb_json_{function}", 2, _fn_json(function))


class Sql:
    """Named parameters and table aliases for one SQL statement being built."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self._aliases = 0

    def alias(self) -> str:
        self._aliases += 1
        return f"t{self._aliases}"

    def p(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"


_OPERATORS: dict[str, FilterOperator] = {op.name: op for op in FILTER_OPERATORS}
# Deeper boolean expressions are refused instead of exhausting Python's recursion.
MAX_BOOL_EXP_DEPTH = 64

OrderTerm = tuple[tuple[str, ...], bool, bool]


def col_ref(alias: str, col: Column) -> str:
    return f"{alias}.{qi(col.db_name)}"


def compare_sql(col: Column, ref: str, ops: Mapping[str, Any], q: Sql) -> str:
    t = col.type
    parts: list[str] = []
    for name, raw in ops.items():
        if raw is None:
            # Hasura v2 drops a comparison whose operand is null (it matches every row).
            continue
        op = _OPERATORS.get(name)
        if op is None or not op.applies_to(t):
            raise HasuraError(
                f"field '{name}' not found in type: '{t}_comparison_exp'", "validation-failed"
            )
        parts.append(operator_sql(op, t, ref, raw, q))
    return " AND ".join(f"({p})" for p in parts) if parts else "1"


def operator_sql(op: FilterOperator, t: str, ref: str, raw: Any, q: Sql) -> str:
    """One operator (as the table model defines it) applied to a column, as SQL."""
    if op.kind == "is_null":
        return f"{ref} IS NULL" if raw else f"{ref} IS NOT NULL"
    if op.kind == "in":
        values = [q.p(encode(t, parse_value(t, v))) for v in raw]
        if not values:
            # `= ANY('{}')` is false even for null; its negation is true for every row.
            return "1" if op.negated else "0"
        return f"{ref} {'NOT ' if op.negated else ''}IN ({', '.join(values)})"
    if op.kind == "match":
        ci = op.case_insensitive or t == "citext"
        try:
            _pattern(op.sql, str(raw), ci)
        except re.error as exc:
            raise HasuraError(f"invalid regular expression: {exc}", "data-exception") from None
        test = f"sb_{op.sql}({ref}, {q.p(str(raw))}, {int(ci)})"
        return f"NOT {test}" if op.negated else test
    if op.kind == "json":
        operand = q.p(encode("jsonb", raw))
        left, right = (operand, ref) if op.swapped else (ref, operand)
        return f"sb_json_{op.sql}({left}, {right})"
    return f"{ref} {op.sql} {q.p(encode(t, parse_value(t, raw)))}"


@dataclass(frozen=True)
class Select:
    """A compiled select. ``distinct``: the ``distinct_on`` columns, applied (with ``offset`` and
    ``limit``) by the caller over the ordered rows, as SQLite has no DISTINCT ON."""

    sql: str
    params: dict[str, Any]
    distinct: list[str]
    offset: int
    limit: int | None


class Compiler:
    """Compiles one role's requests. ``filter_for(table)``: the role's select filter on that
    table with session variables substituted (the engine owns sessions and permissions)."""

    def __init__(self, role: str, filter_for: Callable[[Table], BoolExp]) -> None:
        self.role = role
        self.filter_for = filter_for

    def where(
        self,
        table: Table,
        alias: str,
        exp: BoolExp,
        q: Sql,
        *,
        apply_perms: bool,
        depth: int = 0,
    ) -> str:
        """`apply_perms`: relationships in a request's `where` see only rows the role may
        select; a permission's own filter is evaluated without them, as in Hasura."""
        if depth > MAX_BOOL_EXP_DEPTH:
            raise HasuraError(
                f"boolean expression nested deeper than {MAX_BOOL_EXP_DEPTH} levels",
                "validation-failed",
            )

        def sub(t: Table, a: str, e: BoolExp) -> str:
            return self.where(t, a, e, q, apply_perms=apply_perms, depth=depth + 1)

        parts: list[str] = []
        for key, value in exp.items():
            if value is None:
                continue
            if key in ("_and", "_or"):
                items = [value] if isinstance(value, Mapping) else list(value)
                if not items:
                    parts.append("1" if key == "_and" else "0")
                else:
                    joiner = " AND " if key == "_and" else " OR "
                    parts.append(joiner.join(f"({sub(table, alias, e)})" for e in items))
            elif key == "_not":
                parts.append(f"NOT ({sub(table, alias, value)})")
            elif (col := table.column(key)) is not None:
                parts.append(compare_sql(col, col_ref(alias, col), value, q))
            elif (rel := table.relationship(key)) is not None:
                target = TABLES[rel.target]
                inner = q.alias()
                conds = [self.join(table, alias, rel, target, inner)]
                if apply_perms and permission(target, self.role) is not None:
                    conds.append(
                        self.where(target, inner, self.filter_for(target), q, apply_perms=False)
                    )
                conds.append(sub(target, inner, value))
                parts.append(
                    f"EXISTS (SELECT 1 FROM {qi(target.db_name)} {inner} "
                    f"WHERE {' AND '.join(f'({c})' for c in conds)})"
                )
            else:
                raise HasuraError(
                    f"field '{key}' not found in type: '{table.name}_bool_exp'",
                    "validation-failed",
                )
        return " AND ".join(f"({p})" for p in parts) if parts else "1"

    @staticmethod
    def join(table: Table, alias: str, rel: Relationship, target: Table, inner: str) -> str:
        (local, remote), *_ = rel.mapping
        lcol, rcol = table.column(local), target.column(remote)
        assert lcol is not None and rcol is not None
        return f"{col_ref(inner, rcol)} = {col_ref(alias, lcol)}"

    def select(
        self,
        table: Table,
        args: Mapping[str, Any],
        scope: tuple[str, Any] | None = None,
    ) -> Select:
        """Rows the role may see, filtered, ordered and paginated like Hasura.

        `scope` (column, value) restricts to rows related to a parent row (array/object
        relationships in a selection)."""
        q = Sql()
        a = q.alias()
        conds = [self.where(table, a, self.filter_for(table), q, apply_perms=False)]
        if scope is not None:
            col = table.column(scope[0])
            assert col is not None
            conds.append(f"{col_ref(a, col)} = {q.p(encode(col.type, scope[1]))}")
        where = args.get("where")
        if where:
            conds.append(self.where(table, a, where, q, apply_perms=True))
        order = self.order_terms(table, args.get("order_by"))
        distinct = list(args.get("distinct_on") or [])
        if distinct:
            if order:
                head = [t[0] for t in order[: len(distinct)]]
                if sorted(head) != sorted((c,) for c in distinct):
                    raise HasuraError(
                        '"distinct_on" columns must match initial "order_by" columns',
                        "validation-failed",
                    )
            else:
                order = [((c,), False, False) for c in distinct]
        offset = args.get("offset") or 0
        limit = args.get("limit")
        if offset < 0 or (limit is not None and limit < 0):
            raise HasuraError("expecting a non-negative value", "validation-failed")
        terms = [
            f"{self.order_expr(table, a, path, q)} {'DESC' if desc else 'ASC'} "
            f"NULLS {'FIRST' if nulls_first else 'LAST'}"
            for path, desc, nulls_first in order
        ]
        # Ties keep insertion order, as a Postgres heap scan usually does.
        terms.append(f"{a}.rowid")
        sql = (
            f"SELECT {column_list(table, a)} FROM {qi(table.db_name)} {a} "
            f"WHERE {' AND '.join(f'({c})' for c in conds)} ORDER BY {', '.join(terms)}"
        )
        if not distinct and (limit is not None or offset):
            sql += f" LIMIT {q.p(-1 if limit is None else limit)} OFFSET {q.p(offset)}"
        return Select(sql, q.params, distinct, offset, limit)

    def row_satisfies(
        self, table: Table, row_id: str, exp: BoolExp, *, apply_perms: bool
    ) -> tuple[str, dict[str, Any]]:
        """A query that returns a row when the row ``row_id`` satisfies ``exp``."""
        q = Sql()
        a = q.alias()
        cond = self.where(table, a, exp, q, apply_perms=apply_perms)
        sql = f"SELECT 1 FROM {qi(table.db_name)} {a} WHERE {a}.id = {q.p(row_id)} AND ({cond})"
        return sql, q.params

    @staticmethod
    def order_terms(table: Table, order_by: Any) -> list[OrderTerm]:
        terms: list[OrderTerm] = []

        def walk(tbl: Table, spec: Mapping[str, Any], prefix: tuple[str, ...]) -> None:
            for key, value in spec.items():
                if value is None:
                    continue
                rel = tbl.relationship(key)
                if rel is not None:
                    walk(TABLES[rel.target], value, (*prefix, key))
                    continue
                direction = str(value)
                desc = direction.startswith("desc")
                # Postgres: nulls sort as the largest value (last ascending, first descending).
                nulls_first = direction.endswith("nulls_first") or direction == "desc"
                terms.append(((*prefix, key), desc, nulls_first))

        if isinstance(order_by, Mapping):
            order_by = [order_by]
        for spec in order_by or []:
            walk(table, spec, ())
        return terms

    def order_expr(self, table: Table, alias: str, path: tuple[str, ...], q: Sql) -> str:
        if len(path) == 1:
            col = table.column(path[0])
            if col is None:
                raise HasuraError(
                    f"field '{path[0]}' not found in type: '{table.name}_order_by'",
                    "validation-failed",
                )
            ref = col_ref(alias, col)
            return f"{ref} COLLATE {COLLATIONS[col.type]}" if col.type in COLLATIONS else ref
        rel = table.relationship(path[0])
        assert rel is not None
        target = TABLES[rel.target]
        inner = q.alias()
        conds = [self.join(table, alias, rel, target, inner)]
        if permission(target, self.role) is not None:
            conds.append(self.where(target, inner, self.filter_for(target), q, apply_perms=False))
        value = self.order_expr(target, inner, path[1:], q)
        return (
            f"(SELECT {value} FROM {qi(target.db_name)} {inner} "
            f"WHERE {' AND '.join(f'({c})' for c in conds)})"
        )
