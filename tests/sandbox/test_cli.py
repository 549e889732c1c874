"""`dxtra-typed` and `python -m dxtra_typed.sandbox`: help, the missing-extra hint, a real run."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from dxtra_typed.cli import _sandbox, main

READY_TIMEOUT = 15.0


def test_help_lists_the_sandbox_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "sandbox" in capsys.readouterr().out


def test_sandbox_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sandbox", "--help"])
    out = capsys.readouterr().out
    assert "--port" in out and "--token-ttl" in out


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: dxtra-typed" in capsys.readouterr().out


def test_missing_extra_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_sandbox, "sandbox_available", lambda: False)
    assert main(["sandbox"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "dxtra-typed[sandbox]" in err


def read_exports(proc: subprocess.Popen[str]) -> dict[str, str]:
    """Read stdout until the export block is complete, within a bounded wait."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    exports: dict[str, str] = {}
    while "DXTRA_ROLE" not in exports:
        line = lines.get(timeout=READY_TIMEOUT)
        assert line is not None, "the sandbox exited before printing its exports"
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exports[name] = value
    return exports


def console_script() -> list[str]:
    script = Path(sys.executable).parent / "dxtra-typed"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dxtra_typed.sandbox"]


@pytest.mark.parametrize(
    "command",
    [
        pytest.param([*console_script(), "sandbox", "--port", "0"], id="console-script"),
        pytest.param(
            [sys.executable, "-m", "dxtra_typed.sandbox", "--token-ttl", "900"], id="python-m"
        ),
    ],
)
def test_cli_serves_until_terminated(command: list[str]) -> None:
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        exports = read_exports(proc)
        assert exports["DXTRA_API_URL"] == exports["DXTRA_AUTH_URL"] + "/v1/graphql"
        assert exports["DXTRA_AUTH_URL"].startswith("http://127.0.0.1:")
        assert exports["DXTRA_ROLE"] == "user"
        r = httpx.post(
            exports["DXTRA_AUTH_URL"] + "/v1/signin/pat",
            json={"personalAccessToken": exports["DXTRA_API_KEY"]},
        )
        assert r.status_code == 200
        expected_ttl = 900 if "--token-ttl" in command else 3600
        assert r.json()["session"]["accessTokenExpiresIn"] == expected_ttl
        proc.terminate()
        assert proc.wait(timeout=READY_TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=READY_TIMEOUT)
        assert proc.stderr is not None
        stderr = proc.stderr.read()
        proc.stderr.close()
        if proc.stdout is not None:
            proc.stdout.close()
    assert "Traceback" not in stderr
