"""The sandbox's Nhost auth routes answer with hasura-auth's exact shapes, over real HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._identities import (
    DATA_SUBJECT_USER_ID,
    SANDBOX_USER_EMAIL,
    SANDBOX_USER_ID,
)


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class EchoEngine:
    def execute(self, request: dict[str, Any], session: Any) -> dict[str, Any]:
        return {"data": {"role": session.role}}


USER_KEYS = {
    "id",
    "createdAt",
    "displayName",
    "avatarUrl",
    "locale",
    "email",
    "emailVerified",
    "phoneNumber",
    "phoneNumberVerified",
    "defaultRole",
    "roles",
    "isAnonymous",
    "metadata",
    "activeMfaType",
}
SESSION_KEYS = {"accessToken", "accessTokenExpiresIn", "refreshToken", "refreshTokenId", "user"}


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def sb(clock: FakeClock) -> Iterator[Sandbox]:
    with Sandbox(engine=EchoEngine(), clock=clock) as sandbox:
        yield sandbox


@pytest.fixture
def http(sb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sb.auth_url) as client:
        yield client


def signin(http: httpx.Client, pat: str) -> httpx.Response:
    return http.post("/v1/signin/pat", json={"personalAccessToken": pat})


def test_signin_pat_returns_the_wrapped_nhost_session(
    sb: Sandbox, http: httpx.Client, clock: FakeClock
) -> None:
    r = signin(http, sb.pat)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"session"}
    session = body["session"]
    assert set(session) == SESSION_KEYS
    assert session["accessTokenExpiresIn"] == 3600
    uuid.UUID(session["refreshToken"])
    uuid.UUID(session["refreshTokenId"])
    user = session["user"]
    assert set(user) == USER_KEYS
    assert user["id"] == SANDBOX_USER_ID
    assert user["email"] == SANDBOX_USER_EMAIL
    assert user["defaultRole"] == "user"
    assert user["roles"] == ["user", "me"]
    assert user["isAnonymous"] is False
    assert user["activeMfaType"] is None

    token = session["accessToken"]
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    claims = jwt.decode(
        token,
        sb.tokens.secret,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["sub"] == SANDBOX_USER_ID
    assert claims["iss"] == "hasura-auth"
    assert claims["iat"] == int(clock.now)
    assert claims["exp"] == int(clock.now) + 3600
    assert "aud" not in claims
    assert claims["https://hasura.io/jwt/claims"] == {
        "x-hasura-allowed-roles": ["user", "me"],
        "x-hasura-default-role": "user",
        "x-hasura-user-id": SANDBOX_USER_ID,
        "x-hasura-user-is-anonymous": "false",
    }


def test_data_subject_pat_gets_the_data_subject_role(sb: Sandbox, http: httpx.Client) -> None:
    session = signin(http, sb.data_subject_pat).json()["session"]
    claims = jwt.decode(session["accessToken"], options={"verify_signature": False})
    ns = claims["https://hasura.io/jwt/claims"]
    assert ns["x-hasura-user-id"] == DATA_SUBJECT_USER_ID
    assert ns["x-hasura-default-role"] == "dataSubject"
    assert ns["x-hasura-allowed-roles"] == ["dataSubject"]


INVALID_PAT = {
    "status": 401,
    "message": "Invalid or expired personal access token",
    "error": "invalid-pat",
}


def test_unknown_pat_is_401_invalid_pat(http: httpx.Client) -> None:
    r = signin(http, str(uuid.uuid4()))
    assert (r.status_code, r.json()) == (401, INVALID_PAT)


def test_revoked_and_expired_pats_are_401(
    sb: Sandbox, http: httpx.Client, clock: FakeClock
) -> None:
    revoked = sb.add_pat()
    assert signin(http, revoked).status_code == 200
    assert sb.revoke_pat(revoked)
    assert (signin(http, revoked).status_code, signin(http, revoked).json()) == (401, INVALID_PAT)

    expiring = sb.add_pat(expires_in=60)
    assert signin(http, expiring).status_code == 200
    clock.now += 60
    try:
        assert signin(http, expiring).json() == INVALID_PAT
    finally:
        clock.now -= 60


def test_an_upper_case_pat_fails_the_spec_pattern(sb: Sandbox, http: httpx.Client) -> None:
    # hasura-auth's pattern is [0-9a-f]: the validator refuses it before any lookup.
    r = signin(http, sb.pat.upper())
    assert (r.status_code, list(r.json())) == (400, ["error"])


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"personalAccessToken": "not-a-uuid-secret"}', "doesn't match the regular expression"),
        (b"{}", 'property "personalAccessToken" is missing'),
        (b'{"personalAccessToken": 42}', "value must be a string"),
        (b"[]", "value must be an object"),
        (b"not json not-a-uuid-secret", "failed to decode request body"),
    ],
)
def test_schema_violations_get_the_validator_body(
    http: httpx.Client, content: bytes, fragment: str
) -> None:
    r = http.post("/v1/signin/pat", content=content, headers={"content-type": "application/json"})
    assert r.status_code == 400
    body = r.json()
    assert list(body) == ["error"]
    assert body["error"].startswith("error in openapi3filter.RequestError: request body has")
    assert fragment in body["error"]
    assert "not-a-uuid-secret" not in r.text


def test_extra_keys_are_rejected_without_echoing_the_token(sb: Sandbox, http: httpx.Client) -> None:
    r = http.post("/v1/signin/pat", json={"personalAccessToken": sb.pat, "extra": sb.pat})
    assert r.status_code == 400
    assert list(r.json()) == ["error"]
    assert sb.pat not in r.text


def test_a_non_json_content_type_is_a_validator_error(sb: Sandbox, http: httpx.Client) -> None:
    r = http.post("/v1/signin/pat", data={"personalAccessToken": sb.pat})
    assert r.status_code == 400
    assert "Content-Type" in r.json()["error"]


def test_refresh_returns_a_bare_session_and_rotates(sb: Sandbox, http: httpx.Client) -> None:
    first = signin(http, sb.pat).json()["session"]["refreshToken"]
    r = http.post("/v1/token", json={"refreshToken": first})
    assert r.status_code == 200
    session = r.json()
    assert set(session) == SESSION_KEYS
    second = session["refreshToken"]
    assert second != first
    jwt.decode(
        session["accessToken"],
        sb.tokens.secret,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )

    reused = http.post("/v1/token", json={"refreshToken": first})
    assert reused.status_code == 401
    assert reused.json() == {
        "status": 401,
        "message": "Invalid or expired refresh token",
        "error": "invalid-refresh-token",
    }
    assert http.post("/v1/token", json={"refreshToken": second}).status_code == 200


def test_refresh_token_expires_after_12_hours(
    sb: Sandbox, http: httpx.Client, clock: FakeClock
) -> None:
    token = signin(http, sb.pat).json()["session"]["refreshToken"]
    clock.now += 12 * 3600
    try:
        r = http.post("/v1/token", json={"refreshToken": token})
    finally:
        clock.now -= 12 * 3600
    assert r.json()["error"] == "invalid-refresh-token"


def test_refresh_validates_its_body(http: httpx.Client) -> None:
    r = http.post("/v1/token", json={"refreshToken": "nope"})
    assert r.status_code == 400
    assert list(r.json()) == ["error"]


def test_exchanges_are_counted(sb: Sandbox, http: httpx.Client) -> None:
    before_pat, before_refresh = sb.stats.signin_pat, sb.stats.token_refresh
    refresh = signin(http, sb.pat).json()["session"]["refreshToken"]
    http.post("/v1/token", json={"refreshToken": refresh})
    assert sb.stats.signin_pat - before_pat == 1
    assert sb.stats.token_refresh - before_refresh == 1


def test_healthz(http: httpx.Client) -> None:
    r = http.get("/healthz")
    assert (r.status_code, r.json()) == (200, "OK")
    assert http.head("/healthz").status_code == 200


def test_unknown_auth_route_is_nhost_404(http: httpx.Client) -> None:
    r = http.post("/v1/signin/nope", json={})
    assert r.status_code == 404
    assert r.json()["error"] == "route-not-found"


def test_conceal_errors_turns_sensitive_codes_into_invalid_request() -> None:
    concealed = {
        "status": 400,
        "message": "The request payload is incorrect",
        "error": "invalid-request",
    }
    with (
        Sandbox(engine=EchoEngine(), conceal_errors=True) as sb,
        httpx.Client(base_url=sb.auth_url) as http,
    ):
        r = signin(http, str(uuid.uuid4()))
        assert (r.status_code, r.json()) == (400, concealed)
        r = http.post("/v1/token", json={"refreshToken": str(uuid.uuid4())})
        assert (r.status_code, r.json()) == (400, concealed)
        # The validator's answer is not an application error, so it is not concealed.
        assert list(signin(http, "x").json()) == ["error"]
        assert signin(http, sb.pat).status_code == 200


def test_explicit_pat_and_ttl() -> None:
    pat = str(uuid.uuid4())
    with (
        Sandbox(engine=EchoEngine(), pat=pat, access_token_ttl=900) as sb,
        httpx.Client(base_url=sb.auth_url) as http,
    ):
        assert sb.pat == pat
        assert signin(http, pat).json()["session"]["accessTokenExpiresIn"] == 900
