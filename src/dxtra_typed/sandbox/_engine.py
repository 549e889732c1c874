"""A small Hasura v2 look-alike: runs GraphQL against the store, per role, answering like Hasura.

The client is built and tested against this engine instead of the real Dxtra, so what matters
is that it answers like Hasura: the per-role schema, `where`/`order_by` semantics (including
Hasura's quirks, such as a null operand being ignored), numbers as JSON numbers, mutations that
are all-or-nothing, and errors in Hasura's exact `{"errors": [{message, extensions}]}` shape.
graphql-core does parsing, validation and execution; this module supplies the resolvers, which
compile `where`/`order_by`/permission filters to SQL over the SQLite store (EXISTS subqueries
for relationships, as Hasura does for Postgres) and serialise rows at the edge.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, ParamSpec, TypeVar

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)

from dxtra_typed.sandbox._model import (
    FILTER_OPERATORS,
    TABLES,
    USER_ID_VAR,
    BoolExp,
    Column,
    FilterOperator,
    Permission,
    Relationship,
    Table,
    permission,
    visible_tables,
)
from dxtra_typed.sandbox._sdl import build_role_schema
from dxtra_typed.sandbox._store import COLLATIONS, Row, Store, column_list, encode, qi

__all__ = ["Engine", "Prepared", "Session", "StreamState"]

_log = logging.getLogger("dxtra_typed.sandbox")
_P = ParamSpec("_P")
_T = TypeVar("_T")

_ROOT_TYPES = frozenset({"query_root", "mutation_root", "subscription_root"})
_PERMISSION_FAILED = "check constraint of an insert/update permission has failed"


@dataclass(frozen=True)
class Session:
    role: str
    user_id: str | None = None


class _HasuraError(Exception):
    def __init__(self, message: str, code: str, path: str = "$") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.path = path


def _error(message: str, code: str, path: str = "$") -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"path": path, "code": code}}]}


@dataclass
class _RowRef:
    table: Table
    row: Row


@dataclass
class _Agg:
    table: Table
    rows: list[Row]


@dataclass
class _AggFields:
    table: Table
    rows: list[Row]


# --- values ---

_PG_TYPE_NAMES = {
    "uuid": "uuid",
    "timestamptz": "timestamp with time zone",
    "date": "date",
    "numeric": "numeric",
    "bigint": "bigint",
    "Int": "integer",
}


def _bad_input(type_: str, value: Any) -> _HasuraError:
    shown = value if isinstance(value, str) else json.dumps(value)
    return _HasuraError(
        f'invalid input syntax for type {_PG_TYPE_NAMES.get(type_, type_)}: "{shown}"',
        "data-exception",
    )


def _parse_value(type_: str, value: Any) -> Any:
    """Lenient input parsing, like Postgres casting the JSON Hasura forwards to it."""
    if value is None:
        return None
    try:
        if type_ == "uuid":
            if not isinstance(value, str):
                raise ValueError
            return str(uuid.UUID(value))
        if type_ == "timestamptz":
            if not isinstance(value, str):
                raise ValueError
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if type_ == "date":
            if not isinstance(value, str):
                raise ValueError
            return date.fromisoformat(value[:10])
        if type_ == "numeric":
            if isinstance(value, bool):
                raise ValueError
            return Decimal(str(value))
        if type_ in ("bigint", "Int"):
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if type_ in ("String", "citext"):
            return value if isinstance(value, str) else json.dumps(value)
    except (ValueError, InvalidOperation, TypeError):
        raise _bad_input(type_, value) from None
    return value


def _serialize(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        # Hasura sends numeric as a JSON number: a float unless it is whole (precision trap).
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _sort_key(type_: str, value: Any) -> Any:
    if value is None:
        return None
    if type_ == "citext":
        return str(value).casefold()
    if type_ == "jsonb":
        return json.dumps(value, sort_keys=True)
    return value


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


def _register_functions(store: Store) -> None:
    for kind in sorted({op.sql for op in FILTER_OPERATORS if op.kind == "match"}):
        store.create_function(f"sb_{kind}", 3, _fn_match(kind))
    for function in sorted({op.sql for op in FILTER_OPERATORS if op.kind == "json"}):
        store.create_function(f"sb_json_{function}", 2, _fn_json(function))


def _substitute(exp: Any, user_id: str | None) -> Any:
    """Replace session variables in a permission's boolean expression."""
    if isinstance(exp, dict):
        return {k: _substitute(v, user_id) for k, v in exp.items()}
    if isinstance(exp, list):
        return [_substitute(v, user_id) for v in exp]
    if isinstance(exp, str) and exp.lower() == USER_ID_VAR.lower():
        if user_id is None:
            raise _HasuraError('missing session variable: "x-hasura-user-id"', "not-found")
        return user_id
    return exp


