"""The doctor's verdicts as plain functions: settings, failure kinds, clock-skew thresholds,
reachability, remedies, roles. No server: each fact is written down."""

from __future__ import annotations

import socket
import ssl

import httpx
import pytest

from dxtra_typed._auth import REMEDY_401_LOCAL, renewal_margin
from dxtra_typed._errors import REMEDY_401
from dxtra_typed.cli._doctor import (
    CLOCK_REMEDY,
    Probe,
    classify_failure,
    clock_verdict,
    exchange_remedy,
    key_shape,
    operation_roles_verdict,
    reach_verdict,
    read_settings,
    role_verdict,
)

KEY = "5f0c6a52-2b7e-4c41-9d7e-0b1f2a3c4d5e"
NOW = 1_800_000_000.0


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
    rows = {row.item: row.facts for row in settings.results}
    assert rows["DXTRA_ROLE"]["source"] == "argument" and rows["DXTRA_ROLE"]["value"] == "me"
    assert rows["DXTRA_API_KEY"]["source"] == "environment"
    assert rows["DXTRA_API_KEY"]["value"] == "present, a UUID"
    assert "surrounding whitespace" in str(rows["DXTRA_API_KEY"]["notes"])
    assert rows["DXTRA_AUTH_URL"]["value"] == "https://auth.dxtra.ai"
    assert "suffix is cut off" in str(rows["DXTRA_AUTH_URL"]["notes"])
    assert rows["DXTRA_API_URL"]["source"] == "default"
    assert {row.status for row in settings.results} == {"ok"}


def test_plain_http_off_loopback_is_a_problem_and_keeps_the_key_home() -> None:
    settings = read_settings(
        None, {"DXTRA_API_KEY": KEY, "DXTRA_AUTH_URL": "http://auth.example.com"}
    )
    row = next(r for r in settings.results if r.item == "DXTRA_AUTH_URL")
    assert row.status == "fail" and row.remedy and "unencrypted" in row.remedy
    assert settings.insecure and settings.auth_url == "http://auth.example.com"  # still probed


@pytest.mark.parametrize(
    ("env", "name", "needle"),
    [
        ({"DXTRA_API_KEY": KEY, "DXTRA_API_URL": "api.dxtra.ai"}, "DXTRA_API_URL", "http(s) URL"),
        ({"DXTRA_API_KEY": KEY, "DXTRA_ROLE": "no such"}, "DXTRA_ROLE", "Hasura role name"),
        ({}, "DXTRA_API_KEY", "Create API Key"),
    ],
)
def test_unusable_settings_name_themselves(env: dict[str, str], name: str, needle: str) -> None:
    row = next(r for r in read_settings(None, env).results if r.item == name)
    assert row.status == "fail" and row.remedy and needle in row.remedy


def test_a_tokenless_role_needs_no_key() -> None:
    settings = read_settings("anonymous", {})
    assert {row.status for row in settings.results} == {"ok"}


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


# -- clock ---------------------------------------------------------------------------------------


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
    result = clock_verdict(skew, 1.5, 3600.0, "JWT iat")
    assert result.status == status and needle in result.detail
    assert (result.remedy is not None) is (status != "ok")


def test_short_tokens_have_a_short_renewal_margin() -> None:
    assert renewal_margin(120.0) == 30.0 and renewal_margin(3600.0) == 60.0
    assert clock_verdict(-40.0, 1.5, 120.0, "JWT iat").status == "fail"


# -- reachability and exchange ---------------------------------------------------------------------


def _statuses(health: int, graphql: int) -> list[str]:
    return [
        reach_verdict(Probe("auth health", "https://auth/healthz", health, 1.0)).status,
        reach_verdict(Probe("graphql endpoint", "https://api/v1/graphql", graphql, 1.0)).status,
    ]


def test_reachability_verdicts() -> None:
    assert _statuses(200, 200) == ["ok", "ok"]
    assert _statuses(204, 400) == ["ok", "ok"]  # any answer proves the endpoint is there
    assert _statuses(404, 200) == ["warn", "ok"]  # no health endpoint: the exchange decides
    assert _statuses(200, 404) == ["ok", "fail"]  # not a GraphQL endpoint
    assert _statuses(503, 502) == ["warn", "fail"]


def test_exchange_remedies_by_status() -> None:
    assert exchange_remedy(Probe("PAT exchange", "https://auth.dxtra.ai", 401)) == REMEDY_401
    # A key refused by an auth service on this machine is a restarted sandbox's.
    assert exchange_remedy(Probe("PAT exchange", "http://127.0.0.1:4000", 401)) == REMEDY_401_LOCAL
    assert "slow down" in exchange_remedy(Probe("PAT exchange", "https://auth", 429))
    refused = Probe("PAT exchange", "https://auth", failure="refused").failed("exchange", "PAT")
    assert refused.status == "fail" and "nothing listens" in str(refused.remedy)


# -- roles -----------------------------------------------------------------------------------------


def _refused(status: int, code: str | None, message: str) -> tuple[str, str | None]:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    result = role_verdict("me", Probe("role me", "https://api", status, 1.0), body, ["user"])
    return result.status, result.remedy


@pytest.mark.parametrize(
    ("status", "code", "message", "needle"),
    [
        (200, "access-denied", "not in allowed roles", "use a role this key's token allows (user)"),
        (200, "invalid-jwt", "Could not verify JWT: JWTExpired", CLOCK_REMEDY),
        (200, "invalid-jwt", "Could not verify JWT: JWSError", "same Dxtra deployment"),
        (401, None, "unauthorized", "same Dxtra deployment"),
        (429, None, "slow down", "slow down"),
        (500, None, "boom", "try again later"),
    ],
)
def test_role_refusals_name_their_remedy(
    status: int, code: str | None, message: str, needle: str
) -> None:
    verdict, remedy = _refused(status, code, message)
    assert verdict == "fail" and remedy and needle in remedy


def test_an_accepted_role_and_a_transport_failure() -> None:
    ok = role_verdict("user", Probe("role user", "https://api", 200, 1.0), {"data": {}}, ["user"])
    assert ok.status == "ok" and ok.remedy is None
    refused = Probe("role user", "https://api", failure="refused", message="no")
    failed = role_verdict("user", refused, None, ["user"])
    assert failed.status == "fail" and failed.facts["failure"] == "refused"
    assert failed.remedy and "nothing listens" in failed.remedy


def test_operation_roles_the_token_lacks_are_listed() -> None:
    roles = {"dataSubject": ("MySubject",), "anonymous": ("Pub",), "user": ("Mine",)}
    result = operation_roles_verdict(roles, ["user", "me"])
    assert result.status == "warn" and "dataSubject: MySubject" in result.detail
    assert "Pub" not in result.detail and result.facts["not_allowed"] == ["dataSubject"]


def test_operation_roles_the_token_allows_pass() -> None:
    result = operation_roles_verdict({"user": ("Mine",), "anonymous": ()}, ["user", "me"])
    assert result.status == "ok" and result.remedy is None
