"""ariadne-codegen plugin: each operation's GraphQL document written once, in ``_documents.py``.

Enable in codegen.toml: ``plugins = [..., "dxtra_typed.codegen.documents.SharedDocumentsPlugin"]``.

Before, in both ``client.py`` and ``async_client.py``::

    query = gql(\"\"\"
        query GetNotebook($id: uuid!) {
          notebook_by_pk(id: $id) {
            ...NotebookFields
          }
        }
        fragment NotebookFields on notebook { ... }
        \"\"\")

After, in both clients ``query = _documents.get_notebook``, and once in ``_documents.py``::

    get_notebook = "query GetNotebook($id:uuid!){notebook_by_pk(id:$id){...Fields}}fragment ..."

Why: each client embedded every document, fragments included, pretty-printed one selection per
line: on carnet-de-bord's 30 operations that was 1,252 lines per client, a fifth of the
package. The text sent is the same document with its insignificant characters stripped
(graphql-core's ``strip_ignored_characters``: same tokens, so the server parses the same
operation). The readable form stays where users write it (queries/), and each method's
docstring names that file. Fragments are spelt inside each document that uses them (one line
per document either way; a composed ``a + b`` expression would be wrapped over lines again).

Only the async run writes the module: it sees every operation, the sync client a subset (no
subscriptions), and both runs write the same package folder.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from ariadne_codegen.plugins.base import Plugin
from graphql import OperationDefinitionNode, strip_ignored_characters

from dxtra_typed.codegen.docstrings import _WIDTH
from dxtra_typed.codegen.operations import table_source

MODULE = "_documents"

_HEADER = '''"""Each operation's document as the clients send it (compact, fragments appended)."""

