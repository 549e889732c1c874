"""Generated methods and models carry docs from queries/ and the schema (DocstringsPlugin)."""

from __future__ import annotations

import ast
import inspect
import pydoc
from pathlib import Path

import pytest
from dxtra_generated.data_subjects import DataSubjectsDataSubjects
from dxtra_generated.fragments import DataControllerSummary
from graphql import OperationDefinitionNode, Source, parse

from dxtra_typed import AsyncDxtraClient, DxtraClient
from dxtra_typed.codegen.docstrings import (
    HASURA_BOILERPLATE,
    comment_above,
    is_boilerplate,
    is_type_boilerplate,
    split_role,
)

GENERATED = Path(__file__).parents[1] / "generated" / "dxtra_generated"


@pytest.mark.parametrize("client", [DxtraClient, AsyncDxtraClient])
def test_help_shows_comment_description_and_return_type(
    client: type[DxtraClient | AsyncDxtraClient],
) -> None:
    text = pydoc.render_doc(client.data_controllers, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    assert "List the data controllers" in text and "returns the" in text  # help() shows it
    doc = inspect.getdoc(client.data_controllers) or ""
    flat = " ".join(doc.split())
    # the `#` comment above the operation in queries/data_controllers.graphql
    assert flat.startswith(
        "List the data controllers (organisations) the caller's role can see, oldest first."
    )
    # the kind, the name and the root field returned, in one short line; Hasura's own root
    # field description ('fetch data from the table: "data_controllers"') says nothing: the
    # type's description stands in for it
    assert (
        "Query `DataControllers`: returns the `dataControllers` field. Organisations that "
        "control personal data;" in flat
    )
    # per-call options are documented on CallOptions, not repeated on every method
    assert "**kwargs" not in doc


@pytest.mark.parametrize("client", [DxtraClient, AsyncDxtraClient])
def test_variables_role_and_defaults(client: type[DxtraClient | AsyncDxtraClient]) -> None:
    subjects = " ".join((inspect.getdoc(client.data_subjects) or "").split())
    assert "controller_id: `uuid!`" in subjects
    assert "limit: `Int`, default `100`" in subjects
    public = " ".join((inspect.getdoc(client.public_data_controllers) or "").split())
    assert "Role: written for `anonymous`" in public and "whatever the client's role" in public
    assert "role: anonymous" not in public  # the directive line is not repeated as prose


def test_sync_and_async_docs_are_identical() -> None:
    for name in (
        "data_controllers",
        "data_subjects",
        "data_controller_counts",
        "update_consent_value",
    ):
        assert inspect.getdoc(getattr(DxtraClient, name)) == inspect.getdoc(
            getattr(AsyncDxtraClient, name)
        )


def test_models_name_their_graphql_type_in_one_line() -> None:
    doc = inspect.getdoc(DataSubjectsDataSubjects) or ""
    assert doc == "Fields of `dataSubjects` selected by `DataSubjects`."
    fragment = inspect.getdoc(DataControllerSummary) or ""
    assert fragment.startswith("The fields of a data controller most screens show.")


def test_result_class_docstrings_fit_one_line() -> None:
    """Every generated result class docstring (not a fragment's own comment) is one line
    within the formatter's 88 columns, quotes and indent included."""
    for path in sorted(GENERATED.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name[0].isupper():
                doc = ast.get_docstring(node, clean=False)
                if doc and "\n" not in doc:
                    assert len(doc) + 10 <= 88, (path.name, node.name)


def test_a_scalar_field_does_not_show_the_scalars_description() -> None:
    """A field without a description of its own (``description: String!``) used to show the
    built-in ``String`` scalar's text on hover; only object types stand in for a field."""
    from graphql import build_schema

    from dxtra_typed.codegen.docstrings import _field_description

    schema = build_schema(
        'type Query { a: A, as: [A!]! }\n"""Described type."""\ntype A { description: String!, '
        "n: Int, flag: Boolean, e: E }\nenum E { X }"
    )
    fields = schema.type_map["A"].fields  # type: ignore[attr-defined]
    for name in ("description", "n", "flag", "e"):
        assert _field_description(fields[name]) == "", name
    query = schema.query_type
    assert query is not None
    assert _field_description(query.fields["a"]) == "Described type."
    assert _field_description(query.fields["as"]) == "Described type."
    texts = [
        node.value.value
        for path in sorted(GENERATED.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    ]
    assert not [t for t in texts if isinstance(t, str) and "scalar type represents" in t]


@pytest.mark.parametrize(
    "text",
    [
        'Boolean expression to filter rows from the table "account". All fields are combined '
        "with a logical 'AND'.",
        'Boolean expression to compare columns of type "Int". All fields are combined with '
        "logical 'AND'.",
        'input type for inserting data into table "account"',
        'on_conflict condition type for table "account"',
        'unique or primary key constraints on table "account"',
        'select columns of table "account"',
        'select "account_aggregate_bool_exp_bool_and_arguments_columns" columns of table "account"',
        'Ordering options when selecting data from "account".',
        'order by max() on columns of table "account"',
        "primary key columns input for table: account",
    ],
)
def test_hasura_type_boilerplate_is_recognised(text: str) -> None:
    assert is_type_boilerplate(text)


def test_authors_type_descriptions_are_kept() -> None:
    assert not is_type_boilerplate("A consent category a data subject answers.")
    assert not is_type_boilerplate('select columns of table "x" the way we like')


def test_comment_above_reads_only_the_adjacent_block() -> None:
    body = (
        "# unrelated\n\n# First line\n#   second line\n# role: me\nquery Q { a }\n"
        "query R { b } # trailing\n"
    )
    document = parse(Source(body))
    q, r = (d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    assert comment_above(q) == ["First line", "  second line", "role: me"]
    assert split_role(comment_above(q)) == (["First line", "  second line"], "me")
    assert comment_above(r) == []


@pytest.mark.parametrize(
    "text",
    [
        'fetch data from the table: "data_controllers"',
        'fetch data from the table: "data_controllers" using primary key columns',
        'fetch aggregated fields from the table: "data_subjects"',
        'fetch data from the table in a streaming manner: "auth.users"',
        'insert a single row into the table: "data_subject_rights_requests"',
        'update multiples rows of table: "data_subjects"',
        'delete single row from the table: "data_subjects"',
        "An object relationship",
        "An aggregate relationship",
        'aggregated selection of "data_subjects"',
        'aggregate fields of "data_subjects"',
        'columns and relationships of "data_controllers"',
        "aggregate stddev_pop on columns",
    ],
)
def test_hasura_boilerplate_is_recognised(text: str) -> None:
    assert is_boilerplate(text)


@pytest.mark.parametrize(
    "text",
    ["Organisations that control personal data.", "number of rows affected by the mutation"],
)
def test_real_descriptions_are_not_boilerplate(text: str) -> None:
    assert not is_boilerplate(text)


def test_hover_text_has_no_provenance_tags_or_hasura_boilerplate() -> None:
    """Every docstring and attribute docstring in generated/ reads as documentation."""
    texts: list[str] = []
    for path in sorted(GENERATED.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value = node.value if isinstance(node, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                texts.append(" ".join(value.value.split()))
    assert len(texts) > 200
    for text in texts:
        assert "[DX]" not in text and "[INFER]" not in text, text
        assert HASURA_BOILERPLATE.search(text) is None, text