class _Sql:
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


def _col_ref(alias: str, col: Column) -> str:
    return f"{alias}.{qi(col.db_name)}"


def _compare_sql(col: Column, ref: str, ops: Mapping[str, Any], q: _Sql) -> str:
    t = col.type
    parts: list[str] = []
    for name, raw in ops.items():
        if raw is None:
            # Hasura v2 drops a comparison whose operand is null (it matches every row).
            continue
        op = _OPERATORS.get(name)
        if op is None or not op.applies_to(t):
            raise _HasuraError(
                f"field '{name}' not found in type: '{t}_comparison_exp'", "validation-failed"
            )
        parts.append(_operator_sql(op, t, ref, raw, q))
    return " AND ".join(f"({p})" for p in parts) if parts else "1"


def _operator_sql(op: FilterOperator, t: str, ref: str, raw: Any, q: _Sql) -> str:
    """One operator (as the table model defines it) applied to a column, as SQL."""
    if op.kind == "is_null":
        return f"{ref} IS NULL" if raw else f"{ref} IS NOT NULL"
    if op.kind == "in":
        values = [q.p(encode(t, _parse_value(t, v))) for v in raw]
        if not values:
            # `= ANY('{}')` is false even for null; its negation is true for every row.
            return "1" if op.negated else "0"
        return f"{ref} {'NOT ' if op.negated else ''}IN ({', '.join(values)})"
    if op.kind == "match":
        ci = op.case_insensitive or t == "citext"
        try:
            _pattern(op.sql, str(raw), ci)
        except re.error as exc:
            raise _HasuraError(f"invalid regular expression: {exc}", "data-exception") from None
        test = f"sb_{op.sql}({ref}, {q.p(str(raw))}, {int(ci)})"
        return f"NOT {test}" if op.negated else test
    if op.kind == "json":
        operand = q.p(encode("jsonb", raw))
        left, right = (operand, ref) if op.swapped else (ref, operand)
        return f"sb_json_{op.sql}({left}, {right})"
    return f"{ref} {op.sql} {q.p(encode(t, _parse_value(t, raw)))}"


# --- per-request execution ---


@dataclass
class StreamState:
    """Where a streaming subscription is: `after` replaces the document's initial cursor value
    once a batch was sent; `last` and `count` report the batch just computed."""

    after: Any = None
    started: bool = False
    last: Any = None
    count: int = 0
    batch_size: int = 0


def _cursor_input(value: Any) -> Any:
    """A stored value as the JSON a client would send back as a cursor (exact, no rounding)."""
    if isinstance(value, Decimal):
        return str(value)
    return _serialize(value)


