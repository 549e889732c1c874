"""ariadne-codegen plugin that fits generated methods to the dxtra_typed base client.

Enable in codegen.toml: ``plugins = [..., "dxtra_typed.codegen.plugins.DxtraClientPlugin"]``.

Before::

    def data_subject(self, id: UUID, **kwargs: Any) -> Optional[DataSubjectDataSubject]:
        ...
        data = self.get_data(response)
        return DataSubject.model_validate(data).data_subject

After::

    def data_subject(self, id: UUID, **kwargs: Unpack[CallOptions]) -> Optional[...]:
        ...
        data = self.get_data(response, result_type=DataSubject)
        return DataSubject.model_validate(data).data_subject

Why: typed ``**kwargs`` make a misspelt per-call option a type error (ariadne-codegen #344),
and handing the result model to ``get_data`` lets the base client validate the response
itself, so a wrong shape raises a typed ``InvalidResponseError`` and a GraphQL error carries
the partial data as a typed model. ``model_validate`` on an already-validated instance
returns it unchanged, so the generated return line stays as ariadne-codegen wrote it.
"""

from __future__ import annotations

import ast
from typing import Any

from ariadne_codegen.plugins.base import Plugin
from graphql import OperationDefinitionNode, OperationType


def _result_class(method: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    for node in ast.walk(method):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "model_validate"
            and isinstance(node.func.value, ast.Name)
        ):
            return node.func.value.id
    return None


class DxtraClientPlugin(Plugin):
    def generate_client_method(
        self,
        method_def: ast.FunctionDef | ast.AsyncFunctionDef,
        operation_definition: OperationDefinitionNode,
    ) -> ast.FunctionDef | ast.AsyncFunctionDef:
        if operation_definition.operation == OperationType.SUBSCRIPTION:
            return method_def
        if method_def.args.kwarg is not None:
            method_def.args.kwarg.annotation = ast.Subscript(
                value=ast.Name(id="Unpack", ctx=ast.Load()),
                slice=ast.Name(id="CallOptions", ctx=ast.Load()),
                ctx=ast.Load(),
            )
        result = _result_class(method_def)
        for node in ast.walk(method_def):
            if (
                result is not None
                and isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get_data"
                and not node.keywords
            ):
                node.keywords.append(
                    ast.keyword(arg="result_type", value=ast.Name(id=result, ctx=ast.Load()))
                )
        return method_def

    def generate_client_module(self, module: ast.Module) -> ast.Module:
        imports: list[Any] = [
            ast.ImportFrom(module="typing", names=[ast.alias(name="Unpack")], level=0),
            ast.ImportFrom(
                module="dxtra_typed._options", names=[ast.alias(name="CallOptions")], level=0
            ),
        ]
        module.body[0:0] = imports
        return module
