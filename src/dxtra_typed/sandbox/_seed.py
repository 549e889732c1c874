"""The sandbox's seeded world: fixed ids and timestamps, so tests and demos can name rows.

Membership is arranged so isolation is observable: the default PAT user belongs to two of the
three data controllers and the other user to the third only, and one data subject is linked to
the signed-in data-subject identity.

`seed_rows(extra)` returns plain lists of dicts and nothing else, so the conformance tests can
compute expected answers from the same world without going through the store or the engine.
`extra` adds generated data subjects (round-robin over the controllers, every second one with a
rights request) for benchmarks and size tests; the fixed rows are the same for every size.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dxtra_typed.sandbox._identities import (
    DATA_SUBJECT_USER_EMAIL,
    DATA_SUBJECT_USER_ID,
    OTHER_USER_EMAIL,
    OTHER_USER_ID,
    SANDBOX_USER_EMAIL,
    SANDBOX_USER_ID,
    seed_uuid,
)

Row = dict[str, Any]

_T0 = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)

CONTROLLER_IDS = (
    seed_uuid("dc:acme"),
    seed_uuid("dc:globex"),
    seed_uuid("dc:initech"),
)
CONTROLLER_TITLES = ("Acme Privacy Ltd", "Globex Health GmbH", "Initech Analytics Inc")
# Data subject linked to DATA_SUBJECT_USER_ID (first controller).
SIGNED_IN_SUBJECT_ID = seed_uuid("ds:acme:0")
CONSENT_FORM_ID = seed_uuid("form:cookie-banner")


def did_for(row_id: str) -> str:
    """Dxtra's DID format: `did:dep:` + SHA3-256 of the uuid, in hex."""
    return "did:dep:" + hashlib.sha3_256(row_id.encode()).hexdigest()


def _at(hours: int) -> datetime:
    return _T0 + timedelta(hours=hours)


