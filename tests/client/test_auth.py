"""Pure auth policy: token expiry and refresh timing, reading the Nhost session, exchange
failures as typed errors, token rejection. No I/O, no clock."""

from __future__ import annotations

import json

import httpx
import jwt
import pytest

from dxtra_typed import (
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InternalServerError,
    InvalidResponseError,
    RateLimitError,
    _auth,
)
from dxtra_typed._auth import (
    AccessToken,
    AsyncTokenCache,
    DxtraAuth,
    needs_refresh,
    parse_session,
    token_expiry,
    token_rejected,
)
from dxtra_typed._secret import Secret, redact

from ..support.responses import response as _response

PAT = Secret("3d1f5a7e-0c8b-4e5f-a1b2-c3d4e5f60718")


def _jwt(exp: float) -> str:
    return jwt.encode({"exp": int(exp), "sub": "x"}, "k" * 32, algorithm="HS256")


def test_expiry_prefers_the_jwt_exp_claim() -> None:
    assert token_expiry(_jwt(5000), 3600, now=1000) == 5000


def test_expiry_falls_back_to_expires_in_then_nhost_default() -> None:
    assert token_expiry("not-a-jwt", 3600, now=1000) == 4600
    assert token_expiry("not-a-jwt", None, now=1000) == 1900


@pytest.mark.parametrize(
    ("now", "expected"),
    [(1000, False), (4539, False), (4540, True), (4600, True), (9999, True)],
)
def test_refresh_starts_one_margin_before_expiry(now: float, expected: bool) -> None:
    token = AccessToken(Secret("t"), issued_at=1000, expires_at=4600)
    assert needs_refresh(token, now) is expected


def test_short_lived_tokens_refresh_at_three_quarters_of_their_life() -> None:
    token = AccessToken(Secret("t"), issued_at=0, expires_at=2)
    assert not needs_refresh(token, 1.49)
    assert needs_refresh(token, 1.5)
    assert needs_refresh(None, 0)


def test_session_is_read_from_nhost_shape() -> None:
    access = _jwt(2000)
    body = {"session": {"accessToken": access, "accessTokenExpiresIn": 900, "refreshToken": "r"}}
    token = parse_session(_response(200, body, "http://a/v1/signin/pat"), (PAT,), now=1000)
    assert token.token.reveal() == access and token.expires_at == 2000
    assert token.refresh_token == Secret("r")
    assert access not in repr(token)


@pytest.mark.parametrize(
    ("status", "body", "cls", "phrase"),
    [
        (
            401,
            {
                "status": 401,
                "message": "Invalid or expired personal access token",
                "error": "invalid-pat",
            },
            AuthenticationError,
            "regenerate",
        ),
        (
            400,
            {
                "status": 400,
                "message": "The request payload is incorrect",
                "error": "invalid-request",
            },
            AuthenticationError,
            "concealed",
        ),
        (
            400,
            {"error": "error in openapi3filter.RequestError: value " + PAT.reveal()},
            BadRequestError,
            "copied whole",
        ),
        (429, {"status": 429, "message": "Too many requests"}, RateLimitError, "back off"),
        (503, b"<html>down</html>", InternalServerError, "503"),
    ],
)
def test_exchange_failures_are_typed_and_say_what_to_do(
    status: int, body: object, cls: type[Exception], phrase: str
) -> None:
    with pytest.raises(cls) as info:
        parse_session(_response(status, body, "http://a/v1/signin/pat"), (PAT,), now=0)
    assert phrase in str(info.value)
    assert PAT.reveal() not in str(info.value) and PAT.reveal() not in repr(info.value.args)
    assert PAT.reveal() not in json.dumps(getattr(info.value, "body", None), default=str)


def test_exchange_200_without_token_is_an_invalid_response() -> None:
    with pytest.raises(InvalidResponseError):
        parse_session(_response(200, {"session": None}), (PAT,), now=0)


def test_token_rejection_is_seen_in_401_and_in_200_bodies() -> None:
    expired = {
        "errors": [
            {
                "message": "Could not verify JWT: JWTExpired",
                "extensions": {"code": "invalid-jwt", "path": "$"},
            }
        ]
    }
    assert token_rejected(_response(200, expired))
    assert token_rejected(_response(401, {}))
    assert not token_rejected(_response(200, {"data": {"invalid-jwt": 1}}))
    assert not token_rejected(
        _response(200, {"errors": [{"message": "x", "extensions": {"code": "access-denied"}}]})
    )


_EXPIRED_ERROR: dict[str, object] = {
    "message": "Could not verify JWT: JWTExpired",
    "extensions": {"code": "invalid-jwt", "path": "$"},
}


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        # Hasura's own answer, compact and pretty-printed: errors only.
        (b'{"errors":[{"extensions":{"path":"$","code":"invalid-jwt"},"message":"x"}]}', True),
        (b'  {\n  "errors" : [ {"extensions": {"code": "invalid-jwt"}} ]\n}', True),
        ({"errors": [{"message": "other"}, _EXPIRED_ERROR]}, True),
        # A body with data ran the operation: never a refusal, whatever it contains.
        ({"data": None, "errors": [_EXPIRED_ERROR]}, False),
        ({"errors": [_EXPIRED_ERROR], "data": {"x": 1}}, False),
        ({"data": {"errors": [_EXPIRED_ERROR]}}, False),
        # Errors only, but another code; or not the shape of a GraphQL response at all.
        ({"errors": [{"message": "x", "extensions": {"code": "access-denied"}}]}, False),
        ({"errors": {"extensions": {"code": "invalid-jwt"}}}, False),
        ([_EXPIRED_ERROR], False),
        (b"<html>invalid-jwt</html>", False),
        (b"", False),
        (b"[" * 100_000, False),
    ],
)
def test_jwt_refusal_is_decided_by_the_body_shape(body: object, refused: bool) -> None:
    assert token_rejected(_response(200, body)) is refused
    assert token_rejected(_response(401, body)) is True
    assert token_rejected(_response(500, body)) is False


def test_a_result_is_not_parsed_or_searched_for_a_jwt_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A success body is answered from its first bytes: the parser is never called, so a
    10,000-row result costs nothing here (it used to be searched for `invalid-jwt`)."""
    parsed: list[object] = []
    monkeypatch.setattr(_auth, "_lenient_json", lambda text: parsed.append(text))
    rows = b",".join(b'{"id":%d,"note":"invalid-jwt"}' % i for i in range(10_000))
    assert not token_rejected(_response(200, b' {"data":{"rows":[' + rows + b"]}}"))
    assert parsed == []
    assert not token_rejected(_response(200, b'{"errors":[]}'))
    assert parsed == [b'{"errors":[]}']  # only a body without leading data is parsed


def test_secret_never_prints() -> None:
    secret = Secret("s3cr3t-value")
    assert (
        "s3cr3t" not in repr(secret) and "s3cr3t" not in str(secret) and "s3cr3t" not in f"{secret}"
    )
    assert redact("a s3cr3t-value b", secret) == "a <redacted> b"


def test_a_token_for_a_role_is_asked_of_auth_not_read_from_its_internals() -> None:
    tokens = AsyncTokenCache(httpx.AsyncClient(), "http://127.0.0.1:1", PAT)
    with_key = DxtraAuth("user", async_tokens=tokens)
    assert with_key.async_tokens_for("user") is tokens
    assert with_key.async_tokens_for("public") is None  # tokenless: no Authorization at all
    without_key = DxtraAuth("public")
    assert without_key.async_tokens_for("anonymous") is None
    with pytest.raises(ConfigurationError, match="role 'user' needs an API key"):
        without_key.async_tokens_for("user")
