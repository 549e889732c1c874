"""List data controllers and their data subjects with the sync client.

    export DXTRA_API_KEY=...          # a Dxtra personal access token (dashboard → Developers)
    python examples/quickstart_sync.py

Against the local sandbox: `dxtra-typed sandbox` prints the export lines to paste first.
"""

from __future__ import annotations

from dxtra_typed import DxtraClient, DxtraError


def main() -> int:
    try:
        with DxtraClient.from_env() as client:
            for controller in client.data_controllers():
                subjects = client.data_subjects(controller_id=controller.id, limit=3)
                print(f"{controller.title} ({controller.did or 'no DID yet'})")
                for subject in subjects:
                    print(f"  data subject {subject.id} since {subject.created_at:%Y-%m-%d}")
    except DxtraError as exc:
        print(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
