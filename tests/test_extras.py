"""A command or feature whose extra is not installed says so in one line (exit 2), naming
the extra and the pip command, with no traceback.

The dev venv has every extra, so a missing one is simulated: a subprocess sets
``sys.modules[name] = None``, which makes both ``import name`` and ``find_spec`` fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from dxtra_typed import AsyncDxtraClient, MissingExtraError
from dxtra_typed.sandbox import Sandbox

RUN_WITHOUT = (
    "import sys\n"
    "for name in sys.argv[1].split(','):\n"
    "    sys.modules[name] = None\n"
    "from dxtra_typed.cli import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def run_without(
    modules: str, *argv: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT, modules, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("missing", "argv", "extra"),
    [
        ("ariadne_codegen", ["generate"], "codegen"),
        ("ariadne_codegen", ["generate", "--watch"], "codegen"),
        ("ariadne_codegen", ["check"], "codegen"),
        ("graphql", ["schema", "pull"], "codegen"),
        ("graphql", ["schema", "diff", "old.graphql", "new.graphql"], "codegen"),
        ("uvicorn", ["sandbox"], "sandbox"),
    ],
    ids=["generate", "generate-watch", "check", "schema-pull", "schema-diff", "sandbox"],
)
def test_a_command_without_its_extra_prints_one_line(
    missing: str, argv: list[str], extra: str, tmp_path: Path
) -> None:
    result = run_without(missing, *argv, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f'pip install "dxtra-typed[{extra}]"' in lines[0]
    assert f"the {extra} extra" in lines[0]
    assert missing in lines[0]
    assert "Traceback" not in result.stderr


def test_init_pulling_without_codegen_says_so_and_writes_nothing(tmp_path: Path) -> None:
    result = run_without(
        "graphql", "init", "proj", cwd=tmp_path, env={"DXTRA_API_KEY": "not-a-real-key"}
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert 'pip install "dxtra-typed[codegen]"' in result.stderr
    assert not (tmp_path / "proj" / "codegen.toml").exists()


def test_init_without_a_key_needs_no_extra(tmp_path: Path) -> None:
    """Writing files needs nothing beyond the base install."""
    result = run_without(
        "graphql,ariadne_codegen,uvicorn,websockets",
        "init",
        "proj",
        cwd=tmp_path,
        env={"DXTRA_API_KEY": ""},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "proj" / "codegen.toml").is_file()


async def test_a_subscription_without_websockets_names_the_extra(
    dxtra_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "websockets", None)
    sb = dxtra_sandbox
    async with AsyncDxtraClient(sb.pat, auth_url=sb.auth_url, api_url=sb.api_url, env={}) as client:
        with pytest.raises(MissingExtraError) as caught:
            client.data_subjects_live(controller_id=uuid.UUID(int=1))  # raised by the call
    message = str(caught.value)
    assert "\n" not in message
    assert 'pip install "dxtra-typed[subscriptions]"' in message
    assert caught.value.extra == "subscriptions"
