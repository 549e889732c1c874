"""`dxtra-typed` and `python -m dxtra_typed.sandbox`: help, the missing-extra hint, a real run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx
import pytest

from dxtra_typed.cli import _sandbox, build_parser, main
from tests.support.processes import READY_TIMEOUT, read_exports, reap, start


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
    proc = start(command)
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
        stderr = reap(proc)
    assert "Traceback" not in stderr


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["sandbox", *argv])


def test_defaults() -> None:
    args = parse()
    assert vars(args) | {"run": None} == {
        "command": "sandbox",
        "port": 0,
        "host": "127.0.0.1",
        "access_token_ttl": 3600,
        "refresh_token_ttl": None,
        "conceal_errors": False,
        "db": None,
        "seed_rows": 0,
        "schemas": [],
        "seed": None,
        "canned": None,
        "bundled": False,
        "faults": [],
        "unauthorized_role": "anonymous",
        "ws_drop_every": None,
        "rate_limits": "off",
        "run": None,
        "extra": "sandbox",
    }


def test_rate_limits_are_opt_in() -> None:
    assert parse("--rate-limits", "nhost").rate_limits == "nhost"


def test_token_ttl_is_an_alias_of_access_token_ttl() -> None:
    assert parse("--token-ttl", "5").access_token_ttl == 5
    assert parse("--access-token-ttl", "1").access_token_ttl == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["--access-token-ttl", "0"],
        ["--refresh-token-ttl", "-1"],
        ["--seed-rows", "-3"],
        ["--fault", "graphql:explode"],
        ["--fault", "signin_pat:drop:after_execute=true"],
        ["--rate-limits", "aws"],
    ],
)
def test_bad_values_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv)
    assert exit_info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_faults_parse_in_order() -> None:
    faults = (
        parse(
            "--fault",
            "graphql:status:503:count=2",
            "--fault",
            "graphql:drop:count=1",
            "--fault",
            "signin_pat:status:429:retry_after=2",
        )
    ).faults
    assert [(f.endpoint, f.kind, f.status, f.count) for f in faults] == [
        ("graphql", "status", 503, 2),
        ("graphql", "drop", 503, 1),
        ("signin_pat", "status", 429, 1),
    ]
    assert faults[2].retry_after == "2"


def test_help_documents_the_fault_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sandbox", "--help"])
    out = capsys.readouterr().out
    for text in ("--access-token-ttl", "--refresh-token-ttl", "--conceal-errors", "--db"):
        assert text in out
    assert "--seed-rows" in out and "graphql:status:503:count=2" in out


def test_a_real_run_with_db_ttl_and_faults(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    proc = start(
        [
            sys.executable,
            "-m",
            "dxtra_typed.sandbox",
            "--db",
            str(db),
            "--access-token-ttl",
            "5",
            "--refresh-token-ttl",
            "60",
            "--conceal-errors",
            "--fault",
            "signin_pat:status:429:retry_after=2",
        ],
    )
    try:
        exports = read_exports(proc)
        url = exports["DXTRA_AUTH_URL"] + "/v1/signin/pat"
        with httpx.Client() as http:
            limited = http.post(url, json={"personalAccessToken": exports["DXTRA_API_KEY"]})
            assert (limited.status_code, limited.headers["retry-after"]) == (429, "2")
            ok = http.post(url, json={"personalAccessToken": exports["DXTRA_API_KEY"]})
            assert ok.json()["session"]["accessTokenExpiresIn"] == 5
            concealed = http.post(
                url, json={"personalAccessToken": "00000000-0000-0000-0000-000000000000"}
            )
            assert (concealed.status_code, concealed.json()["error"]) == (400, "invalid-request")
        assert db.exists()
        proc.terminate()
        assert proc.wait(timeout=READY_TIMEOUT) == 0
    finally:
        stderr = reap(proc)
    assert "Traceback" not in stderr
