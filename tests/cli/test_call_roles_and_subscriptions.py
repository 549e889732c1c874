"""`dxtra-typed call`: the operation's `# role:` is its default role, subscriptions print one line
per event until `--max` or Ctrl-C, the table and `--json` name fields alike (GraphQL names),
and an unknown option shows `call`'s own usage."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

from dxtra_typed.cli import _call, main
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._seed import CONTROLLER_IDS
from tests.cli.conftest import run_call
from tests.support.processes import Lines, as_from_a_terminal, reap, start

CURSOR = '[{"initial_value": {"createdAt": "2000-01-01T00:00:00Z"}, "ordering": "ASC"}]'
DXTRA_TYPED = Path(sys.executable).parent / "dxtra-typed"


def test_the_declared_role_is_the_default(
    dxtra_env: dict[str, str],
    dxtra_sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert dxtra_env["DXTRA_ROLE"] == "user"  # as `dxtra-typed sandbox` exports it
    mark = dxtra_sandbox.requests.mark()
    code, out, err = run_call(capsys, "PublicDataControllers", "--json")
    assert (code, err) == (0, "")
    assert {row["title"] for row in json.loads(out)} >= {"Acme Privacy Ltd"}
    code, _, _ = run_call(capsys, "PublicDataControllers", "--role", "user")  # the flag wins
    assert code == 0
    sent = [r for r in dxtra_sandbox.requests.since(mark) if r.operation_name]
    assert [(r.session_role, r.has_auth) for r in sent] == [("anonymous", False), ("user", True)]
    monkeypatch.delenv("DXTRA_API_KEY")  # an anonymous operation needs no key at all
    code, out, err = run_call(capsys, "PublicDataControllers")
    assert (code, err) == (0, "") and "Acme Privacy Ltd" in out


def test_choose_role_precedence() -> None:
    choose_role = _call.choose_role
    assert choose_role(None, "anonymous") == "anonymous"
    assert choose_role("me", "anonymous") == "me"
    assert choose_role(None, None) is None  # DXTRA_ROLE, then user
    with pytest.raises(_call.UsageError, match="--role"):
        choose_role("admin", None)


def test_a_stream_prints_one_json_line_per_event_until_max(
    dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_call(
        capsys, "RightsRequestsStream", "--var", f"cursor={CURSOR}", "--max", "3", "--json"
    )
    assert (code, err) == (0, "")
    events = [json.loads(line) for line in out.splitlines()]
    assert len(events) == 3 and all(isinstance(e, dict) and "createdAt" in e for e in events)
    assert [e["createdAt"] for e in events] == sorted(e["createdAt"] for e in events)


def test_a_stream_as_a_table_is_one_row_per_event(
    dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_call(
        capsys, "rights_requests_stream", "--var", f"cursor={CURSOR}", "--max", "2"
    )
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["id", "dataSubjectId", "dataControllerId"]
    assert len(rows) == 2 and all(len(row.split()) == len(header.split()) for row in rows)


def test_max_is_only_for_subscriptions(
    dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_call(capsys, "DataControllers", "--max", "2")
    assert (code, out) == (2, "") and "--max applies to subscriptions" in err


def test_table_and_json_name_fields_the_same_way(
    dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, table, _ = run_call(capsys, "DataSubjects", "--var", f"controllerId={CONTROLLER_IDS[0]}")
    _, as_json, _ = run_call(
        capsys, "DataSubjects", "--var", f"controllerId={CONTROLLER_IDS[0]}", "--json"
    )
    assert table.splitlines()[0].split() == list(json.loads(as_json)[0])
    assert "createdAt" in table.splitlines()[0]


def test_ctrl_c_stops_a_live_subscription(dxtra_sandbox: Sandbox) -> None:
    env = {
        **os.environ,
        "DXTRA_API_KEY": dxtra_sandbox.pat,
        "DXTRA_AUTH_URL": dxtra_sandbox.auth_url,
        "DXTRA_API_URL": dxtra_sandbox.api_url,
        "PYTHONUNBUFFERED": "1",
    }
    proc = start(
        as_from_a_terminal(
            [
                DXTRA_TYPED,
                "call",
                "RightsRequestsLive",
                "--json",
                "--var",
                "limit=2",
                "--var",
                f"controllerId={CONTROLLER_IDS[0]}",
            ]
        ),
        env=env,
    )
    lines = Lines(proc)
    try:
        first = lines.next(timeout=60)  # the live query's first result, then it waits
        assert first is not None and len(json.loads(first)) == 2
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
    finally:
        stderr = reap(proc)
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines() == ["call: stopped after 1 event(s)"]


def test_an_unknown_option_shows_the_call_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["call", "--frob"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: dxtra-typed call ")
    assert err.rstrip().endswith("dxtra-typed call: error: unrecognized arguments: --frob")
