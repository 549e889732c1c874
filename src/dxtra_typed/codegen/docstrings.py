"""ariadne-codegen plugin: docstrings on generated client methods and result models.

Enable in codegen.toml (after the other plugins, so it sees the final return annotation):
``plugins = [..., "dxtra_typed.codegen.docstrings.DocstringsPlugin"]``.

It follows genqlient's habits (docs/design.md): the ``#`` comment written directly above an
operation in ``queries/`` becomes the first paragraph of the method's docstring, followed by the
root field's schema description, the ``# role:`` the operation is written for, its variables
with their GraphQL types and the return type in a sentence. Every result model says which
GraphQL type it holds, followed by that type's own description, and each field carries its
schema description as an attribute docstring (editors show it on hover).

The text depends only on the schema and ``queries/`` (no paths, no dates), so two runs write
the same bytes and ``make check-generated`` stays meaningful.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Mapping
from typing import Any

from ariadne_codegen.plugins.base import Plugin
from ariadne_codegen.utils import str_to_pascal_case, str_to_snake_case
from graphql import (
    ExecutableDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLNamedType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    is_composite_type,
    print_ast,
    visit,
)

from dxtra_typed.codegen.names import method_base
from dxtra_typed.codegen.naming import client_attributes

_ROLE_LINE = re.compile(r"^\s*role:\s*([A-Za-z][A-Za-z0-9_-]*)\s*$")
_WIDTH = 88

# The descriptions Hasura v2 writes itself for every tracked table. They name the database
# table and nothing else, so they are not shown: a field falls back to its type's description,
# and where that is boilerplate too, nothing is written.
HASURA_BOILERPLATE = re.compile(
    r"(?:fetch data from the table(?: in a streaming manner)?|fetch aggregated fields from the "
    r"table|insert data into the table|insert a single row into the table|update data of the "
    r"table|update single row of the table|update multiples rows of table|delete data from the "
    r'table|delete single row from the table): "[^"]*"(?: using primary key columns)?'
    r"|(?:aggregated selection of|aggregate fields of|columns and relationships of|response of "
    r'any mutation on the table) "[^"]*"'
    r"|An (?:object|array|aggregate) relationship"
    r"|aggregate \w+ on columns"
)


# What Hasura v2 writes on the input and enum types it generates per table (and on its
# comparison types): they restate the type's name, so generated classes do not repeat them as
# docstrings. A description a schema author wrote is kept.
HASURA_TYPE_BOILERPLATE = re.compile(
    r"Boolean expression to (?:filter rows from the table \"[^\"]*\"|compare columns of type "
    r"\"[^\"]*\")\. All fields are combined with (?:a )?logical 'AND'\."
    r'|Ordering options when selecting data from "[^"]*"\.'
    r'|(?:select(?: "[^"]*")? columns of|update columns of|unique or primary key constraints '
    r'on) table "[^"]*"'
    r'|Streaming cursor of the table "[^"]*"'
    r"|Initial value of the column from where the streaming should start"
    r"|input type for (?:inserting|updating) data (?:into|in) table \"[^\"]*\""
    r'|input type for inserting (?:object|array) relation for remote table "[^"]*"'
    r'|input type for incrementing numeric columns in table "[^"]*"'
    r'|on_conflict condition type for table "[^"]*"'
    r'|order by (?:aggregate values|\w+\(\) on columns) of table "[^"]*"'
    r"|primary key columns input for table: [\w.]+"
    r"|(?:append|prepend) existing jsonb value of filtered columns with new jsonb value"
    r"|delete (?:the field or element with specified path|the array element with specified "
    r"index|key/value pair or string element)\b.*"
    r"|ordering argument of a cursor|column ordering options"
)


def is_type_boilerplate(description: str) -> bool:
    """True for a description Hasura generates on an input or enum type."""
    return HASURA_TYPE_BOILERPLATE.fullmatch(" ".join(description.split())) is not None


def comment_above(definition: ExecutableDefinitionNode) -> list[str]:
    """The ``#`` comment lines written directly above ``definition`` (without the ``#``).

    ariadne-codegen parses all of ``queries/`` as one document, so the definition's location
    points into that text; the comment block is the run of ``#`` lines right above it.
    """
    loc = definition.loc
    if loc is None:
        return []
    text = loc.source.body[: loc.start]
    newline = text.rfind("\n")
    if text[newline + 1 :].strip():  # something else before the definition on its line
        return []
    before = text[: max(newline, 0)].splitlines()
    lines: list[str] = []
    for line in reversed(before):
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped[1:].removeprefix(" ").rstrip())
    return list(reversed(lines))


def split_role(lines: list[str]) -> tuple[list[str], str | None]:
    """The comment without its ``role:`` line, and the declared role (None: the default)."""
    role = None
    kept: list[str] = []
    for line in lines:
        match = _ROLE_LINE.match(line)
        if match:
            role = match.group(1)
        else:
            kept.append(line)
    return kept, role


def _paragraph(text: str) -> str:
    return "\n".join(textwrap.wrap(" ".join(text.split()), _WIDTH - 8))


def is_boilerplate(description: str) -> bool:
    """True for a description Hasura generates (``fetch data from the table: "x"``, ...)."""
    return HASURA_BOILERPLATE.fullmatch(" ".join(description.split())) is not None


def _description(thing: GraphQLField | GraphQLNamedType | None) -> str:
    text = " ".join((getattr(thing, "description", None) or "").split())
    return "" if is_boilerplate(text) else text


def _field_description(field: GraphQLField | None) -> str:
    """The field's own description, else (Hasura's root and relationship fields) its object
    type's. Never a scalar's or an enum's: a plain ``description: String`` column would show
    the built-in ``String`` scalar's text ("The `String` scalar type represents textual
    data...") as if it described the column."""
    if field is None:
        return ""
    named = get_named_type(field.type)
    fallback = _description(named) if is_composite_type(named) else ""
    return _description(field) or fallback


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


