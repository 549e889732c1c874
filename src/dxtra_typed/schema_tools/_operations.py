"""The operations in ``queries/``: where each one is, which role runs it, and what it touches.

Files are parsed one by one (so every error and usage keeps its own file and line) and then
validated as one document, as ariadne-codegen does: a fragment in one file may be spread in
another. The role of an operation is declared by a ``# role: <name>`` line in the comment block
directly above it; Hasura trims the schema per role, so that is the schema it must be valid in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    EnumValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    Node,
    ObjectFieldNode,
    OperationDefinitionNode,
    Source,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    specified_rules,
    validate,
    visit,
)
from graphql.language import NamedTypeNode, VariableDefinitionNode

from dxtra_typed.codegen._settings import DEFAULT_SKIP_RULES

from ._errors import SchemaToolError

DEFAULT_ROLE = "user"
_ROLE_LINE = re.compile(r"^\s*#\s*role:\s*([A-Za-z][A-Za-z0-9_-]*)\s*$")
GRAPHQL_SUFFIXES = (".graphql", ".graphqls", ".gql")


@dataclass(frozen=True)
class Problem:
    """One finding, printable as ``file:line:col: message`` (editors jump to it)."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


@dataclass
class Operation:
    name: str
    path: str
    line: int
    role: str
    node: OperationDefinitionNode


@dataclass
class OperationSet:
    """Every definition under ``queries/``, each keeping the Source it was parsed from."""

    operations: list[Operation] = field(default_factory=list)
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    documents: list[DocumentNode] = field(default_factory=list)
    syntax_errors: list[Problem] = field(default_factory=list)

    def document(self) -> DocumentNode:
        return DocumentNode(definitions=tuple(d for doc in self.documents for d in doc.definitions))

    def document_for(self, operation: Operation) -> DocumentNode:
        """The operation plus exactly the fragments it spreads, transitively."""
        needed: list[FragmentDefinitionNode] = []
        seen: set[str] = set()
        stack: list[Node] = [operation.node]
        while stack:
            for name in _spread_names(stack.pop()):
                fragment = self.fragments.get(name)
                if name not in seen and fragment is not None:
                    seen.add(name)
                    needed.append(fragment)
                    stack.append(fragment)
        return DocumentNode(definitions=(operation.node, *needed))