def seed_rows(extra: int = 0) -> dict[str, list[Row]]:
    users: list[Row] = [
        {
            "id": uid,
            "displayName": name,
            "email": email,
            "defaultRole": role,
            "metadata": {"seeded": True},
            "createdAt": _at(-100),
        }
        for uid, name, email, role in (
            (SANDBOX_USER_ID, "Dana Admin", SANDBOX_USER_EMAIL, "user"),
            (OTHER_USER_ID, "Omar Other", OTHER_USER_EMAIL, "user"),
            (DATA_SUBJECT_USER_ID, "Sam Subject", DATA_SUBJECT_USER_EMAIL, "dataSubject"),
        )
    ]
    controllers: list[Row] = []
    members: list[Row] = []
    subjects: list[Row] = []
    consents: list[Row] = []
    prefs: list[Row] = []
    requests: list[Row] = []
    activities: list[Row] = []
    owners = (SANDBOX_USER_ID, SANDBOX_USER_ID, OTHER_USER_ID)
    request_plan = (("access", "submitted"), ("erasure", "inProgress"), ("noSale", "completed"))
    activity_plan = (
        ("Newsletter", "marketing emails", "consent", False, 365, 120_000, "3.75"),
        ("Payroll", "pay employees", "legalObligation", True, 3650, 42, "1.20"),
        (
            "Web analytics",
            "site statistics",
            "legitimateInterests",
            False,
            90,
            9_007_199_254_740_993,
            "0.3333333333333333333",
        ),
    )
    for ci, (cid, title) in enumerate(zip(CONTROLLER_IDS, CONTROLLER_TITLES, strict=True)):
        controllers.append(
            {
                "id": cid,
                "title": title,
                "did": did_for(cid),
                "contactEmail": f"privacy@{title.split()[0].lower()}.example.test",
                "settings": {"locale": "en", "tcEnabled": ci != 2},
                "createdAt": _at(ci),
                "updatedAt": _at(ci + 24),
            }
        )
        members.append(
            {
                "id": seed_uuid(f"dcu:{ci}"),
                "dataControllerId": cid,
                "userId": owners[ci],
                "role": "owner",
                "createdAt": _at(ci),
            }
        )
        for si in range(4):
            sid = seed_uuid(f"ds:{title.split()[0].lower()}:{si}")
            linked = ci == 0 and si == 0
            subjects.append(
                {
                    "id": sid,
                    "did": did_for(sid),
                    "dataControllerId": cid,
                    "userId": DATA_SUBJECT_USER_ID if linked else None,
                    "emailHash": hashlib.sha256(
                        f"subject{ci}{si}@example.test".encode()
                    ).hexdigest(),
                    "createdAt": _at(48 + ci * 10 + si),
                    "updatedAt": _at(72 + ci * 10 + si),
                }
            )
            for ki, category in enumerate(("strictlyNecessary", "analytics", "marketing")):
                consents.append(
                    {
                        "id": seed_uuid(f"cfv:{ci}:{si}:{category}"),
                        "dataSubjectId": sid,
                        "formId": CONSENT_FORM_ID,
                        "category": category,
                        "value": "granted" if (si + ki) % 2 == 0 or ki == 0 else "denied",
                        "createdAt": _at(49 + ci * 10 + si),
                        "updatedAt": _at(49 + ci * 10 + si),
                    }
                )
            prefs.append(
                {
                    "id": seed_uuid(f"pv:{ci}:{si}"),
                    "dataSubjectId": sid,
                    "key": "newsletter",
                    "value": {"frequency": "weekly" if si % 2 else "monthly", "opted": si != 3},
                    "updatedAt": _at(50 + ci * 10 + si),
                }
            )
            if si < len(request_plan):
                rtype, status = request_plan[si]
                requests.append(
                    {
                        "id": seed_uuid(f"rr:{ci}:{si}"),
                        "dataSubjectId": sid,
                        "dataControllerId": cid,
                        "requestType": rtype,
                        "status": status,
                        "dueDate": date(2026, 2, 14) + timedelta(days=ci * 3 + si),
                        "notes": None if si == 0 else f"seeded {rtype} request",
                        "createdAt": _at(96 + ci * 10 + si),
                        "updatedAt": _at(96 + ci * 10 + si),
                    }
                )
        for ai, (name, purpose, basis, essential, days, count, risk) in enumerate(
            activity_plan[: 2 + (ci == 0)]
        ):
            activities.append(
                {
                    "id": seed_uuid(f"pa:{ci}:{ai}"),
                    "dataControllerId": cid,
                    "name": name,
                    "purpose": purpose,
                    "legalBasis": basis,
                    "isEssential": essential,
                    "retentionDays": days,
                    "recordCount": count,
                    "riskScore": Decimal(risk),
                    "createdAt": _at(30 + ci * 5 + ai),
                }
            )
    _generate(extra, subjects, requests)
    return {
        "users": users,
        "dataControllers": controllers,
        "dataControllerUsers": members,
        "dataSubjects": subjects,
        "dataSubjectConsentFormValues": consents,
        "dataSubjectPreferenceValues": prefs,
        "dataSubjectsRightsRequests": requests,
        "dataProcessingActivities": activities,
    }


_GEN_TYPES = ("access", "rectify", "erasure", "restrict", "export", "object", "noSale")
_GEN_STATUSES = ("submitted", "inProgress", "completed")


def _generate(extra: int, subjects: list[Row], requests: list[Row]) -> None:
    """Bulk rows: cheap to make (10,000 in well under a second), still deterministic."""
    for i in range(extra):
        cid = CONTROLLER_IDS[i % len(CONTROLLER_IDS)]
        sid = seed_uuid(f"ds:gen:{i}")
        at = _T0 + timedelta(days=30, minutes=i)
        subjects.append(
            {
                "id": sid,
                "did": did_for(sid) if i % 5 else None,
                "dataControllerId": cid,
                "userId": None,
                "emailHash": hashlib.sha256(f"gen{i}@example.test".encode()).hexdigest(),
                "createdAt": at,
                "updatedAt": at,
            }
        )
        if i % 2 == 0:
            requests.append(
                {
                    "id": seed_uuid(f"rr:gen:{i}"),
                    "dataSubjectId": sid,
                    "dataControllerId": cid,
                    "requestType": _GEN_TYPES[(i // 2) % len(_GEN_TYPES)],
                    "status": _GEN_STATUSES[(i // 2) % len(_GEN_STATUSES)],
                    "dueDate": date(2026, 3, 1) + timedelta(days=i % 90),
                    "notes": None if i % 3 else f"generated request {i}",
                    "createdAt": at,
                    "updatedAt": at,
                }
            )
