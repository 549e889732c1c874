"""`SchemaEngine`: Hasura's semantics over any Hasura v2 schema, with the rows kept in memory.

``_hasura_model`` reads the tables and classifies the root fields; this module routes each root
field to ``_hasura_rows`` (filters, ordering, aggregates, writes) and resolves rows, aggregates
and relationships for graphql-core, which parses, validates and executes. The rows live in
``_hasura_store.MemoryStore`` rather than the bundled sandbox's SQLite store: its SQL compiler is
written against the hand-made Dxtra table model, and values stay lossless here for free
(``Decimal``, ``datetime``). The request plumbing (``EngineFront``'s entry points,
``Prepared``, ``StreamState``, the resolver sources, error translation) is the bundled engine's,
so the HTTP and WebSocket fronts serve both engines alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationType,
)

from ._engine import (
    Agg,
    AggFields,
    EngineFront,
    Prepared,
    RowRef,
    Session,
    StreamState,
    run_prepared,
)
from ._hasura_errors import (
    HasuraError,
)
from ._hasura_model import HasuraModel, RootField, Table
from ._hasura_rows import RowRequest, aggregate, count_rows
from ._hasura_store import MemoryStore, Row
from ._hasura_values import output

__all__ = ["SchemaEngine", "unserved_message"]


def unserved_message(name: str) -> str:
    return (
        f'the sandbox cannot serve the root field "{name}": it is not a table\'s field (an '
        "Action or a remote schema field); give it a canned response with --canned FILE"
    )


# --- resolver sources ---


@dataclass
class _AggOp:
    op: str
    table: Table
    rows: list[Row]


class SchemaEngine(EngineFront):
    """Answers GraphQL requests for any Hasura v2 schema like Hasura would.

    ``schemas`` maps a role to its schema; the ``None`` entry is the schema of every role
    not named. ``permissions`` maps role → table → boolean expression (``X-Hasura-User-Id``
    is replaced by the session's user); ``canned`` maps a root field the engine cannot serve
    (an Action) to the value it answers with.
    """

    def __init__(
        self,
        schemas: Mapping[str | None, GraphQLSchema],
        *,
        permissions: Mapping[str, Mapping[str, Any]] | None = None,
        canned: Mapping[str, Any] | None = None,
    ) -> None:
        if not schemas:
            raise ValueError("at least one schema is needed")
        self.schemas = dict(schemas)
        self.models = {role: HasuraModel(s) for role, s in self.schemas.items()}
        self.tables: dict[str, Table] = {}
        self._enums: dict[str, frozenset[str]] = {}
        for model in self.models.values():
            for name, table in model.tables.items():
                self.tables.setdefault(name, table)
            for type_ in model.schema.type_map.values():
                if isinstance(type_, GraphQLEnumType) and not type_.name.startswith("__"):
                    self._enums.setdefault(type_.name, frozenset(type_.values))
        self.store = MemoryStore(self.tables)
        self.permissions: dict[str, dict[str, Any]] = {
            role: dict(rules) for role, rules in (permissions or {}).items()
        }
        self.canned: dict[str, Any] = dict(canned or {})

    def enum_values(self, type_: str) -> frozenset[str] | None:
        return self._enums.get(type_)

    def enums(self) -> dict[str, frozenset[str]]:
        return dict(self._enums)

    def model(self, role: str) -> HasuraModel | None:
        return self.models.get(role) or self.models.get(None)

    def schema(self, role: str) -> GraphQLSchema | None:
        model = self.model(role)
        return None if model is None else model.schema

    def load(self, rows: Mapping[str, list[Row]]) -> None:
        """Add rows already checked and coerced (``_hasura_seed``)."""
        with self.store.lock:
            for table, items in rows.items():
                self.store.rows[table].extend(items)
            self.store.changed()

    # --- what the shared entry points (``EngineFront``) need ---

    def _streams(self, session: Session, root: str) -> bool:
        model = self.model(session.role)
        assert model is not None
        found = model.roots["subscription"].get(root)
        return found is not None and found.kind == "stream"

    def _run(self, prepared: Prepared, stream: StreamState | None = None) -> dict[str, Any]:
        req = RowRequest(
            self.store, self.tables, self._enums, self.permissions, prepared.session, stream
        )
        model = self.model(prepared.session.role)
        assert model is not None
        op = prepared.operation.operation
        roots = model.roots[
            "mutation"
            if op == OperationType.MUTATION
            else "subscription"
            if op == OperationType.SUBSCRIPTION
            else "query"
        ]
        root_types = {
            t.name
            for t in (
                model.schema.query_type,
                model.schema.mutation_type,
                model.schema.subscription_type,
            )
            if t is not None
        }

        def resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
            name = info.field_name
            if info.parent_type.name in root_types:
                found = roots.get(name)
                if found is None:
                    if name in self.canned:
                        return self.canned[name]
                    raise HasuraError(
                        unserved_message(name), "not-supported", f"$.selectionSet.{name}"
                    )
                return self._root(req, found, args)
            if isinstance(source, RowRef):
                return self._row_field(req, source, name, args)
            if isinstance(source, Agg):
                if name == "aggregate":
                    return AggFields(source.table, source.rows)
                return [RowRef(source.table, r) for r in source.rows]
            if isinstance(source, AggFields):
                if name == "count":
                    return count_rows(source.table, source.rows, args)
                return _AggOp(name, source.table, source.rows)
            if isinstance(source, _AggOp):
                return aggregate(source.op, source.table, source.rows, name)
            if isinstance(source, Mapping):
                return source.get(name)
            return None

        return run_prepared(self.store, prepared, resolve, committed=self.store.changed)

    def _root(self, req: RowRequest, found: RootField, args: dict[str, Any]) -> Any:
        table = self.tables[found.table]
        kind = found.kind
        if kind == "select":
            return [RowRef(table, r) for r in req.select(table, args)]
        if kind == "stream":
            return [RowRef(table, r) for r in req.stream(table, args)]
        if kind == "aggregate":
            return Agg(table, req.select(table, args))
        if kind in ("by_pk", "delete_by_pk"):
            row = req.by_pk(table, args)
            if row is None:
                return None
            if kind == "delete_by_pk":
                req.delete(table, [row])
            return RowRef(table, row)
        path = f"$.selectionSet.{found.name}.args"
        if kind == "insert":
            rows = req.insert(table, args["objects"], args.get("on_conflict"), path)
            return _response(table, rows)
        if kind == "insert_one":
            rows = req.insert(table, [args["object"]], args.get("on_conflict"), path)
            return RowRef(table, rows[0]) if rows else None
        if kind == "update":
            return _response(
                table, req.update(table, req.select(table, {"where": args["where"]}), args)
            )
        if kind == "update_by_pk":
            row = req.by_pk(table, args["pk_columns"])
            if row is None:
                return None
            return RowRef(table, req.update(table, [row], args)[0])
        if kind == "update_many":
            return [
                _response(table, req.update(table, req.select(table, {"where": u["where"]}), u))
                for u in args["updates"]
            ]
        if kind == "delete":
            return _response(table, req.delete(table, req.select(table, {"where": args["where"]})))
        raise HasuraError(unserved_message(found.name), "not-supported")

    def _row_field(
        self, req: RowRequest, ref: RowRef[Table], name: str, args: dict[str, Any]
    ) -> Any:
        table, row = ref.table, ref.row
        if name in table.columns:
            value = output(row.get(name))
            path = args.get("path")
            if path and value is not None:
                for part in re.findall(r"[^.\[\]$\"']+", path):
                    value = (
                        value.get(part)
                        if isinstance(value, dict)
                        else (
                            value[int(part)]
                            if isinstance(value, list) and part.isdigit() and int(part) < len(value)
                            else None
                        )
                    )
            return value
        if name in table.aggregates:
            rel = table.relationships[table.aggregates[name]]
            target = self.tables[rel.target]
            return Agg(target, req.select(target, args, req.related(table, row, rel)))
        found = table.relationships.get(name)
        if found is None:
            return None
        target = self.tables[found.target]
        related = req.related(table, row, found)
        if found.kind == "object":
            return RowRef(target, related[0]) if related else None
        return [RowRef(target, r) for r in req.select(target, args, related)]


def _response(table: Table, rows: list[Row]) -> dict[str, Any]:
    return {"affected_rows": len(rows), "returning": [RowRef(table, r) for r in rows]}
