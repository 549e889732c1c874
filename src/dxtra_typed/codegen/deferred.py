"""ariadne-codegen plugin: generated models are built on first use, not at import.

Enable in codegen.toml (any position in ``plugins``). It does two things:

- the copied ``base_model.py`` gets ``defer_build=True`` in its ``ConfigDict``, so pydantic
  builds a model's validator the first time the model is used, not when its class is defined;
- the module-level ``Model.model_rebuild()`` calls ariadne-codegen appends to result, input and
  fragment modules are dropped. Each one builds the model there and then, which is exactly the
  import cost ``defer_build`` is meant to save (41 calls; ``defer_build`` alone saved nothing).
  They are only needed to resolve forward references (``list["DataSubjectsRow"]``), and a
  deferred model resolves those itself on first use, from its own module's namespace, where
  every referenced class is defined or imported.

A program that calls one operation builds only that operation's models. The one place that
looks at a model's schema without using the model (``_response._envelope``) builds it
first. Why a plugin and not a hand edit or a post-processing step: ``generated/`` is written
only by codegen, and user projects generated with the same plugin list get the same import.
"""

from __future__ import annotations

import ast

from ariadne_codegen.plugins.base import Plugin
from ariadne_codegen.utils import rewrite_base_model
from graphql import ExecutableDefinitionNode, FragmentDefinitionNode


def _is_model_rebuild(statement: ast.stmt) -> bool:
    """``Name.model_rebuild()`` as a statement of its own."""
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return False
    func = statement.value.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "model_rebuild"
        and isinstance(func.value, ast.Name)
    )


def without_model_rebuilds(module: ast.Module) -> ast.Module:
    module.body = [statement for statement in module.body if not _is_model_rebuild(statement)]
    return module


def _defines_base_model(code: str) -> bool:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.ClassDef) and node.name == "BaseModel" for node in tree.body)


class DeferredBuildPlugin(Plugin):
    def generate_result_types_module(
        self, module: ast.Module, operation_definition: ExecutableDefinitionNode
    ) -> ast.Module:
        return without_model_rebuilds(module)

    def generate_inputs_module(self, module: ast.Module) -> ast.Module:
        return without_model_rebuilds(module)

    def generate_fragments_module(
        self, module: ast.Module, fragments_definitions: dict[str, FragmentDefinitionNode]
    ) -> ast.Module:
        return without_model_rebuilds(module)

    def copy_code(self, copied_code: str) -> str:
        if not _defines_base_model(copied_code):
            return copied_code  # the base client templates and other copied files
        rewritten: str = rewrite_base_model(copied_code, defer_build=True)
        return rewritten
