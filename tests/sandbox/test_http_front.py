"""The `/v1/graphql` front decides sessions and refuses requests exactly as Hasura v2 (JWT mode)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._identities import DATA_SUBJECT_USER_ID, SANDBOX_USER_ID


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class RecordingEngine:
    """Stands in for the GraphQL engine: shows which session the front decided on."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, Any], Any]] = []

    def execute(self, request: dict[str, Any], session: Any) -> dict[str, Any]:
        self.calls.append((request, session))
        return {"data": {"role": session.role, "userId": session.user_id}}


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture(scope="module")
def sb(clock: FakeClock, engine: RecordingEngine) -> Iterator[Sandbox]:
    with Sandbox(engine=engine, clock=clock) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def token(sb: Sandbox) -> str:
    with httpx.Client() as http:
        r = http.post(f"{sb.auth_url}/v1/signin/pat", json={"personalAccessToken": sb.pat})
    access: str = r.json()["session"]["accessToken"]
    return access


@pytest.fixture
def http(sb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


QUERY = {"query": "query Controllers { dataControllers { id } }", "operationName": "Controllers"}


def post(sb: Sandbox, http: httpx.Client, headers: dict[str, str], body: Any = None) -> Any:
    r = http.post(sb.api_url, json=QUERY if body is None else body, headers=headers)
    assert r.status_code == 200
    return r.json()


def hasura_error(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"extensions": {"path": "$", "code": code}, "message": message}]}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_authorization_is_anonymous_whatever_the_role_header(
    sb: Sandbox, http: httpx.Client
) -> None:
    assert post(sb, http, {}) == {"data": {"role": "anonymous", "userId": None}}
    assert post(sb, http, {"X-Hasura-Role": "user"})["data"]["role"] == "anonymous"


def test_default_role_and_user_id_come_from_the_jwt(
    sb: Sandbox, http: httpx.Client, token: str
) -> None:
    assert post(sb, http, bearer(token)) == {"data": {"role": "user", "userId": SANDBOX_USER_ID}}


def test_role_header_selects_an_allowed_role_case_insensitively(
    sb: Sandbox, http: httpx.Client, token: str
) -> None:
    assert post(sb, http, {**bearer(token), "x-hasura-role": "me"})["data"]["role"] == "me"
    assert post(sb, http, {**bearer(token), "X-HASURA-ROLE": "me"})["data"]["role"] == "me"


def test_role_not_in_allowed_roles_is_access_denied(
    sb: Sandbox, http: httpx.Client, token: str
) -> None:
    assert post(sb, http, {**bearer(token), "X-Hasura-Role": "dataSubject"}) == hasura_error(
        "access-denied", "Your requested role is not in allowed roles"
    )


def test_data_subject_token(sb: Sandbox, http: httpx.Client) -> None:
    subject = sb.mint_token(DATA_SUBJECT_USER_ID)
    assert post(sb, http, bearer(subject))["data"] == {
        "role": "dataSubject",
        "userId": DATA_SUBJECT_USER_ID,
    }


@pytest.mark.parametrize(
    "value", ["bearer {t}", "Bearer  {t}", "Token {t}", "Bearer {t} extra", "{t}", "Bearer"]
)
def test_malformed_authorization_header(
    sb: Sandbox, http: httpx.Client, token: str, value: str
) -> None:
    body = post(sb, http, {"Authorization": value.format(t=token)})
    assert body == hasura_error("invalid-headers", "Malformed Authorization header")


def test_expired_jwt_with_zero_skew(
    sb: Sandbox, http: httpx.Client, token: str, clock: FakeClock
) -> None:
    clock.now += 3600
    try:
        assert "data" in post(sb, http, bearer(token))  # exactly at exp: still valid
        clock.now += 1
        assert post(sb, http, bearer(token)) == hasura_error(
            "invalid-jwt", "Could not verify JWT: JWTExpired"
        )
    finally:
        clock.now -= 3601


def test_token_from_another_secret_is_an_invalid_signature(sb: Sandbox, http: httpx.Client) -> None:
    forged = sb.tokens.sign(sb.tokens.claims_for(sb.identity()), secret=secrets.token_bytes(32))
    assert post(sb, http, bearer(forged)) == hasura_error(
        "invalid-jwt", "Could not verify JWT: JWSError JWSInvalidSignature"
    )


def test_token_from_another_sandbox_is_rejected(sb: Sandbox, http: httpx.Client) -> None:
    with Sandbox(engine=RecordingEngine()) as other:
        foreign = other.mint_token()
    assert post(sb, http, bearer(foreign))["errors"][0]["extensions"]["code"] == "invalid-jwt"


def test_wrong_issuer(sb: Sandbox, http: httpx.Client) -> None:
    claims = {**sb.tokens.claims_for(sb.identity()), "iss": "someone-else"}
    assert post(sb, http, bearer(sb.tokens.sign(claims))) == hasura_error(
        "invalid-jwt", "Could not verify JWT: JWTNotInIssuer"
    )


