"""ariadne-codegen plugin applying the rules of ``names.py`` to every generated name.

ariadne-codegen names each thing in isolation (``process_name`` sees one name and its node),
so ``User`` and ``user`` both became ``user`` and pydantic kept one of the two fields. The rules
need the namespace (the fields of the type a field is selected on, the variables of one
operation, the operations of the package). This plugin computes every name up front, from the
schema and from the same operations document ariadne-codegen parses (same files, same order,
so every node has the same source offset), and answers ``process_name`` from that table:

- result fields: keyed by the FieldNode's offset; namespace = the fields of its parent type
  (with the interfaces and union members it shares a selection with) plus every alias
  selected on them;
- input fields: keyed by the schema's field object; namespace = the input type's fields;
- variables: keyed by offset; namespace = the operation's variables, never an option name;
- operations: keyed by offset; never a name the base client class has;
- enum members: ``generate_enum`` rewrites the members (ariadne-codegen gives no node there)
  and the module's ``Enum.member`` default values to match.

A class that still ends up with two fields of one name (a case these rules missed) stops
generation with ``NameCollisionError`` naming them: never a silently dropped field.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ariadne_codegen.plugins.base import Plugin
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    print_ast,
    visit,
)
from graphql import VariableDefinitionNode as VarNode

from dxtra_typed.codegen import names


class NameCollisionError(ValueError):
    """Two GraphQL names would share one Python name in one generated class."""


@functools.cache
def client_attributes() -> frozenset[str]:
    """Every attribute of the base client classes: no generated method may take one."""
    from dxtra_typed._base_client import AsyncBaseClient, SyncBaseClient

    return frozenset(dir(SyncBaseClient)) | frozenset(dir(AsyncBaseClient))


class _Groups:
    """Types that share generated classes: an interface or union with its possible types."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self._parent: dict[str, str] = {}
        for named in schema.type_map.values():
            if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
                for member in schema.get_possible_types(named):
                    self._union(named.name, member.name)

    def _find(self, name: str) -> str:
        while self._parent.get(name, name) != name:
            name = self._parent[name]
        return name

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def key(self, name: str) -> str:
        return self._find(name)


def _fields(named: GraphQLNamedType) -> list[str]:
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return list(named.fields)
    return []


