"""Each operation's document is written once, compact, in ``_documents.py`` (issue 21): both
clients send it from there, and it is the same operation the queries/ file spells."""

from __future__ import annotations

import inspect
from pathlib import Path

from dxtra_generated import _documents, async_client, client
from graphql import parse, print_ast

ROOT = Path(__file__).parents[1]


def _normal(text: str) -> str:
    return print_ast(parse(text))


def test_clients_refer_to_the_shared_documents_and_embed_none() -> None:
    for module in (client, async_client):
        source = inspect.getsource(module)
        assert "_documents." in source
        assert "query DataSubjects" not in source  # the text lives in _documents only
    names = {n for n in vars(_documents) if not n.startswith("_")} - {"OPERATIONS", "OperationInfo"}
    assert {m for m in client.OPERATIONS} <= names
    assert {m for m in async_client.OPERATIONS} == names
    # the table is written once, in _documents; the sync client's leaves out subscriptions
    assert async_client.OPERATIONS is _documents.OPERATIONS
    assert {
        m: info for m, info in _documents.OPERATIONS.items() if info.kind != "subscription"
    } == client.OPERATIONS


def test_the_runtime_reads_each_documents_operation_name_from_its_start() -> None:
    """Generated methods call ``execute_typed`` without the operation name: it is the name
    the document starts with, as it was when the methods passed it."""
    from dxtra_typed._base_client import _first_operation

    for method, info in async_client.OPERATIONS.items():
        assert _first_operation(getattr(_documents, method)) == info.name, method
    assert _first_operation("fragment F on T { a } query Q { a }") is None
    assert _first_operation("{ a }") is None


def test_each_document_is_its_operation_with_the_fragments_it_uses() -> None:
    queries = "\n".join(p.read_text() for p in sorted((ROOT / "queries").rglob("*.graphql")))
    definitions = {d.name.value: d for d in parse(queries).definitions}  # type: ignore[attr-defined]
    for method, info in async_client.OPERATIONS.items():
        document = parse(getattr(_documents, method))
        assert "\n" not in getattr(_documents, method)
        first = document.definitions[0]
        assert _normal(print_ast(first)) == _normal(print_ast(definitions[info.name]))
        for fragment in document.definitions[1:]:
            assert print_ast(fragment) == print_ast(definitions[fragment.name.value])  # type: ignore[attr-defined]