def _root_type(schema: GraphQLSchema, operation: OperationType) -> GraphQLNamedType | None:
    return {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation]


def _root_fields(definition: OperationDefinitionNode) -> list[FieldNode]:
    return [s for s in definition.selection_set.selections if isinstance(s, FieldNode)]


def _returns_line(
    schema: GraphQLSchema,
    definition: OperationDefinitionNode,
    returns: ast.expr | None,
    lead: str = "",
) -> str:
    """One short line (the return type is in the signature): which root field comes back.
    ``lead`` starts it (``"Query `X`: "`` → "Query `X`: returns ...")."""
    fields = _root_fields(definition)
    name = definition.name.value if definition.name else "?"
    shown = ast.unparse(returns) if returns is not None else ""
    prefix = lead + ("returns" if lead else "Returns")
    if shown.startswith(("AsyncIterator[", "Subscription[")):
        prefix += " an async iterator of"
    if len(fields) == 1:
        root_fields = getattr(_root_type(schema, definition.operation), "fields", None) or {}
        field = root_fields.get(fields[0].name.value)
        shown_field = f"`{fields[0].name.value}`"
        if fields[0].alias is not None:
            shown_field = f"`{fields[0].alias.value}` (`{fields[0].name.value}`)"
        whole = returns is not None and shown == str_to_pascal_case(name)
        what = f"{prefix} {'an object with' if whole else 'the'} {shown_field} field"
        if field is not None and len(what) + len(str(field.type)) + 5 <= _WIDTH - 8:
            return f"{what} (`{field.type}`)."
        return f"{what}."
    if fields:
        return f"{prefix} one attribute per root field."
    return f"{prefix} the response."


