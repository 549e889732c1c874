"""The reference world for conformance: the seed rows as plain Python, never via store or engine.

Expected answers are computed here with ordinary comprehensions over `seed_rows()`, so a bug in
the engine's SQL compilation cannot also be baked into what the tests expect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dxtra_typed.sandbox._engine import Engine, Session
from dxtra_typed.sandbox._identities import DATA_SUBJECT_USER_ID, SANDBOX_USER_ID
from dxtra_typed.sandbox._seed import seed_rows

Row = dict[str, Any]
WORLD: dict[str, list[Row]] = seed_rows()

USER = Session("user", SANDBOX_USER_ID)
SUBJECT = Session("dataSubject", DATA_SUBJECT_USER_ID)
ME = Session("me", SANDBOX_USER_ID)
ANON = Session("anonymous")
SESSIONS = {"user": USER, "dataSubject": SUBJECT, "me": ME, "anonymous": ANON}


def by_id(table: str) -> dict[str, Row]:
    return {r["id"]: r for r in WORLD[table]}


def _user_controllers(uid: str) -> set[str]:
    return {m["dataControllerId"] for m in WORLD["dataControllerUsers"] if m["userId"] == uid}


def visible(role: str, table: str) -> list[Row]:
    """Rows each role may read, written out from the access rules in plain words."""
    rows = WORLD[table]
    subjects = by_id("dataSubjects")
    if role == "user":
        mine = _user_controllers(SANDBOX_USER_ID)
        if table == "dataControllers":
            return [r for r in rows if r["id"] in mine]
        if table in ("dataSubjectConsentFormValues", "dataSubjectPreferenceValues"):
            return [r for r in rows if subjects[r["dataSubjectId"]]["dataControllerId"] in mine]
        if table == "users":
            return []
        return [r for r in rows if r["dataControllerId"] in mine]
    if role == "dataSubject":
        own = {s["id"] for s in WORLD["dataSubjects"] if s["userId"] == DATA_SUBJECT_USER_ID}
        if table == "dataSubjects":
            return [r for r in rows if r["id"] in own]
        if table == "dataControllers":
            ctrls = {subjects[s]["dataControllerId"] for s in own}
            return [r for r in rows if r["id"] in ctrls]
        if table in (
            "dataSubjectConsentFormValues",
            "dataSubjectPreferenceValues",
            "dataSubjectsRightsRequests",
        ):
            return [r for r in rows if r["dataSubjectId"] in own]
        return []
    if role == "me":
        return [r for r in rows if r["id"] == SANDBOX_USER_ID] if table == "users" else []
    if role == "anonymous":
        return list(rows) if table == "dataControllers" else []
    return []


def to_json(value: Any) -> Any:
    """How Hasura writes a Postgres value: ISO timestamps, numeric as a JSON number."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def pg_sorted(rows: list[Row], terms: list[tuple[Callable[[Row], Any], str]]) -> list[Row]:
    """Postgres ORDER BY: `asc` puts nulls last, `desc` first, `_nulls_first/_last` override.
    Applied as repeated stable sorts from the last term to the first."""
    out = list(rows)
    for key, direction in reversed(terms):
        desc = direction.startswith("desc")
        nulls_first = direction.endswith("nulls_first") or direction == "desc"
        present = [r for r in out if key(r) is not None]
        absent = [r for r in out if key(r) is None]
        present.sort(key=key, reverse=desc)
        out = absent + present if nulls_first else present + absent
    return out


def run(engine: Engine, query: str, session: Session = USER, **variables: Any) -> Any:
    body: dict[str, Any] = {"query": query}
    if variables:
        body["variables"] = variables
    return engine.execute(body, session)


def data(engine: Engine, query: str, session: Session = USER, **variables: Any) -> Any:
    result = run(engine, query, session, **variables)
    assert set(result) == {"data"}, result
    return result["data"]


def only_error(engine: Engine, query: str, session: Session = USER, **variables: Any) -> Any:
    result = run(engine, query, session, **variables)
    assert set(result) == {"errors"} and len(result["errors"]) == 1, result
    return result["errors"][0]
