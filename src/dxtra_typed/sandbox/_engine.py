"""A small Hasura v2 look-alike: runs GraphQL against the store, per role, answering like Hasura.

The client is built and tested against this engine instead of the real Dxtra, so what matters
is that it answers like Hasura: the per-role schema, `where`/`order_by` semantics (including
Hasura's quirks, such as a null operand being ignored), numbers as JSON numbers, mutations that
are all-or-nothing, and errors in Hasura's exact `{"errors": [{message, extensions}]}` shape.
graphql-core does parsing, validation and execution; this module supplies the resolvers, the
permissions and the writes. Beside it: ``_sql`` compiles `where`/`order_by`/permission filters
to SQL over the SQLite store, ``_values`` converts column values, ``_hasura_errors`` builds and
translates Hasura's error bodies.
"""

from __future__ import annotations

import copy
import threading
import uuid
import weakref
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

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
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)

from dxtra_typed.sandbox._hasura_errors import (
    HasuraError,
    error_body,
    never_raises,
    translate_execution,
    translate_validation,
    uniqueness_violation,
)
from dxtra_typed.sandbox._model import (
    TABLES,
    USER_ID_VAR,
    BoolExp,
    Permission,
    Relationship,
    Table,
    permission,
    visible_tables,
)
from dxtra_typed.sandbox._sdl import build_role_schema
from dxtra_typed.sandbox._sql import Compiler, register_functions
from dxtra_typed.sandbox._store import Row, Store, qi
from dxtra_typed.sandbox._values import parse_value, serialize, sort_key

__all__ = [
    "Agg",
    "AggFields",
    "Engine",
    "EngineFront",
    "Prepared",
    "RowRef",
    "Session",
    "StreamState",
    "TransactionalStore",
    "parse_request",
    "run_prepared",
    "stream_batch",
]

_ROOT_TYPES = frozenset({"query_root", "mutation_root", "subscription_root"})
_PERMISSION_FAILED = "check constraint of an insert/update permission has failed"
_TableT = TypeVar("_TableT")


@dataclass(frozen=True)
class Session:
    role: str
    user_id: str | None = None


# Resolver sources, shared with the schema engine (whose tables are ``_hasura_model.Table``):
# graphql-core hands each back to the resolver, which dispatches on the class.


@dataclass
class RowRef(Generic[_TableT]):
    """A row of ``table`` being resolved."""

    table: _TableT
    row: Row


@dataclass
class Agg(Generic[_TableT]):
    """An ``<table>_aggregate`` object: ``aggregate`` and ``nodes`` over ``rows``."""

    table: _TableT
    rows: list[Row]


@dataclass
class AggFields(Generic[_TableT]):
    """The ``aggregate`` fields (``count``, ``max``, ...) over ``rows``."""

    table: _TableT
    rows: list[Row]


# --- values ---


def _substitute(exp: Any, user_id: str | None) -> Any:
    """Replace session variables in a permission's boolean expression."""
    if isinstance(exp, dict):
        return {k: _substitute(v, user_id) for k, v in exp.items()}
    if isinstance(exp, list):
        return [_substitute(v, user_id) for v in exp]
    if isinstance(exp, str) and exp.lower() == USER_ID_VAR.lower():
        if user_id is None:
            raise HasuraError('missing session variable: "x-hasura-user-id"', "not-found")
        return user_id
    return exp


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


def stream_batch(
    args: Mapping[str, Any], cursors: list[Any], stream: StreamState | None
) -> tuple[str, dict[str, Any], StreamState]:
    """Check a streaming subscription's arguments like Hasura (exactly one cursor column, a
    positive batch size) and give the cursor column, the `select` arguments of the next batch
    (rows past the cursor, in cursor order, at most `batch_size`) and the stream's state.
    Both engines stream this way; only how they select the rows differs."""
    if len(cursors) != 1:
        raise HasuraError("one streaming column field is expected", "validation-failed", "$.cursor")
    initial = dict(cursors[0].get("initial_value") or {})
    if len(initial) != 1:
        raise HasuraError(
            "exactly one cursor column is expected in initial_value",
            "validation-failed",
            "$.cursor",
        )
    column, raw = next(iter(initial.items()))
    desc = cursors[0].get("ordering") == "DESC"
    batch_size = args.get("batch_size")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise HasuraError(
            "expecting a positive integer for batch_size", "validation-failed", "$.batch_size"
        )
    state = stream if stream is not None else StreamState()
    value = state.after if state.started else raw
    bound: BoolExp = {column: {"_lt" if desc else "_gt": value}}
    where = args.get("where")
    batch = {
        "where": {"_and": [where, bound]} if where else bound,
        "order_by": [{column: "desc" if desc else "asc"}],
        "limit": batch_size,
    }
    return column, batch, state


