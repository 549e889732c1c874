"""`dxtra-typed sandbox` with input it cannot use: one line, exit 2, no traceback, files untouched;
and `--db FILE` keeps its API keys across restarts."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dxtra_typed import ConfigurationError
from dxtra_typed.sandbox import Sandbox
from tests.support.processes import READY_TIMEOUT, read_exports, reap, start

DXTRA_TYPED = Path(sys.executable).parent / "dxtra-typed"


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port with a listener on it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def _one_error_line(*argv: str) -> str:
    """Run the console script (bounded: a sandbox that starts serving would never return)."""
    result = subprocess.run(
        [str(DXTRA_TYPED), "sandbox", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and result.stdout == "", result.stderr
    (line,) = result.stderr.splitlines()  # one line: no traceback, no usage block
    assert line.startswith("dxtra-typed sandbox: error: ")
    return line


def _sqlite_of_another_app(path: Path) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT)")
        conn.execute("INSERT INTO invoices VALUES (1, '12.50')")
    conn.close()
    return path.read_bytes()


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_a_port_in_use(busy_port: int) -> None:
    line = _one_error_line("--port", str(busy_port))
    assert f"127.0.0.1:{busy_port}" in line and "in use" in line


def test_a_port_out_of_range() -> None:
    assert "port must be 0-65535" in _one_error_line("--port", "70000")


def test_a_host_that_does_not_resolve() -> None:
    # An empty label cannot be encoded, so this fails without asking any resolver.
    assert "'host..name'" in _one_error_line("--host", "host..name")


def test_a_db_path_that_cannot_be_opened_is_named(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "missing-folder" / "sandbox.db"
    line = _one_error_line("--db", str(missing))
    assert f"'{missing}'" in line and "does not exist" in line
    assert not missing.parent.exists()
    folder = tmp_path / "a-folder"
    folder.mkdir()
    line = _one_error_line("--db", str(folder))
    assert f"'{folder}'" in line and "folder" in line
    assert list(folder.iterdir()) == []


def test_a_db_that_is_not_sqlite_is_left_untouched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my notes, not a database\n" * 100)
    before = path.read_bytes()
    line = _one_error_line("--db", str(path))
    assert f"'{path}'" in line and "not an SQLite database" in line
    assert path.read_bytes() == before and _siblings(path) == ["notes.txt"]


def test_a_db_of_another_application_is_left_untouched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.db"
    before = _sqlite_of_another_app(path)
    line = _one_error_line("--db", str(path))
    assert f"'{path}'" in line and "another application" in line and "invoices" in line
    assert path.read_bytes() == before and _siblings(path) == ["shop.db"]
    with pytest.raises(ConfigurationError):  # the library refuses it the same way
        Sandbox(db=path)
    assert path.read_bytes() == before


def _serve_once(db: Path) -> tuple[dict[str, str], int]:
    """Start `dxtra-typed sandbox --db db`, read its exports, sign in with its key, stop it."""
    proc = start([DXTRA_TYPED, "sandbox", "--db", db])
    try:
        exports = read_exports(proc)
        signin = httpx.post(
            exports["DXTRA_AUTH_URL"] + "/v1/signin/pat",
            json={"personalAccessToken": exports["DXTRA_API_KEY"]},
        )
        proc.terminate()
        assert proc.wait(timeout=READY_TIMEOUT) == 0
    finally:
        reap(proc)
    return exports, signin.status_code


def test_restarting_on_the_same_db_prints_the_same_api_key(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    first, status = _serve_once(db)
    second, status_again = _serve_once(db)
    assert status == status_again == 200
    assert first["DXTRA_API_KEY"] == second["DXTRA_API_KEY"]
    other, _ = _serve_once(tmp_path / "other.db")
    assert other["DXTRA_API_KEY"] != first["DXTRA_API_KEY"]  # a new file, a new key


def test_the_data_subject_key_is_kept_too_and_explicit_keys_win(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    chosen = "6f1c2b1e-8d55-4b0e-9a3f-2d4c6b8e0a11"
    sandboxes = [Sandbox(db=db), Sandbox(db=db), Sandbox(db=db, pat=chosen), Sandbox(db=db)]
    try:
        first, again, explicit, last = sandboxes
        assert (first.pat, first.data_subject_pat) == (again.pat, again.data_subject_pat)
        assert explicit.pat == chosen and explicit.data_subject_pat == first.data_subject_pat
        assert last.pat == first.pat  # the explicit key was not stored
    finally:
        for sandbox in sandboxes:
            sandbox.stop()  # never started: closes the file it opened