def method_docstring(
    schema: GraphQLSchema,
    definition: OperationDefinitionNode,
    returns: ast.expr | None,
    argument_names: Mapping[str, str] | None = None,
) -> str:
    """The docstring of the generated client method for ``definition``.

    ``returns`` is the method's final return annotation (after ShorterResultsPlugin).
    """
    comment, role = split_role(comment_above(definition))
    name = definition.name.value if definition.name else "?"
    kind = definition.operation.value
    parts: list[str] = []
    if comment:
        parts.append(_paragraph(" ".join(comment)))
    root = _root_type(schema, definition.operation)
    root_fields: dict[str, GraphQLField] = getattr(root, "fields", None) or {}
    fields = _root_fields(definition)
    described: list[str] = []
    for field in fields:
        what = _field_description(root_fields.get(field.name.value))
        shown = f"`{field.name.value}`"
        if field.alias is not None:
            shown = f"`{field.alias.value}` (`{field.name.value}`)"
        described.append(f"{shown}: {_sentence(what)}" if what else f"{shown}.")
    if len(described) == 1:
        pass  # said with the return value, below
    elif described:
        items = "\n".join(
            "\n".join(textwrap.wrap(line, _WIDTH - 8, initial_indent="- ", subsequent_indent="  "))
            for line in described
        )
        parts.append(f"Runs the GraphQL {kind} `{name}` on:\n{items}")
    else:
        parts.append(f"Runs the GraphQL {kind} `{name}`.")
    if role is not None:
        parts.append(
            _paragraph(
                f"Role: written for `{role}` (Hasura trims the schema per role), so it runs as "
                f"`{role}` whatever the client's role; pass `role=...` to run it as another."
            )
        )
    variables = definition.variable_definitions or ()
    lines = ["Args:"]
    for variable in variables:
        wire_name = variable.variable.name.value
        python_name = (argument_names or {}).get(wire_name) or str_to_snake_case(wire_name)
        line = f"    {python_name}: `{print_ast(variable.type)}`"
        if variable.default_value is not None:
            line += f", default `{print_ast(variable.default_value)}`"
        lines.append(line)
    if variables:  # per-call options are documented on CallOptions, not per method
        parts.append("\n".join(lines))
    if len(fields) == 1:
        what = _field_description(root_fields.get(fields[0].name.value))
        line = _returns_line(schema, definition, returns, f"{kind.capitalize()} `{name}`: ")
        parts.insert(1 if comment else 0, _paragraph(f"{line} {_sentence(what)}".strip()))
    else:
        parts.append(_returns_line(schema, definition, returns))
    return "\n\n".join(parts)


# A class docstring on one line: 4 spaces of indent and two triple quotes.
_ONE_LINE = _WIDTH - 10


def _one_line(*candidates: str) -> str:
    """The first candidate that fits a class docstring on one line (else the last): result
    classes are hundreds per package, so their docstring is one line (issue 21)."""
    for text in candidates:
        if len(text) <= _ONE_LINE:
            return text
    return candidates[-1]


def _indent(doc: str, spaces: int) -> str:
    """Docstring text as it must sit in source indented by ``spaces`` (closing quotes too)."""
    pad = " " * spaces
    lines = doc.split("\n")
    body = "\n".join((pad + line) if line else "" for line in lines[1:])
    if len(lines) == 1:
        return doc
    return f"{lines[0]}\n{body}\n{pad}"


def _set_docstring(body: list[ast.stmt], doc: str, spaces: int) -> None:
    node = ast.Expr(value=ast.Constant(value=_indent(doc, spaces)))
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body[0] = node
    else:
        body.insert(0, node)


