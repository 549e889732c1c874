"""`make soak`: a bounded mixed workload with injected faults, then an audit of the store.

Sync threads and async tasks run queries and mutations against the sandbox on 127.0.0.1 while
a streaming subscription follows the rights requests; access tokens live 2 s; a fault thread
keeps arming random faults (429 + Retry-After, 502/503, dropped connections before and after
the server ran the request, slow responses past the client's timeout, failing token
exchanges, dropped WebSockets, revoked JWTs). Every mutation carries a unique id in `notes`.
Afterwards the store is read directly and compared with what the clients were told:

- lost:       mutations reported ok whose row is not in the store;
- duplicated: unique ids stored more than once;
- ambiguous:  mutations that ended in a typed "outcome unknown" error (stored at most once);
- missed:     stored rows the subscription never delivered.

The last line is the summary; exit status 1 if anything was lost, duplicated, missed, ended in
an untyped exception, or fewer than 95% of calls succeeded.

`--rate-limits nhost` is the steady-state variant: the sandbox enforces hasura-auth's default
limits (10 sign-ins per 5 minutes and 100 auth requests per minute, per client IP), access
tokens live 10 s (each client renews about every 7.5 s), and only faults that do not touch the
auth service are armed. Any 429 from the auth service fails the run: the client must never trip
the limits in steady state.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dxtra_generated.enums import cursor_ordering
from dxtra_generated.input_types import (
    dataSubjectsRightsRequests_bool_exp,
    dataSubjectsRightsRequests_stream_cursor_input,
    dataSubjectsRightsRequests_stream_cursor_value_input,
    uuid_comparison_exp,
)

from dxtra_typed import APIConnectionError, AsyncDxtraClient, DxtraClient, DxtraError
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._engine import Session
from dxtra_typed.sandbox._identities import SANDBOX_USER_ID
from dxtra_typed.sandbox._seed import CONTROLLER_IDS, SIGNED_IN_SUBJECT_ID

CONTROLLER = uuid.UUID(CONTROLLER_IDS[0])
SUBJECT = uuid.UUID(SIGNED_IN_SUBJECT_ID)
CLIENT_TIMEOUT = 0.5


@dataclass
class Tally:
    """What the clients were told. Guarded by a lock: sync threads and the loop both write."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: int = 0
    ok: int = 0
    typed_errors: int = 0
    untyped: list[str] = field(default_factory=list)
    ambiguous: set[str] = field(default_factory=set)
    acknowledged: dict[str, str] = field(default_factory=dict)  # note -> row id
    errors_by_type: Counter[str] = field(default_factory=Counter)

    def record(self, note: str | None, outcome: Any) -> None:
        with self.lock:
            self.calls += 1
            if isinstance(outcome, BaseException):
                if isinstance(outcome, DxtraError):
                    self.typed_errors += 1
                    self.errors_by_type[type(outcome).__name__] += 1
                    if isinstance(outcome, APIConnectionError) and outcome.outcome_unknown:
                        assert note is not None
                        self.ambiguous.add(note)
                else:
                    self.untyped.append(f"{type(outcome).__name__}: {outcome}")
                return
            self.ok += 1
            if note is not None:
                self.acknowledged[note] = str(outcome.id)


def _query_or_mutation(rng: random.Random) -> str:
    return "mutation" if rng.random() < 0.3 else rng.choice(["list", "subjects", "counts", "rr"])


