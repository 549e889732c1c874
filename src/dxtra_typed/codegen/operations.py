"""ariadne-codegen plugin: an ``OPERATIONS`` table of every operation in each client module.

Enable in codegen.toml: ``plugins = [..., "dxtra_typed.codegen.operations.OperationTablePlugin"]``.

Appends to the generated client module (or, with SharedDocumentsPlugin, to ``_documents.py``
once, the clients' ``OPERATIONS`` referring to it; the sync one without subscriptions)::

    OPERATIONS: dict[str, OperationInfo] = {
        "data_controllers": OperationInfo(name="DataControllers", method="data_controllers", ...),
        ...
    }

Why: ``dxtra-typed call`` needs each method's operation kind, GraphQL name and declared role.
Reading them back out of the docstring sentences DocstringsPlugin writes meant a reworded
docstring could break the CLI; this table is the same facts as data, for any generated package
whose codegen.toml lists the plugin. The sync module lists what its client has (no
subscriptions), the async one every operation.
"""

from __future__ import annotations

import ast
import json

from graphql import OperationDefinitionNode

from dxtra_typed.codegen.docstrings import OperationCollector, comment_above, split_role

TABLE_NAME = "OPERATIONS"


_PLACEHOLDER = f"{TABLE_NAME}: dict[str, OperationInfo] = {{}}"


def _literal(value: str | None) -> str:
    # JSON string escapes are a subset of Python's; double quotes as ruff writes them.
    return "None" if value is None else json.dumps(value, ensure_ascii=False)


def _entry(method: str, definition: OperationDefinitionNode) -> str:
    comment, role = split_role(comment_above(definition))
    fields = {
        "name": definition.name.value if definition.name else method,
        "method": method,
        "kind": definition.operation.value,
        "role": role,
        "doc": " ".join(" ".join(comment).split()),
    }
    # One line per operation (written after formatting, so it stays one): a table of 7-line
    # entries was 14% of a client's lines.
    arguments = ", ".join(f"{key}={_literal(value)}" for key, value in fields.items())
    return f"    {_literal(method)}: OperationInfo({arguments}),"


class OperationTablePlugin(OperationCollector):
    def generate_client_module(self, module: ast.Module) -> ast.Module:
        # An empty table here (it keeps the import in use through ariadne-codegen's unused-
        # import removal); generate_client_code fills it in. Long string literals must not go
        # through the AST: ariadne-codegen's multiline-string regex backtracks badly on them.
        module.body.insert(
            0,
            ast.ImportFrom(
                module="dxtra_typed.runtime",
                names=[ast.alias(name="OperationInfo")],
                level=0,
            ),
        )
        module.body.append(ast.parse(_PLACEHOLDER).body[0])
        return module

    def generate_client_code(self, generated_code: str) -> str:
        if _SHARED in generated_code:
            # The table is written once, in _documents.py (SharedDocumentsPlugin, async run:
            # every operation); the sync client has every one but the subscriptions.
            settings = self.config_dict["tool"]["ariadne-codegen"]
            table = (
                f"{TABLE_NAME}: dict[str, OperationInfo] = _documents.{TABLE_NAME}"
                if settings.get("async_client")
                else _SYNC_TABLE
            )
        else:
            table = table_source(self._operations)
        return generated_code.replace(_PLACEHOLDER, table, 1)


_SHARED = "from . import _documents"
_SYNC_TABLE = f"""{TABLE_NAME}: dict[str, OperationInfo] = {{
    m: info for m, info in _documents.{TABLE_NAME}.items() if info.kind != "subscription"
}}"""


def table_source(operations: dict[str, OperationDefinitionNode]) -> str:
    """The ``OPERATIONS`` table's source, one line per operation."""
    entries = [_entry(m, operations[m]) for m in sorted(operations)]
    return "\n".join([f"{TABLE_NAME}: dict[str, OperationInfo] = {{", *entries, "}"])
