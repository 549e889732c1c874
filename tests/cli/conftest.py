"""Shared by the command-line tests: a clean `dxtra_typed` logger and an in-process `call`."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from dxtra_typed.cli import main


@pytest.fixture(autouse=True)
def _no_leftover_log_handlers() -> Iterator[None]:
    """These tests read stderr exactly: a handler another test attached to the `dxtra_typed`
    logger (DXTRA_LOG, bound to that test's captured stderr) must not write here."""
    logger = logging.getLogger("dxtra_typed")
    handlers, level = logger.handlers[:], logger.level
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


def run_call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`dxtra-typed call ARGV` in this process: (exit code, stdout, stderr)."""
    code = main(["call", *argv])
    out, err = capsys.readouterr()
    return code, out, err
