"""A few seconds of `make soak`, so the soak script cannot rot between reliability runs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow  # `make pytest-fast` skips it; `make test` runs it

SOAK = Path(__file__).parents[1] / "bench" / "soak.py"


def _load_soak() -> Any:
    spec = importlib.util.spec_from_file_location("bench_soak", SOAK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_short_soak_loses_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    module = _load_soak()
    # Three seconds hold too few calls for the 95% ok share; zero losses must hold regardless.
    status = await module.soak(
        seconds=3.0, sync_threads=1, async_tasks=2, fault_interval=0.1, min_ok_share=0.0
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("soak: calls=")
    fields = dict(part.split("=") for part in last.removeprefix("soak: ").split())
    assert int(fields["calls"]) > 0
    assert (fields["lost"], fields["duplicated"], fields["missed"]) == ("0", "0", "0")
    assert status == 0, last


async def test_steady_state_never_trips_nhost_rate_limits(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`soak.py --rate-limits nhost`, briefly: the clients' auth traffic stays under
    hasura-auth's default limits (a 429 from the auth service would fail the run)."""
    module = _load_soak()
    status = await module.soak(
        seconds=3.0,
        sync_threads=1,
        async_tasks=2,
        fault_interval=0.1,
        min_ok_share=0.0,
        rate_limits="nhost",
    )
    out = capsys.readouterr().out
    last = out.strip().splitlines()[-1]
    fields = dict(part.split("=") for part in last.removeprefix("soak: ").split())
    assert "rate limits: nhost" in out
    assert int(fields["calls"]) > 0 and fields["rate_limited"] == "0"
    assert (fields["lost"], fields["duplicated"], fields["missed"]) == ("0", "0", "0")
    assert status == 0, last
