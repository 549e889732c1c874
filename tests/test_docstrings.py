"""Generated methods and models carry docs from queries/ and the schema (DocstringsPlugin)."""

from __future__ import annotations

import inspect
import pydoc

import pytest
from dxtra_generated.data_subjects import DataSubjectsDataSubjects
from dxtra_generated.fragments import DataControllerSummary
from graphql import OperationDefinitionNode, Source, parse

from dxtra_typed import AsyncDxtraClient, DxtraClient
from dxtra_typed.codegen.docstrings import comment_above, split_role


@pytest.mark.parametrize("client", [DxtraClient, AsyncDxtraClient])
def test_help_shows_comment_description_and_return_type(
    client: type[DxtraClient | AsyncDxtraClient],
) -> None:
    text = pydoc.render_doc(client.data_controllers, renderer=pydoc.plaintext)  # type: ignore[attr-defined]
    assert "List the data controllers" in text and "Returns a list of" in text  # help() shows it
    doc = inspect.getdoc(client.data_controllers) or ""
    flat = " ".join(doc.split())
    # the `#` comment above the operation in queries/data_controllers.graphql
    assert flat.startswith(
        "List the data controllers (organisations) the caller's role can see, oldest first."
    )
    # the root field's schema description
    assert 'on `dataControllers`: fetch data from the table: "data_controllers".' in flat
    # the return type in a sentence
    assert (
        "Returns a list of `DataControllersDataControllers`: the `dataControllers` field, "
        "GraphQL type `[dataControllers!]!`." in flat
    )


@pytest.mark.parametrize("client", [DxtraClient, AsyncDxtraClient])
def test_variables_role_and_defaults(client: type[DxtraClient | AsyncDxtraClient]) -> None:
    subjects = " ".join((inspect.getdoc(client.data_subjects) or "").split())
    assert "controller_id: `uuid!`" in subjects
    assert "limit: `Int`, default `100`" in subjects
    public = " ".join((inspect.getdoc(client.public_data_controllers) or "").split())
    assert "Role: written for `anonymous`" in public and 'role="anonymous"' in public
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


def test_models_name_their_graphql_type_and_its_description() -> None:
    doc = " ".join((inspect.getdoc(DataSubjectsDataSubjects) or "").split())
    assert doc == (
        "DataSubjectsDataSubjects holds the requested fields of the GraphQL type "
        "`dataSubjects`. [DX] Individuals whose personal data a data controller processes."
    )
    fragment = inspect.getdoc(DataControllerSummary) or ""
    assert fragment.startswith("The fields of a data controller most screens show.")


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
