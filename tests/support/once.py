"""Build something expensive once per test session, even under pytest-xdist.

The first worker that asks builds it into the session's shared temporary folder (the parent of
every worker's basetemp) while any other waits on a lock, then each reads the same result. A
lone pytest process builds into its own temporary folder. What is built must not be changed by
the tests that use it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def once_per_session(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]
) -> Path:
    """The folder ``name`` after ``build(folder)`` filled it, built once per session."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        folder = tmp_path_factory.mktemp(name, numbered=False)
        build(folder)
        return folder
    import fcntl  # xdist runs here only on POSIX; a lone process needs no lock

    shared = tmp_path_factory.getbasetemp().parent / f"{name}-shared"
    shared.mkdir(exist_ok=True)
    folder, done = shared / name, shared / "done"
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
            folder.mkdir()
            build(folder)
            done.touch()
    return folder