@pytest.mark.parametrize("value", ["abc", "a.b", "a.b.c", "....."])
def test_malformed_jwt_is_a_jws_error(sb: Sandbox, http: httpx.Client, value: str) -> None:
    error = post(sb, http, bearer(value))["errors"][0]
    assert error["extensions"] == {"path": "$", "code": "invalid-jwt"}
    assert error["message"].startswith("Could not verify JWT: JWSError")


def test_missing_role_claims(sb: Sandbox, http: httpx.Client) -> None:
    claims = sb.tokens.claims_for(sb.identity())
    ns = claims["https://hasura.io/jwt/claims"]
    del ns["x-hasura-allowed-roles"]
    assert post(sb, http, bearer(sb.tokens.sign(claims))) == hasura_error(
        "jwt-missing-role-claims", "JWT claim does not contain x-hasura-allowed-roles"
    )
    claims = sb.tokens.claims_for(sb.identity())
    del claims["https://hasura.io/jwt/claims"]["x-hasura-default-role"]
    assert post(sb, http, bearer(sb.tokens.sign(claims)))["errors"][0]["extensions"] == {
        "path": "$",
        "code": "jwt-missing-role-claims",
    }


def test_invalid_json_body_is_a_200_invalid_json_error(
    sb: Sandbox, http: httpx.Client, token: str
) -> None:
    r = http.post(sb.api_url, content=b"{nope", headers=bearer(token))
    assert r.status_code == 200
    assert r.json() == hasura_error(
        "invalid-json", "Error in $: Failed reading: not a valid json value"
    )


def test_auth_is_checked_before_the_body(sb: Sandbox, http: httpx.Client) -> None:
    r = http.post(sb.api_url, content=b"{nope", headers={"Authorization": "Basic x"})
    assert r.json()["errors"][0]["extensions"]["code"] == "invalid-headers"


def test_batched_requests_get_a_list(sb: Sandbox, http: httpx.Client) -> None:
    assert (
        post(sb, http, {}, body=[QUERY, QUERY])
        == [{"data": {"role": "anonymous", "userId": None}}] * 2
    )


def test_engine_receives_the_body_untouched(
    sb: Sandbox, http: httpx.Client, engine: RecordingEngine
) -> None:
    body = {**QUERY, "variables": {"limit": 3}}
    post(sb, http, {}, body=body)
    assert engine.calls[-1][0] == body


def test_request_id_is_echoed_or_generated(sb: Sandbox, http: httpx.Client) -> None:
    r = http.post(sb.api_url, json=QUERY, headers={"x-request-id": "req-123"})
    assert r.headers["x-request-id"] == "req-123"
    generated = http.post(sb.api_url, json=QUERY).headers["x-request-id"]
    assert len(generated) == 36


def test_request_log_records_headers_but_never_tokens(
    sb: Sandbox, http: httpx.Client, token: str
) -> None:
    mark = sb.requests.mark()
    http.post(
        sb.api_url,
        json=QUERY,
        headers={**bearer(token), "X-Hasura-Role": "me", "x-dxtra-retry-count": "2"},
    )
    http.post(sb.api_url, json=QUERY)
    http.post(f"{sb.auth_url}/v1/signin/pat", json={"personalAccessToken": sb.pat})
    authed, anonymous, signin = sb.requests.since(mark)
    assert (authed.method, authed.path, authed.status) == ("POST", "/v1/graphql", 200)
    assert authed.has_auth and authed.role_header == "me" and authed.session_role == "me"
    assert authed.retry_count == "2"
    assert authed.operation_name == "Controllers"
    assert not anonymous.has_auth and anonymous.session_role == "anonymous"
    assert anonymous.retry_count is None
    assert signin.path == "/v1/signin/pat"
    assert sb.requests[-1] == signin
    dump = repr(sb.requests.snapshot())
    assert token not in dump
    assert sb.pat not in dump


def test_request_log_records_the_refusal_code(sb: Sandbox, http: httpx.Client) -> None:
    mark = sb.requests.mark()
    post(sb, http, {"Authorization": "Bearer x"})
    (record,) = sb.requests.since(mark)
    assert record.error_code == "invalid-jwt"
    assert record.session_role is None


def test_request_log_is_bounded() -> None:
    from dxtra_typed.sandbox._app import RequestLog

    log = RequestLog(maxlen=3)
    for i in range(5):
        log._append(
            method="POST",
            path=f"/{i}",
            status=200,
            role_header=None,
            has_auth=False,
            operation_name=None,
            retry_count=None,
            request_id="r",
            session_role=None,
            error_code=None,
            user_agent=None,
            content_type=None,
        )
    assert [r.path for r in log] == ["/2", "/3", "/4"]
    assert [r.path for r in log.since(3)] == ["/3", "/4"]


def test_log_entry_exists_as_soon_as_the_response_arrives(sb: Sandbox, http: httpx.Client) -> None:
    # Regression: the entry used to be appended after the body was sent, racing the client.
    for _ in range(30):
        r = http.post(sb.api_url, json=QUERY)
        assert sb.requests[-1].request_id == r.headers["x-request-id"]
