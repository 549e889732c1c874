"""Regenerate whenever a file under ``queries/`` or the schema changes, by polling mtimes.

Polling (rather than inotify/FSEvents) needs no new dependency, behaves the same on every
platform and in containers with bind mounts, and half a second is far below how long it takes
to switch from the editor to the code that uses the result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

Snapshot = dict[str, tuple[int, int]]


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """(mtime_ns, size) of every file under ``paths``: any edit, creation or deletion shows."""
    state: Snapshot = {}
    for base in paths:
        candidates = [base] if base.is_file() else sorted(base.rglob("*")) if base.is_dir() else []
        for path in candidates:
            if path.is_file() and "__pycache__" not in path.parts:
                try:
                    stat = path.stat()
                except OSError:
                    continue
                state[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return state


def watch(
    paths: list[Path],
    run: Callable[[], object],
    *,
    interval: float = 0.5,
    max_polls: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Call ``run`` after each poll that sees a change; return how many times it ran.

    ``max_polls`` and ``sleep`` exist for tests; the command runs until KeyboardInterrupt.
    """
    last = snapshot(paths)
    runs = polls = 0
    while max_polls is None or polls < max_polls:
        sleep(interval)
        polls += 1
        current = snapshot(paths)
        if current != last:
            last = current
            run()
            runs += 1
            # The run may itself touch watched files (it does not today); start from after it.
            last = snapshot(paths)
    return runs
