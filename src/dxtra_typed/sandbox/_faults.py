"""Fault injection: make the next N requests of an endpoint fail the way production fails.

The client's retry, timeout and idempotency rules can only be tested against failures that look
like the real ones: a load balancer's 503 with `Retry-After`, Nhost's 429 envelope, a socket
that closes with no answer, a response cut short, and (the hard case) a mutation that ran but
whose answer never arrived. Faults are plain data consumed in injection order under a lock, so a
test thread can arm them while the server's event loop consumes them.

WebSockets (`endpoint="ws"`, kind "drop" only): each of the next `count` connections is cut
abruptly (TCP closed, no close frame) right after the server sent it `after_messages` data
messages (`next` / `data`). `drop_sockets_every(n)` does the same to every connection until
cleared, which is how a flaky network looks to a long-lived subscription.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

Endpoint = Literal["graphql", "signin_pat", "token", "any", "ws"]
Kind = Literal["status", "drop", "delay", "malformed"]

ENDPOINTS: tuple[str, ...] = get_args(Endpoint)
KINDS: tuple[str, ...] = get_args(Kind)
_AFTER_EXECUTE_KINDS = ("status", "drop", "malformed")

#: The request paths a fault can target; everything else (health checks, JWKS) is never faulted.
ENDPOINT_PATHS: Mapping[str, str] = {
    "/v1/graphql": "graphql",
    "/v1/signin/pat": "signin_pat",
    "/v1/token": "token",
}


@dataclass
class Fault:
    """One armed fault; `remaining` counts down as matching requests consume it."""

    endpoint: Endpoint
    kind: Kind
    count: int = 1
    status: int = 503
    retry_after: int | float | str | None = None
    retry_after_ms: int | float | str | None = None
    delay: float = 0.0
    after_execute: bool = False
    operation: str | None = None
    body: str | bytes | None = None
    after_messages: int = 0
    remaining: int = field(init=False)

    def __post_init__(self) -> None:
        if self.endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {self.endpoint!r}; expected one of {ENDPOINTS}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {KINDS}")
        if self.count < 1:
            raise ValueError("count must be at least 1")
        if not 100 <= self.status <= 599:
            raise ValueError(f"status {self.status} is not an HTTP status")
        if self.delay < 0 or (self.kind == "delay" and self.delay == 0):
            raise ValueError("a delay fault needs delay > 0 (seconds)")
        if self.after_execute and (
            self.endpoint not in ("graphql", "any") or self.kind not in _AFTER_EXECUTE_KINDS
        ):
            raise ValueError(
                "after_execute applies to graphql requests with kind status, drop or malformed"
            )
        if self.operation is not None and self.endpoint not in ("graphql", "any"):
            raise ValueError("operation filters apply to graphql requests only")
        if self.endpoint == "ws" and self.kind != "drop":
            raise ValueError("WebSocket faults are of kind drop")
        if self.after_messages < 0:
            raise ValueError("after_messages must be 0 or more")
        if self.after_messages and self.endpoint != "ws":
            raise ValueError("after_messages applies to ws faults only")
        self.remaining = self.count

    def matches(self, endpoint: str, operation: str | None) -> bool:
        if self.endpoint != "any" and self.endpoint != endpoint:
            return False
        if endpoint == "ws" and self.endpoint != "ws":
            return False  # "any" means any HTTP endpoint; sockets are faulted explicitly
        if self.operation is not None and (endpoint != "graphql" or operation != self.operation):
            return False
        # "Run it for real, then fail" only means something where an operation runs.
        return not (self.after_execute and endpoint != "graphql")

    def headers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.retry_after is not None:
            out["retry-after"] = str(self.retry_after)
        if self.retry_after_ms is not None:
            out["retry-after-ms"] = str(self.retry_after_ms)
        return out


class FaultPlan:
    """The armed faults of one sandbox (`sandbox.faults`)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._ws_drop_every: int | None = None

    def inject(
        self,
        endpoint: Endpoint,
        kind: Kind,
        *,
        count: int = 1,
        status: int = 503,
        retry_after: int | float | str | None = None,
        retry_after_ms: int | float | str | None = None,
        delay: float = 0.0,
        after_execute: bool = False,
        operation: str | None = None,
        body: str | bytes | None = None,
        after_messages: int = 0,
    ) -> Fault:
        """Arm a fault for the next `count` matching requests, after those armed before it.

        `retry_after` / `retry_after_ms` go out as given (seconds or an HTTP date); `body`
        replaces the default error body of a status fault. For `inject("ws", "drop",
        after_messages=N, count=K)` the next K WebSocket connections are each cut after N data
        messages.
        """
        fault = Fault(
            endpoint,
            kind,
            count=count,
            status=status,
            retry_after=retry_after,
            retry_after_ms=retry_after_ms,
            delay=delay,
            after_execute=after_execute,
            operation=operation,
            body=body,
            after_messages=after_messages,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, endpoint: str, operation: str | None) -> Fault | None:
        """Consume one use of the first armed fault matching this request, if any."""
        with self._lock:
            for i, fault in enumerate(self._faults):
                if fault.matches(endpoint, operation):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        del self._faults[i]
                    return fault
        return None

    def drop_sockets_every(self, messages: int | None) -> None:
        """Cut every WebSocket connection after `messages` data messages, until cleared
        (`None` or `clear()`). Armed `inject("ws", ...)` faults are used first."""
        if messages is not None and messages < 1:
            raise ValueError("messages must be at least 1")
        with self._lock:
            self._ws_drop_every = messages

    def take_ws_drop(self) -> int | None:
        """For a new WebSocket connection: after how many data messages to cut it, if at all."""
        fault = self.take("ws", None)
        if fault is not None:
            return fault.after_messages
        with self._lock:
            return self._ws_drop_every

    def needs_operation(self) -> bool:
        """Whether any armed fault filters on the operation (the body must then be peeked)."""
        with self._lock:
            return any(f.operation is not None for f in self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._ws_drop_every = None

    def pending(self) -> int:
        """How many faulted responses are still to come."""
        with self._lock:
            return sum(f.remaining for f in self._faults)

    def __repr__(self) -> str:
        return f"FaultPlan(pending={self.pending()})"


_SPEC_HELP = (
    "ENDPOINT:KIND[:STATUS][:key=value...], ENDPOINT one of graphql, signin_pat, token, any, ws; "
    "KIND one of status, drop, delay, malformed; keys count, status, retry_after, "
    "retry_after_ms, delay, after_execute, operation, after_messages"
)


def parse_fault_spec(spec: str) -> Fault:
    """`graphql:status:503:count=2` → Fault; the syntax of the CLI's `--fault`."""
    parts = spec.split(":")
    if len(parts) < 2:
        raise ValueError(f"bad fault {spec!r}: expected {_SPEC_HELP}")
    endpoint, kind, *rest = parts
    if endpoint not in ENDPOINTS or kind not in KINDS:
        raise ValueError(f"bad fault {spec!r}: expected {_SPEC_HELP}")
    items: list[tuple[str, str]] = []
    for i, item in enumerate(rest):
        key, eq, value = item.partition("=")
        if eq:
            items.append((key, value))
        elif i == 0 and item.isdigit():
            items.append(("status", item))
        elif items and items[-1][0] == "retry_after":
            # An HTTP date has colons of its own ("...07:28:00 GMT"): glue them back on.
            items[-1] = ("retry_after", f"{items[-1][1]}:{item}")
        else:
            raise ValueError(f"bad fault {spec!r}: {item!r} is not key=value")
    options: dict[str, Any] = {}
    for key, value in items:
        if key not in _SPEC_KEYS:
            raise ValueError(f"bad fault {spec!r}: unknown key {key!r}")
        try:
            options[key] = _convert(key, value)
        except ValueError:
            raise ValueError(f"bad fault {spec!r}: bad value for {key}: {value!r}") from None
    try:
        return Fault(cast(Endpoint, endpoint), cast(Kind, kind), **options)
    except ValueError as exc:
        raise ValueError(f"bad fault {spec!r}: {exc}") from None


_SPEC_KEYS = frozenset(
    (
        "count",
        "status",
        "retry_after",
        "retry_after_ms",
        "delay",
        "after_execute",
        "operation",
        "after_messages",
    )
)


def _convert(key: str, value: str) -> Any:
    if key in ("count", "status", "after_messages"):
        return int(value)
    if key == "delay":
        return float(value)
    if key in ("retry_after", "retry_after_ms", "operation"):
        return value
    if key == "after_execute":
        lowered = value.lower()
        if lowered not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(value)
        return lowered in ("true", "1", "yes")
    raise ValueError(key)


FAULT_SPEC_HELP = _SPEC_HELP