class NamesPlugin(Plugin):
    def __init__(self, schema: GraphQLSchema, config_dict: dict[str, Any]) -> None:
        super().__init__(schema, config_dict)
        self._by_offset: dict[tuple[type[Node], int], str] = {}
        # Input fields: their type (the schema keeps the field objects, so ids stay valid),
        # and each input type's names once a field of it is asked for.
        self._input_owner: dict[int, tuple[GraphQLInputObjectType, str]] = {}
        self._inputs: dict[str, dict[str, str]] = {}
        self._enum_members: dict[str, dict[str, str]] = {}
        self._field_base: Callable[[str], str] = names.field_base
        self._nested: dict[tuple[int, str], tuple[FieldNode, str]] = {}

    # -- the tables --------------------------------------------------------------------------

    def process_schema(self, schema: GraphQLSchema) -> GraphQLSchema:
        section = self.config_dict.get("tool", {}).get("ariadne-codegen", {})
        scalars = section.get("scalars", {})
        module_level = names.module_names(
            [str(spec.get("type", "")) for spec in scalars.values()],
            [
                named.name
                for named in schema.type_map.values()
                if isinstance(named, GraphQLEnumType | GraphQLInputObjectType)
            ],
        )
        self._field_base = lambda name: names.field_base(name, module_level)
        for named in schema.type_map.values():
            if isinstance(named, GraphQLInputObjectType) and not named.name.startswith("__"):
                for graphql_name, field in named.fields.items():  # named on first use
                    self._input_owner[id(field)] = (named, graphql_name)
        queries = section.get("queries_path")
        if queries:
            from ariadne_codegen.schema import load_graphql_files_from_path

            self._index_document(schema, load_graphql_files_from_path(Path(queries)))
        return schema

    def _index_document(self, schema: GraphQLSchema, source: str) -> None:
        document = parse(source)
        groups = _Groups(schema)
        fields: dict[str, set[str]] = {}  # group → every field of its types
        aliases: dict[str, set[str]] = {}  # group → aliases selected on it
        plain: dict[str, set[str]] = {}  # group → fields selected on it without an alias
        selected: list[tuple[int, str, str, bool]] = []  # (offset, group, key, aliased)
        info = TypeInfo(schema)

        class Fields(Visitor):
            def enter_field(self, node: FieldNode, *_: Any) -> None:
                parent = info.get_parent_type()
                if parent is None or node.loc is None:
                    return
                name = node.name.value
                if node.alias is None and name.startswith("__"):
                    return  # __typename: ariadne-codegen names it itself
                group = groups.key(parent.name)
                fields.setdefault(group, set())
                aliased = node.alias is not None and node.alias.value != name
                key = node.alias.value if node.alias else name
                (aliases if aliased else plain).setdefault(group, set()).add(key)
                selected.append((node.loc.start, group, key, aliased))

        visit(document, TypeInfoVisitor(info, Fields()))
        for named in schema.type_map.values():  # a group's namespace: all its types' fields
            if groups.key(named.name) in fields:
                fields[groups.key(named.name)].update(_fields(named))
        # Fields first, from the schema alone: an alias never renames a field.
        by_field = {g: names.assign(ns, self._field_base) for g, ns in fields.items()}
        at = {offset: (group, key, aliased) for offset, group, key, aliased in selected}
        for offset, (group, key, aliased) in at.items():
            if not aliased:
                self._by_offset[(FieldNode, offset)] = by_field[group][key]
        self._name_aliases(document, at, by_field)

        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        named_ops = [op for op in operations if op.name and op.loc]
        _refuse_class_clashes(
            [(f"operation {op.name.value!r}", op.name.value) for op in named_ops if op.name]
            + [
                (f"fragment {d.name.value!r}", d.name.value)
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            ]
        )
        reserved = client_attributes()
        methods = names.assign(
            [op.name.value for op in named_ops if op.name],
            lambda n: names.method_base(n, reserved),
            taken=reserved,
            pascal_distinct=False,
        )
        for op in named_ops:
            assert op.name is not None and op.loc is not None
            self._by_offset[(OperationDefinitionNode, op.loc.start)] = methods[op.name.value]
            variables = names.assign(
                [v.variable.name.value for v in op.variable_definitions],
                names.variable_base,
                pascal_distinct=False,
            )
            for definition in op.variable_definitions:
                if definition.loc is not None:
                    self._by_offset[(VarNode, definition.loc.start)] = variables[
                        definition.variable.name.value
                    ]

    def _name_aliases(
        self,
        document: DocumentNode,
        at: dict[int, tuple[str, str, bool]],
        by_field: dict[str, dict[str, str]],
    ) -> None:
        """An alias takes its own base name unless a sibling (a field of the same generated
        class: the selection set with its inline fragments and spread fragments) has it.

        A fragment's alias sits in every selection that spreads the fragment: those
        selections are named together, so the alias gets one name in all of them.
        """
        fragments = {
            d.name.value: d.selection_set
            for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        sets: list[SelectionSetNode] = []

        class Sets(Visitor):
            def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> None:
                sets.append(node)

        visit(document, Sets())
        owner: dict[int, int] = {}  # alias offset → component (index of its first set)
        parent: dict[int, int] = {}

        def find(i: int) -> int:
            while parent.get(i, i) != i:
                i = parent[i]
            return i

        flat_sets: list[list[FieldNode]] = []
        for index, selection_set in enumerate(sets):
            flat = _flatten(selection_set, fragments, set())
            flat_sets.append(flat)
            for node in flat:
                if node.loc and at.get(node.loc.start, ("", "", False))[2]:
                    if node.loc.start in owner:
                        a, b = find(owner[node.loc.start]), find(index)
                        parent[max(a, b)] = min(a, b)
                    else:
                        owner[node.loc.start] = index
        taken: dict[int, set[str]] = {}
        keys: dict[int, set[str]] = {}
        for index, flat in enumerate(flat_sets):
            root = find(index)
            for node in flat:
                if node.loc is None or node.loc.start not in at:
                    continue
                group, key, aliased = at[node.loc.start]
                if aliased:
                    keys.setdefault(root, set()).add(key)
                else:
                    taken.setdefault(root, set()).add(by_field[group][key])
        mappings = {
            root: names.assign(k, self._field_base, taken=taken.get(root, set()))
            for root, k in keys.items()
        }
        for offset, index in owner.items():
            self._by_offset[(FieldNode, offset)] = mappings[find(index)][at[offset][1]]

    # -- answers -----------------------------------------------------------------------------

    def process_name(self, name: str, node: Node | None = None) -> str:
        if isinstance(node, GraphQLInputField):
            found = self._input_owner.get(id(node))
            if found is None:
                return name
            owner, graphql_name = found
            if owner.name not in self._inputs:
                self._inputs[owner.name] = names.assign(
                    owner.fields, self._field_base, pascal_distinct=False
                )
            return self._inputs[owner.name][graphql_name]
        if isinstance(node, FieldNode | VarNode | OperationDefinitionNode) and node.loc:
            return self._by_offset.get((type(node), node.loc.start), name)
        return name

    def generate_enum(self, class_def: ast.ClassDef, enum_type: GraphQLEnumType) -> ast.ClassDef:
        mapping = names.assign(enum_type.values, names.enum_member_base, pascal_distinct=False)
        renamed: dict[str, str] = {}
        values = iter(enum_type.values)
        for statement in class_def.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = statement.targets[0]
                if isinstance(target, ast.Name):
                    graphql_value = next(values)
                    renamed[target.id] = mapping[graphql_value]
                    target.id = mapping[graphql_value]
        self._enum_members[enum_type.name] = renamed
        return class_def

    def generate_inputs_module(self, module: ast.Module) -> ast.Module:
        """Default values ``Enum.member`` (ariadne-codegen writes them as one dotted Name)
        follow the renamed members; then no input class may hold a name twice."""
        for node in ast.walk(module):
            if isinstance(node, ast.Name) and "." in node.id:
                enum, _, member = node.id.partition(".")
                node.id = f"{enum}.{self._enum_members.get(enum, {}).get(member, member)}"
            if isinstance(node, ast.ClassDef):
                _refuse_duplicates(node)
        return module

    def generate_result_field(
        self,
        field_implementation: ast.AnnAssign,
        operation_definition: Any,
        field: FieldNode,
    ) -> ast.AnnAssign:
        """Nested result classes are named Parent + PascalCase(field), and ariadne-codegen
        reuses a class whose name it has already generated: two different selections reaching
        one class name (``a { bC }`` and ``aB { c }`` both give ``...ABC``) would validate one
        with the other's model. Refused, naming both."""
        if field.selection_set is None:
            return field_implementation
        selection = print_ast(field.selection_set)
        for class_name in _class_references(field_implementation.annotation):
            key = (id(operation_definition), class_name)
            seen = self._nested.setdefault(key, (field, selection))
            if seen[1] == selection:
                continue
            if _key(seen[0]) == _key(field) and seen[0].name.value == field.name.value:
                raise NameCollisionError(
                    f"{_where(seen[0])} and {_where(field)} select one field twice with "
                    "different sub-selections, which ariadne-codegen cannot merge into one "
                    "class; select it once (or alias one)"
                )
            raise NameCollisionError(
                f"fields {_where(seen[0])} and {_where(field)} would share the result "
                f"class {class_name}; alias one of them"
            )
        return field_implementation

    def generate_result_class(
        self,
        class_def: ast.ClassDef,
        operation_definition: Any,
        selection_set: SelectionSetNode,
    ) -> ast.ClassDef:
        _refuse_duplicates(class_def)
        return class_def


def _flatten(
    selection_set: SelectionSetNode,
    fragments: dict[str, SelectionSetNode],
    seen: set[str],
) -> list[FieldNode]:
    """The fields of one generated class: the set's own, its inline fragments', and those of
    the fragments it spreads (recursively)."""
    found: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            found.extend(_flatten(selection.selection_set, fragments, seen))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                found.extend(_flatten(fragments[name], fragments, seen | {name}))
    return found


def _class_references(annotation: ast.expr) -> list[str]:
    """The forward-referenced class names of an annotation (not strings inside ``Field(...)``,
    such as a discriminator)."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return [annotation.value]
    if isinstance(annotation, ast.Name) and annotation.id[:1] in "\"'":
        return [annotation.id.strip("\"'")]  # ariadne-codegen writes '"Cls"' as one Name
    if isinstance(annotation, ast.Call):
        return []
    found: list[str] = []
    for child in ast.iter_child_nodes(annotation):
        if isinstance(child, ast.expr):
            found.extend(_class_references(child))
    return found


def _key(field: FieldNode) -> str:
    return field.alias.value if field.alias else field.name.value


def _where(field: FieldNode) -> str:
    key = _key(field)
    line = f" (line {field.loc.source.get_location(field.loc.start).line})" if field.loc else ""
    return f"`{key}`{line}"


def _refuse_class_clashes(named: list[tuple[str, str]]) -> None:
    """Operations and fragments are classes named PascalCase(GraphQL name) by ariadne-codegen
    (no hook reaches that name), all re-exported by the package: two equal ones would be one."""
    seen: dict[str, str] = {}
    for what, graphql_name in named:
        other = seen.setdefault(names.pascal_case(graphql_name), what)
        if other != what:
            raise NameCollisionError(
                f"{other} and {what} differ only in case or underscores: their classes would "
                "share one name; rename one"
            )


def _refuse_duplicates(class_def: ast.ClassDef) -> None:
    seen: dict[str, int] = {}
    for statement in class_def.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            seen[statement.target.id] = seen.get(statement.target.id, 0) + 1
    twice = sorted(n for n, count in seen.items() if count > 1)
    if twice:
        raise NameCollisionError(
            f"generated class {class_def.name} would define {', '.join(twice)} more than once "
            "(two GraphQL names mapped to one Python name); please report this schema"
        )


__all__ = ["NameCollisionError", "NamesPlugin"]