class _Request:
    """One request's view of the store through one role's permissions."""

    def __init__(self, store: Store, session: Session, stream: StreamState | None = None) -> None:
        self.store = store
        self.session = session
        self._filters: dict[str, BoolExp] = {}
        self.stream_state = stream

    # permissions

    def _perm(self, table: Table) -> Permission:
        perm = permission(table, self.session.role)
        if perm is None:
            raise _HasuraError(f"no permission on {table.name}", "permission-error")
        return perm

    def _filter(self, table: Table) -> BoolExp:
        if table.name not in self._filters:
            self._filters[table.name] = _substitute(
                dict(self._perm(table).filter), self.session.user_id
            )
        return self._filters[table.name]

    # boolean expressions, compiled to SQL the way Hasura compiles them for Postgres

    def where_sql(
        self,
        table: Table,
        alias: str,
        exp: BoolExp,
        q: _Sql,
        *,
        apply_perms: bool,
        depth: int = 0,
    ) -> str:
        """`apply_perms`: relationships in a request's `where` see only rows the role may
        select; a permission's own filter is evaluated without them, as in Hasura."""
        if depth > MAX_BOOL_EXP_DEPTH:
            raise _HasuraError(
                f"boolean expression nested deeper than {MAX_BOOL_EXP_DEPTH} levels",
                "validation-failed",
            )

        def sub(t: Table, a: str, e: BoolExp) -> str:
            return self.where_sql(t, a, e, q, apply_perms=apply_perms, depth=depth + 1)

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
                parts.append(_compare_sql(col, _col_ref(alias, col), value, q))
            elif (rel := table.relationship(key)) is not None:
                target = TABLES[rel.target]
                inner = q.alias()
                conds = [self._join(table, alias, rel, target, inner)]
                if apply_perms and permission(target, self.session.role) is not None:
                    conds.append(
                        self.where_sql(target, inner, self._filter(target), q, apply_perms=False)
                    )
                conds.append(sub(target, inner, value))
                parts.append(
                    f"EXISTS (SELECT 1 FROM {qi(target.db_name)} {inner} "
                    f"WHERE {' AND '.join(f'({c})' for c in conds)})"
                )
            else:
                raise _HasuraError(
                    f"field '{key}' not found in type: '{table.name}_bool_exp'",
                    "validation-failed",
                )
        return " AND ".join(f"({p})" for p in parts) if parts else "1"

    @staticmethod
    def _join(table: Table, alias: str, rel: Relationship, target: Table, inner: str) -> str:
        (local, remote), *_ = rel.mapping
        lcol, rcol = table.column(local), target.column(remote)
        assert lcol is not None and rcol is not None
        return f"{_col_ref(inner, rcol)} = {_col_ref(alias, lcol)}"

    # selecting

    def select(
        self,
        table: Table,
        args: Mapping[str, Any],
        scope: tuple[str, Any] | None = None,
    ) -> list[Row]:
        """Rows the role may see, filtered, ordered and paginated like Hasura.

        `scope` (column, value) restricts to rows related to a parent row (array/object
        relationships in a selection)."""
        q = _Sql()
        a = q.alias()
        conds = [self.where_sql(table, a, self._filter(table), q, apply_perms=False)]
        if scope is not None:
            col = table.column(scope[0])
            assert col is not None
            conds.append(f"{_col_ref(a, col)} = {q.p(encode(col.type, scope[1]))}")
        where = args.get("where")
        if where:
            conds.append(self.where_sql(table, a, where, q, apply_perms=True))
        order = self._order_terms(table, args.get("order_by"))
        distinct = list(args.get("distinct_on") or [])
        if distinct:
            if order:
                head = [t[0] for t in order[: len(distinct)]]
                if sorted(head) != sorted((c,) for c in distinct):
                    raise _HasuraError(
                        '"distinct_on" columns must match initial "order_by" columns',
                        "validation-failed",
                    )
            else:
                order = [((c,), False, False) for c in distinct]
        offset = args.get("offset") or 0
        limit = args.get("limit")
        if offset < 0 or (limit is not None and limit < 0):
            raise _HasuraError("expecting a non-negative value", "validation-failed")
        terms = [
            f"{self._order_expr(table, a, path, q)} {'DESC' if desc else 'ASC'} "
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
        rows = self.store.query(table.name, sql, q.params)
        if distinct:
            seen: set[tuple[Any, ...]] = set()
            unique: list[Row] = []
            for r in rows:
                key = tuple(_sort_key(_col_type(table, c), r.get(c)) for c in distinct)
                if key not in seen:
                    seen.add(key)
                    unique.append(r)
            rows = unique[offset:]
            if limit is not None:
                rows = rows[:limit]
        return rows

    def stream(self, table: Table, args: Mapping[str, Any]) -> list[Row]:
        """One batch of a streaming subscription: rows past the cursor, in cursor order.

        Like Hasura, exactly one cursor column; ASC streams rows with a greater value, DESC
        rows with a smaller one. A null initial value starts from the first row."""
        cursors = list(args.get("cursor") or [])
        if len(cursors) != 1:
            raise _HasuraError(
                "one streaming column field is expected", "validation-failed", "$.cursor"
            )
        initial = dict(cursors[0].get("initial_value") or {})
        if len(initial) != 1:
            raise _HasuraError(
                "exactly one cursor column is expected in initial_value",
                "validation-failed",
                "$.cursor",
            )
        column, raw = next(iter(initial.items()))
        desc = cursors[0].get("ordering") == "DESC"
        batch_size = args.get("batch_size")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise _HasuraError(
                "expecting a positive integer for batch_size", "validation-failed", "$.batch_size"
            )
        state = self.stream_state if self.stream_state is not None else StreamState()
        value = state.after if state.started else raw
        bound: BoolExp = {column: {"_lt" if desc else "_gt": value}}
        where = args.get("where")
        rows = self.select(
            table,
            {
                "where": {"_and": [where, bound]} if where else bound,
                "order_by": [{column: "desc" if desc else "asc"}],
                "limit": batch_size,
            },
        )
        state.count = len(rows)
        state.batch_size = batch_size
        if rows:
            state.last = _cursor_input(rows[-1][column])
        return rows

    def _order_terms(self, table: Table, order_by: Any) -> list[OrderTerm]:
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

    def _order_expr(self, table: Table, alias: str, path: tuple[str, ...], q: _Sql) -> str:
        if len(path) == 1:
            col = table.column(path[0])
            if col is None:
                raise _HasuraError(
                    f"field '{path[0]}' not found in type: '{table.name}_order_by'",
                    "validation-failed",
                )
            ref = _col_ref(alias, col)
            return f"{ref} COLLATE {COLLATIONS[col.type]}" if col.type in COLLATIONS else ref
        rel = table.relationship(path[0])
        assert rel is not None
        target = TABLES[rel.target]
        inner = q.alias()
        conds = [self._join(table, alias, rel, target, inner)]
        if permission(target, self.session.role) is not None:
            conds.append(self.where_sql(target, inner, self._filter(target), q, apply_perms=False))
        value = self._order_expr(target, inner, path[1:], q)
        return (
            f"(SELECT {value} FROM {qi(target.db_name)} {inner} "
            f"WHERE {' AND '.join(f'({c})' for c in conds)})"
        )

    def by_pk(self, table: Table, row_id: Any) -> Row | None:
        found = self.select(table, {}, ("id", _parse_value("uuid", row_id)))
        return found[0] if found else None

    def related(
        self, table: Table, row: Row, rel: Relationship, args: Mapping[str, Any]
    ) -> list[Row]:
        (local, remote), *_ = rel.mapping
        key = row.get(local)
        if key is None:
            return []
        return self.select(TABLES[rel.target], args, (remote, key))

    def _satisfies(self, table: Table, row_id: str, exp: BoolExp, *, apply_perms: bool) -> bool:
        q = _Sql()
        a = q.alias()
        cond = self.where_sql(table, a, exp, q, apply_perms=apply_perms)
        sql = f"SELECT 1 FROM {qi(table.db_name)} {a} WHERE {a}.id = {q.p(row_id)} AND ({cond})"
        return self.store.scalar(sql, q.params) is not None

    # writing

    def _check_row(self, table: Table, row: Row, path: str) -> None:
        for col in table.columns:
            if not col.nullable and row.get(col.name) is None:
                raise _HasuraError(
                    f'Not-NULL violation. null value in column "{col.db_name}" of relation '
                    f'"{table.db_name}" violates not-null constraint',
                    "constraint-violation",
                    path,
                )
        for rel in table.relationships:
            if rel.kind != "object" or rel.fk_constraint is None:
                continue
            key = row.get(rel.mapping[0][0])
            if key is not None and self.store.get(rel.target, key) is None:
                raise _HasuraError(
                    f'Foreign key violation. insert or update on table "{table.db_name}" '
                    f'violates foreign key constraint "{rel.fk_constraint}"',
                    "constraint-violation",
                    path,
                )

    def _post_check(self, table: Table, row_id: str, check: BoolExp, path: str) -> None:
        exp = _substitute(dict(check), self.session.user_id)
        if not self._satisfies(table, row_id, exp, apply_perms=False):
            raise _HasuraError(_PERMISSION_FAILED, "permission-error", path)

    def insert(
        self,
        table: Table,
        objects: list[Mapping[str, Any]],
        on_conflict: Mapping[str, Any] | None,
        path: str,
    ) -> list[Row]:
        perm = self._perm(table)
        now = datetime.now(UTC)
        out: list[Row] = []
        for obj in objects:
            row: Row = {}
            # Strictly increasing per row, so a stream cursor on createdAt loses no row.
            stamp = self.store.next_timestamp()
            for col in table.columns:
                if col.name in obj:
                    row[col.name] = _parse_value(col.type, obj[col.name])
                elif col.name == "id":
                    row["id"] = str(uuid.uuid4())
                elif col.name in ("createdAt", "updatedAt"):
                    row[col.name] = stamp
                else:
                    row[col.name] = table.defaults.get(col.name)
            self._check_row(table, row, path)
            existing = self.store.get(table.name, row["id"])
            if existing is not None:
                if on_conflict is None:
                    raise _HasuraError(
                        "Uniqueness violation. duplicate key value violates unique constraint "
                        f'"{table.pkey}"',
                        "constraint-violation",
                        path,
                    )
                columns = list(on_conflict.get("update_columns") or [])
                # The conflicting row is updated only if the role may update it and it matches
                # the on_conflict `where`; otherwise Hasura does nothing and returns no row.
                where = {"_and": [self._filter(table), on_conflict.get("where") or {}]}
                if not columns or not self._satisfies(
                    table, existing["id"], where, apply_perms=True
                ):
                    continue
                changes = {c: row[c] for c in columns}
                if table.column("updatedAt") is not None and "updatedAt" not in changes:
                    changes["updatedAt"] = now
                self._check_row(table, {**existing, **changes}, path)
                updated = self.store.update(table.name, existing["id"], changes)
                self._post_check(table, existing["id"], perm.update_check or perm.filter, path)
                out.append(updated)
                continue
            self.store.insert(table.name, row)
            self._post_check(table, row["id"], perm.check, path)
            stored = self.store.get(table.name, row["id"])
            assert stored is not None
            out.append(stored)
        return out

    def update(
        self,
        table: Table,
        rows: list[Row],
        set_: Mapping[str, Any] | None,
        inc: Mapping[str, Any] | None,
        path: str,
    ) -> list[Row]:
        perm = self._perm(table)
        now = datetime.now(UTC)
        out: list[Row] = []
        for row in rows:
            changes: Row = {}
            for name, value in (set_ or {}).items():
                col = table.column(name)
                assert col is not None
                changes[name] = _parse_value(col.type, value)
            for name, value in (inc or {}).items():
                col = table.column(name)
                assert col is not None
                if value is None:
                    continue
                current = row.get(name)
                changes[name] = None if current is None else current + _parse_value(col.type, value)
            if changes and table.column("updatedAt") is not None and "updatedAt" not in changes:
                changes["updatedAt"] = now
            self._check_row(table, {**row, **changes}, path)
            updated = self.store.update(table.name, row["id"], changes)
            self._post_check(table, row["id"], perm.update_check or perm.filter, path)
            out.append(updated)
        return out

    def delete(self, table: Table, rows: list[Row], path: str) -> list[Row]:
        for row in rows:
            for other in TABLES.values():
                for rel in other.relationships:
                    if rel.kind != "object" or rel.target != table.name:
                        continue
                    (local, remote), *_ = rel.mapping
                    lcol = other.column(local)
                    assert lcol is not None
                    child = self.store.scalar(
                        f"SELECT 1 FROM {qi(other.db_name)} WHERE {qi(lcol.db_name)} = ? LIMIT 1",
                        (row[remote],),
                    )
                    if child is not None:
                        raise _HasuraError(
                            f'Foreign key violation. update or delete on table "{table.db_name}" '
                            f'violates foreign key constraint "{rel.fk_constraint}" on table '
                            f'"{other.db_name}"',
                            "constraint-violation",
                            path,
                        )
            self.store.delete(table.name, row["id"])
        return rows


def _col_type(table: Table, name: str) -> str:
    col = table.column(name)
    return col.type if col is not None else "jsonb"


# --- resolvers ---


def _root_index(role: str) -> dict[str, tuple[str, Table]]:
    index: dict[str, tuple[str, Table]] = {}
    for table in visible_tables(role):
        for kind, name in table.root_names.items():
            index[name] = (kind, table)
    return index


def _resolve_root(
    req: _Request, kind: str, table: Table, info: GraphQLResolveInfo, args: dict[str, Any]
) -> Any:
    base = f"$.selectionSet.{info.field_name}"
    if kind == "select":
        return [_RowRef(table, r) for r in req.select(table, args)]
    if kind == "select_stream":
        return [_RowRef(table, r) for r in req.stream(table, args)]
    if kind == "select_aggregate":
        return _Agg(table, req.select(table, args))
    if kind in ("select_by_pk", "delete_by_pk"):
        found = req.by_pk(table, args["id"])
        if found is None:
            return None
        if kind == "delete_by_pk":
            req.delete(table, [found], base)
        return _RowRef(table, found)
    if kind == "insert":
        rows = req.insert(table, args["objects"], args.get("on_conflict"), f"{base}.args.objects")
        return {"affected_rows": len(rows), "returning": [_RowRef(table, r) for r in rows]}
    if kind == "insert_one":
        rows = req.insert(table, [args["object"]], args.get("on_conflict"), f"{base}.args.object")
        return _RowRef(table, rows[0]) if rows else None
    if kind == "update":
        matched = req.select(table, {"where": args["where"]})
        rows = req.update(table, matched, args.get("_set"), args.get("_inc"), f"{base}.args")
        return {"affected_rows": len(rows), "returning": [_RowRef(table, r) for r in rows]}
    if kind == "update_by_pk":
        found = req.by_pk(table, args["pk_columns"]["id"])
        if found is None:
            return None
        rows = req.update(table, [found], args.get("_set"), args.get("_inc"), f"{base}.args")
        return _RowRef(table, rows[0])
    if kind == "delete":
        matched = req.select(table, {"where": args["where"]})
        rows = req.delete(table, matched, base)
        return {"affected_rows": len(rows), "returning": [_RowRef(table, r) for r in rows]}
    raise _HasuraError(f"unsupported root field {info.field_name}", "not-supported")


def _resolve_row(req: _Request, ref: _RowRef, name: str, args: dict[str, Any]) -> Any:
    table, row = ref.table, ref.row
    if table.column(name) is not None:
        return _serialize(row.get(name))
    rel_name = name.removesuffix("_aggregate")
    rel = table.relationship(rel_name)
    if rel is None:
        return None
    target = TABLES[rel.target]
    related = req.related(table, row, rel, args if rel.kind == "array" else {})
    if rel.kind == "object":
        return _RowRef(target, related[0]) if related else None
    if name != rel_name:
        return _Agg(target, related)
    return [_RowRef(target, r) for r in related]


def _count(agg: _AggFields, args: dict[str, Any]) -> int:
    columns = list(args.get("columns") or [])
    if not columns:
        return len(agg.rows)
    values = [
        tuple(_sort_key(_col_type(agg.table, c), r.get(c)) for c in columns)
        for r in agg.rows
        if all(r.get(c) is not None for c in columns)
    ]
    return len(set(values)) if args.get("distinct") else len(values)


def _extreme(agg: _AggFields, pick: Callable[[list[Any]], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in agg.table.columns:
        values = [r[col.name] for r in agg.rows if r.get(col.name) is not None]
        if not values:
            out[col.name] = None
            continue
        keyed = {_sort_key(col.type, v): v for v in values}
        out[col.name] = _serialize(keyed[pick(list(keyed))])
    return out


# Request limits. Hasura OSS has none by default (Cloud/EE offer depth and node limits); the
# sandbox caps them so a hostile or runaway query gets an error body instead of exhausting the
# process. Generated client operations stay far below both.
MAX_QUERY_TOKENS = 50_000
MAX_SELECTION_DEPTH = 32
UNEXPECTED: dict[str, Any] = {
    "errors": [
        {"extensions": {"path": "$", "code": "unexpected"}, "message": "database query error"}
    ]
}


def _selection_depth(document: DocumentNode) -> int:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    deepest = 0
    stack: list[tuple[SelectionSetNode, int, frozenset[str]]] = [
        (d.selection_set, 1, frozenset())
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]
    while stack:
        sel_set, depth, seen = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_SELECTION_DEPTH:
            break
        for sel in sel_set.selections:
            if isinstance(sel, FieldNode) and sel.selection_set is not None:
                stack.append((sel.selection_set, depth + 1, seen))
            elif isinstance(sel, InlineFragmentNode):
                stack.append((sel.selection_set, depth, seen))
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                frag = fragments.get(sel.name.value)
                if frag is not None:
                    stack.append((frag.selection_set, depth, seen | {sel.name.value}))
    return deepest


def _never_raises(
    method: Callable[_P, _T],
) -> Callable[_P, _T | dict[str, Any]]:
    """The engine's entry points answer every request: whatever goes wrong inside becomes
    Hasura's ``unexpected`` error body (logged), and a document nested past Python's recursion
    limit a ``validation-failed`` one, as the fronts (HTTP, WebSocket) must always reply."""

    @functools.wraps(method)
    def guarded(*args: _P.args, **kwargs: _P.kwargs) -> _T | dict[str, Any]:
        try:
            return method(*args, **kwargs)
        except RecursionError:
            return _error("the query is nested too deeply", "validation-failed")
        except Exception:
            _log.exception("sandbox engine failed")
            return copy.deepcopy(UNEXPECTED)

    return guarded


class Engine:
    """Answers GraphQL requests like Dxtra's Hasura would, for a given session role."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store if store is not None else Store()
        _register_functions(self.store)
        self._schemas: dict[str, GraphQLSchema] = {}
        self._roots: dict[str, dict[str, tuple[str, Table]]] = {}
        self._schema_lock = threading.Lock()

    def schema(self, role: str) -> GraphQLSchema:
        with self._schema_lock:
            if role not in self._schemas:
                self._schemas[role] = build_role_schema(role)
                self._roots[role] = _root_index(role)
            return self._schemas[role]

    @_never_raises
    def execute(self, body: object, session: Session) -> dict[str, Any]:
        """Answer one HTTP request body. Never raises (``_never_raises``)."""
        parsed = self._parse(body, session)
        if isinstance(parsed, dict):
            return parsed
        if parsed.operation.operation == OperationType.SUBSCRIPTION:
            return _error(
                "subscriptions are not supported over HTTP, use websockets instead",
                "validation-failed",
            )
        return self._run(
            parsed.schema, parsed.document, parsed.operation, parsed.variables, session
        )

    # --- the WebSocket front's entry points ---

    @_never_raises
    def prepare(self, body: object, session: Session) -> Prepared | dict[str, Any]:
        """Parse and validate an operation sent over a WebSocket: a `Prepared` to run (maybe
        many times), or Hasura's error body. Never raises (``_never_raises``)."""
        parsed = self._parse(body, session)
        if isinstance(parsed, dict):
            return parsed
        if parsed.operation.operation != OperationType.SUBSCRIPTION:
            parsed.kind = "once"
            return parsed
        # Validation guarantees exactly one root field (a subscription's single root field).
        root = parsed.operation.selection_set.selections[0]
        if not isinstance(root, FieldNode):
            return _error("subscriptions must select one top level field", "validation-failed")
        kind, _table = self._roots[session.role][root.name.value]
        parsed.kind = "stream" if kind == "select_stream" else "live"
        return parsed

    @_never_raises
    def run(self, prepared: Prepared, stream: StreamState | None = None) -> dict[str, Any]:
        """Run a prepared operation once; for a stream, the batch after `stream.after`.
        Never raises (``_never_raises``)."""
        return self._run(
            prepared.schema,
            prepared.document,
            prepared.operation,
            prepared.variables,
            prepared.session,
            stream,
        )

    def _parse(self, body: object, session: Session) -> Prepared | dict[str, Any]:
        if not isinstance(body, dict):
            return _error("expected an object for the request body", "parse-failed")
        query = body.get("query")
        variables = body.get("variables")
        op_name = body.get("operationName")
        if not isinstance(query, str):
            return _error("the key 'query' was not present", "parse-failed")
        if variables is not None and not isinstance(variables, dict):
            return _error("expected an object for 'variables'", "parse-failed", "$.variables")
        if op_name is not None and not isinstance(op_name, str):
            return _error("expected a string for 'operationName'", "parse-failed")
        schema = self.schema(session.role)
        try:
            document = parse(query, max_tokens=MAX_QUERY_TOKENS)
        except GraphQLSyntaxError:
            # Hasura's `toParsed` (Transport/HTTP/Protocol.hs) drops the parser's detail.
            return _error("not a valid graphql query", "validation-failed", "$.query")
        if _selection_depth(document) > MAX_SELECTION_DEPTH:
            return _error(
                f"the query exceeds the sandbox's depth limit of {MAX_SELECTION_DEPTH}",
                "validation-failed",
                "$.query",
            )
        errors = validate(schema, document)
        if errors:
            return _translate_validation(errors[0], document)
        operation = get_operation_ast(document, op_name)
        if operation is None:
            if op_name:
                return _error(
                    f'no such operation found in the document: "{op_name}"', "validation-failed"
                )
            return _error(
                "exactly one operation has to be present in the document when operationName "
                "is not specified",
                "validation-failed",
            )
        return Prepared(schema, document, operation, variables, session)

    def _run(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any] | None,
        session: Session,
        stream: StreamState | None = None,
    ) -> dict[str, Any]:
        req = _Request(self.store, session, stream)
        roots = self._roots[session.role]

        def resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
            name = info.field_name
            if info.parent_type.name in _ROOT_TYPES:
                kind, table = roots[name]
                return _resolve_root(req, kind, table, info, args)
            if isinstance(source, _RowRef):
                return _resolve_row(req, source, name, args)
            if isinstance(source, _Agg):
                if name == "aggregate":
                    return _AggFields(source.table, source.rows)
                return [_RowRef(source.table, r) for r in source.rows]
            if isinstance(source, _AggFields):
                if name == "count":
                    return _count(source, args)
                return _extreme(source, max if name == "max" else min)
            if isinstance(source, Mapping):
                return source.get(name)
            return None

        op_name = operation.name.value if operation.name else None

        def run() -> ExecutionResult:
            return execute_sync(
                schema,
                document,
                variable_values=variables,
                operation_name=op_name,
                field_resolver=resolve,
            )

        with self.store.lock:
            if operation.operation == OperationType.MUTATION:
                try:
                    # All root fields of one mutation commit together or not at all.
                    with self.store.transaction():
                        result = run()
                        if result.errors:
                            raise _Rollback(result.errors[0])
                except _Rollback as rollback:
                    return _translate_execution(rollback.error)
            else:
                result = run()
        if result.errors:
            return _translate_execution(result.errors[0])
        return {"data": result.data}


@dataclass
class Prepared:
    """A parsed, validated operation for one session. `kind`: "once" (a query or mutation,
    run a single time), "live" (a live query) or "stream" (a streaming subscription)."""

    schema: GraphQLSchema
    document: DocumentNode
    operation: OperationDefinitionNode
    variables: dict[str, Any] | None
    session: Session
    kind: str = "once"

    @property
    def name(self) -> str | None:
        return self.operation.name.value if self.operation.name else None


class _Rollback(Exception):
    def __init__(self, error: GraphQLError) -> None:
        super().__init__(error.message)
        self.error = error


# --- error translation ---


def _translate_execution(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    if isinstance(original, _HasuraError):
        return _error(original.message, original.code, original.path)
    if original is not None:
        # Hasura never shows internals; the traceback goes to the sandbox's log instead.
        _log.error("sandbox resolver failed", exc_info=original)
        return copy.deepcopy(UNEXPECTED)
    return _translate_variables(error.message)


_VAR_NOT_PROVIDED = re.compile(r"Variable '\$(\w+)' of required type '[^']+' was not provided\.")
_VAR_NULL = re.compile(r"Variable '\$(\w+)' of non-null type '[^']+' must not be null\.")


def _translate_variables(message: str) -> dict[str, Any]:
    m = _VAR_NOT_PROVIDED.match(message) or _VAR_NULL.match(message)
    if m:
        return _error(
            f'expecting a value for non-nullable variable: "{m.group(1)}"', "validation-failed"
        )
    return _error(message, "validation-failed")


_UNKNOWN_FIELD = re.compile(r"Cannot query field '(\w+)' on type '(\w+)'\.")
_UNKNOWN_INPUT_FIELD = re.compile(r"Field '(\w+)' is not defined by type '(\w+)'\.")
_UNKNOWN_ARG = re.compile(r"Unknown argument '(\w+)' on field '\w+\.(\w+)'\.")
_MISSING_ARG = re.compile(r"Field '(\w+)' argument '(\w+)' of type '[^']+' is required")


def _translate_validation(error: GraphQLError, document: DocumentNode) -> dict[str, Any]:
    message = error.message
    node = error.nodes[0] if error.nodes else None
    path = _node_path(document, node) if node is not None else "$"
    if m := _UNKNOWN_FIELD.match(message):
        return _error(
            f"field '{m.group(1)}' not found in type: '{m.group(2)}'", "validation-failed", path
        )
    if m := _UNKNOWN_INPUT_FIELD.match(message):
        return _error(
            f"field '{m.group(1)}' not found in type: '{m.group(2)}'", "validation-failed", path
        )
    if m := _UNKNOWN_ARG.match(message):
        return _error(
            f"'{m.group(2)}' has no argument named '{m.group(1)}'", "validation-failed", path
        )
    if m := _MISSING_ARG.match(message):
        return _error(f"missing required field '{m.group(2)}'", "validation-failed", path)
    return _error(message, "validation-failed", path)


def _node_path(document: DocumentNode, target: Node) -> str:
    """Hasura's JSON path to a field (`$.selectionSet.a.selectionSet.b`), found by identity."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }

    def walk(sel_set: SelectionSetNode | None, prefix: str, seen: frozenset[str]) -> str | None:
        if sel_set is None:
            return None
        for sel in sel_set.selections:
            if isinstance(sel, FieldNode):
                here = f"{prefix}.selectionSet.{sel.name.value}"
                if sel is target:
                    return here
                if any(a is target or a.value is target for a in sel.arguments or ()):
                    return f"{here}.args"
                found = walk(sel.selection_set, here, seen)
            elif isinstance(sel, InlineFragmentNode):
                found = walk(sel.selection_set, prefix, seen)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                frag = fragments.get(sel.name.value)
                found = walk(frag.selection_set, prefix, seen | {sel.name.value}) if frag else None
            else:
                found = None
            if found is not None:
                return found
        return None

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            found = walk(definition.selection_set, "$", frozenset())
            if found is not None:
                return found
    return "$"
