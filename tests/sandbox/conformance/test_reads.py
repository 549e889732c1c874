"""Reads: every operator, ordering, pagination, aggregates and relationships, against plain Python.

Each case states a GraphQL `where` (or `order_by`) and, next to it, the same question asked of the
seed rows in ordinary Python; the engine's answer must equal it for the role's visible rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from dxtra_typed.sandbox._engine import Engine

from ._world import (
    SESSIONS,
    USER,
    WORLD,
    Row,
    by_id,
    data,
    only_error,
    pg_sorted,
    to_json,
    visible,
)

Pred = Callable[[Row], bool]
_SUBJECTS = by_id("dataSubjects")
_CONTROLLERS = by_id("dataControllers")


def _requests_of(subject_id: str) -> list[Row]:
    return [r for r in WORLD["dataSubjectsRightsRequests"] if r["dataSubjectId"] == subject_id]


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


# (table, where literal, the same filter in Python)
WHERE_CASES: dict[str, tuple[str, str, Pred]] = {
    # String
    "str_eq": (
        "dataControllers",
        '{title: {_eq: "Acme Privacy Ltd"}}',
        lambda r: r["title"] == "Acme Privacy Ltd",
    ),
    "str_neq": (
        "dataControllers",
        '{title: {_neq: "Acme Privacy Ltd"}}',
        lambda r: r["title"] != "Acme Privacy Ltd",
    ),
    "str_gt": (
        "dataProcessingActivities",
        '{name: {_gt: "Payroll"}}',
        lambda r: r["name"] > "Payroll",
    ),
    "str_gte": (
        "dataProcessingActivities",
        '{name: {_gte: "Payroll"}}',
        lambda r: r["name"] >= "Payroll",
    ),
    "str_lt": (
        "dataProcessingActivities",
        '{name: {_lt: "Payroll"}}',
        lambda r: r["name"] < "Payroll",
    ),
    "str_lte": (
        "dataProcessingActivities",
        '{name: {_lte: "Payroll"}}',
        lambda r: r["name"] <= "Payroll",
    ),
    "str_in": (
        "dataSubjectsRightsRequests",
        '{requestType: {_in: ["access", "noSale"]}}',
        lambda r: r["requestType"] in ("access", "noSale"),
    ),
    "str_nin": (
        "dataSubjectsRightsRequests",
        '{requestType: {_nin: ["access", "noSale"]}}',
        lambda r: r["requestType"] not in ("access", "noSale"),
    ),
    "str_in_empty": ("dataSubjectsRightsRequests", "{requestType: {_in: []}}", lambda r: False),
    "str_nin_empty": ("dataSubjectsRightsRequests", "{requestType: {_nin: []}}", lambda r: True),
    "str_like": (
        "dataControllers",
        '{title: {_like: "%Privacy%"}}',
        lambda r: "Privacy" in r["title"],
    ),
    "str_like_case": (
        "dataControllers",
        '{title: {_like: "%privacy%"}}',
        lambda r: "privacy" in r["title"],
    ),
    "str_like_underscore": (
        "dataProcessingActivities",
        '{name: {_like: "_ayroll"}}',
        lambda r: len(r["name"]) == 7 and r["name"][1:] == "ayroll",
    ),
    "str_nlike": (
        "dataControllers",
        '{title: {_nlike: "Acme%"}}',
        lambda r: not r["title"].startswith("Acme"),
    ),
    "str_ilike": (
        "dataControllers",
        '{title: {_ilike: "%GLOBEX%"}}',
        lambda r: "globex" in r["title"].lower(),
    ),
    "str_nilike": (
        "dataControllers",
        '{title: {_nilike: "%GLOBEX%"}}',
        lambda r: "globex" not in r["title"].lower(),
    ),
    "str_similar": (
        "dataSubjectsRightsRequests",
        '{requestType: {_similar: "(access|erasure)"}}',
        lambda r: r["requestType"] in ("access", "erasure"),
    ),
    "str_nsimilar": (
        "dataSubjectsRightsRequests",
        '{requestType: {_nsimilar: "(access|erasure)"}}',
        lambda r: r["requestType"] not in ("access", "erasure"),
    ),
    "str_regex": (
        "dataSubjects",
        '{emailHash: {_regex: "^[0-7]"}}',
        lambda r: re.match("^[0-7]", r["emailHash"]) is not None,
    ),
    "str_nregex": (
        "dataSubjects",
        '{emailHash: {_nregex: "^[0-7]"}}',
        lambda r: re.match("^[0-7]", r["emailHash"]) is None,
    ),
    "str_iregex": (
        "dataControllers",
        '{title: {_iregex: "^acme"}}',
        lambda r: r["title"].lower().startswith("acme"),
    ),
    "str_niregex": (
        "dataControllers",
        '{title: {_niregex: "^acme"}}',
        lambda r: not r["title"].lower().startswith("acme"),
    ),
    "str_is_null_true": (
        "dataSubjectsRightsRequests",
        "{notes: {_is_null: true}}",
        lambda r: r["notes"] is None,
    ),
    "str_is_null_false": (
        "dataSubjectsRightsRequests",
        "{notes: {_is_null: false}}",
        lambda r: r["notes"] is not None,
    ),
    "str_neq_skips_null": (
        "dataSubjectsRightsRequests",
        '{notes: {_neq: "x"}}',
        lambda r: r["notes"] is not None,
    ),
    "null_operand_ignored": ("dataSubjects", "{id: {_eq: null}}", lambda r: True),
    "empty_where": ("dataSubjects", "{}", lambda r: True),
    # citext compares case-insensitively
    "citext_eq": (
        "dataControllers",
        '{contactEmail: {_eq: "PRIVACY@ACME.example.test"}}',
        lambda r: r["contactEmail"].lower() == "privacy@acme.example.test",
    ),
    "citext_like": (
        "dataControllers",
        '{contactEmail: {_like: "PRIVACY@G%"}}',
        lambda r: r["contactEmail"].lower().startswith("privacy@g"),
    ),
    # uuid
    "uuid_eq": (
        "dataSubjects",
        '{{dataControllerId: {{_eq: "{}"}}}}'.format(WORLD["dataControllers"][1]["id"]),
        lambda r: r["dataControllerId"] == WORLD["dataControllers"][1]["id"],
    ),
    "uuid_gt": (
        "dataSubjects",
        '{id: {_gt: "80000000-0000-0000-0000-000000000000"}}',
        lambda r: r["id"] > "80000000-0000-0000-0000-000000000000",
    ),
    "uuid_uppercase_input": (
        "dataSubjects",
        '{{dataControllerId: {{_eq: "{}"}}}}'.format(WORLD["dataControllers"][0]["id"].upper()),
        lambda r: r["dataControllerId"] == WORLD["dataControllers"][0]["id"],
    ),
    # timestamptz (offsets are honoured)
    "ts_gt": (
        "dataSubjects",
        '{createdAt: {_gt: "2026-01-17T12:00:00Z"}}',
        lambda r: r["createdAt"] > _ts("2026-01-17T12:00:00+00:00"),
    ),
    "ts_lte_offset": (
        "dataSubjects",
        '{createdAt: {_lte: "2026-01-17T14:30:00+02:00"}}',
        lambda r: r["createdAt"] <= _ts("2026-01-17T14:30:00+02:00"),
    ),
    "ts_eq": (
        "dataControllers",
        '{createdAt: {_eq: "2026-01-15T11:30:00+00:00"}}',
        lambda r: r["createdAt"] == datetime(2026, 1, 15, 11, 30, tzinfo=UTC),
    ),
    # date
    "date_lt": (
        "dataSubjectsRightsRequests",
        '{dueDate: {_lt: "2026-02-16"}}',
        lambda r: r["dueDate"] < date(2026, 2, 16),
    ),
    "date_in": (
        "dataSubjectsRightsRequests",
        '{dueDate: {_in: ["2026-02-14", "2026-02-18"]}}',
        lambda r: r["dueDate"] in (date(2026, 2, 14), date(2026, 2, 18)),
    ),
    # Int, bigint (beyond 2**53), numeric (exact), Boolean
    "int_gte": (
        "dataProcessingActivities",
        "{retentionDays: {_gte: 365}}",
        lambda r: r["retentionDays"] >= 365,
    ),
    "int_in": (
        "dataProcessingActivities",
        "{retentionDays: {_in: [90, 3650]}}",
        lambda r: r["retentionDays"] in (90, 3650),
    ),
    "bigint_gt_2_53": (
        "dataProcessingActivities",
        "{recordCount: {_gt: 9007199254740992}}",
        lambda r: r["recordCount"] > 9007199254740992,
    ),
    "bigint_lt": (
        "dataProcessingActivities",
        "{recordCount: {_lt: 1000}}",
        lambda r: r["recordCount"] < 1000,
    ),
    "numeric_gt": (
        "dataProcessingActivities",
        '{riskScore: {_gt: "1.2"}}',
        lambda r: r["riskScore"] > Decimal("1.2"),
    ),
    "numeric_eq_scale": (
        "dataProcessingActivities",
        "{riskScore: {_eq: 3.750}}",
        lambda r: r["riskScore"] == Decimal("3.75"),
    ),
    "numeric_lt_exact": (
        "dataProcessingActivities",
        '{riskScore: {_lt: "0.33333333333333333331"}}',
        lambda r: r["riskScore"] < Decimal("0.33333333333333333331"),
    ),
    "bool_eq": (
        "dataProcessingActivities",
        "{isEssential: {_eq: true}}",
        lambda r: r["isEssential"] is True,
    ),
    "bool_neq": (
        "dataProcessingActivities",
        "{isEssential: {_neq: true}}",
        lambda r: r["isEssential"] is False,
    ),
    # jsonb
    "json_contains": (
        "dataControllers",
        "{settings: {_contains: {tcEnabled: true}}}",
        lambda r: r["settings"].get("tcEnabled") is True,
    ),
    "json_contains_nested": (
        "dataSubjectPreferenceValues",
        '{value: {_contains: {frequency: "weekly", opted: true}}}',
        lambda r: r["value"] == {"frequency": "weekly", "opted": True},
    ),
    "json_contained_in": (
        "dataSubjectPreferenceValues",
        '{value: {_contained_in: {frequency: "monthly", opted: true, extra: 1}}}',
        lambda r: r["value"] == {"frequency": "monthly", "opted": True},
    ),
    "json_has_key": (
        "dataControllers",
        '{settings: {_has_key: "locale"}}',
        lambda r: "locale" in r["settings"],
    ),
    "json_has_key_missing": ("dataControllers", '{settings: {_has_key: "nope"}}', lambda r: False),
    "json_has_keys_any": (
        "dataSubjectPreferenceValues",
        '{value: {_has_keys_any: ["nope", "opted"]}}',
        lambda r: True,
    ),
    "json_has_keys_all": (
        "dataSubjectPreferenceValues",
        '{value: {_has_keys_all: ["opted", "nope"]}}',
        lambda r: False,
    ),
    "json_eq": (
        "dataSubjectPreferenceValues",
        '{value: {_eq: {opted: false, frequency: "weekly"}}}',
        lambda r: r["value"] == {"frequency": "weekly", "opted": False},
    ),
    # boolean combinators (SQL three-valued logic: a null column fails both a test and its _not)
    "and": (
        "dataSubjectsRightsRequests",
        '{_and: [{requestType: {_neq: "access"}}, {status: {_neq: "completed"}}]}',
        lambda r: r["requestType"] != "access" and r["status"] != "completed",
    ),
    "or": (
        "dataSubjectsRightsRequests",
        '{_or: [{requestType: {_eq: "access"}}, {status: {_eq: "completed"}}]}',
        lambda r: r["requestType"] == "access" or r["status"] == "completed",
    ),
    "not": (
        "dataSubjectsRightsRequests",
        '{_not: {requestType: {_eq: "access"}}}',
        lambda r: r["requestType"] != "access",
    ),
    "not_over_null": (
        "dataSubjectsRightsRequests",
        '{_not: {notes: {_like: "%erasure%"}}}',
        lambda r: r["notes"] is not None and "erasure" not in r["notes"],
    ),
    "and_empty": ("dataSubjects", "{_and: []}", lambda r: True),
    "or_empty": ("dataSubjects", "{_or: []}", lambda r: False),
    "not_empty": ("dataSubjects", "{_not: {}}", lambda r: False),
    "implicit_and": (
        "dataSubjectsRightsRequests",
        '{requestType: {_eq: "erasure"}, status: {_eq: "inProgress"}}',
        lambda r: r["requestType"] == "erasure" and r["status"] == "inProgress",
    ),
    "nested_or_not": (
        "dataSubjects",
        '{_or: [{_not: {userId: {_is_null: true}}}, {emailHash: {_like: "a%"}}]}',
        lambda r: r["userId"] is not None or r["emailHash"].startswith("a"),
    ),
    # relationships
    "object_rel": (
        "dataSubjects",
        '{dataController: {title: {_like: "Globex%"}}}',
        lambda r: _CONTROLLERS[r["dataControllerId"]]["title"].startswith("Globex"),
    ),
    "object_rel_two_hops": (
        "dataSubjectConsentFormValues",
        '{dataSubject: {dataController: {title: {_like: "Acme%"}}}, value: {_eq: "denied"}}',
        lambda r: (
            _CONTROLLERS[_SUBJECTS[r["dataSubjectId"]]["dataControllerId"]]["title"].startswith(
                "Acme"
            )
            and r["value"] == "denied"
        ),
    ),
    "array_rel": (
        "dataSubjects",
        '{rightsRequests: {requestType: {_eq: "noSale"}}}',
        lambda r: any(q["requestType"] == "noSale" for q in _requests_of(r["id"])),
    ),
    "array_rel_not_exists": (
        "dataSubjects",
        "{_not: {rightsRequests: {}}}",
        lambda r: not _requests_of(r["id"]),
    ),
    "array_rel_on_controller": (
        "dataControllers",
        '{dataProcessingActivities: {name: {_eq: "Web analytics"}}}',
        lambda r: any(
            a["dataControllerId"] == r["id"] and a["name"] == "Web analytics"
            for a in WORLD["dataProcessingActivities"]
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(WHERE_CASES))
def test_where(shared_engine: Engine, case: str) -> None:
    table, where, pred = WHERE_CASES[case]
    got = data(shared_engine, f"{{ {table}(where: {where}) {{ id }} }}")[table]
    expected = [r["id"] for r in visible("user", table) if pred(r)]
    assert sorted(r["id"] for r in got) == sorted(expected)


def test_where_cases_are_not_vacuous() -> None:
    """Most cases must split the rows; otherwise a broken operator could pass unnoticed."""
    splitting = [
        c
        for c, (t, _, p) in WHERE_CASES.items()
        if 0 < sum(map(p, visible("user", t))) < len(visible("user", t))
    ]
    assert len(splitting) >= len(WHERE_CASES) * 2 // 3


def _k(name: str) -> Callable[[Row], Any]:
    return lambda r: r[name]


# (table, order_by literal, Python sort terms); every case ends in a unique key so it is total.
ORDER_CASES: dict[str, tuple[str, str, list[tuple[Callable[[Row], Any], str]]]] = {
    "asc": ("dataSubjects", "{createdAt: asc}", [(_k("createdAt"), "asc")]),
    "desc": ("dataSubjects", "{createdAt: desc}", [(_k("createdAt"), "desc")]),
    "nulls_last_default": (
        "dataSubjectsRightsRequests",
        "[{notes: asc}, {id: asc}]",
        [(_k("notes"), "asc"), (_k("id"), "asc")],
    ),
    "nulls_first": (
        "dataSubjectsRightsRequests",
        "[{notes: asc_nulls_first}, {id: asc}]",
        [(_k("notes"), "asc_nulls_first"), (_k("id"), "asc")],
    ),
    "desc_nulls_first_default": (
        "dataSubjectsRightsRequests",
        "[{notes: desc}, {id: desc}]",
        [(_k("notes"), "desc"), (_k("id"), "desc")],
    ),
    "desc_nulls_last": (
        "dataSubjectsRightsRequests",
        "[{notes: desc_nulls_last}, {id: asc}]",
        [(_k("notes"), "desc_nulls_last"), (_k("id"), "asc")],
    ),
    "two_keys": (
        "dataSubjectsRightsRequests",
        "[{requestType: asc}, {id: desc}]",
        [(_k("requestType"), "asc"), (_k("id"), "desc")],
    ),
    "numeric_exact": (
        "dataProcessingActivities",
        "[{riskScore: desc}, {id: asc}]",
        [(_k("riskScore"), "desc"), (_k("id"), "asc")],
    ),
    "bigint": (
        "dataProcessingActivities",
        "[{recordCount: asc}, {id: asc}]",
        [(_k("recordCount"), "asc"), (_k("id"), "asc")],
    ),
    "citext_case_insensitive": (
        "dataControllers",
        "{contactEmail: desc}",
        [(lambda r: r["contactEmail"].lower(), "desc")],
    ),
    "date": (
        "dataSubjectsRightsRequests",
        "[{dueDate: desc}, {id: asc}]",
        [(_k("dueDate"), "desc"), (_k("id"), "asc")],
    ),
    "through_object_rel": (
        "dataSubjectsRightsRequests",
        "[{dataSubject: {createdAt: desc}}, {id: asc}]",
        [(lambda r: _SUBJECTS[r["dataSubjectId"]]["createdAt"], "desc"), (_k("id"), "asc")],
    ),
    "through_two_hops": (
        "dataSubjectConsentFormValues",
        "[{dataSubject: {dataController: {title: desc}}}, {id: asc}]",
        [
            (
                lambda r: _CONTROLLERS[_SUBJECTS[r["dataSubjectId"]]["dataControllerId"]]["title"],
                "desc",
            ),
            (_k("id"), "asc"),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(ORDER_CASES))
def test_order_by(shared_engine: Engine, case: str) -> None:
    table, order_by, terms = ORDER_CASES[case]
    got = data(shared_engine, f"{{ {table}(order_by: {order_by}) {{ id }} }}")[table]
    assert [r["id"] for r in got] == [r["id"] for r in pg_sorted(visible("user", table), terms)]


@pytest.mark.parametrize(
    ("limit", "offset"), [(None, 0), (3, 0), (3, 2), (0, 0), (100, 0), (None, 5), (2, 100)]
)
def test_limit_offset(shared_engine: Engine, limit: int | None, offset: int) -> None:
    args = (
        ["order_by: {id: asc}"]
        + ([f"limit: {limit}"] if limit is not None else [])
        + [f"offset: {offset}"]
    )
    got = data(shared_engine, f"{{ dataSubjects({', '.join(args)}) {{ id }} }}")["dataSubjects"]
    ids = sorted(r["id"] for r in visible("user", "dataSubjects"))[offset:]
    assert [r["id"] for r in got] == (ids if limit is None else ids[:limit])


@pytest.mark.parametrize("column", ["requestType", "status", "dataControllerId"])
def test_distinct_on(shared_engine: Engine, column: str) -> None:
    order = f"[{{{column}: asc}}, {{id: desc}}]"
    q = f"{{ dataSubjectsRightsRequests(distinct_on: {column}, order_by: {order}) {{ id }} }}"
    got = data(shared_engine, q)["dataSubjectsRightsRequests"]
    ordered = pg_sorted(
        visible("user", "dataSubjectsRightsRequests"), [(_k(column), "asc"), (_k("id"), "desc")]
    )
    first: dict[Any, str] = {}
    for r in ordered:
        first.setdefault(r[column], r["id"])
    assert [r["id"] for r in got] == list(first.values())


def test_distinct_on_must_lead_order_by(shared_engine: Engine) -> None:
    err = only_error(
        shared_engine,
        "{ dataSubjectsRightsRequests(distinct_on: status, order_by: {id: asc}) { id } }",
    )
    assert err["extensions"]["code"] == "validation-failed"


@pytest.mark.parametrize(
    "where", ["{}", '{legalBasis: {_neq: "consent"}}', '{name: {_eq: "none"}}']
)
def test_aggregate(shared_engine: Engine, where: str) -> None:
    q = f"""{{ dataProcessingActivitiesAggregate(where: {where}) {{
      aggregate {{ count c2: count(columns: [legalBasis], distinct: true)
        c3: count(columns: [purpose])
        max {{ riskScore recordCount retentionDays name createdAt }}
        min {{ riskScore recordCount retentionDays name createdAt }} }}
      nodes {{ id }} }} }}"""
    got = data(shared_engine, q)["dataProcessingActivitiesAggregate"]
    preds: dict[str, Pred] = {
        "{}": lambda r: True,
        '{legalBasis: {_neq: "consent"}}': lambda r: r["legalBasis"] != "consent",
        '{name: {_eq: "none"}}': lambda r: False,
    }
    rows = [r for r in visible("user", "dataProcessingActivities") if preds[where](r)]
    cols = ("riskScore", "recordCount", "retentionDays", "name", "createdAt")

    def ext(fn: Callable[[Any], Any]) -> dict[str, Any]:
        return {c: to_json(fn(r[c] for r in rows)) if rows else None for c in cols}

    assert got["aggregate"] == {
        "count": len(rows),
        "c2": len({r["legalBasis"] for r in rows}),
        "c3": len([r for r in rows if r["purpose"] is not None]),
        "max": ext(max),
        "min": ext(min),
    }
    assert sorted(n["id"] for n in got["nodes"]) == sorted(r["id"] for r in rows)


def test_nested_relationships_in_selection(shared_engine: Engine) -> None:
    q = """{ dataControllers(order_by: {id: asc}) { id
      dataSubjects(order_by: {id: asc}) { id dataController { id }
        rightsRequests(where: {status: {_neq: "completed"}}, order_by: {id: asc}) { id }
        rightsRequests_aggregate { aggregate { count } } }
      dataSubjects_aggregate(where: {userId: {_is_null: false}}) { aggregate { count } } } }"""
    got = data(shared_engine, q)["dataControllers"]
    expected = []
    for c in sorted(visible("user", "dataControllers"), key=_k("id")):
        subjects = sorted(
            (s for s in WORLD["dataSubjects"] if s["dataControllerId"] == c["id"]), key=_k("id")
        )
        expected.append(
            {
                "id": c["id"],
                "dataSubjects": [
                    {
                        "id": s["id"],
                        "dataController": {"id": c["id"]},
                        "rightsRequests": [
                            {"id": q["id"]}
                            for q in sorted(_requests_of(s["id"]), key=_k("id"))
                            if q["status"] != "completed"
                        ],
                        "rightsRequests_aggregate": {
                            "aggregate": {"count": len(_requests_of(s["id"]))}
                        },
                    }
                    for s in subjects
                ],
                "dataSubjects_aggregate": {
                    "aggregate": {"count": sum(s["userId"] is not None for s in subjects)}
                },
            }
        )
    assert got == expected


def test_values_serialise_like_hasura(shared_engine: Engine) -> None:
    cols = "id name purpose legalBasis isEssential retentionDays recordCount riskScore createdAt"
    got = data(shared_engine, f"{{ dataProcessingActivities(order_by: {{id: asc}}) {{ {cols} }} }}")
    rows = sorted(visible("user", "dataProcessingActivities"), key=_k("id"))
    assert got["dataProcessingActivities"] == [
        {c: to_json(r[c]) for c in cols.split()} for r in rows
    ]


def test_by_pk(shared_engine: Engine) -> None:
    for row in WORLD["dataSubjects"]:
        got = data(shared_engine, "query($id: uuid!) { dataSubject(id: $id) { id } }", id=row["id"])
        seen = row in visible("user", "dataSubjects")
        assert got == {"dataSubject": {"id": row["id"]} if seen else None}


TABLE_NAMES = [t for t in WORLD if t != "dataControllerUsers"] + ["dataControllerUsers"]


@pytest.mark.parametrize("role", sorted(SESSIONS))
@pytest.mark.parametrize("table", TABLE_NAMES)
def test_role_visibility(shared_engine: Engine, role: str, table: str) -> None:
    expected = visible(role, table)
    result = shared_engine.execute({"query": f"{{ {table} {{ id }} }}"}, SESSIONS[role])
    if "errors" in result:
        # A table the role may not read does not exist for it (Hasura trims the schema).
        assert not expected
        assert result["errors"][0]["message"] == f"field '{table}' not found in type: 'query_root'"
    else:
        assert sorted(r["id"] for r in result["data"][table]) == sorted(r["id"] for r in expected)


def test_relationship_filter_respects_target_permissions(shared_engine: Engine) -> None:
    """A `where` through a relationship sees only rows the role may read on the other side."""
    got = data(
        shared_engine,
        "{ dataSubjects(where: {dataController: {}}) { id } }",
        SESSIONS["dataSubject"],
    )
    assert [r["id"] for r in got["dataSubjects"]] == [
        r["id"] for r in visible("dataSubject", "dataSubjects")
    ]


_INTROSPECT = "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"

# What each role may use, written out by hand from the access rules (not from the model).
ROOTS = {
    "anonymous": ({"dataControllers", "dataController"}, {"insertDataSubjectsRightsRequests"}),
    "me": ({"users", "user"}, {"updateUsers", "updateUser"}),
    "dataSubject": (
        {
            "dataControllers",
            "dataController",
            "dataSubjects",
            "dataSubject",
            "dataSubjectConsentFormValues",
            "dataSubjectConsentFormValue",
            "dataSubjectPreferenceValues",
            "dataSubjectPreferenceValue",
            "dataSubjectsRightsRequests",
            "dataSubjectsRightsRequest",
        },
        {
            "insertDataSubjectsRightsRequests",
            "insertDataSubjectsRightsRequest",
            "updateDataSubjectConsentFormValues",
            "updateDataSubjectConsentFormValue",
        },
    ),
}


@pytest.mark.parametrize("role", sorted(ROOTS))
def test_introspection_is_per_role(shared_engine: Engine, role: str) -> None:
    got = data(shared_engine, _INTROSPECT, SESSIONS[role])["__schema"]
    queries, mutations = ROOTS[role]
    assert {f["name"] for f in got["queryType"]["fields"]} == queries
    assert {f["name"] for f in got["mutationType"]["fields"]} == mutations


def test_introspection_hides_columns_and_types(shared_engine: Engine) -> None:
    q = '{ s: __type(name: "dataSubjects") { fields { name } } u: __type(name: "users") { name } }'
    subject = data(shared_engine, q, SESSIONS["dataSubject"])
    assert "emailHash" not in {f["name"] for f in subject["s"]["fields"]}
    assert subject["u"] is None
    user = data(shared_engine, q, USER)
    assert "emailHash" in {f["name"] for f in user["s"]["fields"]} and user["u"] is None
    anon = data(
        shared_engine,
        '{ __type(name: "dataSubjectsRightsRequests") { name } }',
        SESSIONS["anonymous"],
    )
    assert anon == {"__type": None}
