"""Nhost's signout, JWKS and short token lifetimes, over real HTTP with an injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from dxtra_typed.sandbox import Sandbox


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class EchoEngine:
    def execute(self, request: dict[str, Any], session: Any) -> dict[str, Any]:
        return {"data": {"role": session.role}}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Iterator[Sandbox]:
    with Sandbox(
        engine=EchoEngine(), clock=clock, access_token_ttl=1, refresh_token_ttl=1
    ) as sandbox:
        yield sandbox


@pytest.fixture
def http(sb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sb.auth_url) as client:
        yield client


def session(http: httpx.Client, sb: Sandbox) -> dict[str, Any]:
    r = http.post("/v1/signin/pat", json={"personalAccessToken": sb.pat})
    assert r.status_code == 200
    body: dict[str, Any] = r.json()["session"]
    return body


def refresh(http: httpx.Client, token: str) -> httpx.Response:
    return http.post("/v1/token", json={"refreshToken": token})


def api(http: httpx.Client, sb: Sandbox, access: str) -> dict[str, Any]:
    r = http.post(
        sb.api_url, json={"query": "{ a }"}, headers={"Authorization": f"Bearer {access}"}
    )
    body: dict[str, Any] = r.json()
    return body


def test_one_second_access_tokens(sb: Sandbox, http: httpx.Client, clock: FakeClock) -> None:
    s = session(http, sb)
    assert s["accessTokenExpiresIn"] == 1
    claims = jwt.decode(s["accessToken"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 1
    assert api(http, sb, s["accessToken"])["data"]["role"] == "user"
    clock.now += 1  # exp == now is still valid: Hasura's check is strictly "now > exp"
    assert "data" in api(http, sb, s["accessToken"])
    clock.now += 1
    assert api(http, sb, s["accessToken"])["errors"][0]["message"] == (
        "Could not verify JWT: JWTExpired"
    )


def test_one_second_refresh_tokens(sb: Sandbox, http: httpx.Client, clock: FakeClock) -> None:
    s = session(http, sb)
    clock.now += 0.5
    rotated = refresh(http, s["refreshToken"])
    assert rotated.status_code == 200
    clock.now += 1
    late = refresh(http, rotated.json()["refreshToken"])
    assert (late.status_code, late.json()["error"]) == (401, "invalid-refresh-token")


def test_signout_revokes_one_refresh_token_and_answers_ok(sb: Sandbox, http: httpx.Client) -> None:
    a, b = session(http, sb), session(http, sb)
    r = http.post("/v1/signout", json={"refreshToken": a["refreshToken"]})
    assert (r.status_code, r.json()) == (200, "OK")
    assert refresh(http, a["refreshToken"]).status_code == 401
    assert refresh(http, b["refreshToken"]).status_code == 200
    # Idempotent: signing out an unknown or spent token is not an error.
    assert http.post("/v1/signout", json={"refreshToken": a["refreshToken"]}).json() == "OK"
    assert sb.stats.signout == 2 and sb.stats.received("signout") == 2


def test_signout_all_needs_a_valid_access_token(sb: Sandbox, http: httpx.Client) -> None:
    a, b = session(http, sb), session(http, sb)
    body = {"refreshToken": a["refreshToken"], "all": True}
    r = http.post("/v1/signout", json=body)
    assert (r.status_code, r.json()) == (
        400,
        {"status": 400, "message": "The request payload is incorrect", "error": "invalid-request"},
    )
    r = http.post("/v1/signout", json=body, headers={"Authorization": f"Bearer {b['accessToken']}"})
    assert r.json() == "OK"
    assert refresh(http, a["refreshToken"]).status_code == 401
    assert refresh(http, b["refreshToken"]).status_code == 401


@pytest.mark.parametrize(
    "body",
    [{"refreshToken": "nope"}, {"refreshToken": "x", "all": "yes"}, {"all": 1}, {"other": True}],
)
def test_signout_validates_its_body(http: httpx.Client, body: dict[str, Any]) -> None:
    r = http.post("/v1/signout", json=body)
    assert r.status_code == 400
    assert list(r.json()) == ["error"]
    assert r.json()["error"].startswith("error in openapi3filter.RequestError")


def test_signout_rejects_a_non_boolean_all(sb: Sandbox, http: httpx.Client) -> None:
    token = session(http, sb)["refreshToken"]
    r = http.post("/v1/signout", json={"refreshToken": token, "all": "yes"})
    assert r.status_code == 400
    assert "boolean" in r.json()["error"]


def test_jwks_has_null_keys_for_hs256(http: httpx.Client) -> None:
    r = http.get("/v1/.well-known/jwks.json")
    assert (r.status_code, r.json()) == (200, {"keys": None})


def test_token_lifetimes_below_one_second_are_refused() -> None:
    with pytest.raises(ValueError, match="access_token_ttl"):
        Sandbox(access_token_ttl=0)
    with pytest.raises(ValueError, match="refresh_token_ttl"):
        Sandbox(refresh_token_ttl=0)


def test_engine_and_db_are_exclusive() -> None:
    with pytest.raises(ValueError, match="db and seed_rows"):
        Sandbox(engine=EchoEngine(), seed_rows=5)