def _spread_names(node: Node) -> list[str]:
    names: list[str] = []

    class Collect(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.append(spread.name.value)

    visit(node, Collect())
    return names


def graphql_files(queries: Path) -> list[Path]:
    if queries.is_file():
        return [queries]
    return sorted(p for p in queries.rglob("*") if p.suffix in GRAPHQL_SUFFIXES and p.is_file())


def _display(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def declared_role(lines: Sequence[str], definition_line: int) -> str:
    """The role from the comment block directly above line ``definition_line`` (1-based)."""
    index = definition_line - 2
    while index >= 0 and lines[index].lstrip().startswith("#"):
        match = _ROLE_LINE.match(lines[index])
        if match:
            return match.group(1)
        index -= 1
    return DEFAULT_ROLE


def load_operations(queries: Path, root: Path | None = None) -> OperationSet:
    result = OperationSet()
    for path in graphql_files(queries):
        shown = _display(path, root)
        text = path.read_text(encoding="utf-8")
        try:
            document = parse(Source(text, shown))
        except GraphQLSyntaxError as exc:
            line, column = _first_location(exc)
            result.syntax_errors.append(Problem(shown, line, column, exc.message))
            continue
        result.documents.append(document)
        lines = text.splitlines()
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                result.fragments[definition.name.value] = definition
            elif isinstance(definition, OperationDefinitionNode):
                line = _line_of(definition)
                name = definition.name.value if definition.name else "<anonymous>"
                result.operations.append(
                    Operation(name, shown, line, declared_role(lines, line), definition)
                )
    return result


def _line_of(node: Node) -> int:
    loc = node.loc
    if loc is None:
        return 1
    return int(loc.start_token.line)


def _first_location(error: GraphQLError) -> tuple[int, int]:
    if error.locations:
        return error.locations[0].line, error.locations[0].column
    return 1, 1


def _error_path(error: GraphQLError) -> str:
    nodes = error.nodes or []
    for node in nodes:
        if node.loc is not None:
            return str(node.loc.source.name)
    return "<queries>"


def rules(skip: Iterable[str] = DEFAULT_SKIP_RULES) -> list[Any]:
    """graphql-core's specified rules minus ``skip`` (names as in codegen.toml, no ``Rule``)."""
    skipped = {name.removesuffix("Rule") for name in skip}
    return [r for r in specified_rules if r.__name__.removesuffix("Rule") not in skipped]


def with_codegen_directives(schema: GraphQLSchema) -> GraphQLSchema:
    """Add ariadne-codegen's ``@mixin`` directive, which it accepts in operations."""
    try:
        from ariadne_codegen.schema import add_mixin_directive_to_schema
    except ImportError:  # pragma: no cover - without the codegen extra there is no @mixin
        return schema
    result: GraphQLSchema = add_mixin_directive_to_schema(schema)
    return result


def validate_document(
    schema: GraphQLSchema, document: DocumentNode, skip: Iterable[str] = DEFAULT_SKIP_RULES
) -> list[Problem]:
    problems = []
    for error in validate(with_codegen_directives(schema), document, rules(skip)):
        line, column = _first_location(error)
        problems.append(Problem(_error_path(error), line, column, error.message))
    return problems


def validate_operations(
    schema: GraphQLSchema, operations: OperationSet, skip: Iterable[str] = DEFAULT_SKIP_RULES
) -> list[Problem]:
    """Syntax and validation problems, in file order, the way ariadne-codegen would see them."""
    problems = list(operations.syntax_errors)
    if operations.documents:
        problems += validate_document(schema, operations.document(), skip)
    return sorted(problems, key=lambda p: (p.path, p.line, p.column))


def load_schema_file(path: Path) -> GraphQLSchema:
    from graphql import build_schema

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaToolError(f"cannot read schema {path}: {exc.strerror}") from None
    try:
        return build_schema(text)
    except GraphQLError as exc:
        line, column = _first_location(exc)
        raise SchemaToolError(f"{path}:{line}:{column}: {exc.message}") from None
    except TypeError as exc:
        raise SchemaToolError(f"{path}: not a valid schema: {exc}") from None


# --- what an operation touches ------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """A schema coordinate an operation depends on, and where it does."""

    coordinate: str  # "Type", "Type.field", "Type.field(arg)", "Enum.VALUE" or "@directive"
    path: str
    line: int
    fragment: str | None = None  # set when the use is inside a fragment the operation spreads


def _loc(node: Node) -> tuple[str, int]:
    if node.loc is None:
        return "<queries>", 1
    return str(node.loc.source.name), int(node.loc.start_token.line)


def usages(schema: GraphQLSchema, document: DocumentNode) -> list[Usage]:
    """Every type, field, argument, enum value and directive ``document`` relies on."""
    type_info = TypeInfo(schema)
    found: list[Usage] = []
    fragment: list[str] = []

    def add(coordinate: str | None, node: Node) -> None:
        if coordinate:
            found.append(Usage(coordinate, *_loc(node), fragment[-1] if fragment else None))

    class Walk(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = type_info.get_parent_type()
            field_type = type_info.get_type()
            if parent is not None:
                add(f"{parent.name}.{node.name.value}", node)
            if field_type is not None:
                add(get_named_type(field_type).name, node)

        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            parent = type_info.get_parent_type()
            field_def = type_info.get_field_def()
            directive = type_info.get_directive()
            if directive is not None:
                add(f"@{directive.name}({node.name.value})", node)
            elif parent is not None and field_def is not None:
                add(f"{parent.name}.{self._field_name(field_def, parent)}({node.name.value})", node)
            arg_type = type_info.get_input_type()
            if arg_type is not None:
                add(get_named_type(arg_type).name, node)

        @staticmethod
        def _field_name(field_def: Any, parent: Any) -> str:
            for name, candidate in parent.fields.items():
                if candidate is field_def:
                    return str(name)
            return "?"

        def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
            parent = type_info.get_parent_input_type()
            if parent is not None:
                add(f"{get_named_type(parent).name}.{node.name.value}", node)
            input_type = type_info.get_input_type()
            if input_type is not None:
                add(get_named_type(input_type).name, node)

        def enter_enum_value(self, node: EnumValueNode, *_: Any) -> None:
            input_type = type_info.get_input_type()
            if input_type is not None:
                add(f"{get_named_type(input_type).name}.{node.value}", node)

        def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> None:
            named: Any = node.type
            while not isinstance(named, NamedTypeNode):
                named = named.type  # ListTypeNode / NonNullTypeNode wrap one type
            add(named.name.value, node)

        def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> None:
            if node.type_condition is not None:
                add(node.type_condition.name.value, node)

        def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> None:
            fragment.append(node.name.value)
            add(node.type_condition.name.value, node)

        def leave_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> None:
            fragment.pop()

        def enter_directive(self, node: DirectiveNode, *_: Any) -> None:
            add(f"@{node.name.value}", node)

    visit(document, TypeInfoVisitor(type_info, Walk()))
    return found