def sync_worker(client: DxtraClient, tally: Tally, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    while not stop.is_set():
        kind = _query_or_mutation(rng)
        note = f"soak-{uuid.uuid4()}" if kind == "mutation" else None
        try:
            outcome: Any
            if kind == "mutation":
                outcome = client.insert_rights_request(
                    data_subject_id=SUBJECT,
                    data_controller_id=CONTROLLER,
                    request_type="access",
                    notes=note,
                )
            elif kind == "list":
                outcome = client.data_controllers()
            elif kind == "subjects":
                outcome = client.data_subjects(controller_id=CONTROLLER, limit=5)
            elif kind == "counts":
                outcome = client.data_controller_counts(id=CONTROLLER)
            else:
                outcome = client.rights_requests(controller_id=CONTROLLER, limit=5)
        except BaseException as exc:  # every outcome is tallied; untyped ones fail the soak
            outcome = exc
        tally.record(note, outcome)


async def async_worker(client: AsyncDxtraClient, tally: Tally, until: float, seed: int) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        kind = _query_or_mutation(rng)
        note = f"soak-{uuid.uuid4()}" if kind == "mutation" else None
        try:
            outcome: Any
            if kind == "mutation":
                outcome = await client.insert_rights_request(
                    data_subject_id=SUBJECT,
                    data_controller_id=CONTROLLER,
                    request_type="erasure",
                    notes=note,
                )
            elif kind == "list":
                outcome = await client.data_controllers()
            elif kind == "subjects":
                outcome = await client.data_subjects(controller_id=CONTROLLER, limit=5)
            elif kind == "counts":
                outcome = await client.data_controller_counts(id=CONTROLLER)
            else:
                outcome = await client.rights_requests(controller_id=CONTROLLER, limit=5)
        except Exception as exc:
            outcome = exc
        tally.record(note, outcome)


AUTH_FAULTS = frozenset({"auth-503", "expire-tokens"})


def inject_faults(
    sb: Sandbox, stop: threading.Event, interval: float, seed: int, *, auth: bool = True
) -> Counter[str]:
    """Arm one random fault every `interval` seconds until stopped (`auth=False`: none of the
    faults that make clients go back to the auth service)."""
    rng = random.Random(seed)
    armed: Counter[str] = Counter()
    choices: list[tuple[str, Callable[[], object]]] = [
        (
            "429+retry-after",
            lambda: sb.faults.inject("graphql", "status", status=429, retry_after_ms=100),
        ),
        ("502", lambda: sb.faults.inject("graphql", "status", status=502)),
        ("503", lambda: sb.faults.inject("graphql", "status", status=503)),
        ("drop-before", lambda: sb.faults.inject("graphql", "drop")),
        ("drop-after-execute", lambda: sb.faults.inject("graphql", "drop", after_execute=True)),
        ("slow", lambda: sb.faults.inject("graphql", "delay", delay=CLIENT_TIMEOUT * 2)),
        ("auth-503", lambda: sb.faults.inject("any", "status", status=503)),
        ("ws-drop", lambda: sb.faults.inject("ws", "drop", after_messages=rng.randint(1, 50))),
        ("expire-tokens", sb.expire_tokens),
    ]
    if not auth:
        choices = [(name, arm) for name, arm in choices if name not in AUTH_FAULTS]
    while not stop.wait(interval):
        name, arm = rng.choice(choices)
        arm()
        armed[name] += 1
    return armed


async def follow_stream(
    client: AsyncDxtraClient, since: datetime, seen: list[str], done: asyncio.Event
) -> None:
    cursor = [
        dataSubjectsRightsRequests_stream_cursor_input(
            initial_value=dataSubjectsRightsRequests_stream_cursor_value_input(createdAt=since),
            ordering=cursor_ordering.ASC,
        )
    ]
    only = dataSubjectsRightsRequests_bool_exp(dataControllerId=uuid_comparison_exp(_eq=CONTROLLER))
    events = client.rights_requests_stream(cursor=cursor, batch_size=50, where=only)
    async with contextlib.aclosing(events):
        async for row in events:
            seen.append(str(row.id))
            if done.is_set():
                return


def stored_rows(sb: Sandbox) -> list[dict[str, Any]]:
    """The rights requests the soak wrote, read from the store itself (no faults, no client)."""
    body = sb.engine.execute(
        {"query": '{ dataSubjectsRightsRequests(where: {notes: {_like: "soak-%"}}) { id notes } }'},
        Session(role="user", user_id=SANDBOX_USER_ID),
    )
    rows: list[dict[str, Any]] = body["data"]["dataSubjectsRightsRequests"]
    return rows


async def soak(
    seconds: float,
    sync_threads: int,
    async_tasks: int,
    fault_interval: float,
    min_ok_share: float = 0.95,
    rate_limits: str | None = None,
) -> int:
    tally = Tally()
    events: list[str] = []
    token_ttl = 2 if rate_limits is None else 10
    with Sandbox(access_token_ttl=token_ttl, refresh_token_ttl=3600, rate_limits=rate_limits) as sb:
        common: dict[str, Any] = {
            "api_key": sb.pat,
            "auth_url": sb.auth_url,
            "api_url": sb.api_url,
            "env": {},
            "timeout": CLIENT_TIMEOUT,
        }
        async with AsyncDxtraClient(**common) as aclient, AsyncDxtraClient(**common) as follower:
            newest = await aclient.rights_requests(controller_id=CONTROLLER, limit=1)
            since = newest[0].created_at
            stop, done = threading.Event(), asyncio.Event()
            stream = asyncio.create_task(follow_stream(follower, since, events, done))
            faults: Counter[str] = Counter()
            fault_thread = threading.Thread(
                target=lambda: faults.update(
                    inject_faults(sb, stop, fault_interval, 7, auth=rate_limits is None)
                )
            )
            with DxtraClient(**common) as sclient:
                threads = [
                    threading.Thread(target=sync_worker, args=(sclient, tally, stop, i))
                    for i in range(sync_threads)
                ]
                started = time.monotonic()
                fault_thread.start()
                for thread in threads:
                    thread.start()
                until = started + seconds
                await asyncio.gather(
                    *(async_worker(aclient, tally, until, 100 + i) for i in range(async_tasks))
                )
                stop.set()
                for thread in [*threads, fault_thread]:
                    await asyncio.to_thread(thread.join, 30)
                elapsed = time.monotonic() - started
            sb.faults.clear()
            rows = stored_rows(sb)
            wanted = {str(r["id"]) for r in rows}
            # Let the subscription catch up with the last writes (bounded).
            deadline = time.monotonic() + 20
            while not wanted <= set(events) and time.monotonic() < deadline and not stream.done():
                await asyncio.sleep(0.1)
            done.set()
            stream.cancel()
            with contextlib.suppress(asyncio.CancelledError, DxtraError):
                await stream
            exchanges = sb.stats.exchanges
            connections = sb.stats.ws_connections
            auth_requests = sb.stats.received("signin_pat") + sb.stats.received("token")
            rate_limited = sum(sb.rate_limits.refused.values()) if sb.rate_limits else 0

    notes = Counter(str(r["notes"]) for r in rows)
    stored_ids = {str(r["id"]) for r in rows}
    lost = sum(1 for row_id in tally.acknowledged.values() if row_id not in stored_ids)
    duplicated = sum(1 for count in notes.values() if count > 1)
    ambiguous_stored = sum(1 for note in tally.ambiguous if notes.get(note, 0) == 1)
    missed = len(stored_ids - set(events))
    delivered_twice = len(events) - len(set(events))
    ok_share = tally.ok / tally.calls if tally.calls else 0.0

    print(f"soak: {elapsed:.1f}s, {sync_threads} sync threads + {async_tasks} async tasks, "
          f"access-token TTL {token_ttl} s, one fault every {fault_interval}s")  # fmt: skip
    if rate_limits is not None:
        per_minute = auth_requests / max(elapsed, 1e-9) * 60
        print(f"  rate limits: {rate_limits}; auth requests {auth_requests} "
              f"({per_minute:.1f}/min); 429s: {rate_limited}")  # fmt: skip
    print(f"  faults armed: {dict(sorted(faults.items()))}")
    print(f"  typed errors: {dict(sorted(tally.errors_by_type.items()))}")
    print(f"  ambiguous mutations: {len(tally.ambiguous)} ({ambiguous_stored} of them stored, "
          f"each at most once)")  # fmt: skip
    print(f"  ok share: {ok_share:.2%}; stored rows: {len(rows)}; websocket connections: "
          f"{connections}; events delivered twice: {delivered_twice}")  # fmt: skip
    for line in tally.untyped[:5]:
        print(f"  UNTYPED: {line}")
    print(
        f"soak: calls={tally.calls} ok={tally.ok} typed_errors={tally.typed_errors} "
        f"ambiguous={len(tally.ambiguous)} lost={lost} duplicated={duplicated} "
        f"exchanges={exchanges} events={len(events)} missed={missed} rate_limited={rate_limited}"
    )
    failed = (
        lost
        or duplicated
        or missed
        or delivered_twice
        or tally.untyped
        or ok_share < min_ok_share
        or rate_limited
    )
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0, help="workload length (≤ 90)")
    parser.add_argument("--sync-threads", type=int, default=2)
    parser.add_argument("--async-tasks", type=int, default=4)
    parser.add_argument(
        "--fault-interval", type=float, default=0.1, help="seconds between armed faults"
    )
    parser.add_argument(
        "--rate-limits",
        choices=["nhost"],
        default=None,
        help="steady state under hasura-auth's default limits: no auth faults, 10 s tokens; "
        "any 429 from the auth service fails the run",
    )
    args = parser.parse_args(argv)
    seconds = min(args.seconds, 90.0)
    return asyncio.run(
        soak(
            seconds,
            args.sync_threads,
            args.async_tasks,
            args.fault_interval,
            rate_limits=args.rate_limits,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
