"""A small Hasura v2 look-alike: runs GraphQL against the store, per role, answering like Hasura.

The client is built and tested against this engine instead of the real Dxtra, so what matters
is that it answers like Hasura: the per-role schema, `where`/`order_by` semantics (including
Hasura's quirks, such as a null operand being ignored), numbers as JSON numbers, mutations that
are all-or-nothing, and errors in Hasura's exact `{"errors": [{message, extensions}]}` shape.
graphql-core does parsing, validation and execution; this module supplies the resolvers.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cmp_to_key
from typing import Any

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
    TABLES,
    USER_ID_VAR,
    BoolExp,
    Column,
    Permission,
    Relationship,
    Table,
    permission,
    visible_tables,
)
from dxtra_typed.sandbox._sdl import build_role_schema
from dxtra_typed.sandbox._store import Row, Store

__all__ = ["Engine", "Session"]

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


def _compare(col: Column, actual: Any, ops: Mapping[str, Any]) -> bool:
    for op, raw in ops.items():
        if raw is None:
            # Hasura v2 drops a comparison whose operand is null (it matches every row).
            continue
        if op == "_is_null":
            if (actual is None) != bool(raw):
                return False
            continue
        if actual is None:
            return False
        if not _apply_op(col, actual, op, raw):
            return False
    return True


def _apply_op(col: Column, actual: Any, op: str, raw: Any) -> bool:
    t = col.type
    if op in ("_in", "_nin"):
        values = {_sort_key(t, _parse_value(t, v)) for v in raw}
        return (_sort_key(t, actual) in values) == (op == "_in")
    if op in ("_like", "_nlike", "_ilike", "_nilike"):
        flags = re.IGNORECASE if "i" in op[1:3] or t == "citext" else 0
        hit = re.fullmatch(_like_regex(raw), actual, flags | re.DOTALL) is not None
        return hit == (op in ("_like", "_ilike"))
    if op in ("_similar", "_nsimilar"):
        hit = re.fullmatch(_similar_regex(raw), actual, re.DOTALL) is not None
        return hit == (op == "_similar")
    if op in ("_regex", "_nregex", "_iregex", "_niregex"):
        flags = re.IGNORECASE if op in ("_iregex", "_niregex") else 0
        try:
            hit = re.search(raw, actual, flags) is not None
        except re.error as exc:
            raise _HasuraError(f"invalid regular expression: {exc}", "data-exception") from None
        return hit == (op in ("_regex", "_iregex"))
    if op == "_contains":
        return _json_contains(actual, raw)
    if op == "_contained_in":
        return _json_contains(raw, actual)
    if op == "_has_key":
        return isinstance(actual, dict) and raw in actual
    if op == "_has_keys_all":
        return isinstance(actual, dict) and all(k in actual for k in raw)
    if op == "_has_keys_any":
        return isinstance(actual, dict) and any(k in actual for k in raw)
    left, right = _sort_key(t, actual), _sort_key(t, _parse_value(t, raw))
    try:
        if op == "_eq":
            return bool(left == right)
        if op == "_neq":
            return bool(left != right)
        if op == "_gt":
            return bool(left > right)
        if op == "_gte":
            return bool(left >= right)
        if op == "_lt":
            return bool(left < right)
        if op == "_lte":
            return bool(left <= right)
    except TypeError:
        return False
    raise _HasuraError(f"unknown operator {op}", "validation-failed")


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


# --- per-request execution ---


class _Request:
    """One request's view of the store through one role's permissions."""

    def __init__(self, store: Store, session: Session) -> None:
        self.store = store
        self.session = session
        self._filters: dict[str, BoolExp] = {}

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

    def visible(self, table: Table, row: Row) -> bool:
        return self.matches(table, row, self._filter(table), apply_perms=False)

    # boolean expressions

    def related(self, table: Table, row: Row, rel: Relationship, *, apply_perms: bool) -> list[Row]:
        target = TABLES[rel.target]
        (local, remote), *_ = rel.mapping
        key = row.get(local)
        if key is None:
            rows: list[Row] = []
        elif remote == "id":
            found = self.store.get(target.name, key)
            rows = [] if found is None else [found]
        else:
            rows = [r for r in self.store.rows(target.name) if r.get(remote) == key]
        if apply_perms and permission(target, self.session.role) is not None:
            rows = [r for r in rows if self.visible(target, r)]
        return rows

    def matches(self, table: Table, row: Row, exp: BoolExp, *, apply_perms: bool) -> bool:
        for key, value in exp.items():
            if value is None:
                continue
            if key == "_and":
                if not all(self.matches(table, row, e, apply_perms=apply_perms) for e in value):
                    return False
            elif key == "_or":
                if not any(self.matches(table, row, e, apply_perms=apply_perms) for e in value):
                    return False
            elif key == "_not":
                if self.matches(table, row, value, apply_perms=apply_perms):
                    return False
            elif (col := table.column(key)) is not None:
                if not _compare(col, row.get(key), value):
                    return False
            elif (rel := table.relationship(key)) is not None:
                target = TABLES[rel.target]
                related = self.related(table, row, rel, apply_perms=apply_perms)
                if not any(
                    self.matches(target, r, value, apply_perms=apply_perms) for r in related
                ):
                    return False
            else:
                raise _HasuraError(
                    f"field '{key}' not found in type: '{table.name}_bool_exp'",
                    "validation-failed",
                )
        return True

    # selecting

    def select(self, table: Table, rows: Iterable[Row], args: Mapping[str, Any]) -> list[Row]:
        where = args.get("where") or {}
        picked = [
            r
            for r in rows
            if self.visible(table, r) and self.matches(table, r, where, apply_perms=True)
        ]
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
        if order:
            picked.sort(key=cmp_to_key(self._comparator(table, order)))
        if distinct:
            seen: set[tuple[Any, ...]] = set()
            unique: list[Row] = []
            for r in picked:
                k = tuple(_sort_key("jsonb", _serialize(r.get(c))) for c in distinct)
                if k not in seen:
                    seen.add(k)
                    unique.append(r)
            picked = unique
        offset = args.get("offset") or 0
        limit = args.get("limit")
        if offset < 0 or (limit is not None and limit < 0):
            raise _HasuraError("expecting a non-negative value", "validation-failed")
        picked = picked[offset:]
        return picked if limit is None else picked[:limit]

    def _order_terms(self, table: Table, order_by: Any) -> list[tuple[tuple[str, ...], bool, bool]]:
        terms: list[tuple[tuple[str, ...], bool, bool]] = []

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
                nulls_first = direction.endswith("nulls_first") or direction == "desc"
                terms.append(((*prefix, key), desc, nulls_first))

        if isinstance(order_by, Mapping):
            order_by = [order_by]
        for spec in order_by or []:
            walk(table, spec, ())
        return terms

    def _path_value(self, table: Table, row: Row | None, path: tuple[str, ...]) -> Any:
        for name in path[:-1]:
            if row is None:
                return None
            rel = table.relationship(name)
            assert rel is not None
            found = self.related(table, row, rel, apply_perms=True)
            row = found[0] if found else None
            table = TABLES[rel.target]
        if row is None:
            return None
        col = table.column(path[-1])
        return _sort_key(col.type if col else "jsonb", row.get(path[-1]))

    def _comparator(
        self, table: Table, terms: list[tuple[tuple[str, ...], bool, bool]]
    ) -> Callable[[Row, Row], int]:
        def cmp(a: Row, b: Row) -> int:
            for path, desc, nulls_first in terms:
                va, vb = self._path_value(table, a, path), self._path_value(table, b, path)
                if va is None and vb is None:
                    continue
                if va is None:
                    return -1 if nulls_first else 1
                if vb is None:
                    return 1 if nulls_first else -1
                if va == vb:
                    continue
                r = -1 if va < vb else 1
                return -r if desc else r
            return 0

        return cmp

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

    def _post_check(self, table: Table, row: Row, check: BoolExp, path: str) -> None:
        exp = _substitute(dict(check), self.session.user_id)
        if not self.matches(table, row, exp, apply_perms=False):
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
            for col in table.columns:
                if col.name in obj:
                    row[col.name] = _parse_value(col.type, obj[col.name])
                elif col.name == "id":
                    row["id"] = str(uuid.uuid4())
                elif col.name in ("createdAt", "updatedAt"):
                    row[col.name] = now
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
                where = on_conflict.get("where") or {}
                if not columns or not self.matches(table, existing, where, apply_perms=True):
                    continue
                changes = {c: row[c] for c in columns}
                if table.column("updatedAt") is not None and "updatedAt" not in changes:
                    changes["updatedAt"] = now
                updated = self.store.update(table.name, existing["id"], changes)
                self._post_check(table, updated, perm.update_check or perm.filter, path)
                out.append(updated)
                continue
            self.store.insert(table.name, row)
            self._post_check(table, row, perm.check, path)
            out.append(row)
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
            self._post_check(table, updated, perm.update_check or perm.filter, path)
            out.append(updated)
        return out

    def delete(self, table: Table, rows: list[Row], path: str) -> list[Row]:
        for row in rows:
            for rel in table.relationships:
                if rel.kind != "array":
                    continue
                if self.related(table, row, rel, apply_perms=False):
                    target = TABLES[rel.target]
                    fk = next(
                        (
                            r.fk_constraint
                            for r in target.relationships
                            if r.kind == "object" and r.target == table.name
                        ),
                        f"{target.db_name}_fkey",
                    )
                    raise _HasuraError(
                        f'Foreign key violation. update or delete on table "{table.db_name}" '
                        f'violates foreign key constraint "{fk}" on table "{target.db_name}"',
                        "constraint-violation",
                        path,
                    )
            self.store.delete(table.name, row["id"])
        return rows


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
    if kind in ("select", "select_stream"):
        return [_RowRef(table, r) for r in req.select(table, req.store.rows(table.name), args)]
    if kind == "select_aggregate":
        return _Agg(table, req.select(table, req.store.rows(table.name), args))
    if kind in ("select_by_pk", "delete_by_pk"):
        row_id = _parse_value("uuid", args["id"])
        found = req.store.get(table.name, row_id)
        if found is None or not req.visible(table, found):
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
        matched = req.select(table, req.store.rows(table.name), {"where": args["where"]})
        rows = req.update(table, matched, args.get("_set"), args.get("_inc"), f"{base}.args")
        return {"affected_rows": len(rows), "returning": [_RowRef(table, r) for r in rows]}
    if kind == "update_by_pk":
        row_id = _parse_value("uuid", args["pk_columns"]["id"])
        found = req.store.get(table.name, row_id)
        if found is None or not req.visible(table, found):
            return None
        rows = req.update(table, [found], args.get("_set"), args.get("_inc"), f"{base}.args")
        return _RowRef(table, rows[0])
    if kind == "delete":
        matched = req.select(table, req.store.rows(table.name), {"where": args["where"]})
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
    related = req.related(table, row, rel, apply_perms=True)
    if rel.kind == "object":
        return _RowRef(target, related[0]) if related else None
    selected = req.select(target, related, args)
    if name != rel_name:
        return _Agg(target, selected)
    return [_RowRef(target, r) for r in selected]


def _count(agg: _AggFields, args: dict[str, Any]) -> int:
    columns = list(args.get("columns") or [])
    if not columns:
        return len(agg.rows)
    values = [
        tuple(_sort_key("jsonb", _serialize(r.get(c))) for c in columns)
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


class Engine:
    """Answers GraphQL requests like Dxtra's Hasura would, for a given session role."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store if store is not None else Store.seeded()
        self._schemas: dict[str, GraphQLSchema] = {}
        self._roots: dict[str, dict[str, tuple[str, Table]]] = {}
        self._schema_lock = threading.Lock()

    def schema(self, role: str) -> GraphQLSchema:
        with self._schema_lock:
            if role not in self._schemas:
                self._schemas[role] = build_role_schema(role)
                self._roots[role] = _root_index(role)
            return self._schemas[role]

    def execute(self, body: object, session: Session) -> dict[str, Any]:
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
            document = parse(query)
        except GraphQLSyntaxError as exc:
            return _error(
                f"not a valid graphql query: {exc.message}", "validation-failed", "$.query"
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
        if operation.operation == OperationType.SUBSCRIPTION:
            return _error(
                "subscriptions are not supported over HTTP, use websockets instead",
                "validation-failed",
            )
        return self._run(schema, document, operation, variables, session)

    def _run(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any] | None,
        session: Session,
    ) -> dict[str, Any]:
        req = _Request(self.store, session)
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
        return _error(f"unexpected error: {original}", "unexpected")
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