class _SelectionTypes(Visitor):
    """Maps each selection set of a definition to the GraphQL type it selects from."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.types: dict[int, GraphQLNamedType] = {}

    def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> None:
        named = get_named_type(self.type_info.get_type())
        if named is not None:
            self.types[id(node)] = named


class OperationCollector(Plugin):
    """Remembers each client method's operation (by method name) and leaves the method as it
    is, for plugins that do their work later, in generate_client_module."""

    def __init__(self, schema: GraphQLSchema, config_dict: dict[str, Any]) -> None:
        super().__init__(schema, config_dict)
        self._operations: dict[str, OperationDefinitionNode] = {}

    def generate_client_method(
        self,
        method_def: ast.FunctionDef | ast.AsyncFunctionDef,
        operation_definition: OperationDefinitionNode,
    ) -> ast.FunctionDef | ast.AsyncFunctionDef:
        self._operations[method_def.name] = operation_definition
        return method_def


def argument_names(method: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, str]:
    """Variable (wire) name → the method's argument, read from its ``variables = {...}`` (the
    names plugin may have renamed an argument: ``$role`` → ``role_``)."""
    for node in ast.walk(method):
        target: ast.expr | None = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        value = getattr(node, "value", None)
        if (
            isinstance(target, ast.Name)
            and target.id == "variables"
            and isinstance(value, ast.Dict)
        ):
            found: dict[str, str] = {}
            for key, item in zip(value.keys, value.values, strict=True):
                names = [n.id for n in ast.walk(item) if isinstance(n, ast.Name)]
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and names:
                    found[key.value] = names[0]
            return found
    return {}


class DocstringsPlugin(OperationCollector):
    # The docstring is written in generate_client_module, once ShorterResultsPlugin has
    # settled the return annotation.
    def __init__(self, schema: GraphQLSchema, config_dict: dict[str, Any]) -> None:
        super().__init__(schema, config_dict)
        self._types: dict[int, dict[int, GraphQLNamedType]] = {}

    def generate_client_module(self, module: ast.Module) -> ast.Module:
        for class_def in module.body:
            if not isinstance(class_def, ast.ClassDef):
                continue
            for method in class_def.body:
                if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                definition = self._operations.get(method.name)
                if definition is not None:
                    doc = method_docstring(
                        self.schema, definition, method.returns, argument_names(method)
                    )
                    _set_docstring(method.body, doc, 8)
        return module

    def _selection_types(self, definition: ExecutableDefinitionNode) -> dict[int, GraphQLNamedType]:
        key = id(definition)
        if key not in self._types:
            type_info = TypeInfo(self.schema)
            collector = _SelectionTypes(type_info)
            visit(definition, TypeInfoVisitor(type_info, collector))
            self._types[key] = collector.types
        return self._types[key]

    def generate_result_class(
        self,
        class_def: ast.ClassDef,
        operation_definition: ExecutableDefinitionNode,
        selection_set: SelectionSetNode,
    ) -> ast.ClassDef:
        graphql_type = self._selection_types(operation_definition).get(id(selection_set))
        parts: list[str] = []
        if isinstance(operation_definition, FragmentDefinitionNode):
            comment, _ = split_role(comment_above(operation_definition))
            if selection_set is operation_definition.selection_set and comment:
                parts.append(_paragraph(" ".join(comment)))
        if (
            isinstance(operation_definition, OperationDefinitionNode)
            and selection_set is operation_definition.selection_set
        ):
            name = operation_definition.name.value if operation_definition.name else "?"
            kind = operation_definition.operation.value
            method = method_base(name, client_attributes())
            parts.append(
                _one_line(
                    f"Response of the {kind} `{name}` (client method `{method}`).",
                    f"Response of the {kind} `{name}`.",
                )
            )
        elif graphql_type is not None:
            owner = operation_definition.name.value if operation_definition.name else "?"
            text = f"Fields of `{graphql_type.name}` selected by `{owner}`."
            description = _description(graphql_type)
            parts.append(
                _one_line(
                    f"{text} {_sentence(description)}" if description else text,
                    text,
                    f"Fields of `{graphql_type.name}`.",
                )
            )
        if parts:
            _set_docstring(class_def.body, "\n\n".join(parts), 4)
            # A docstring is a body: ariadne-codegen's `pass` (a fragment's subclass) goes.
            class_def.body = [s for s in class_def.body if not isinstance(s, ast.Pass)]
        if graphql_type is not None:
            self._field_docstrings(class_def, graphql_type, selection_set)
        return class_def

    def generate_input_class(
        self, class_def: ast.ClassDef, input_type: GraphQLInputObjectType
    ) -> ast.ClassDef:
        """No class docstring where it is Hasura's (``input type for inserting data into
        table "x"``...): it restates the class name. A schema author's description stays."""
        body = class_def.body
        if (
            len(body) > 1
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
            and is_type_boilerplate(body[0].value.value)
        ):
            del body[0]
        return class_def

    def _field_docstrings(
        self, class_def: ast.ClassDef, graphql_type: GraphQLNamedType, selection: SelectionSetNode
    ) -> None:
        """An attribute docstring (the schema field's description) after each field."""
        fields = getattr(graphql_type, "fields", None)
        if not fields:
            return
        names = {  # response key (alias) → schema field name
            (s.alias or s.name).value: s.name.value
            for s in selection.selections
            if isinstance(s, FieldNode)
        }
        body: list[ast.stmt] = []
        for stmt in class_def.body:
            body.append(stmt)
            if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                continue
            key = _alias_of(stmt) or stmt.target.id
            field = fields.get(names.get(key, key))
            description = _field_description(field)
            if description:
                body.append(ast.Expr(value=ast.Constant(value=_sentence(description))))
        class_def.body = body


def _alias_of(stmt: ast.AnnAssign) -> str | None:
    """The GraphQL name of a generated field: its ``Field(alias=...)``, else the Python name."""
    value = stmt.value
    if isinstance(value, ast.Call):
        for keyword in value.keywords:
            if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant):
                return str(keyword.value.value)
    return None
