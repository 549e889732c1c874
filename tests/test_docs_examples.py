"""Every table example in dxtra-api.md §3.9 validates against schema/schema.graphql.

Examples 7-10 there are Hasura actions (Tag Manager login, DID generation, Stripe products),
not tables; the reconstructed schema does not model actions yet.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema, parse, validate

SCHEMA = build_schema((Path(__file__).parents[1] / "schema" / "schema.graphql").read_text())

DOC_EXAMPLES = {
    "1 first-request": "query { dataControllers { id title } }",
    "2 samples-python": "query GetDataControllers { dataControllers { id title did createdAt } }",
    "3 rate-limits": "query { dataControllers { id title createdAt } }",
    "4 sdk-overview": (
        "query GetDataSubjects($controllerId: uuid!) { dataSubjects(where:"
        " {dataControllerId: {_eq: $controllerId}}) { id did createdAt } }"
    ),
    "5 api/overview": (
        "query GetDataSubject($id: uuid!) { dataSubject(id: $id) { id did createdAt updatedAt"
        " dataController { id title } } }"
    ),
    # The docs cut the selection set off; any selection of the updated row will do.
    "6 api/overview": (
        "mutation UpdateConsentValue($id: uuid!, $value: String!) {"
        " updateDataSubjectConsentFormValue(pk_columns: {id: $id}, _set: {value: $value})"
        " { id value } }"
    ),
}


@pytest.mark.parametrize("example", DOC_EXAMPLES.values(), ids=DOC_EXAMPLES.keys())
def test_doc_example_is_valid(example: str) -> None:
    assert validate(SCHEMA, parse(example)) == []


def test_a_wrong_field_is_caught() -> None:
    errors = validate(SCHEMA, parse("query { dataControllers { id titel } }"))
    assert errors and "titel" in errors[0].message
