"""Fetch several data controllers' counts concurrently with the async client.

export DXTRA_API_KEY=...
python examples/quickstart_async.py
"""

from __future__ import annotations

import asyncio

from dxtra_typed import AsyncDxtraClient, DxtraError


async def main() -> int:
    try:
        async with AsyncDxtraClient.from_env() as client:
            controllers = await client.data_controllers()
            counts = await asyncio.gather(
                *(client.data_controller_counts(id=c.id) for c in controllers)
            )
            for controller, count in zip(controllers, counts, strict=True):
                subjects = count.data_subjects.aggregate
                requests = count.open_rights_requests.aggregate
                print(
                    f"{controller.title}: "
                    f"{subjects.count if subjects else 0} data subjects, "
                    f"{requests.count if requests else 0} open rights requests"
                )
    except DxtraError as exc:
        print(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
