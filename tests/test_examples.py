"""The example scripts run against the sandbox, so they cannot rot."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_quickstart_sync(dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert _load("quickstart_sync").main() == 0
    out = capsys.readouterr().out
    assert "Acme Privacy Ltd" in out and "data subject" in out


async def test_quickstart_async(
    dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _load("quickstart_async").main() == 0
    assert "open rights requests" in capsys.readouterr().out


def test_quickstart_reports_a_bad_key_as_one_line(
    dxtra_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DXTRA_API_KEY", "00000000-0000-4000-8000-000000000000")
    assert _load("quickstart_sync").main() == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("error: PAT exchange")


def test_demo_runs_the_main_job(capsys: pytest.CaptureFixture[str]) -> None:
    assert _load("demo").main() == 0
    out = capsys.readouterr().out
    for expected in ("Data controllers visible", "Data subject", "Filed rights request", "Counts"):
        assert expected in out