'''


def _literal(text: str) -> str:
    # JSON string escapes are a subset of Python's.
    return json.dumps(text, ensure_ascii=False)


def module_source(
    documents: dict[str, str], operations: dict[str, OperationDefinitionNode] | None = None
) -> str:
    """The ``_documents`` module: ``<method> = "<document>"`` per method, sorted, then the
    ``OPERATIONS`` table both clients refer to (operations.py)."""
    lines = [f"{name} = {_literal(documents[name])}" for name in sorted(documents)]
    if not operations:
        return _HEADER + "\n".join(lines) + "\n"
    head = _HEADER.replace('"""\n\n', '"""\n\nfrom dxtra_typed.runtime import OperationInfo\n\n', 1)
    return head + "\n".join(lines) + "\n\n" + table_source(operations) + "\n"


def _text(argument: Any) -> str | None:
    """The document in ``gql(...)``: ariadne-codegen 0.19 passes a plain list of one string
    constant per line (implicitly concatenated when unparsed), or one constant."""
    parts = argument if isinstance(argument, list) else [argument]
    if not parts or not all(
        isinstance(p, ast.Constant) and isinstance(p.value, str) for p in parts
    ):
        return None
    return "".join(p.value for p in parts)


def _assigned(statement: ast.stmt, name: str) -> ast.expr | None:
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and statement.targets[0].id == name
    ):
        return statement.value
    return None


def _shorter_body(method: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    """ariadne-codegen's ``query = ...`` line and keyword ``execute`` call (1 + 3 to 6 lines a
    method), as one positional call (1 to 3 lines)::

        query = _documents.x                         response = self.execute(
        response = self.execute(             ->          _documents.x, "X", variables, **kwargs
            query=query, operation_name="X",         )
            variables=variables, **kwargs
        )

    The same call with the same arguments (``execute``'s first three parameters are ``query,
    operation_name, variables``); a body of any other shape (subscriptions, a user's plugin)
    is left as it is."""
    body = method.body
    for index, statement in enumerate(body):
        query = _assigned(statement, "query")
        if not isinstance(query, ast.Attribute):
            continue
        for later in body[index + 1 :]:
            call = _assigned(later, "response")
            if isinstance(call, ast.Await):
                call = call.value
            if (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Attribute)
                and call.func.attr == "execute"
                and not call.args
                and [k.arg for k in call.keywords] == ["query", "operation_name", "variables", None]
                and isinstance(call.keywords[0].value, ast.Name)
                and call.keywords[0].value.id == "query"
            ):
                keywords = call.keywords
                call.args = [query, keywords[1].value, keywords[2].value]
                call.keywords = [keywords[3]]
                del body[index]
                return
        return


class SharedDocumentsPlugin(Plugin):
    def __init__(self, schema: Any, config_dict: Any) -> None:
        super().__init__(schema, config_dict)
        self._documents: dict[str, str] = {}
        self._operations: dict[str, OperationDefinitionNode] = {}

    def _settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = self.config_dict["tool"]["ariadne-codegen"]
        return settings

    def generate_client_method(
        self,
        method_def: ast.FunctionDef | ast.AsyncFunctionDef,
        operation_definition: OperationDefinitionNode,
    ) -> ast.FunctionDef | ast.AsyncFunctionDef:
        for node in ast.walk(method_def):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "gql"
                and len(node.value.args) == 1
            ):
                text = _text(node.value.args[0])
                if text is None:
                    continue
                self._documents[method_def.name] = strip_ignored_characters(text)
                self._operations[method_def.name] = operation_definition
                node.value = ast.Attribute(
                    value=ast.Name(id=MODULE, ctx=ast.Load()), attr=method_def.name, ctx=ast.Load()
                )
        return method_def

    def generate_client_module(self, module: ast.Module) -> ast.Module:
        for class_def in (n for n in module.body if isinstance(n, ast.ClassDef)):
            for method in class_def.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    _shorter_body(method)
        if self._documents:
            module.body.insert(
                0, ast.ImportFrom(module=None, names=[ast.alias(name=MODULE)], level=1)
            )
        return module

    def generate_client_code(self, generated_code: str) -> str:
        settings = self._settings()
        if settings.get("async_client"):
            folder = Path(settings["target_package_path"]) / settings["target_package_name"]
            folder.mkdir(parents=True, exist_ok=True)
            source = module_source(self._documents, self._operations)
            (folder / f"{MODULE}.py").write_text(source, encoding="utf-8")
        return generated_code


_RESULT = "R"  # the local name of a method's result class in its one-call body


def _is_call(node: ast.expr | None, attr: str) -> ast.Call | None:
    if isinstance(node, ast.Await):
        node = node.value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "self"
        and node.func.attr == attr
    ):
        return node
    return None


def _value(statement: ast.stmt, name: str) -> ast.expr | None:
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.value if statement.target.id == name else None
    return _assigned(statement, name)


def one_call_body(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """The body ariadne-codegen writes (after the plugins above and ClientForwardRefsPlugin)::

        from .get_x import GetX
        variables: dict[str, object] = {"id": id}
        response = self.execute(_documents.get_x, "GetX", variables, **kwargs)
        data = self.get_data(response, result_type=GetX)
        return GetX.model_validate(data).x

    as one call of the runtime's ``execute_typed``, which does exactly those steps::

        from .get_x import GetX as R
        return self.execute_typed(R, _documents.get_x, {"id": id}, kwargs).x

    The operation name is left out: ``execute_typed`` reads it from the document, which
    ariadne-codegen starts with the operation (its fragments follow). Any other shape is left
    as it is. True when rewritten."""
    body = method.body
    start = 1 if body and isinstance(body[0], ast.Expr) else 0  # the docstring
    if len(body) - start != 5:
        return False
    imported, variables_stmt, response_stmt, data_stmt, returned = body[start:]
    variables = _value(variables_stmt, "variables")
    execute = _is_call(_value(response_stmt, "response"), "execute")
    get_data = _is_call(_value(data_stmt, "data"), "get_data")
    if not (
        isinstance(imported, ast.ImportFrom)
        and len(imported.names) == 1
        and imported.names[0].asname is None
        and isinstance(variables, ast.Dict)
        and execute is not None
        and len(execute.args) == 3
        and isinstance(execute.args[0], ast.Attribute)
        and [k.arg for k in execute.keywords] == [None]
        and get_data is not None
        and isinstance(returned, ast.Return)
    ):
        return False
    result = imported.names[0].name
    # The return value: `R.model_validate(data)` followed by attribute lookups.
    attrs: list[str] = []
    node = returned.value
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "model_validate"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == result
    ):
        return False
    call: ast.expr = ast.Call(
        func=ast.Attribute(
            value=ast.Name(id="self", ctx=ast.Load()), attr="execute_typed", ctx=ast.Load()
        ),
        args=[
            ast.Name(id=_RESULT, ctx=ast.Load()),
            execute.args[0],
            variables,
            execute.keywords[0].value,
        ],
        keywords=[],
    )
    imported.names[0].asname = _RESULT
    if isinstance(method, ast.AsyncFunctionDef) and attrs:
        # `result = await ...` then `return result.x`: `(await ...).x` formats two lines longer.
        taken = {a.arg for a in [*method.args.args, *method.args.kwonlyargs]}
        name = next(n for n in ("result", "result_", "result__", "result___") if n not in taken)
        value: ast.expr = ast.Name(id=name, ctx=ast.Load())
        for attr in reversed(attrs):
            value = ast.Attribute(value=value, attr=attr, ctx=ast.Load())
        assign = ast.Assign(
            targets=[ast.Name(id=name, ctx=ast.Store())], value=ast.Await(value=call), lineno=0
        )
        body[start:] = [imported, assign, ast.Return(value=value)]
        return True
    if isinstance(method, ast.AsyncFunctionDef):
        call = ast.Await(value=call)
    for attr in reversed(attrs):
        call = ast.Attribute(value=call, attr=attr, ctx=ast.Load())
    body[start:] = [imported, ast.Return(value=call)]
    return True


class OneCallBodyPlugin(Plugin):
    """Each generated method's body as one ``execute_typed`` call (``one_call_body``).

    Runs after ClientForwardRefsPlugin, which writes the method's local import of its result
    class, and LazyImportsTidyPlugin, which puts the docstring back in front."""

    def generate_client_module(self, module: ast.Module) -> ast.Module:
        for class_def in (n for n in module.body if isinstance(n, ast.ClassDef)):
            for method in class_def.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    one_call_body(method)
        _unused_gql(module)
        _star_input_types(module)
        return module

    def generate_client_code(self, generated_code: str) -> str:
        """The runtime import on one line when it fits: ruff wraps it while it still lists
        the subscription names, then drops those as unused and leaves it wrapped."""
        return _WRAPPED_RUNTIME.sub(_one_line_import, generated_code, count=1)


_WRAPPED_RUNTIME = re.compile(
    r"^from dxtra_typed\.runtime import \(\n((?:    \w+,\n)+)\)$", re.MULTILINE
)


def _one_line_import(match: re.Match[str]) -> str:
    names = ", ".join(line.strip().rstrip(",") for line in match[1].splitlines())
    line = f"from dxtra_typed.runtime import {names}"
    return line if len(line) <= _WIDTH else match[0]


def _unused_gql(module: ast.Module) -> None:
    """ariadne-codegen's ``def gql(q): return q``, once no document is written in the
    module any more (they are in ``_documents``)."""
    uses = [n for n in ast.walk(module) if isinstance(n, ast.Name) and n.id == "gql"]
    if not uses:
        module.body = [
            n for n in module.body if not (isinstance(n, ast.FunctionDef) and n.name == "gql")
        ]


def _star_input_types(module: ast.Module) -> None:
    """The input types a client names only in annotations (imported ``if TYPE_CHECKING:``),
    as ``from .input_types import *`` once they are more than a line: input_types.py's
    ``__all__`` lists exactly its classes and aliases."""
    for node in module.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                if (
                    isinstance(statement, ast.ImportFrom)
                    and statement.module == ".input_types"
                    and len(statement.names) > 3
                ):
                    statement.names = [ast.alias(name="*")]
