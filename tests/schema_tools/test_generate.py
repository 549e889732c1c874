"""`generate` calls the codegen driver; `--watch` regenerates after a change and survives typos."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dxtra_typed.cli import _generate, build_parser, main

from .conftest import copy_project


@pytest.fixture
def full_project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project", with_generated=True)


def test_generate_writes_the_package(
    full_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = full_project / "generated" / "dxtra_generated"
    (package / "stray.py").write_text("")
    assert main(["generate", "--root", str(full_project)]) == 0
    assert not (package / "stray.py").exists() and (package / "client.py").exists()
    assert "generate: wrote generated/dxtra_generated" in capsys.readouterr().out


def test_watch_regenerates_once_per_change_and_keeps_going_after_a_typo(
    full_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = full_project / "queries" / "data_controllers.graphql"
    client = full_project / "generated" / "dxtra_generated" / "client.py"
    good = query.read_text()
    edits: Iterator[Callable[[], object]] = iter(
        [
            lambda: os.utime(
                query, ns=(query.stat().st_atime_ns, query.stat().st_mtime_ns + 10**9)
            ),
            lambda: None,  # a quiet poll: nothing runs
            lambda: query.write_text(good.replace("  title\n", "  titel\n", 1)),
            lambda: None,
        ]
    )
    intervals: list[float] = []

    def sleep(seconds: float) -> None:
        intervals.append(seconds)
        next(edits)()

    args = build_parser().parse_args(
        ["generate", "--watch", "--root", str(full_project), "--interval", "0.25"]
    )
    client.unlink()  # proves the first change really ran codegen
    assert _generate.run(args, max_polls=4, sleep=sleep) == 0
    captured = capsys.readouterr()
    assert intervals == [0.25] * 4
    assert captured.out.count("generate: wrote generated/dxtra_generated") == 1
    assert client.exists()
    errors = [line for line in captured.err.splitlines() if line.startswith("generate: error")]
    assert len(errors) == 1
    assert "queries/data_controllers.graphql:" in errors[0] and "titel" in errors[0]
    assert client.exists()  # a typo leaves the last good package in place
