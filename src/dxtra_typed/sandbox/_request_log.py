"""The sandbox's request log: what a test may check about each request the client sent.

Its own module so that both fronts (HTTP and WebSocket) write to it without importing each other.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

__all__ = ["GRAPHQL_PATH", "RequestLog", "RequestRecord"]

GRAPHQL_PATH = "/v1/graphql"


@dataclass(frozen=True)
class RequestRecord:
    """What a test may check about a request the client sent; never a credential's value."""

    seq: int
    method: str
    path: str
    status: int
    role_header: str | None
    has_auth: bool
    operation_name: str | None
    retry_count: str | None
    request_id: str
    session_role: str | None
    error_code: str | None
    user_agent: str | None
    content_type: str | None
    fault: str | None = None  # the injected fault's kind, if one answered this request


class RequestLog(Sequence[RequestRecord]):
    """Bounded, thread-safe, and numbered, so a shared sandbox's log can be read "since now"."""

    def __init__(self, maxlen: int = 1000) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._next = 0

    def _append(self, **fields: Any) -> None:
        with self._lock:
            self._records.append(RequestRecord(seq=self._next, **fields))
            self._next += 1

    def mark(self) -> int:
        """A position to pass to `since()` later."""
        with self._lock:
            return self._next

    def since(self, mark: int) -> list[RequestRecord]:
        return [r for r in self.snapshot() if r.seq >= mark]

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def graphql(self) -> list[RequestRecord]:
        return [r for r in self.snapshot() if r.path == GRAPHQL_PATH]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    @overload
    def __getitem__(self, index: int) -> RequestRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[RequestRecord]: ...
    def __getitem__(self, index: int | slice) -> RequestRecord | list[RequestRecord]:
        return self.snapshot()[index]

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.snapshot())

    def __repr__(self) -> str:
        return f"RequestLog({len(self)} records)"
