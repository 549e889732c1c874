"""Tidy the client module after ariadne-codegen's ClientForwardRefsPlugin (``lazy_imports``).

That plugin makes importing a client cheap: every generated class in a method signature
becomes a forward reference imported only ``if TYPE_CHECKING:``, and each method imports its
result class in its body. Two things it does are worth undoing:

- it inserts that import above the method's docstring, which then is no docstring at all
  (``help()`` and ``__doc__`` lose it): the docstring is moved back in front;
- it also defers names whose module the client imports at runtime anyway (``UnsetType``
  beside ``UNSET`` in base_model): deferring them saves nothing and ``help()`` would show
  ``ForwardRef('UnsetType')``, so they are imported and annotated plainly again.
"""

from __future__ import annotations

import ast

from ariadne_codegen.plugins.base import Plugin


class LazyImportsTidyPlugin(Plugin):
    def generate_init_module(self, module: ast.Module) -> ast.Module:
        """Hide the lazy ``__init__``'s ``__getattr__``/``__dir__`` from type checkers.

        Every name is imported there ``if TYPE_CHECKING:`` already; a module ``__getattr__``
        visible to mypy would make ``from pkg import Typo`` type-check (as its return type)
        and, unannotated, fail ``--strict``. Under ``if not TYPE_CHECKING:`` it is runtime only.
        """
        hooks = [
            node
            for node in module.body
            if isinstance(node, ast.FunctionDef) and node.name in ("__getattr__", "__dir__")
        ]
        if not hooks:
            return module
        at = module.body.index(hooks[0])
        for hook in hooks:
            module.body.remove(hook)
        guard = ast.If(
            test=ast.UnaryOp(op=ast.Not(), operand=ast.Name(id="TYPE_CHECKING", ctx=ast.Load())),
            body=list(hooks),
            orelse=[],
        )
        module.body.insert(at, guard)
        return module

    def generate_client_module(self, module: ast.Module) -> ast.Module:
        plain = _restore_runtime_names(module)
        for class_def in module.body:
            if not isinstance(class_def, ast.ClassDef):
                continue
            for method in class_def.body:
                if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    _docstring_first(method.body)
                    if plain:
                        _unquote(method, plain)
        return module


def _restore_runtime_names(module: ast.Module) -> set[str]:
    """Move TYPE_CHECKING-only names of runtime-imported modules to those imports."""
    runtime = {
        _module_key(node): node
        for node in module.body
        if isinstance(node, ast.ImportFrom) and node.level == 1
    }
    moved: set[str] = set()
    for node in list(module.body):
        if not (isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"):
            continue
        for imp in list(node.body):
            if isinstance(imp, ast.ImportFrom) and _module_key(imp) in runtime:
                target = runtime[_module_key(imp)]
                target.names = sorted([*target.names, *imp.names], key=lambda a: a.name)
                moved.update(alias.name for alias in imp.names)
                node.body.remove(imp)
        if not node.body:
            module.body.remove(node)
    return moved


def _module_key(node: ast.ImportFrom) -> str:
    # ClientForwardRefsPlugin writes `.x` with level 0; ariadne-codegen writes `x` with level 1.
    return "." * node.level + (node.module or "")


def _unquote(method: ast.FunctionDef | ast.AsyncFunctionDef, names: set[str]) -> None:
    class Unquote(ast.NodeTransformer):
        def visit_Constant(self, node: ast.Constant) -> ast.AST:
            if isinstance(node.value, str) and node.value in names:
                return ast.copy_location(ast.Name(id=node.value, ctx=ast.Load()), node)
            return node

    args = method.args
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
        if arg.annotation is not None:
            arg.annotation = Unquote().visit(arg.annotation)
    if method.returns is not None:
        method.returns = Unquote().visit(method.returns)


def _docstring_first(body: list[ast.stmt]) -> None:
    for index, statement in enumerate(body):
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            continue
        if index and _is_docstring(statement):
            body.insert(0, body.pop(index))
        return


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )
