"""gql contender, run inside bench/out/venv-gql (gql 4.4 needs graphql-core 3.3; the project pins
<3.3 for ariadne-codegen). Protocol on stdin/stdout, one JSON line each way:
``{"url": ..., "calls": n}`` → ``[ns, ns, ...]`` (per-call times, measured here so the pipe is
not counted). Started once, then driven round by round by bench/run.py.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from gql import Client, GraphQLRequest, gql  # type: ignore[import-not-found,unused-ignore]
from gql.transport.httpx import HTTPXTransport  # type: ignore[import-not-found,unused-ignore]


def main() -> None:
    query_text, controller_id, token = sys.argv[1], sys.argv[2], sys.argv[3]
    document = gql(query_text)
    sessions: dict[str, Any] = {}
    for line in sys.stdin:
        command = json.loads(line)
        url = command["url"]
        if url not in sessions:
            transport = HTTPXTransport(url=url, headers={"Authorization": f"Bearer {token}"})
            sessions[url] = Client(transport=transport).connect_sync()
        session = sessions[url]
        times: list[int] = []
        for _ in range(command["calls"]):
            start = time.perf_counter_ns()
            request = GraphQLRequest(document, variable_values={"controllerId": controller_id})
            result = session.execute(request)
            times.append(time.perf_counter_ns() - start)
            assert result["dataSubjects"]
        sys.stdout.write(json.dumps(times) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
