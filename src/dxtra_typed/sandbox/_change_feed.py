"""The listener half of a store's change feed, shared by the bundled SQLite `Store` and the
schema engine's `MemoryStore`: the WebSocket front registers the same way with either.

Each store keeps its own `version` and decides when to call its listeners (the SQLite store
once per committed transaction, the memory store after each committed write).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["ChangeFeed"]


class ChangeFeed:
    """`add_listener`/`remove_listener` over ``_listeners``, under the store's ``lock``
    (both set by the store's ``__init__``)."""

    lock: threading.RLock
    _listeners: list[Callable[[], None]]

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after each committed change (it must be quick and thread-safe)."""
        with self.lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        with self.lock:
            if listener in self._listeners:
                self._listeners.remove(listener)
