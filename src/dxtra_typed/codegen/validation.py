"""ariadne-codegen plugin: decorate every generated client method with ``@validated``.

Enable in codegen.toml after ``DxtraClientPlugin``. See ``dxtra_typed._validation`` for why;
the decorator builds its validator lazily, so the generated module imports as fast as before.
"""

from __future__ import annotations

import ast

from ariadne_codegen.plugins.base import Plugin
from graphql import OperationDefinitionNode


def _uuid_or_str() -> ast.Subscript:
    return ast.Subscript(
        value=ast.Name(id="Union", ctx=ast.Load()),
        slice=ast.Tuple(
            elts=[ast.Name(id="UUID", ctx=ast.Load()), ast.Name(id="str", ctx=ast.Load())],
            ctx=ast.Load(),
        ),
        ctx=ast.Load(),
    )


class _UuidArguments(ast.NodeTransformer):
    """``UUID`` → ``Union[UUID, str]`` in an argument's annotation: ids held as strings (from
    JSON, URLs, the environment) type-check, and ``@validated`` hands the method a ``UUID``."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return _uuid_or_str() if node.id == "UUID" else node


class ArgumentValidationPlugin(Plugin):
    def generate_client_method(
        self,
        method_def: ast.FunctionDef | ast.AsyncFunctionDef,
        operation_definition: OperationDefinitionNode,
    ) -> ast.FunctionDef | ast.AsyncFunctionDef:
        method_def.decorator_list.insert(0, ast.Name(id="validated", ctx=ast.Load()))
        for argument in [*method_def.args.args, *method_def.args.kwonlyargs]:
            if argument.annotation is not None:
                argument.annotation = _UuidArguments().visit(argument.annotation)
        return method_def

    def generate_client_module(self, module: ast.Module) -> ast.Module:
        module.body.insert(
            0,
            ast.ImportFrom(
                module="dxtra_typed.runtime", names=[ast.alias(name="validated")], level=0
            ),
        )
        module.body.insert(
            0, ast.ImportFrom(module="typing", names=[ast.alias(name="Union")], level=0)
        )
        return module
