"""ariadne-codegen plugin: decorate every generated client method with ``@validated``.

Enable in codegen.toml after ``DxtraClientPlugin``. See ``dxtra_typed._validation`` for why;
the decorator builds its validator lazily, so the generated module imports as fast as before.
"""

from __future__ import annotations

import ast

from ariadne_codegen.plugins.base import Plugin
from graphql import OperationDefinitionNode


class ArgumentValidationPlugin(Plugin):
    def generate_client_method(
        self,
        method_def: ast.FunctionDef | ast.AsyncFunctionDef,
        operation_definition: OperationDefinitionNode,
    ) -> ast.FunctionDef | ast.AsyncFunctionDef:
        method_def.decorator_list.insert(0, ast.Name(id="validated", ctx=ast.Load()))
        return method_def

    def generate_client_module(self, module: ast.Module) -> ast.Module:
        module.body.insert(
            0,
            ast.ImportFrom(
                module="dxtra_typed.runtime", names=[ast.alias(name="validated")], level=0
            ),
        )
        return module
