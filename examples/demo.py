"""The main job, end to end on the embedded sandbox (what `make demo` runs).

Starts a local Dxtra (Nhost-style auth + Hasura-style GraphQL) on a free 127.0.0.1 port, then,
through DxtraClient exactly as against production: lists data controllers, fetches one data
subject with its controller, files a rights request, and shows the dashboard counts.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Protocol

from dxtra_typed import DxtraClient, DxtraError
from dxtra_typed.sandbox import Sandbox


class _Count(Protocol):
    @property
    def count(self) -> int: ...


class _Aggregate(Protocol):
    """What every ``...Aggregate { aggregate { count } }`` result model has in common."""

    @property
    def aggregate(self) -> _Count | None: ...


def count_of(result: _Aggregate) -> int:
    return result.aggregate.count if result.aggregate is not None else 0


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
                ("controller", f"{subject.data_controller.title} ({subject.data_controller.id})"),
            ],
        )
    )

    request = client.insert_rights_request(
        data_subject_id=subject.id, data_controller_id=controller.id, request_type="access"
    )
    assert request is not None
    print(f"\nFiled rights request {request.id}: {request.request_type}, status {request.status}")

    counts = client.data_controller_counts(id=controller.id)

    print(f"\nCounts for {controller.title}")
    print(
        table(
            ["what", "count"],
            [
                ("data subjects", count_of(counts.data_subjects)),
                ("rights requests", count_of(counts.rights_requests)),
                ("open rights requests", count_of(counts.open_rights_requests)),
                ("processing activities", count_of(counts.processing_activities)),
            ],
        )
    )


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
