"""Real subprocesses for CLI tests: start one, read its output line by line with a bounded wait,
read the `export NAME=value` block `dxtra-typed sandbox` prints, and reap it whatever happened.

One home for what the sandbox, websocket and `call` CLI tests each used to write for themselves.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

READY_TIMEOUT = 15.0


def start(
    argv: Sequence[str | Path], env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[str]:
    """Start ``argv`` with text pipes and unbuffered Python output (lines arrive as printed)."""
    return subprocess.Popen(
        [str(part) for part in argv],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
    )


# Run by the child's own interpreter before it becomes `argv`: SIGINT back to its default.
_DEFAULT_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def as_from_a_terminal(argv: Sequence[str | Path]) -> list[str | Path]:
    """``argv`` with SIGINT at its default disposition, as a command typed at a terminal has.

    A shell without job control starts background commands with SIGINT *ignored* (POSIX, so
    Ctrl-C at the terminal spares them), and an ignored signal stays ignored through fork and
    exec: `make test &` in a script or a CI runner hands that to pytest, its xdist workers and
    every child they start, and Python then leaves SIGINT ignored (no KeyboardInterrupt). A
    test that sends the child SIGINT to stand for Ctrl-C must undo that first; an exec keeps
    SIG_DFL (unlike a Python handler), and Python installs its own handler on top of it.
    """
    return [sys.executable, "-c", _DEFAULT_SIGINT, *argv]


class Lines:
    """A process's stdout as a queue of lines, pumped by a daemon thread, so every read can be
    bounded by a timeout (a plain ``readline`` would block a test forever on a silent child)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._proc = proc
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self._proc.stdout is not None
        try:
            for line in self._proc.stdout:
                self._lines.put(line)
        except ValueError:  # reap() closed the pipe under us: the process is gone anyway
            pass
        self._lines.put(None)

    def next(self, timeout: float = READY_TIMEOUT) -> str | None:
        """The next line, or None once the process closed its stdout; raises queue.Empty when
        nothing arrives within ``timeout``."""
        return self._lines.get(timeout=timeout)


def read_exports(proc: subprocess.Popen[str] | Lines) -> dict[str, str]:
    """The `export NAME=value` lines `dxtra-typed sandbox` prints once it serves."""
    lines = proc if isinstance(proc, Lines) else Lines(proc)
    exports: dict[str, str] = {}
    while "DXTRA_ROLE" not in exports:
        line = lines.next()
        assert line is not None, "the sandbox exited before printing its exports"
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exports[name] = value
    return exports


def reap(proc: subprocess.Popen[str]) -> str:
    """Kill ``proc`` if it still runs, wait for it, close its pipes; return what it wrote to
    stderr (for a test to assert there was no traceback)."""
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=READY_TIMEOUT)
    stderr = ""
    if proc.stderr is not None:
        stderr = proc.stderr.read()
        proc.stderr.close()
    if proc.stdout is not None:
        proc.stdout.close()
    return stderr
