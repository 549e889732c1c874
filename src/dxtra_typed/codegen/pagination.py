"""ariadne-codegen plugin: an ``iter_<name>`` method for every keyset-paged operation.

Enable in codegen.toml after ShorterResultsPlugin:
``plugins = [..., "dxtra_typed.codegen.pagination.PaginationPlugin"]``.

A query is *keyset-paged* when it declares ``$after`` and ``$limit``, and its one list root field
filters ``id: {_gt: $after}``, orders by ``[{id: asc}]`` and is limited by ``$limit`` (see
``DataSubjectsPage`` in queries/data_subjects.graphql). For ``DataSubjectsPage`` both clients
get::

    def iter_data_subjects(self, controller_id: UUID, *, page_size: int = 500,
                           after: UUID = FIRST_ID, **kwargs: Unpack[CallOptions],
                           ) -> KeysetPager[DataSubjectsPageDataSubjects]: ...

(``AsyncKeysetPager`` on the async client): the method name drops a ``Page`` suffix, the
element type is the operation's row model, so mypy knows what the loop yields. When the query
also selects an aggregate root field with ``aggregate { count }``, the pager's ``total`` is that
count. An operation that declares ``$after``/``$limit`` but does not page on ``id`` fails
codegen with the reason, rather than generating an iterator that may skip or repeat rows.
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from typing import Any

from ariadne_codegen.plugins.base import Plugin
from ariadne_codegen.utils import str_to_pascal_case, str_to_snake_case
from graphql import (
    FieldNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    print_ast,
)

_ORDER_BY_ID = {"[{id: asc}]", "{id: asc}"}


class PaginationError(Exception):
    """A query declares $after/$limit but is not keyset-paged on id."""


@dataclass(frozen=True)
class _Paged:
    operation: str
    method: str
    rows_field: FieldNode
    count_attr: str | None


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _argument(field: FieldNode, name: str) -> str | None:
    for argument in field.arguments or ():
        if argument.name.value == name:
            return print_ast(argument.value)
    return None


def paged_operation(
    schema: GraphQLSchema, definition: OperationDefinitionNode, method: str
) -> _Paged | None:
    """The paging facts of ``definition``, None when it is not paged; raises when half-paged."""
    variables = {v.variable.name.value for v in definition.variable_definitions or ()}
    if not {"after", "limit"} <= variables or definition.operation != OperationType.QUERY:
        return None
    name = definition.name.value if definition.name else method
    root = schema.query_type
    assert root is not None
    fields = [s for s in definition.selection_set.selections if isinstance(s, FieldNode)]
    lists = [f for f in fields if _is_list(root.fields[f.name.value].type)]
    if len(lists) != 1:
        raise PaginationError(f"{name}: a paged query needs exactly one list root field")
    rows = lists[0]
    where = _argument(rows, "where") or ""
    problems = []
    if "id: {_gt: $after}" not in where:
        problems.append("filter `id: {_gt: $after}`")
    if _argument(rows, "order_by") not in _ORDER_BY_ID:
        problems.append("order_by `[{id: asc}]`")
    if _argument(rows, "limit") != "$limit":
        problems.append("limit `$limit`")
    if problems:
        raise PaginationError(
            f"{name} declares $after and $limit but its `{rows.name.value}` lacks "
            + ", ".join(problems)
            + " (keyset pagination on the primary key `id`: see the dxtra-typed README, "
            '"Pagination")'
        )
    count_attr = None
    for field in fields:
        if field is rows:
            continue
        type_name = get_named_type(root.fields[field.name.value].type).name
        if type_name.endswith("_aggregate") and "count" in print_ast(field):
            count_attr = str_to_snake_case((field.alias or field.name).value)
    return _Paged(name, method, rows, count_attr)


def _iter_name(operation: str) -> str:
    snake = str_to_snake_case(operation)
    return "iter_" + snake.removesuffix("_page")


def _signature_args(method: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[list[str], list[str]]:
    """(parameters as source, names) of the page method, without self/after/limit/kwargs."""
    args = method.args.args
    defaults: list[ast.expr | None] = [None] * (len(args) - len(method.args.defaults))
    defaults += list(method.args.defaults)
    params: list[str] = []
    names: list[str] = []
    for arg, default in zip(args, defaults, strict=True):
        if arg.arg in {"self", "after", "limit"}:
            continue
        text = arg.arg
        if arg.annotation is not None:
            text += f": {ast.unparse(arg.annotation)}"
        if default is not None:
            text += f" = {ast.unparse(default)}"
        params.append(text)
        names.append(arg.arg)
    return params, names


def _method_source(
    paged: _Paged, method: ast.FunctionDef | ast.AsyncFunctionDef, row_class: str
) -> str:
    is_async = isinstance(method, ast.AsyncFunctionDef)
    params, names = _signature_args(method)
    pager = "AsyncKeysetPager" if is_async else "KeysetPager"
    call = f"self.{paged.method}(" + "".join(f"{n}={n}, " for n in names)
    call += "after=after, limit=limit, **kwargs)"
    if is_async:
        call = "await " + call
    if _returns_list(method):
        rows_expr, total_expr = "result", "None"
    else:
        rows_expr = (
            f"result.{str_to_snake_case((paged.rows_field.alias or paged.rows_field.name).value)}"
        )
        total_expr = "None"
        if paged.count_attr is not None:
            agg = f"result.{paged.count_attr}.aggregate"
            total_expr = f"({agg}.count if {agg} is not None else None)"
    total_doc = (
        f" ``total`` holds the aggregate count (`{paged.count_attr}`) once the first page is read."
        if paged.count_attr
        else ""
    )
    doc = textwrap.fill(
        f"Every row of the query `{paged.operation}` (its `{paged.rows_field.name.value}` "
        f"field), fetched ``page_size`` at a time by keyset on ``id``: each row that exists when "
        f"paging starts is yielded exactly once, also while rows are inserted. Pass ``after`` "
        f"(an id already seen) to resume.{total_doc} Per-call options apply to every page.",
        80,
    )
    loop = "async for" if is_async else "for"
    doc += "\n\n" + textwrap.fill(
        f"Returns an iterator (`{pager}`) of `{row_class}`: ``{loop} row in ...``, or "
        "``.by_page()`` for whole pages.",
        80,
    )
    head = "async def page" if is_async else "def page"
    parameters = ", ".join(["self", *params, "*", "page_size: int = 500", "after: UUID = FIRST_ID"])
    return (
        # Validated like every generated method: a bad argument fails here, not on next().
        "@validated\n"
        f"def {_iter_name(paged.operation)}({parameters}, **kwargs: Unpack[CallOptions]"
        f") -> {pager}[{row_class}]:\n"
        f'    """{textwrap.indent(doc, "    ").lstrip()}\n    """\n\n'
        # Quoted: under `lazy_imports` the row class is imported only for type checkers.
        f'    {head}(after: UUID, limit: int) -> "Page[{row_class}]":\n'
        f"        result = {call}\n"
        f"        return {rows_expr}, {total_expr}\n\n"
        f"    return {pager}(page, page_size=page_size, after=after)\n"
    )


def _returns_list(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return method.returns is not None and ast.unparse(method.returns).startswith("list[")


def _row_class(paged: _Paged, method: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    if _returns_list(method):
        assert method.returns is not None
        return ast.unparse(method.returns)[len("list[") : -1]
    attr = str_to_snake_case((paged.rows_field.alias or paged.rows_field.name).value)
    return str_to_pascal_case(paged.operation) + str_to_pascal_case(attr)


class PaginationPlugin(Plugin):
    def __init__(self, schema: GraphQLSchema, config_dict: dict[str, Any]) -> None:
        super().__init__(schema, config_dict)
        self._paged: dict[str, _Paged] = {}

    def generate_client_method(
        self,
        method_def: ast.FunctionDef | ast.AsyncFunctionDef,
        operation_definition: OperationDefinitionNode,
    ) -> ast.FunctionDef | ast.AsyncFunctionDef:
        paged = paged_operation(self.schema, operation_definition, method_def.name)
        if paged is not None:
            self._paged[method_def.name] = paged
        return method_def

    def generate_client_module(self, module: ast.Module) -> ast.Module:
        if not self._paged:
            return module
        imports: dict[str, set[str]] = {}
        is_async = False
        for class_def in (n for n in module.body if isinstance(n, ast.ClassDef)):
            added: list[ast.stmt] = []
            for method in class_def.body:
                if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                paged = self._paged.get(method.name)
                if paged is None:
                    continue
                is_async = is_async or isinstance(method, ast.AsyncFunctionDef)
                row_class = _row_class(paged, method)
                if not _returns_list(method):
                    imports.setdefault("." + str_to_snake_case(paged.operation), set()).add(
                        row_class
                    )
                added.extend(ast.parse(_method_source(paged, method, row_class)).body)
            class_def.body.extend(added)
        pager = "AsyncKeysetPager" if is_async else "KeysetPager"
        new: list[ast.stmt] = [
            ast.ImportFrom(
                module="dxtra_typed.runtime",
                names=[ast.alias(name=n) for n in ("FIRST_ID", pager, "Page")],
                level=0,
            ),
            ast.ImportFrom(module="uuid", names=[ast.alias(name="UUID")], level=0),
        ]
        for source, names in sorted(imports.items()):
            new.append(
                ast.ImportFrom(
                    module=source.lstrip("."),
                    names=[ast.alias(name=n) for n in sorted(names)],
                    level=1,
                )
            )
        if not any(
            isinstance(node, ast.ImportFrom)
            and node.module == "dxtra_typed.runtime"
            and any(alias.name == "validated" for alias in node.names)
            for node in module.body
        ):
            new.append(
                ast.ImportFrom(
                    module="dxtra_typed.runtime",
                    names=[ast.alias(name="validated")],
                    level=0,
                )
            )
        module.body[0:0] = new
        return module
