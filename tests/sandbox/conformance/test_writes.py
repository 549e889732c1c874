# ruff: noqa: E501  (GraphQL literals read better unbroken)
"""Writes, errors and durability: mutations against the seed rows, exact Hasura error bodies,
a file-backed restart, and concurrent writers."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from dxtra_typed.sandbox._engine import Engine
from dxtra_typed.sandbox._hasura_errors import UNEXPECTED
from dxtra_typed.sandbox._store import Store

from ._world import ANON, SUBJECT, USER, WORLD, data, only_error, run, visible

ACME = WORLD["dataControllers"][0]["id"]
INITECH = WORLD["dataControllers"][2]["id"]
SUBJ = WORLD["dataSubjects"][0]["id"]
_COUNT = "{ dataSubjectsRightsRequestsAggregate { aggregate { count } } }"


def _count(engine: Engine) -> int:
    n: int = data(engine, _COUNT)["dataSubjectsRightsRequestsAggregate"]["aggregate"]["count"]
    return n


def test_insert_many_returning_and_defaults(engine: Engine) -> None:
    objs = [{"dataSubjectId": SUBJ, "dataControllerId": ACME, "requestType": t} for t in ("a", "b")]
    q = """mutation($o: [dataSubjectsRightsRequests_insert_input!]!) {
      insertDataSubjectsRightsRequests(objects: $o) { affected_rows
        returning { requestType status dataSubject { id } } } }"""
    got = data(engine, q, o=objs)["insertDataSubjectsRightsRequests"]
    assert got["affected_rows"] == 2
    assert got["returning"] == [
        {"requestType": t, "status": "submitted", "dataSubject": {"id": SUBJ}} for t in ("a", "b")
    ]
    assert _count(engine) == len(visible("user", "dataSubjectsRightsRequests")) + 2


@pytest.mark.parametrize(
    ("update_columns", "where", "expected_notes", "affected"),
    [
        ("[notes]", "{}", "upserted", 1),
        ("[]", "{}", None, 0),
        ("[notes]", '{status: {_eq: "nope"}}', None, 0),
    ],
)
def test_on_conflict(
    engine: Engine, update_columns: str, where: str, expected_notes: str | None, affected: int
) -> None:
    row = next(r for r in visible("user", "dataSubjectsRightsRequests") if r["notes"] is None)
    q = f"""mutation($o: [dataSubjectsRightsRequests_insert_input!]!) {{
      insertDataSubjectsRightsRequests(objects: $o, on_conflict: {{
        constraint: data_subject_rights_requests_pkey, update_columns: {update_columns},
        where: {where}}}) {{ affected_rows returning {{ notes }} }} }}"""
    obj = {k: row[k] for k in ("id", "dataSubjectId", "dataControllerId", "requestType")}
    got = data(engine, q, o=[{**obj, "notes": "upserted"}])["insertDataSubjectsRightsRequests"]
    assert got["affected_rows"] == affected
    after = data(
        engine, "query($i: uuid!) { dataSubjectsRightsRequest(id: $i) { notes } }", i=row["id"]
    )
    assert after["dataSubjectsRightsRequest"]["notes"] == expected_notes


def test_update_by_pk_set_and_by_where_inc(engine: Engine) -> None:
    got = data(
        engine,
        'mutation($i: uuid!) { updateDataSubjectsRightsRequest(pk_columns: {id: $i}, _set: {status: "done"}) { status } }',
        i=WORLD["dataSubjectsRightsRequests"][0]["id"],
    )
    assert got == {"updateDataSubjectsRightsRequest": {"status": "done"}}
    rows = [r for r in visible("user", "dataProcessingActivities") if r["legalBasis"] == "consent"]
    got = data(
        engine,
        """mutation { updateDataProcessingActivities(where: {legalBasis: {_eq: "consent"}},
          _inc: {retentionDays: 5, recordCount: 1}) { affected_rows returning { retentionDays recordCount } } }""",
    )["updateDataProcessingActivities"]
    assert got["affected_rows"] == len(rows)
    assert got["returning"] == [
        {"retentionDays": r["retentionDays"] + 5, "recordCount": r["recordCount"] + 1} for r in rows
    ]


def test_delete_by_pk_and_by_where(engine: Engine) -> None:
    target = visible("user", "dataSubjectsRightsRequests")[0]["id"]
    assert data(
        engine, "mutation($i: uuid!) { deleteDataSubjectsRightsRequest(id: $i) { id } }", i=target
    ) == {"deleteDataSubjectsRightsRequest": {"id": target}}
    completed = [
        r for r in visible("user", "dataSubjectsRightsRequests") if r["status"] == "completed"
    ]
    got = data(
        engine,
        'mutation { deleteDataSubjectsRightsRequests(where: {status: {_eq: "completed"}}) { affected_rows } }',
    )
    assert got == {"deleteDataSubjectsRightsRequests": {"affected_rows": len(completed)}}
    assert _count(engine) == len(visible("user", "dataSubjectsRightsRequests")) - 1 - len(completed)


def _err(message: str, code: str, path: str = "$") -> dict[str, Any]:
    return {"message": message, "extensions": {"path": path, "code": code}}


_INS_RR = "insertDataSubjectsRightsRequest"
ERROR_CASES: dict[str, tuple[Any, str, dict[str, Any]]] = {
    "unknown_field": (
        USER,
        "{ dataSubjects { nope } }",
        _err(
            "field 'nope' not found in type: 'dataSubjects'",
            "validation-failed",
            "$.selectionSet.dataSubjects.selectionSet.nope",
        ),
    ),
    "hidden_field_same_message": (
        SUBJECT,
        "{ dataSubjects { emailHash } }",
        _err(
            "field 'emailHash' not found in type: 'dataSubjects'",
            "validation-failed",
            "$.selectionSet.dataSubjects.selectionSet.emailHash",
        ),
    ),
    "uniqueness": (
        USER,
        f'mutation {{ insertDataSubject(object: {{id: "{SUBJ}", dataControllerId: "{ACME}"}}) {{ id }} }}',
        _err(
            'Uniqueness violation. duplicate key value violates unique constraint "data_subjects_pkey"',
            "constraint-violation",
            "$.selectionSet.insertDataSubject.args.object",
        ),
    ),
    "not_null": (
        USER,
        f'mutation {{ {_INS_RR}(object: {{dataSubjectId: "{SUBJ}", dataControllerId: "{ACME}"}}) {{ id }} }}',
        _err(
            'Not-NULL violation. null value in column "request_type" of relation "data_subject_rights_requests" violates not-null constraint',
            "constraint-violation",
            f"$.selectionSet.{_INS_RR}.args.object",
        ),
    ),
    "foreign_key": (
        USER,
        'mutation { insertDataSubject(object: {dataControllerId: "00000000-0000-0000-0000-000000000000"}) { id } }',
        _err(
            'Foreign key violation. insert or update on table "data_subjects" violates foreign key constraint "data_subjects_data_controller_id_fkey"',
            "constraint-violation",
            "$.selectionSet.insertDataSubject.args.object",
        ),
    ),
    "delete_restricted": (
        USER,
        f'mutation {{ deleteDataSubject(id: "{SUBJ}") {{ id }} }}',
        _err(
            'Foreign key violation. update or delete on table "data_subjects" violates foreign key constraint "data_subject_consent_form_values_data_subject_id_fkey" on table "data_subject_consent_form_values"',
            "constraint-violation",
            "$.selectionSet.deleteDataSubject",
        ),
    ),
    "permission_foreign_controller": (
        USER,
        f'mutation {{ insertDataSubject(object: {{dataControllerId: "{INITECH}"}}) {{ id }} }}',
        _err(
            "check constraint of an insert/update permission has failed",
            "permission-error",
            "$.selectionSet.insertDataSubject.args.object",
        ),
    ),
    "anonymous_status_check": (
        ANON,
        f'mutation {{ insertDataSubjectsRightsRequests(objects: [{{dataSubjectId: "{SUBJ}", dataControllerId: "{ACME}", requestType: "access", status: "completed"}}]) {{ affected_rows }} }}',
        _err(
            "check constraint of an insert/update permission has failed",
            "permission-error",
            "$.selectionSet.insertDataSubjectsRightsRequests.args.objects",
        ),
    ),
    "anonymous_no_returning": (
        ANON,
        "mutation { insertDataSubjectsRightsRequests(objects: []) { returning { id } } }",
        _err(
            "field 'returning' not found in type: 'dataSubjectsRightsRequests_mutation_response'",
            "validation-failed",
            "$.selectionSet.insertDataSubjectsRightsRequests.selectionSet.returning",
        ),
    ),
    "data_exception": (
        USER,
        '{ dataSubject(id: "not-a-uuid") { id } }',
        _err('invalid input syntax for type uuid: "not-a-uuid"', "data-exception"),
    ),
    "too_deep": (
        USER,
        "{ " + "dataSubjects { dataController { " * 20 + "id" + " } }" * 20 + " }",
        _err("the query exceeds the sandbox's depth limit of 32", "validation-failed", "$.query"),
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_error_bodies(engine: Engine, case: str) -> None:
    session, query, expected = ERROR_CASES[case]
    before = _count(engine)
    assert only_error(engine, query, session) == expected
    assert _count(engine) == before


def test_huge_and_nested_input_get_error_bodies(engine: Engine) -> None:
    huge = "{ " + " ".join(f"a{i}: dataSubjects {{ id }}" for i in range(20_000)) + " }"
    assert only_error(engine, huge)["extensions"]["code"] == "validation-failed"
    deep_value = "{ dataSubjects(where: " + "{_not: " * 300 + "{}" + "}" * 300 + ") { id } }"
    assert only_error(engine, deep_value)["extensions"]["code"] == "validation-failed"
    nested: dict[str, Any] = {}
    for _ in range(100):
        nested = {"_not": nested}
    result = run(
        engine, "query($w: dataSubjects_bool_exp) { dataSubjects(where: $w) { id } }", w=nested
    )
    assert set(result) == {"errors"}


def test_internal_failure_is_hasura_unexpected(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(engine.store, "query", boom)
    assert run(engine, "{ dataSubjects { id } }") == UNEXPECTED
    monkeypatch.setattr(engine, "_parse", boom)
    assert run(engine, "{ dataSubjects { id } }") == UNEXPECTED


def test_mutation_root_fields_commit_together(engine: Engine) -> None:
    before = _count(engine)
    ok = f'a: {_INS_RR}(object: {{dataSubjectId: "{SUBJ}", dataControllerId: "{ACME}", requestType: "x"}}) {{ id }}'
    bad = f'b: {_INS_RR}(object: {{dataSubjectId: "{SUBJ}", dataControllerId: "{ACME}"}}) {{ id }}'
    assert (
        only_error(engine, f"mutation {{ {ok} {bad} }}")["extensions"]["code"]
        == "constraint-violation"
    )
    assert _count(engine) == before


def test_anonymous_may_file_a_request(engine: Engine) -> None:
    q = f'mutation {{ insertDataSubjectsRightsRequests(objects: [{{dataSubjectId: "{SUBJ}", dataControllerId: "{ACME}", requestType: "access"}}]) {{ affected_rows }} }}'
    assert data(engine, q, ANON) == {"insertDataSubjectsRightsRequests": {"affected_rows": 1}}
    assert _count(engine) == len(visible("user", "dataSubjectsRightsRequests")) + 1


def test_file_store_survives_restart(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    first = Engine(Store(db))
    q = f'mutation {{ {_INS_RR}(object: {{dataSubjectId: "{SUBJ}", dataControllerId: "{ACME}", requestType: "export"}}) {{ id }} }}'
    new_id = data(first, q)[_INS_RR]["id"]
    first.store.close()
    second = Engine(Store(db, seed_rows=50))  # an existing file is never reseeded
    got = data(
        second, "query($i: uuid!) { dataSubjectsRightsRequest(id: $i) { requestType } }", i=new_id
    )
    assert got == {"dataSubjectsRightsRequest": {"requestType": "export"}}
    assert second.store.count("dataSubjects") == len(WORLD["dataSubjects"])
    assert (
        second.store.count("dataSubjectsRightsRequests")
        == len(WORLD["dataSubjectsRightsRequests"]) + 1
    )
    second.store.close()


@pytest.mark.parametrize("on_file", [False, True])
def test_concurrent_writers_lose_nothing(tmp_path: Path, on_file: bool) -> None:
    engine = Engine(Store(tmp_path / "c.db" if on_file else None))
    threads_n, per_thread = 8, 10
    q = f'mutation {{ {_INS_RR}(object: {{dataSubjectId: "{SUBJ}", dataControllerId: "{ACME}", requestType: "access"}}) {{ id }} }}'
    failures: list[Any] = []

    def work() -> None:
        for _ in range(per_thread):
            result = run(engine, q)
            if "errors" in result:
                failures.append(result)

    threads = [threading.Thread(target=work) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    total = engine.store.count("dataSubjectsRightsRequests")
    assert total == len(WORLD["dataSubjectsRightsRequests"]) + threads_n * per_thread


def test_ten_thousand_rows_seed_and_query() -> None:
    # Correctness only; seed and query times are measured by `make bench`, not asserted.
    store = Store(seed_rows=10_000)
    assert store.count("dataSubjects") == len(WORLD["dataSubjects"]) + 10_000
    engine = Engine(store)
    q = '{ dataSubjects(where: {did: {_like: "did:dep:a%"}}, order_by: {createdAt: desc}, limit: 20) { id dataController { title } } }'
    result = run(engine, q)
    assert len(result["data"]["dataSubjects"]) == 20
