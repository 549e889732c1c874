"""The doctor's rules as pure functions: settings, failure kinds, clock-skew thresholds,
reachability verdicts. No server: each fact is written down."""

from __future__ import annotations

import socket
import ssl

import httpx
import pytest

from dxtra_typed._auth import REMEDY_401_LOCAL, renewal_margin
from dxtra_typed._errors import REMEDY_401
from dxtra_typed.cli._doctor_checks import (
    check_checklist,
    check_clock,
    check_exchange,
    check_reachability,
    check_roles,
    estimate_skew,
    exit_code,
)
from dxtra_typed.cli._doctor_facts import (
    Claims,
    Exchange,
    Facts,
    Probe,
    Result,
    RoleTrial,
    key_shape,
    read_settings,
)
from dxtra_typed.cli._doctor_probe import classify_failure

KEY = "5f0c6a52-2b7e-4c41-9d7e-0b1f2a3c4d5e"
NOW = 1_800_000_000.0


def _settings() -> Facts:
    return Facts(settings=read_settings(None, {"DXTRA_API_KEY": KEY}))


def _facts_with_skew(skew: float, lifetime: float = 3600.0) -> Facts:
    """A JWT issued at NOW by the server, seen when the local clock read NOW + skew."""
    probe = Probe("PAT exchange", "https://auth/v1/signin/pat", 200, 10.0, local_time=NOW + skew)
    claims = Claims("u", "user", ("user",), NOW, NOW + lifetime)
    return Facts(
        settings=read_settings(None, {"DXTRA_API_KEY": KEY}),
        exchange=Exchange(probe, lifetime=lifetime, claims=claims),
        finished_at=NOW + skew,
    )


# -- settings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "shape", "warns"),
    [
        (KEY, "a UUID", False),
        ("dxtra_pat_" + KEY, "dxtra_pat_ + a UUID", False),
        (f'"{KEY}"', "quoted", True),
        (KEY[:-3], "not a UUID (33 characters)", True),
    ],
)
def test_key_shape_never_shows_the_key(key: str, shape: str, warns: bool) -> None:
    described, warning = key_shape(key)
    assert described == shape and (warning is not None) is warns
    assert key not in described and key not in (warning or "")


def test_sources_argument_environment_default() -> None:
    settings = read_settings(
        "me",
        {"DXTRA_API_KEY": f" {KEY}\n", "DXTRA_AUTH_URL": "https://auth.dxtra.ai/v1/signin/pat"},
    )
    rows = {row.name: row for row in settings.rows}
    assert rows["DXTRA_ROLE"].source == "argument" and rows["DXTRA_ROLE"].shown == "me"
    assert rows["DXTRA_API_KEY"].source == "environment"
    assert rows["DXTRA_API_KEY"].shown == "present, a UUID"
    assert "surrounding whitespace" in rows["DXTRA_API_KEY"].notes[0]
    assert rows["DXTRA_AUTH_URL"].shown == "https://auth.dxtra.ai"
    assert "suffix is cut off" in rows["DXTRA_AUTH_URL"].notes[0]
    assert rows["DXTRA_API_URL"].source == "default"
    assert not any(row.problem for row in settings.rows)


def test_plain_http_off_loopback_is_a_problem_and_keeps_the_key_home() -> None:
    settings = read_settings(
        None, {"DXTRA_API_KEY": KEY, "DXTRA_AUTH_URL": "http://auth.example.com"}
    )
    row = next(r for r in settings.rows if r.name == "DXTRA_AUTH_URL")
    assert row.problem and "unencrypted" in row.problem
    assert settings.insecure


@pytest.mark.parametrize(
    ("env", "name", "needle"),
    [
        ({"DXTRA_API_KEY": KEY, "DXTRA_API_URL": "api.dxtra.ai"}, "DXTRA_API_URL", "http(s) URL"),
        ({"DXTRA_API_KEY": KEY, "DXTRA_ROLE": "no such"}, "DXTRA_ROLE", "Hasura role name"),
        ({}, "DXTRA_API_KEY", "Create API Key"),
    ],
)
def test_unusable_settings_name_themselves(env: dict[str, str], name: str, needle: str) -> None:
    row = next(r for r in read_settings(None, env).rows if r.name == name)
    assert row.problem and needle in row.problem


def test_a_tokenless_role_needs_no_key() -> None:
    settings = read_settings("anonymous", {})
    assert not any(row.problem for row in settings.rows)


# -- failure kinds ---------------------------------------------------------------------------------


def _caused(exc: httpx.HTTPError, cause: BaseException) -> httpx.HTTPError:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (_caused(httpx.ConnectError("x"), socket.gaierror(-2, "Name or service not known")), "DNS"),
        (_caused(httpx.ConnectError("x"), ssl.SSLCertVerificationError("bad cert")), "TLS"),
        (_caused(httpx.ConnectError("x"), ConnectionRefusedError(111, "refused")), "refused"),
        (httpx.ConnectTimeout("timed out"), "timeout"),
        (httpx.ReadTimeout("timed out"), "timeout"),
        (httpx.ConnectError("[Errno -3] Temporary failure in name resolution"), "DNS"),
        (httpx.RemoteProtocolError("Server disconnected"), "connection"),
    ],
)
def test_transport_failures_are_named(exc: httpx.HTTPError, kind: str) -> None:
    assert classify_failure(exc) == kind


