"""Every forged or stale JWT is refused with Hasura's `invalid-jwt`, and nothing runs.

Tokens are built with pyjwt (and by hand for `alg: none`), sent to the sandbox over HTTP, and
then once through the typed client, which must replay once and then raise InvalidJWTError.
"""

from __future__ import annotations

import base64
import json
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jwt
import pytest

from dxtra_typed import AuthenticationError, DxtraClient, InvalidJWTError
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._identities import OTHER_USER_ID, SANDBOX_USER_ID

CLAIMS_NS = "https://hasura.io/jwt/claims"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def tampered(sb: Sandbox) -> str:
    """A real token whose payload was edited (another user) and signature kept."""
    header, _, signature = sb.mint_token().split(".")
    claims = _claims(sb.mint_token())
    claims[CLAIMS_NS]["x-hasura-user-id"] = OTHER_USER_ID
    claims["sub"] = OTHER_USER_ID
    return f"{header}.{_b64(claims)}.{signature}"


def escalated(sb: Sandbox) -> str:
    """A real token with an extra allowed role smuggled in."""
    header, _, signature = sb.mint_token().split(".")
    claims = _claims(sb.mint_token())
    claims[CLAIMS_NS]["x-hasura-allowed-roles"].append("admin")
    return f"{header}.{_b64(claims)}.{signature}"


def alg_none(sb: Sandbox) -> str:
    claims = _claims(sb.mint_token())
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def expired(sb: Sandbox) -> str:
    claims = _claims(sb.mint_token())
    claims["iat"], claims["exp"] = int(time.time()) - 7200, int(time.time()) - 3600
    return jwt.encode(claims, sb.tokens.secret, algorithm="HS256")


def wrong_issuer(sb: Sandbox) -> str:
    claims = _claims(sb.mint_token())
    claims["iss"] = "someone-else"
    return jwt.encode(claims, sb.tokens.secret, algorithm="HS256")


def wrong_key(sb: Sandbox) -> str:
    return jwt.encode(_claims(sb.mint_token()), "not-the-secret-" * 4, algorithm="HS256")


def other_algorithm(sb: Sandbox) -> str:
    """The right secret, but HS512 where the server is configured for HS256."""
    with warnings.catch_warnings():  # the sandbox's 32-byte key is short for SHA-512
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode(_claims(sb.mint_token()), sb.tokens.secret, algorithm="HS512")


FORGERIES: dict[str, Callable[[Sandbox], str]] = {
    "tampered": tampered,
    "escalated": escalated,
    "alg-none": alg_none,
    "expired": expired,
    "wrong-issuer": wrong_issuer,
    "wrong-key": wrong_key,
    "other-algorithm": other_algorithm,
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_forged_or_stale_tokens_are_invalid_jwt(
    sb: Sandbox, forge: Callable[[Sandbox], str]
) -> None:
    token = forge(sb)
    before = sb.stats.executed(None)
    response = httpx.post(
        sb.api_url,
        json={"query": "{ dataControllers { id } }"},
        headers={"Authorization": f"Bearer {token}", "X-Hasura-Role": "user"},
        timeout=10,
    )
    body = response.json()
    assert response.status_code == 200
    assert body["errors"][0]["extensions"]["code"] == "invalid-jwt", body
    assert body["errors"][0]["message"].startswith("Could not verify JWT")
    assert "data" not in body
    assert sb.stats.executed(None) == before  # refused before anything ran


def test_the_real_token_still_works(sb: Sandbox) -> None:
    response = httpx.post(
        sb.api_url,
        json={"query": "{ dataControllers { id } }"},
        headers={"Authorization": f"Bearer {sb.mint_token(SANDBOX_USER_ID)}"},
        timeout=10,
    )
    assert len(response.json()["data"]["dataControllers"]) == 2


def test_client_replays_once_then_raises_invalid_jwt(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client whose every token is forged: one replay with a renewed token, then the error."""
    with DxtraClient(api_key=sb.pat, auth_url=sb.auth_url, api_url=sb.api_url, env={}) as client:
        assert client._tokens is not None
        real_get = client._tokens.get

        def forged_get() -> Any:
            real_get()
            from dxtra_typed._secret import Secret

            return Secret(tampered(sb))

        monkeypatch.setattr(client._tokens, "get", forged_get)
        mark = sb.requests.mark()
        with pytest.raises(InvalidJWTError) as info:
            client.data_controllers()
        assert isinstance(info.value, AuthenticationError)
        sent = [r for r in sb.requests.since(mark) if r.path == "/v1/graphql"]
        assert [r.error_code for r in sent] == ["invalid-jwt", "invalid-jwt"]
