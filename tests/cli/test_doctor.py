"""`dxtra-typed doctor` against real servers on 127.0.0.1: the sandbox, a closed port, a socket
that never answers, a plain-HTTP port spoken to in TLS, and a canned auth service.

The clock is injected (`run(args, clock=...)`), so a skew of hours costs no waiting.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
import jwt
import pytest

from dxtra_typed._auth import REMEDY_401_LOCAL
from dxtra_typed.cli import _doctor, build_parser, main
from dxtra_typed.cli._doctor import CLOCK_REMEDY
from dxtra_typed.sandbox import Sandbox
from tests.support.canned import Reply, canned, session_reply

JWT_SHAPE = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+")
WRONG_KEY = "0ddba110-5ec2-4e75-8e75-0000000000ff"


def _env(sb: Sandbox, **extra: str) -> dict[str, str]:
    return {
        "DXTRA_API_KEY": sb.pat,
        "DXTRA_AUTH_URL": sb.auth_url,
        "DXTRA_API_URL": sb.api_url,
        **extra,
    }


def _env_at(port: int) -> dict[str, str]:
    """Both URLs at one loopback port, with a key that no server there accepts."""
    base = f"http://127.0.0.1:{port}"
    return {
        "DXTRA_API_KEY": WRONG_KEY,
        "DXTRA_AUTH_URL": base,
        "DXTRA_API_URL": base + "/v1/graphql",
    }


def doctor(
    capsys: pytest.CaptureFixture[str],
    env: Mapping[str, str],
    *argv: str,
    clock: Callable[[], float] = time.time,
    http: Any = None,
) -> tuple[int, str, str]:
    args = build_parser().parse_args(["doctor", *argv])
    code = _doctor.run(args, env=env, clock=clock, http=http)
    out, err = capsys.readouterr()
    return code, out, err


def _row(out: str, check: str, item: str) -> str:
    """The table row of one check item."""
    for line in out.splitlines():
        if re.match(rf"{re.escape(check)}\s+{re.escape(item)}\s{{2,}}", line):
            return line
    raise AssertionError(f"no row {check} / {item} in:\n{out}")


def _time_left(out: str) -> int:
    match = re.search(r"time left (-?\d+) s", out)
    assert match, out
    return int(match.group(1))


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: connecting is refused, and no one else can
    take the port while the test runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


# -- acceptance ------------------------------------------------------------------------------------


def test_passes_against_the_sandbox_showing_roles_and_time_left(
    dxtra_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = doctor(capsys, _env(dxtra_sandbox))
    assert code == 0, out + err
    assert "allowed roles user, me" in out
    assert 3500 < _time_left(out) <= 3600
    assert "✓ ok" in _row(out, "roles", "user") and "✓ ok" in _row(out, "roles", "me")
    assert "✓ ok" in _row(out, "clock", "skew")
    assert "a call with these settings works (exit 0)" in out
    assert "failed" not in out


def test_main_dispatches_doctor(
    dxtra_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor"]) == 0
    assert "allowed roles user, me" in capsys.readouterr().out


def test_wrong_key_fails_the_exchange_with_its_remedy(
    dxtra_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = doctor(capsys, _env(dxtra_sandbox, DXTRA_API_KEY=WRONG_KEY))
    assert code == 1
    assert "✗ fail" in _row(out, "exchange", "PAT → JWT")
    assert "HTTP 401" in out and f"remedy: {REMEDY_401_LOCAL}" in out  # a loopback auth service
    assert "- skip" in _row(out, "roles", "roles")  # no JWT to try them with
    assert out.rstrip().endswith("doctor: failed: exchange (exit 1)")


def test_unreachable_url_is_named_refused_with_its_remedy(
    closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _env_at(closed_port)
    code, out, _ = doctor(capsys, env)
    assert code == 1
    assert "refused failure" in _row(out, "reachability", "auth health")
    assert "refused failure" in _row(out, "reachability", "graphql endpoint")
    assert "remedy: nothing listens at that address" in out
    assert "auth service is unreachable" in _row(out, "exchange", "PAT → JWT")
    assert "no server time seen" in _row(out, "clock", "skew")  # no answer, no Date header
    assert out.rstrip().endswith("doctor: failed: reachability (exit 1)")


def test_a_role_the_token_does_not_allow_fails_the_roles_check(
    dxtra_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = doctor(capsys, _env(dxtra_sandbox), "--role", "dataSubject")
    assert code == 1
    row = _row(out, "roles", "dataSubject")
    assert "✗ fail" in row and "access-denied" in row
    assert "the token allows user, me" in out
    assert "remedy: use a role this key's token allows (user, me)" in out
    assert out.rstrip().endswith("doctor: failed: roles (exit 1)")


def test_dxtra_role_the_token_does_not_allow_is_tried_beside_the_allowed_ones(
    dxtra_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = doctor(capsys, _env(dxtra_sandbox, DXTRA_ROLE="dataSubject"))
    assert code == 1
    assert "✓ ok" in _row(out, "roles", "user")
    assert "✗ fail" in _row(out, "roles", "dataSubject")


@pytest.mark.parametrize("offset", [2 * 3600.0, -2 * 3600.0], ids=["ahead", "behind"])
def test_a_clock_skewed_past_the_jwt_lifetime_fails_with_the_remedy(
    dxtra_sandbox: Sandbox, capsys: pytest.CaptureFixture[str], offset: float
) -> None:
    code, out, _ = doctor(capsys, _env(dxtra_sandbox), clock=lambda: time.time() + offset)
    assert code == 1
    row = _row(out, "clock", "skew")
    assert "✗ fail" in row and ("ahead of" if offset > 0 else "behind") in row
    assert "JWTExpired" in out
    assert f"remedy: {CLOCK_REMEDY}" in out
    assert 3500 < _time_left(out) <= 3600  # counted on the server's clock, not the skewed one
    assert out.rstrip().endswith("doctor: failed: clock (exit 1)")


def _session_with(**claims: Any) -> Reply:
    """A /v1/signin/pat answer whose JWT carries these claims (and Dxtra's Hasura claims)."""
    hasura = {"x-hasura-allowed-roles": ["user"], "x-hasura-default-role": "user"}
    token = jwt.encode(
        {"sub": "u", "https://hasura.io/jwt/claims": hasura, **claims}, "k" * 32, algorithm="HS256"
    )
    return Reply(body={"session": {"accessToken": token, "accessTokenExpiresIn": 3600}})


def _clock_facts(capsys: pytest.CaptureFixture[str], **claims: Any) -> tuple[int, dict[str, Any]]:
    routes = {
        "/healthz": lambda seen: Reply(200, "OK"),
        "/v1/signin/pat": lambda seen: _session_with(**claims),
        "/v1/graphql": lambda seen: Reply(200, {"data": {"__typename": "query_root"}}),
    }
    with canned(routes) as server:
        env = {"DXTRA_API_KEY": WRONG_KEY, "DXTRA_AUTH_URL": server.url}
        code, out, _ = doctor(capsys, env | {"DXTRA_API_URL": server.url + "/v1/graphql"}, "--json")
    return code, _checks(json.loads(out))[("clock", "skew")]


def test_the_clock_is_read_from_the_jwt_iat_and_a_warning_still_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The server's Date headers say this clock is right; the JWT's iat (the clock `exp` is on)
    says it is 1,000 s ahead: the iat wins, and renewing early only warns."""
    now = int(time.time())
    code, clock = _clock_facts(capsys, iat=now - 1000, exp=now + 2600)
    assert clock["facts"]["source"] == "JWT iat" and 995 < clock["facts"]["skew_s"] < 1005
    assert clock["status"] == "warn" and clock["remedy"] == CLOCK_REMEDY
    assert code == 0


def test_without_an_iat_the_clock_is_read_from_a_date_header(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, clock = _clock_facts(capsys, exp=int(time.time()) + 3600)
    assert clock["facts"]["source"].startswith("Date header (")
    assert abs(clock["facts"]["skew_s"]) < 3 and clock["status"] == "ok"
    assert code == 0


# -- JSON ------------------------------------------------------------------------------------------


def _checks(payload: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["check"], c["item"]): c for c in payload["checks"]}


def test_json_gives_the_same_facts(
    dxtra_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = doctor(capsys, _env(dxtra_sandbox), "--json")
    payload = json.loads(out)
    assert code == 0 and payload["ok"] is True and payload["exit_code"] == 0
    assert payload["auth_url"] == dxtra_sandbox.auth_url and payload["role"] == "user"
    checks = _checks(payload)
    claims = checks[("exchange", "JWT claims")]["facts"]
    assert claims["allowed_roles"] == ["user", "me"] and claims["default_role"] == "user"
    assert 3500 < checks[("exchange", "JWT lifetime")]["facts"]["time_left_s"] <= 3600
    assert checks[("roles", "me")]["status"] == "ok"
    assert checks[("settings", "DXTRA_API_KEY")]["facts"]["source"] == "environment"
    assert checks[("reachability", "auth health")]["facts"]["status"] == 200
    assert abs(checks[("clock", "skew")]["facts"]["skew_s"]) < 60


def test_json_names_the_failure_and_its_remedy(
    dxtra_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = doctor(capsys, _env(dxtra_sandbox), "--json", "--role", "dataSubject")
    payload = json.loads(out)
    assert code == 1 and payload["ok"] is False and payload["exit_code"] == 1
    failed = [c for c in payload["checks"] if c["status"] == "fail"]
    assert [(c["check"], c["item"]) for c in failed] == [("roles", "dataSubject")]
    assert failed[0]["facts"]["code"] == "access-denied" and failed[0]["remedy"]


# -- could not run (exit 2) ------------------------------------------------------------------------


def test_a_bad_role_argument_is_exit_2_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = doctor(capsys, {}, "--role", "no such role")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--role" in err


def test_an_internal_error_is_exit_2_in_one_line(
    dxtra_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")

    broken = httpx.Client(transport=httpx.MockTransport(explode))
    code, out, err = doctor(capsys, _env(dxtra_sandbox), http=broken)
    assert code == 2 and out == ""
    assert err == "dxtra-typed doctor: could not run: RuntimeError: boom\n"


# -- more failure kinds, against real sockets ------------------------------------------------------


def test_tls_to_a_plain_http_port_is_named_tls(
    dxtra_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    https = dxtra_sandbox.auth_url.replace("http://", "https://")
    env = _env(dxtra_sandbox, DXTRA_AUTH_URL=https, DXTRA_API_URL=https + "/v1/graphql")
    code, out, _ = doctor(capsys, env)
    assert code == 1
    assert "TLS failure" in _row(out, "reachability", "auth health")
    assert "remedy: the TLS handshake failed" in out


def test_a_server_that_never_answers_is_named_timeout(
    silent_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _env_at(silent_port)
    code, out, _ = doctor(capsys, env, "--timeout", "0.2")
    assert code == 1
    assert "timeout failure" in _row(out, "reachability", "auth health")
    assert "remedy: no answer in time" in out


def test_a_missing_key_fails_the_settings_and_sends_nothing(
    dxtra_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _env(dxtra_sandbox)
    del env["DXTRA_API_KEY"]
    before = dxtra_sandbox.stats.exchanges
    code, out, _ = doctor(capsys, env)
    assert code == 1
    assert "✗ fail" in _row(out, "settings", "DXTRA_API_KEY")
    assert "Create API Key" in out
    assert dxtra_sandbox.stats.exchanges == before
    assert out.rstrip().endswith("doctor: failed: settings (exit 1)")


def test_the_anonymous_role_needs_no_key(
    dxtra_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    env = _env(dxtra_sandbox, DXTRA_ROLE="anonymous")
    del env["DXTRA_API_KEY"]
    code, out, _ = doctor(capsys, env)
    assert code == 0, out
    assert "✓ ok" in _row(out, "roles", "anonymous")
    assert "needs no key" in _row(out, "exchange", "PAT → JWT")


def test_health_on_v1_only_and_a_jwt_without_hasura_claims(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Upstream hasura-auth serves /healthz and /v1/healthz; any 2xx from either will do. An
    auth service whose JWTs carry no Hasura claims is not Dxtra's."""
    routes = {
        "/v1/healthz": lambda seen: Reply(200, "OK"),
        "/v1/signin/pat": lambda seen: session_reply(),
        "/v1/graphql": lambda seen: Reply(200, {"data": {"__typename": "query_root"}}),
    }
    with canned(routes) as server:
        env = {
            "DXTRA_API_KEY": WRONG_KEY,
            "DXTRA_AUTH_URL": server.url,
            "DXTRA_API_URL": server.url + "/v1/graphql",
        }
        code, out, _ = doctor(capsys, env)
        assert server.counts["/healthz"] == 1 and server.counts["/v1/healthz"] == 1
    assert "✓ ok" in _row(out, "reachability", "auth health") and "/v1/healthz" in out
    assert "no Hasura claims" in _row(out, "exchange", "JWT claims")
    assert code == 1


# -- secrets ---------------------------------------------------------------------------------------


@pytest.fixture
def own_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


def test_no_output_of_the_command_contains_a_secret(
    own_sandbox: Sandbox,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every output: table and JSON, success and each failure, with debug logging on. The
    sandbox is this test's own, so every refresh token it issued came from the doctor."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("DXTRA_LOG", "debug")
    sb = own_sandbox
    texts: list[str] = []
    runs: list[tuple[dict[str, str], list[str], Callable[[], float]]] = [
        (_env(sb), [], time.time),
        (_env(sb), ["--json"], time.time),
        (_env(sb), ["--role", "dataSubject"], time.time),
        (_env(sb), ["--role", "dataSubject", "--json"], time.time),
        (_env(sb, DXTRA_API_KEY=WRONG_KEY), [], time.time),
        (_env(sb, DXTRA_API_KEY=WRONG_KEY), ["--json"], time.time),
        (_env(sb), [], lambda: time.time() + 7200),
        (_env(sb, DXTRA_API_KEY=f"  '{sb.pat}'  "), ["--json"], time.time),
    ]
    codes = []
    for env, argv, clock in runs:
        code, out, err = doctor(capsys, env, *argv, clock=clock)
        codes.append(code)
        texts += [out, err]
    texts += [r.getMessage() for r in caplog.records]
    blob = "\n".join(texts)
    refresh_tokens = list(sb.auth._refresh)
    # Not vacuous: the key was exchanged, JWTs and refresh tokens were issued and used.
    assert codes[:2] == [0, 0] and "allowed roles user, me" in blob
    assert sb.stats.exchanges >= 5 and len(refresh_tokens) >= 5
    for secret in (sb.pat, WRONG_KEY, *refresh_tokens):
        assert secret not in blob
    assert not JWT_SHAPE.search(blob)
