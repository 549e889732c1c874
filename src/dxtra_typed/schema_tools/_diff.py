"""Compare two schemas: breaking, dangerous and safe changes, and which operations break.

graphql-core's change finder covers breaking and dangerous changes but says nothing about
additions that cannot hurt a client (new types, new output fields, new descriptions); a CI job
still wants to see those, so they are computed here as "safe". Each breaking change is mapped
back to a schema coordinate so the operations in ``queries/`` that rely on it (walked with
``TypeInfo`` against the OLD schema, where they were valid) can be named with ``file:line``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from graphql import (
    BreakingChangeType,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    find_breaking_changes,
    find_dangerous_changes,
)
from graphql.type import is_specified_directive, is_specified_scalar_type
from graphql.type.introspection import is_introspection_type

from ._operations import OperationSet, Usage, usages

Level = Literal["breaking", "dangerous", "safe"]


@dataclass(frozen=True)
class Change:
    level: Level
    kind: str
    description: str
    coordinates: tuple[str, ...] = ()


@dataclass(frozen=True)
class AffectedOperation:
    operation: str
    role: str
    usage: Usage

    def __str__(self) -> str:
        via = f" (in fragment {self.usage.fragment})" if self.usage.fragment else ""
        return (
            f"{self.usage.path}:{self.usage.line}: {self.operation} uses "
            f"{self.usage.coordinate}{via}"
        )


@dataclass
class SchemaDiff:
    changes: list[Change] = field(default_factory=list)
    affected: dict[Change, list[AffectedOperation]] = field(default_factory=dict)

    def by_level(self, level: Level) -> list[Change]:
        return [c for c in self.changes if c.level == level]

    @property
    def breaking(self) -> bool:
        return any(c.level == "breaking" for c in self.changes)


_N = r"([_A-Za-z][_0-9A-Za-z]*)"
# graphql-core 3.2's wording for each breaking change, reduced to the coordinate it is about.
_COORDINATE_PATTERNS: dict[BreakingChangeType, tuple[re.Pattern[str], str]] = {
    BreakingChangeType.TYPE_REMOVED: (re.compile(rf"^(?:Standard scalar )?{_N}"), "{0}"),
    BreakingChangeType.TYPE_CHANGED_KIND: (re.compile(rf"^{_N} changed from"), "{0}"),
    BreakingChangeType.TYPE_REMOVED_FROM_UNION: (
        re.compile(rf"removed from union type {_N}"),
        "{0}",
    ),
    BreakingChangeType.VALUE_REMOVED_FROM_ENUM: (
        re.compile(rf"^{_N} was removed from enum type {_N}"),
        "{1}.{0}",
    ),
    BreakingChangeType.REQUIRED_INPUT_FIELD_ADDED: (re.compile(rf"input type {_N}"), "{0}"),
    BreakingChangeType.IMPLEMENTED_INTERFACE_REMOVED: (
        re.compile(rf"^{_N} no longer implements"),
        "{0}",
    ),
    BreakingChangeType.FIELD_REMOVED: (re.compile(rf"^{_N}\.{_N} "), "{0}.{1}"),
    BreakingChangeType.FIELD_CHANGED_KIND: (re.compile(rf"^{_N}\.{_N} "), "{0}.{1}"),
    BreakingChangeType.REQUIRED_ARG_ADDED: (re.compile(rf"on {_N}\.{_N} was added"), "{0}.{1}"),
    BreakingChangeType.ARG_REMOVED: (re.compile(rf"^{_N}\.{_N} arg {_N}"), "{0}.{1}({2})"),
    BreakingChangeType.ARG_CHANGED_KIND: (re.compile(rf"^{_N}\.{_N} arg {_N}"), "{0}.{1}({2})"),
    BreakingChangeType.DIRECTIVE_REMOVED: (re.compile(rf"^{_N}"), "@{0}"),
    BreakingChangeType.DIRECTIVE_ARG_REMOVED: (
        re.compile(rf"^{_N} was removed from {_N}"),
        "@{1}({0})",
    ),
    BreakingChangeType.REQUIRED_DIRECTIVE_ARG_ADDED: (re.compile(rf"directive {_N}"), "@{0}"),
    BreakingChangeType.DIRECTIVE_LOCATION_REMOVED: (re.compile(rf"removed from {_N}"), "@{0}"),
}


def _coordinates(kind: BreakingChangeType, description: str) -> tuple[str, ...]:
    pattern = _COORDINATE_PATTERNS.get(kind)
    if pattern is None:
        return ()
    match = pattern[0].search(description)
    return (pattern[1].format(*match.groups()),) if match else ()


def _user_types(schema: GraphQLSchema) -> dict[str, GraphQLNamedType]:
    return {
        name: t
        for name, t in schema.type_map.items()
        if not is_introspection_type(t) and not is_specified_scalar_type(t)
    }


def safe_changes(old: GraphQLSchema, new: GraphQLSchema) -> list[Change]:
    """Differences graphql-core does not classify because no client can break on them."""
    out: list[Change] = []

    def add(kind: str, text: str) -> None:
        out.append(Change("safe", kind, text))

    def described(what: str, a: str | None, b: str | None) -> None:
        if (a or None) != (b or None):
            add("DESCRIPTION_CHANGED", f"{what} description changed.")

    def deprecation(what: str, a: str | None, b: str | None) -> None:
        if a != b:
            if b is None:
                add("DEPRECATION_REMOVED", f"{what} is no longer deprecated.")
            else:
                add("DEPRECATION_ADDED", f"{what} is deprecated ({b}).")

    old_types, new_types = _user_types(old), _user_types(new)
    for name in sorted(new_types.keys() - old_types.keys()):
        add("TYPE_ADDED", f"{name} was added.")
    for name in sorted(old_types.keys() & new_types.keys()):
        a, b = old_types[name], new_types[name]
        if type(a) is not type(b):
            continue  # TYPE_CHANGED_KIND, already breaking
        described(name, a.description, b.description)
        if isinstance(a, (GraphQLObjectType, GraphQLInterfaceType)):
            assert isinstance(b, (GraphQLObjectType, GraphQLInterfaceType))
            for fname in sorted(b.fields.keys() - a.fields.keys()):
                add("FIELD_ADDED", f"{name}.{fname} was added.")
            for fname in sorted(a.fields.keys() & b.fields.keys()):
                fa, fb = a.fields[fname], b.fields[fname]
                described(f"{name}.{fname}", fa.description, fb.description)
                deprecation(f"{name}.{fname}", fa.deprecation_reason, fb.deprecation_reason)
                for arg in sorted(fa.args.keys() & fb.args.keys()):
                    described(
                        f"{name}.{fname}({arg})", fa.args[arg].description, fb.args[arg].description
                    )
        elif isinstance(a, GraphQLInputObjectType):
            assert isinstance(b, GraphQLInputObjectType)
            for fname in sorted(a.fields.keys() & b.fields.keys()):
                described(
                    f"{name}.{fname}", a.fields[fname].description, b.fields[fname].description
                )
        elif isinstance(a, GraphQLEnumType):
            assert isinstance(b, GraphQLEnumType)
            for value in sorted(a.values.keys() & b.values.keys()):
                va, vb = a.values[value], b.values[value]
                described(f"{name}.{value}", va.description, vb.description)
                deprecation(f"{name}.{value}", va.deprecation_reason, vb.deprecation_reason)
    old_directives = {d.name for d in old.directives if not is_specified_directive(d)}
    for directive in new.directives:
        if not is_specified_directive(directive) and directive.name not in old_directives:
            add("DIRECTIVE_ADDED", f"@{directive.name} was added.")
    return out


def diff_schemas(
    old: GraphQLSchema, new: GraphQLSchema, operations: OperationSet | None = None
) -> SchemaDiff:
    result = SchemaDiff()
    for b in find_breaking_changes(old, new):
        result.changes.append(
            Change("breaking", b.type.name, b.description, _coordinates(b.type, b.description))
        )
    for d in find_dangerous_changes(old, new):
        result.changes.append(Change("dangerous", d.type.name, d.description))
    result.changes += safe_changes(old, new)
    if operations is not None:
        _attach_operations(result, old, operations)
    return result


def _attach_operations(result: SchemaDiff, old: GraphQLSchema, operations: OperationSet) -> None:
    per_operation = []
    for operation in operations.operations:
        try:
            found = usages(old, operations.document_for(operation))
        except Exception:  # an operation that is not valid against OLD cannot be attributed
            continue
        per_operation.append((operation, found))
    for change in result.by_level("breaking"):
        hits: list[AffectedOperation] = []
        for operation, found in per_operation:
            for usage in found:
                if usage.coordinate in change.coordinates or any(
                    usage.coordinate.startswith(c + "(") for c in change.coordinates
                ):
                    hits.append(AffectedOperation(operation.name, operation.role, usage))
                    break
        result.affected[change] = hits