def _cursor_input(value: Any) -> Any:
    """A stored value as the JSON a client would send back as a cursor (exact, no rounding)."""
    if isinstance(value, Decimal):
        return str(value)
    return serialize(value)


class _Request:
    """One request's view of the store through one role's permissions."""

    def __init__(self, store: Store, session: Session, stream: StreamState | None = None) -> None:
        self.store = store
        self.session = session
        self._filters: dict[str, BoolExp] = {}
        self.stream_state = stream
        self.sql = Compiler(session.role, self._filter)

    # permissions

    def _perm(self, table: Table) -> Permission:
        perm = permission(table, self.session.role)
        if perm is None:
            raise HasuraError(f"no permission on {table.name}", "permission-error")
        return perm

    def _filter(self, table: Table) -> BoolExp:
        if table.name not in self._filters:
            self._filters[table.name] = _substitute(
                dict(self._perm(table).filter), self.session.user_id
            )
        return self._filters[table.name]

    # selecting (the SQL is _sql.Compiler's; distinct_on is applied here)

    def select(
        self,
        table: Table,
        args: Mapping[str, Any],
        scope: tuple[str, Any] | None = None,
    ) -> list[Row]:
        """Rows the role may see, filtered, ordered and paginated like Hasura (``scope``: see
        ``Compiler.select``)."""
        stmt = self.sql.select(table, args, scope)
        rows = self.store.query(table.name, stmt.sql, stmt.params)
        if stmt.distinct:
            seen: set[tuple[Any, ...]] = set()
            unique: list[Row] = []
            for r in rows:
                key = tuple(sort_key(_col_type(table, c), r.get(c)) for c in stmt.distinct)
                if key not in seen:
                    seen.add(key)
                    unique.append(r)
            rows = unique[stmt.offset :]
            if stmt.limit is not None:
                rows = rows[: stmt.limit]
        return rows

    def stream(self, table: Table, args: Mapping[str, Any]) -> list[Row]:
        """One batch of a streaming subscription: rows past the cursor, in cursor order.

        Like Hasura, exactly one cursor column; ASC streams rows with a greater value, DESC
        rows with a smaller one. A null initial value starts from the first row."""
        column, batch, state = stream_batch(args, list(args.get("cursor") or []), self.stream_state)
        rows = self.select(table, batch)
        state.count = len(rows)
        state.batch_size = batch["limit"]
        if rows:
            state.last = _cursor_input(rows[-1][column])
        return rows

    def by_pk(self, table: Table, row_id: Any) -> Row | None:
        found = self.select(table, {}, ("id", parse_value("uuid", row_id)))
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
        sql, params = self.sql.row_satisfies(table, row_id, exp, apply_perms=apply_perms)
        return self.store.scalar(sql, params) is not None

    # writing

    def _check_row(self, table: Table, row: Row, path: str) -> None:
        for col in table.columns:
            if not col.nullable and row.get(col.name) is None:
                raise HasuraError(
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
                raise HasuraError(
                    f'Foreign key violation. insert or update on table "{table.db_name}" '
                    f'violates foreign key constraint "{rel.fk_constraint}"',
                    "constraint-violation",
                    path,
                )

    def _post_check(self, table: Table, row_id: str, check: BoolExp, path: str) -> None:
        exp = _substitute(dict(check), self.session.user_id)
        if not self._satisfies(table, row_id, exp, apply_perms=False):
            raise HasuraError(_PERMISSION_FAILED, "permission-error", path)

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
                    row[col.name] = parse_value(col.type, obj[col.name])
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
                    raise uniqueness_violation(table.pkey, path)
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
                changes[name] = parse_value(col.type, value)
            for name, value in (inc or {}).items():
                col = table.column(name)
                assert col is not None
                if value is None:
                    continue
                current = row.get(name)
                changes[name] = None if current is None else current + parse_value(col.type, value)
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
                        raise HasuraError(
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
        return [RowRef(table, r) for r in req.select(table, args)]
    if kind == "select_stream":
        return [RowRef(table, r) for r in req.stream(table, args)]
    if kind == "select_aggregate":
        return Agg(table, req.select(table, args))
    if kind in ("select_by_pk", "delete_by_pk"):
        found = req.by_pk(table, args["id"])
        if found is None:
            return None
        if kind == "delete_by_pk":
            req.delete(table, [found], base)
        return RowRef(table, found)
    if kind == "insert":
        rows = req.insert(table, args["objects"], args.get("on_conflict"), f"{base}.args.objects")
        return {"affected_rows": len(rows), "returning": [RowRef(table, r) for r in rows]}
    if kind == "insert_one":
        rows = req.insert(table, [args["object"]], args.get("on_conflict"), f"{base}.args.object")
        return RowRef(table, rows[0]) if rows else None
    if kind == "update":
        matched = req.select(table, {"where": args["where"]})
        rows = req.update(table, matched, args.get("_set"), args.get("_inc"), f"{base}.args")
        return {"affected_rows": len(rows), "returning": [RowRef(table, r) for r in rows]}
    if kind == "update_by_pk":
        found = req.by_pk(table, args["pk_columns"]["id"])
        if found is None:
            return None
        rows = req.update(table, [found], args.get("_set"), args.get("_inc"), f"{base}.args")
        return RowRef(table, rows[0])
    if kind == "delete":
        matched = req.select(table, {"where": args["where"]})
        rows = req.delete(table, matched, base)
        return {"affected_rows": len(rows), "returning": [RowRef(table, r) for r in rows]}
    raise HasuraError(f"unsupported root field {info.field_name}", "not-supported")


def _resolve_row(req: _Request, ref: RowRef[Table], name: str, args: dict[str, Any]) -> Any:
    table, row = ref.table, ref.row
    if table.column(name) is not None:
        return serialize(row.get(name))
    rel_name = name.removesuffix("_aggregate")
    rel = table.relationship(rel_name)
    if rel is None:
        return None
    target = TABLES[rel.target]
    related = req.related(table, row, rel, args if rel.kind == "array" else {})
    if rel.kind == "object":
        return RowRef(target, related[0]) if related else None
    if name != rel_name:
        return Agg(target, related)
    return [RowRef(target, r) for r in related]


def _count(agg: AggFields[Table], args: dict[str, Any]) -> int:
    columns = list(args.get("columns") or [])
    if not columns:
        return len(agg.rows)
    values = [
        tuple(sort_key(_col_type(agg.table, c), r.get(c)) for c in columns)
        for r in agg.rows
        if all(r.get(c) is not None for c in columns)
    ]
    return len(set(values)) if args.get("distinct") else len(values)


def _extreme(agg: AggFields[Table], pick: Callable[[list[Any]], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in agg.table.columns:
        values = [r[col.name] for r in agg.rows if r.get(col.name) is not None]
        if not values:
            out[col.name] = None
            continue
        keyed = {sort_key(col.type, v): v for v in values}
        out[col.name] = serialize(keyed[pick(list(keyed))])
    return out


# Request limits. Hasura OSS has none by default (Cloud/EE offer depth and node limits); the
# sandbox caps them so a hostile or runaway query gets an error body instead of exhausting the
# process. Generated client operations stay far below both.
MAX_QUERY_TOKENS = 50_000
MAX_SELECTION_DEPTH = 32


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


class EngineFront:
    """The entry points the HTTP and WebSocket fronts call, shared by the bundled `Engine` and
    the schema-driven ``SchemaEngine``: a subclass gives the role's schema, whether a
    subscription root field streams, and how a prepared operation runs."""

    def schema(self, role: str) -> GraphQLSchema | None:
        raise NotImplementedError

    def _streams(self, session: Session, root: str) -> bool:
        """Is the subscription root field `root` a streaming one (else a live query)?"""
        raise NotImplementedError

    def _run(self, prepared: Prepared, stream: StreamState | None = None) -> dict[str, Any]:
        raise NotImplementedError

    @never_raises
    def execute(self, body: object, session: Session) -> dict[str, Any]:
        """Answer one HTTP request body. Never raises (``never_raises``)."""
        parsed = self._parse(body, session)
        if isinstance(parsed, dict):
            return parsed
        if parsed.operation.operation == OperationType.SUBSCRIPTION:
            return error_body(
                "subscriptions are not supported over HTTP, use websockets instead",
                "validation-failed",
            )
        return self._run(parsed)

    # --- the WebSocket front's entry points ---

    @never_raises
    def prepare(self, body: object, session: Session) -> Prepared | dict[str, Any]:
        """Parse and validate an operation sent over a WebSocket: a `Prepared` to run (maybe
        many times), or Hasura's error body. Never raises (``never_raises``)."""
        parsed = self._parse(body, session)
        if isinstance(parsed, dict):
            return parsed
        if parsed.operation.operation != OperationType.SUBSCRIPTION:
            parsed.kind = "once"
            return parsed
        # Validation guarantees exactly one root field (a subscription's single root field).
        root = parsed.operation.selection_set.selections[0]
        if not isinstance(root, FieldNode):
            return error_body("subscriptions must select one top level field", "validation-failed")
        parsed.kind = "stream" if self._streams(session, root.name.value) else "live"
        return parsed

    @never_raises
    def run(self, prepared: Prepared, stream: StreamState | None = None) -> dict[str, Any]:
        """Run a prepared operation once; for a stream, the batch after `stream.after`.
        Never raises (``never_raises``)."""
        return self._run(prepared, stream)

    def _parse(self, body: object, session: Session) -> Prepared | dict[str, Any]:
        return parse_request(body, session, self.schema)


class Engine(EngineFront):
    """Answers GraphQL requests like Dxtra's Hasura would, for a given session role."""

    def __init__(self, store: Store | None = None) -> None:
        self.store = store if store is not None else Store()
        register_functions(self.store)
        self._schemas: dict[str, GraphQLSchema] = {}
        self._roots: dict[str, dict[str, tuple[str, Table]]] = {}
        self._schema_lock = threading.Lock()

    def schema(self, role: str) -> GraphQLSchema:
        with self._schema_lock:
            if role not in self._schemas:
                self._schemas[role] = build_role_schema(role)
                self._roots[role] = _root_index(role)
            return self._schemas[role]

    def _streams(self, session: Session, root: str) -> bool:
        kind, _table = self._roots[session.role][root]
        return kind == "select_stream"

    def _run(self, prepared: Prepared, stream: StreamState | None = None) -> dict[str, Any]:
        session = prepared.session
        req = _Request(self.store, session, stream)
        roots = self._roots[session.role]

        def resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
            name = info.field_name
            if info.parent_type.name in _ROOT_TYPES:
                kind, table = roots[name]
                return _resolve_root(req, kind, table, info, args)
            if isinstance(source, RowRef):
                return _resolve_row(req, source, name, args)
            if isinstance(source, Agg):
                if name == "aggregate":
                    return AggFields(source.table, source.rows)
                return [RowRef(source.table, r) for r in source.rows]
            if isinstance(source, AggFields):
                if name == "count":
                    return _count(source, args)
                return _extreme(source, max if name == "max" else min)
            if isinstance(source, Mapping):
                return source.get(name)
            return None

        return run_prepared(self.store, prepared, resolve)


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


# --- request plumbing shared with the schema-driven engine (``_hasura_engine``) ---


class TransactionalStore(Protocol):
    """What `run_prepared` needs of a store: the request lock and all-or-nothing blocks
    (the bundled SQLite `Store` and the schema engine's `MemoryStore` both have them)."""

    @property
    def lock(self) -> AbstractContextManager[Any]: ...

    def transaction(self) -> AbstractContextManager[Any]: ...


def parse_request(
    body: object, session: Session, schema_for: Callable[[str], GraphQLSchema | None]
) -> Prepared | dict[str, Any]:
    """Check a request body and parse and validate its operation against the session role's
    schema (`schema_for(role)`; ``None``: the role has none): a `Prepared`, or Hasura's error
    body. Both engines answer malformed requests with the same messages, so this is one."""
    if not isinstance(body, dict):
        return error_body("expected an object for the request body", "parse-failed")
    query = body.get("query")
    variables = body.get("variables")
    op_name = body.get("operationName")
    if not isinstance(query, str):
        return error_body("the key 'query' was not present", "parse-failed")
    if variables is not None and not isinstance(variables, dict):
        return error_body("expected an object for 'variables'", "parse-failed", "$.variables")
    if op_name is not None and not isinstance(op_name, str):
        return error_body("expected a string for 'operationName'", "parse-failed")
    schema = schema_for(session.role)
    if schema is None:
        return error_body(f'the sandbox has no schema for role "{session.role}"', "access-denied")
    checked = _checked_document(schema, query)
    if isinstance(checked, dict):
        return copy.deepcopy(checked)  # the caller may add to it; the cached one stays as is
    document = checked
    operation = get_operation_ast(document, op_name)
    if operation is None:
        if op_name:
            return error_body(
                f'no such operation found in the document: "{op_name}"', "validation-failed"
            )
        return error_body(
            "exactly one operation has to be present in the document when operationName "
            "is not specified",
            "validation-failed",
        )
    return Prepared(schema, document, operation, variables, session)


# Checked documents by schema, then by query text: weak on the schema, so a sandbox's schemas
# (and their cached documents) go when the sandbox does. Nothing cached refers to its schema.
_CHECKED: weakref.WeakKeyDictionary[GraphQLSchema, dict[str, DocumentNode | dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)
_CHECKED_LOCK = threading.Lock()
_CHECKED_PER_SCHEMA = 256


def _checked_document(schema: GraphQLSchema, query: str) -> DocumentNode | dict[str, Any]:
    """`_check_document`, cached per (schema, query) as Hasura caches a query's plan:
    validation alone is ~1.2 ms of a sandbox request, and clients send the same few documents
    over and over. Both parts are pure (a new schema is a new key) and graphql-core never
    mutates a document it executes; the oldest entry goes when a schema has too many."""
    with _CHECKED_LOCK:
        cached = _CHECKED.setdefault(schema, {})
        hit = cached.get(query)
    if hit is not None:
        return hit
    checked = _check_document(schema, query)
    with _CHECKED_LOCK:
        if len(cached) >= _CHECKED_PER_SCHEMA:
            del cached[next(iter(cached))]
        cached[query] = checked
    return checked


def _check_document(schema: GraphQLSchema, query: str) -> DocumentNode | dict[str, Any]:
    """`query` parsed, within the depth limit and validated against `schema`, or Hasura's
    error body."""
    try:
        document = parse(query, max_tokens=MAX_QUERY_TOKENS)
    except GraphQLSyntaxError:
        # Hasura's `toParsed` (Transport/HTTP/Protocol.hs) drops the parser's detail.
        return error_body("not a valid graphql query", "validation-failed", "$.query")
    if _selection_depth(document) > MAX_SELECTION_DEPTH:
        return error_body(
            f"the query exceeds the sandbox's depth limit of {MAX_SELECTION_DEPTH}",
            "validation-failed",
            "$.query",
        )
    errors = validate(schema, document)
    if errors:
        return translate_validation(errors[0], document)
    return document


def run_prepared(
    store: TransactionalStore,
    prepared: Prepared,
    resolve: Callable[..., Any],
    *,
    committed: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Execute `prepared` with `resolve` as graphql-core's field resolver, under the store's
    lock: Hasura's ``{"data": ...}`` or its error body. All root fields of one mutation commit
    together or not at all; `committed()` runs after a mutation's block has committed."""

    def run() -> ExecutionResult:
        return execute_sync(
            prepared.schema,
            prepared.document,
            variable_values=prepared.variables,
            operation_name=prepared.name,
            field_resolver=resolve,
        )

    with store.lock:
        if prepared.operation.operation == OperationType.MUTATION:
            try:
                with store.transaction():
                    result = run()
                    if result.errors:
                        raise _Rollback(result.errors[0])
            except _Rollback as rollback:
                return translate_execution(rollback.error)
            if committed is not None:
                committed()
        else:
            result = run()
    if result.errors:
        return translate_execution(result.errors[0])
    return {"data": result.data}