# -- clock -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("skew", "status", "needle"),
    [
        (0.0, "ok", "agrees"),
        (-30.0, "ok", "behind"),
        (-90.0, "fail", "JWTExpired"),  # past the 60 s renewal margin: used after exp
        (90.0, "warn", "early"),  # renews early: harmless
        (3550.0, "fail", "every JWT looks expired"),  # ahead by lifetime - margin
        (7200.0, "fail", "every JWT looks expired"),
        (-7200.0, "fail", "JWTNotYetValid"),
    ],
)
def test_clock_skew_thresholds(skew: float, status: str, needle: str) -> None:
    facts = _facts_with_skew(skew)
    [result] = check_clock(facts, estimate_skew(facts))
    assert result.status == status and needle in result.detail
    assert (result.remedy is not None) is (status != "ok")


def test_short_tokens_have_a_short_renewal_margin() -> None:
    assert renewal_margin(120.0) == 30.0 and renewal_margin(3600.0) == 60.0
    facts = _facts_with_skew(-40.0, lifetime=120.0)
    assert check_clock(facts, estimate_skew(facts))[0].status == "fail"


def test_the_jwt_iat_is_preferred_to_a_date_header() -> None:
    facts = _facts_with_skew(5.0)
    exchange = facts.exchange
    assert exchange is not None
    dated = Probe("graphql endpoint", "https://api", 200, 1.0, server_time=NOW, local_time=NOW)
    skew = estimate_skew(Facts(settings=facts.settings, exchange=exchange, graphql=dated))
    assert skew is not None and skew.source == "JWT iat"


def test_no_server_time_skips_the_clock_check() -> None:
    assert check_clock(_settings(), None)[0].status == "skip"


# -- reachability and exchange ---------------------------------------------------------------------


def _statuses(health: int, graphql: int) -> list[str]:
    facts = Facts(
        settings=_settings().settings,
        health=Probe("auth health", "https://auth/healthz", health, 1.0),
        graphql=Probe("graphql endpoint", "https://api/v1/graphql", graphql, 1.0),
    )
    return [r.status for r in check_reachability(facts)]


def test_reachability_verdicts() -> None:
    assert _statuses(200, 200) == ["ok", "ok"]
    assert _statuses(204, 400) == ["ok", "ok"]  # any answer proves the endpoint is there
    assert _statuses(404, 200) == ["warn", "ok"]  # no health endpoint: the exchange decides
    assert _statuses(200, 404) == ["ok", "fail"]  # not a GraphQL endpoint
    assert _statuses(503, 502) == ["warn", "fail"]


def test_a_failed_exchange_states_its_remedy_once() -> None:
    message = f"AuthenticationStatusError: ... (HTTP 401, invalid-pat): {REMEDY_401}"
    exchange = Exchange(Probe("PAT exchange", "https://auth", 401, 5.0), error=message)
    [result] = check_exchange(Facts(settings=_settings().settings, exchange=exchange), None)
    assert result.status == "fail" and result.remedy == REMEDY_401
    assert REMEDY_401 not in result.detail and "HTTP 401" in result.detail


def test_a_key_refused_on_this_machine_points_at_the_sandbox() -> None:
    exchange = Exchange(Probe("PAT exchange", "http://127.0.0.1:4000", 401, 5.0), error="x")
    [result] = check_exchange(Facts(settings=_settings().settings, exchange=exchange), None)
    assert result.remedy == REMEDY_401_LOCAL


def test_exit_codes() -> None:
    def result(status: str) -> Result:
        return Result("c", "i", status, "d")  # type: ignore[arg-type]

    assert exit_code([result("ok"), result("warn"), result("skip")]) == 0
    assert exit_code([result("ok"), result("fail")]) == 1


# -- roles and checklist ---------------------------------------------------------------------------


def _with_trials(operation_roles: dict[str, tuple[str, ...]]) -> Facts:
    facts = _facts_with_skew(0.0)
    trial = RoleTrial("user", Probe("role user", "https://api/v1/graphql", 200, 2.0))
    return Facts(
        settings=facts.settings,
        exchange=facts.exchange,
        trials=(trial,),
        operation_roles=operation_roles,
        finished_at=NOW,
    )


def test_operation_roles_the_token_lacks_are_listed() -> None:
    results = check_roles(_with_trials({"dataSubject": ("MySubject",), "anonymous": ("Pub",)}))
    assert [r.status for r in results] == ["ok", "warn"]
    assert "dataSubject: MySubject" in results[1].detail and "Pub" not in results[1].detail
    assert results[1].data["not_allowed"] == ["dataSubject"]


def test_operation_roles_the_token_allows_pass() -> None:
    results = check_roles(_with_trials({"user": ("Mine",), "anonymous": ("Pub",)}))
    assert [r.status for r in results] == ["ok", "ok"]


def test_checklist_https_and_renewal() -> None:
    facts = _facts_with_skew(0.0)
    items = {r.item: r for r in check_checklist(facts, check_clock(facts, estimate_skew(facts)))}
    assert {r.status for r in items.values()} == {"ok"}  # https defaults, key from env
    skewed = _facts_with_skew(-7200.0)
    items = {r.item: r for r in check_checklist(skewed, check_clock(skewed, estimate_skew(skewed)))}
    assert items["JWT renewed before expiry"].status == "warn"
    loopback = Facts(
        settings=read_settings(None, {"DXTRA_API_KEY": KEY, "DXTRA_AUTH_URL": "http://127.0.0.1:1"})
    )
    https = next(r for r in check_checklist(loopback, []) if r.item == "HTTPS")
    assert https.status == "warn" and "sandbox" in https.detail
