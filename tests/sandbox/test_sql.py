"""The sandbox's SQL compiler on its own: what it writes for a role's request, without a store.

The conformance suite (tests/sandbox/conformance) checks the rows these statements select
against Hasura's answers; this checks the compiler's own contract: values travel as
parameters, the role's filter is always there, Hasura's request errors come out typed."""

from __future__ import annotations

import pytest

from dxtra_typed.sandbox._hasura_errors import HasuraError
from dxtra_typed.sandbox._model import TABLES, BoolExp, Table
from dxtra_typed.sandbox._sql import Compiler

SUBJECTS = TABLES["dataSubjects"]
USER_ID = "6d0f1a52-1b1e-4c55-9d34-6a3c2f0e9b11"
ROLE_FILTER: BoolExp = {"userId": {"_eq": USER_ID}}


def compiler() -> Compiler:
    def filter_for(table: Table) -> BoolExp:
        return ROLE_FILTER if table is SUBJECTS else {}

    return Compiler("user", filter_for)


def test_values_are_parameters_and_the_role_filter_is_always_applied() -> None:
    c = compiler()
    hostile = "x'); DROP TABLE data_subjects; --"
    stmt = c.select(SUBJECTS, {"where": {"did": {"_eq": hostile}}, "limit": 2, "offset": 1})
    assert hostile not in stmt.sql
    assert (
        hostile in stmt.params.values()
        and "6d0f1a52-1b1e-4c55-9d34-6a3c2f0e9b11" in stmt.params.values()
    )
    assert "LIMIT" in stmt.sql and (stmt.offset, stmt.limit) == (1, 2)


def test_distinct_on_is_left_to_the_caller_and_must_lead_order_by() -> None:
    c = compiler()
    stmt = c.select(SUBJECTS, {"distinct_on": ["did"], "limit": 1})
    assert stmt.distinct == ["did"] and "LIMIT" not in stmt.sql
    with pytest.raises(HasuraError, match="distinct_on") as info:
        c.select(SUBJECTS, {"distinct_on": ["did"], "order_by": [{"createdAt": "asc"}]})
    assert info.value.code == "validation-failed"


def test_unknown_fields_and_operators_are_hasura_validation_errors() -> None:
    c = compiler()
    with pytest.raises(HasuraError, match="'nope' not found in type: 'dataSubjects_bool_exp'"):
        c.select(SUBJECTS, {"where": {"nope": {"_eq": 1}}})
    with pytest.raises(HasuraError, match="'_regex' not found in type: 'uuid_comparison_exp'"):
        c.select(SUBJECTS, {"where": {"id": {"_regex": "a"}}})
