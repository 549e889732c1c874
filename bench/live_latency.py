"""Live-query latency: insert over HTTP, time until the live subscription shows the row.

`python bench/live_latency.py [--samples N]` prints the median and worst latency. A figure for
docs/reliability.md, not a test: tests only prove updates are pushed by the change.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
import uuid

from dxtra_typed import AsyncDxtraClient
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._seed import CONTROLLER_IDS, SIGNED_IN_SUBJECT_ID

CONTROLLER = uuid.UUID(CONTROLLER_IDS[0])
SUBJECT = uuid.UUID(SIGNED_IN_SUBJECT_ID)


async def measure(samples: int) -> list[float]:
    latencies: list[float] = []
    with Sandbox() as sb:
        async with AsyncDxtraClient(
            api_key=sb.pat, auth_url=sb.auth_url, api_url=sb.api_url, env={}
        ) as client:
            events = client.rights_requests_live(controller_id=CONTROLLER, limit=5)
            async with contextlib.aclosing(events):
                await anext(events)
                for _ in range(samples):
                    row = await client.insert_rights_request(
                        data_subject_id=SUBJECT,
                        data_controller_id=CONTROLLER,
                        request_type="access",
                    )
                    assert row is not None
                    began = time.perf_counter()
                    async with asyncio.timeout(10):
                        while row.id not in {r.id for r in await anext(events)}:
                            pass
                    latencies.append(time.perf_counter() - began)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=50)
    latencies = asyncio.run(measure(parser.parse_args().samples))
    print(
        f"live-query latency over {len(latencies)} inserts: median "
        f"{statistics.median(latencies) * 1000:.1f} ms, worst {max(latencies) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
