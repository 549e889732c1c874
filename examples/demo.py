"""The main job, end to end on the embedded sandbox (what `make demo` runs).

Starts a local Dxtra (Nhost-style auth + Hasura-style GraphQL) on a free 127.0.0.1 port, then,
through DxtraClient exactly as against production: lists data controllers, fetches one data
subject with its controller, files a rights request, and shows the dashboard counts.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from dxtra_typed import DxtraClient, DxtraError
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.types import PublicDataController, RightsRequestFields


def label(controller: PublicDataController) -> str:
    """Any selection that spreads the PublicDataController fragment: a DataControllers row,
    a DataController result, a data subject's nested controller, a PublicDataControllers row."""
    return f"{controller.title} ({controller.id})"


def describe(request: RightsRequestFields) -> str:
    """A rights request from any operation that spreads RightsRequestFields."""
    return f"{request.id}: {request.request_type}, status {request.status}"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain fixed-width text table."""
    cells = [[str(h) for h in headers], *[["" if v is None else str(v) for v in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(client: DxtraClient) -> None:
    controllers = client.data_controllers()
    print(f"Data controllers visible to role {client.role!r}: {len(controllers)}")
    print(
        table(
            ["id", "title", "did", "created"],
            [
                (c.id, c.title, (c.did or "")[:24] + "…", f"{c.created_at:%Y-%m-%d}")
                for c in controllers
            ],
        )
    )

    controller = controllers[0]
    subjects = client.data_subjects(controller_id=controller.id, limit=5)
    subject = client.data_subject(id=subjects[0].id)
    assert subject is not None
    print(f"\nData subject {subject.id}")
    print(
        table(
            ["field", "value"],
            [
                ("did", subject.did),
                ("created", f"{subject.created_at:%Y-%m-%d %H:%M}"),
                ("controller", label(subject.data_controller)),
            ],
        )
    )

    request = client.insert_rights_request(
        data_subject_id=subject.id, data_controller_id=controller.id, request_type="access"
    )
    assert request is not None
    print(f"\nFiled rights request {describe(request)}")

    counts = client.data_controller_counts(id=controller.id)
    # Each count sits in an `aggregate` Hasura may return as null (no rows to aggregate).
    totals = {
        "data subjects": counts.data_subjects.aggregate,
        "rights requests": counts.rights_requests.aggregate,
        "open rights requests": counts.open_rights_requests.aggregate,
        "processing activities": counts.processing_activities.aggregate,
    }
    print(f"\nCounts for {label(controller)}")
    print(table(["what", "count"], [(what, a.count if a else 0) for what, a in totals.items()]))


def main() -> int:
    with Sandbox() as sb:
        print(f"Sandbox: auth {sb.auth_url}  api {sb.api_url}\n")
        try:
            with DxtraClient(api_key=sb.pat, auth_url=sb.auth_url, api_url=sb.api_url) as client:
                run(client)
        except DxtraError as exc:
            print(f"demo failed: {exc}", file=sys.stderr)
            return 1
    print("\nDemo finished; sandbox stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
