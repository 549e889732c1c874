"""What a Hasura v2 schema says about the database behind it, read from the schema alone.

Hasura generates its schema from tables by fixed rules, so the tables can be read back from the
*shapes* of the types, never from their spelling (Nhost renames roots: ``usersAggregate``,
``insertUser``, ``attachmentsStream``):

- a table is an object type that some field returns as a list with a ``where`` argument;
- its columns are its scalar and enum fields, its relationships its fields returning tables
  (a list: an array relationship, else an object one);
- a root field is classified by what it returns and the arguments it takes: a list of a table
  with ``cursor`` and ``batch_size`` is a stream, a ``{aggregate, nodes}`` type an aggregate, a
  ``{affected_rows, returning}`` type with ``objects`` an insert, and so on. What fits no shape
  (an Action, a remote schema field) is not served and answers with an error naming it.

The one thing a schema does not say is which columns join a relationship; ``_join`` guesses it
from Hasura's naming habits (``user`` ↔ ``userId``/``user_id``, or the inverse relationship's
column), and a relationship it cannot join is empty (documented in docs/design.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    get_named_type,
)

__all__ = ["HasuraModel", "Relationship", "RootField", "Table"]


@dataclass
class Relationship:
    name: str
    target: str
    kind: str  # "object" | "array"
    #: (column here, column there), or None when no join could be inferred.
    join: tuple[str, str] | None = None


@dataclass
class Table:
    name: str
    #: column name → scalar or enum type name
    columns: dict[str, str] = field(default_factory=dict)
    nullable: dict[str, bool] = field(default_factory=dict)
    relationships: dict[str, Relationship] = field(default_factory=dict)
    #: aggregate field name → array relationship name
    aggregates: dict[str, str] = field(default_factory=dict)
    primary_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class RootField:
    """A root field the engine serves: `kind` and the table it works on."""

    name: str
    kind: str
    table: str


_UPDATE_ARGS = frozenset(
    {"_set", "_inc", "_append", "_prepend", "_delete_key", "_delete_elem", "_delete_at_path"}
)


def _unwrap(type_: GraphQLOutputType) -> GraphQLOutputType:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _is_list(type_: GraphQLOutputType) -> bool:
    return isinstance(_unwrap(type_), GraphQLList)


def _object_fields(type_: object) -> dict[str, GraphQLField]:
    return dict(type_.fields) if isinstance(type_, GraphQLObjectType) else {}


def _norm(name: str) -> str:
    return name.replace("_", "").lower()


def _singulars(name: str) -> set[str]:
    n = _norm(name)
    out = {n}
    if n.endswith("ies"):
        out.add(n[:-3] + "y")
    if n.endswith("s"):
        out.add(n[:-1])
    if n.endswith("es"):
        out.add(n[:-2])
    return out


class HasuraModel:
    """Tables, relationships and classified root fields of one Hasura schema."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.tables: dict[str, Table] = {}
        self._find_tables()
        self.roots: dict[str, dict[str, RootField]] = {
            "query": {},
            "mutation": {},
            "subscription": {},
        }
        self._classify_roots()
        self._find_primary_keys()
        for table in self.tables.values():
            for rel in table.relationships.values():
                rel.join = self._join(table, rel)

    # --- tables ---

    def _find_tables(self) -> None:
        names: set[str] = set()
        for type_ in self.schema.type_map.values():
            for fld in _object_fields(type_).values():
                target = get_named_type(fld.type)
                if (
                    isinstance(target, GraphQLObjectType)
                    and _is_list(fld.type)
                    and isinstance(
                        getattr(fld.args.get("where"), "type", None), GraphQLInputObjectType
                    )
                ):
                    names.add(target.name)
        for name in sorted(names):
            type_ = self.schema.type_map[name]
            assert isinstance(type_, GraphQLObjectType)
            table = Table(name)
            for fname, fld in type_.fields.items():
                target = get_named_type(fld.type)
                if isinstance(target, (GraphQLScalarType, GraphQLEnumType)):
                    table.columns[fname] = target.name
                    table.nullable[fname] = not isinstance(fld.type, GraphQLNonNull)
                elif target.name in names:
                    kind = "array" if _is_list(fld.type) else "object"
                    table.relationships[fname] = Relationship(fname, target.name, kind)
            for fname, fld in type_.fields.items():
                target = get_named_type(fld.type)
                nodes = _object_fields(target).get("nodes")
                if nodes is None or "aggregate" not in _object_fields(target):
                    continue
                node_table = get_named_type(nodes.type).name
                candidates = [
                    r.name
                    for r in table.relationships.values()
                    if r.kind == "array" and r.target == node_table
                ]
                base = fname.removesuffix("_aggregate").removesuffix("Aggregate")
                if base in candidates:
                    table.aggregates[fname] = base
                elif candidates:
                    table.aggregates[fname] = candidates[0]
            self.tables[name] = table

    # --- root fields ---

    def _classify_roots(self) -> None:
        for op, root in (
            ("query", self.schema.query_type),
            ("mutation", self.schema.mutation_type),
            ("subscription", self.schema.subscription_type),
        ):
            for name, fld in _object_fields(root).items():
                found = self.classify(name, fld, op == "mutation")
                if found is not None:
                    self.roots[op][name] = found

    def classify(self, name: str, fld: GraphQLField, mutation: bool) -> RootField | None:
        """The root field's kind from its type and arguments, or None when it is no table's."""
        args = set(fld.args)
        named = get_named_type(fld.type)
        listed = _is_list(fld.type)
        table = self.tables.get(named.name)
        fields = _object_fields(named)
        if not mutation:
            if table is not None and listed:
                kind = "stream" if {"cursor", "batch_size"} <= args else "select"
                return RootField(name, kind, table.name)
            if "aggregate" in fields and "nodes" in fields and not listed:
                nodes = self.tables.get(get_named_type(fields["nodes"].type).name)
                return RootField(name, "aggregate", nodes.name) if nodes else None
            if table is not None and args and args <= set(table.columns):
                return RootField(name, "by_pk", table.name)
            return None
        if "affected_rows" in fields and "returning" in fields:
            target = self.tables.get(get_named_type(fields["returning"].type).name)
            if target is None:
                return None
            if listed and "updates" in args:
                return RootField(name, "update_many", target.name)
            if "objects" in args:
                return RootField(name, "insert", target.name)
            if "where" in args and args & _UPDATE_ARGS:
                return RootField(name, "update", target.name)
            if "where" in args:
                return RootField(name, "delete", target.name)
            return None
        if table is not None and not listed:
            if "object" in args:
                return RootField(name, "insert_one", table.name)
            if "pk_columns" in args:
                return RootField(name, "update_by_pk", table.name)
            if args and args <= set(table.columns):
                return RootField(name, "delete_by_pk", table.name)
        return None

    def _find_primary_keys(self) -> None:
        for root in self.roots.values():
            for rf in root.values():
                if rf.kind in ("by_pk", "delete_by_pk") and not self.tables[rf.table].primary_key:
                    owner = (
                        self.schema.query_type if rf.kind == "by_pk" else self.schema.mutation_type
                    )
                    fld = _object_fields(owner)[rf.name]
                    self.tables[rf.table].primary_key = tuple(fld.args)
        for table in self.tables.values():
            if not table.primary_key and "id" in table.columns:
                table.primary_key = ("id",)

    # --- relationship joins ---

    def _join(self, table: Table, rel: Relationship) -> tuple[str, str] | None:
        target = self.tables[rel.target]
        pk_here = table.primary_key[0] if len(table.primary_key) == 1 else None
        pk_there = target.primary_key[0] if len(target.primary_key) == 1 else None

        def matching(columns: dict[str, str], names: set[str], type_: str | None) -> str | None:
            for col, col_type in columns.items():
                if _norm(col) in names and (type_ is None or col_type == type_):
                    return col
            return None

        if rel.kind == "object" and pk_there is not None:
            # Forward: this table holds the key (`user` → `userId`, `admin_structure` →
            # `adminStructureId`, `creator` → `creatorId`).
            names = {_norm(rel.name) + "id", _norm(rel.name) + _norm(pk_there)}
            # The relationship's name first: `creator` → `creatorId` even beside `accountId`.
            col = matching(table.columns, names, target.columns[pk_there]) or matching(
                table.columns, {s + "id" for s in _singulars(rel.target)}, target.columns[pk_there]
            )
            if col is None and "By" in rel.name:
                # Hasura's own name, `<local column>By<remote column>`: `defaultRoleByRole`.
                local, remote = rel.name.rsplit("By", 1)
                col = matching(table.columns, {_norm(local)}, None) or matching(
                    table.columns, {_norm(remote)}, None
                )
            if col is None:
                # An enum table: the key column's type is the enum `<table>_enum`.
                col = next((c for c, t in table.columns.items() if t == f"{rel.target}_enum"), None)
            if col is not None:
                return (col, pk_there)
        if pk_here is not None:
            # Backward: the other table holds the key, named after the inverse relationship
            # or after this table.
            names = set()
            for inverse in target.relationships.values():
                if inverse.target == table.name and inverse.kind == "object":
                    names.add(_norm(inverse.name) + "id")
            names |= {s + "id" for s in _singulars(table.name)}
            col = matching(target.columns, names, table.columns[pk_here])
            if col is None and "By" in rel.name:
                # `<table>By<their column>`: `usersByDefaultRole` → users.defaultRole.
                col = matching(target.columns, {_norm(rel.name.rsplit("By", 1)[1])}, None)
            if col is None:
                for inverse in target.relationships.values():
                    if inverse.target == table.name and "By" in inverse.name:
                        col = matching(
                            target.columns, {_norm(inverse.name.rsplit("By", 1)[0])}, None
                        )
                        if col is not None:
                            break
            if col is None:
                col = next(
                    (c for c, t in target.columns.items() if t == f"{table.name}_enum"), None
                )
            if col is not None:
                return (pk_here, col)
        if rel.kind == "object" and pk_there is not None:
            # Last resorts, for keys named after part of the relationship: `requestor_account_id`
            # for `requestor` (the name starts the key), `situationId` for `refSituation` (the
            # key's stem ends the name), `createdBy` for `creator` (the name's first five letters
            # are in the key).
            key_type = target.columns[pk_there]
            # Columns another relationship is named after are that relationship's key.
            claimed = {_norm(r.name) + "id" for r in table.relationships.values() if r is not rel}
            candidates = {
                c: t
                for c, t in table.columns.items()
                if t == key_type and _norm(c) not in claimed and c != pk_here
            }
            for col in candidates:
                # `requestor` → `requestor_account_id`
                if _norm(col).startswith(_norm(rel.name)) and _norm(col).endswith("id"):
                    return (col, pk_there)
            for col in candidates:
                stem_of_key = _norm(col)[:-2] if _norm(col).endswith("id") else ""
                if len(stem_of_key) > 3 and (
                    _norm(rel.name).endswith(stem_of_key) or _norm(rel.target).endswith(stem_of_key)
                ):
                    return (col, pk_there)
            stem = _norm(rel.name)[:5]
            for col in candidates:
                if stem in _norm(col):
                    return (col, pk_there)
        return None
