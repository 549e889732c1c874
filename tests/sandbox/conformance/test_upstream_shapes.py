"""Issue 14: the sandbox against what Hasura v2 and hasura-auth's sources do, over real sockets.

One section per point of the issue; docs/design.md ("Sandbox fidelity, round 2") cites the
upstream file behind each expectation. Each test here failed on the sandbox before that change.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from dxtra_typed.sandbox import Sandbox

TWS, LEGACY = "graphql-transport-ws", "graphql-ws"
# hasura-auth's go/api/openapi.yaml, `pattern` of every token and id, written out independently.
UUID_PATTERN = r"\b[0-9a-f]{8}\b-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-\b[0-9a-f]{12}\b"
COUNT = "subscription Count { dataSubjectsRightsRequestsAggregate { aggregate { count } } }"
INVALID_REQUEST = {
    "status": 400,
    "message": "The request payload is incorrect",
    "error": "invalid-request",
}


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def http(sb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sb.auth_url, timeout=10) as client:
        yield client


def ws_url(sb: Sandbox) -> str:
    return sb.api_url.replace("http://", "ws://")


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def recv(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    return message


async def until_closed(
    ws: ClientConnection, timeout: float = 5.0
) -> tuple[list[dict[str, Any]], int | None, str | None]:
    """Everything the server sent until it closed, and its close frame ((None, None): none)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            seen.append(await recv(ws, max(0.01, deadline - time.monotonic())))
    except ConnectionClosed as exc:
        if exc.rcvd is None:
            return seen, None, None
        return seen, exc.rcvd.code, exc.rcvd.reason
    raise AssertionError(f"the socket stayed open; it sent {seen}")


async def initialised(
    sb: Sandbox, protocol: str, headers: dict[str, str] | None = None
) -> ClientConnection:
    """A socket past connection_ack; keep-alives before the ack are skipped."""
    ws = await connect(ws_url(sb), subprotocols=[protocol], open_timeout=5)  # type: ignore[list-item]
    if headers is None:
        headers = {"Authorization": f"Bearer {sb.mint_token()}"}
    await send(ws, {"type": "connection_init", "payload": {"headers": headers}})
    while (message := await recv(ws))["type"] != "connection_ack":
        assert message["type"] in ("ka", "ping"), message
    return ws


def server_error_msg(reason: str | None) -> str:
    assert reason is not None
    body = json.loads(reason)
    assert isinstance(body, dict) and list(body) == ["server_error_msg"], reason
    text: str = body["server_error_msg"]
    return text


# --- 1. JWT expiry on a WebSocket: no close frame (WebSocket/Server.hs) ---


@pytest.mark.parametrize("protocol", [TWS, LEGACY])
async def test_jwt_expiry_ends_the_socket_without_a_close_frame(protocol: str) -> None:
    with Sandbox() as sandbox:
        ws = await initialised(sandbox, protocol)
        kind = "subscribe" if protocol == TWS else "start"
        await send(ws, {"type": kind, "id": "1", "payload": {"query": COUNT}})
        sandbox.expire_tokens()
        seen, code, reason = await until_closed(ws)
    assert (code, reason) == (None, None)  # the client sees 1006, abnormal closure
    assert ws.close_code == 1006
    # No connection_error announces it on the legacy protocol either.
    assert all(m["type"] in ("ka", "ping", "next", "data") for m in seen), seen


@pytest.mark.parametrize("protocol", [TWS, LEGACY])
async def test_the_old_4400_expiry_close_stays_available(protocol: str) -> None:
    with Sandbox(jwt_expiry_close=True) as sandbox:
        ws = await initialised(sandbox, protocol)
        sandbox.expire_tokens()
        seen, code, reason = await until_closed(ws)
    assert code == 4400
    assert server_error_msg(reason) == "4400: Could not verify JWT: JWTExpired"
    if protocol == LEGACY:
        assert {"type": "connection_error", "payload": "Could not verify JWT: JWTExpired"} in seen


@pytest.mark.parametrize("protocol", [TWS, LEGACY])
async def test_an_expired_jwt_in_connection_init_is_still_refused(
    sb: Sandbox, protocol: str
) -> None:
    token = sb.mint_token(ttl=1)
    sb.tokens.expire_issued()
    ws = await connect(ws_url(sb), subprotocols=[protocol])  # type: ignore[list-item]
    headers = {"Authorization": f"Bearer {token}"}
    await send(ws, {"type": "connection_init", "payload": {"headers": headers}})
    seen, code, reason = await until_closed(ws)
    if protocol == TWS:
        assert (code, server_error_msg(reason)) == (4403, "4403: Forbidden")
    else:
        assert {"type": "connection_error", "payload": "Could not verify JWT: JWTExpired"} in seen
        assert code == 4400
        assert server_error_msg(reason) == (
            "4400: Connection initialization failed: Could not verify JWT: JWTExpired"
        )
    assert "connection_ack" not in [m["type"] for m in seen]


# --- 2. Close reasons are JSON {"server_error_msg": ...} (WebSocket/Protocol.hs) ---


async def test_a_refused_connection_init_closes_with_a_json_reason(sb: Sandbox) -> None:
    ws = await connect(ws_url(sb), subprotocols=[TWS])  # type: ignore[list-item]
    await send(ws, {"type": "connection_init", "payload": {"headers": {"Authorization": "x"}}})
    _, code, reason = await until_closed(ws)
    assert (code, reason) == (4403, '{"server_error_msg":"4403: Forbidden"}')


async def test_every_protocol_error_close_is_json(sb: Sandbox) -> None:
    closes: list[tuple[int | None, str]] = []
    ws = await connect(ws_url(sb), subprotocols=[TWS])  # type: ignore[list-item]
    await send(ws, {"type": "subscribe", "id": "1", "payload": {"query": COUNT}})
    _, code, reason = await until_closed(ws)
    closes.append((code, server_error_msg(reason)))
    ws = await initialised(sb, TWS)
    await ws.send("{not json")
    _, code, reason = await until_closed(ws)
    closes.append((code, server_error_msg(reason)))
    ws = await initialised(sb, TWS)
    await send(ws, {"type": "connection_init", "payload": {}})
    _, code, reason = await until_closed(ws)
    closes.append((code, server_error_msg(reason)))
    assert closes[0] == (4401, "4401: Unauthorized")
    assert closes[1][0] == 4400 and closes[1][1].startswith("4400: Parsing client message failed")
    assert closes[2] == (4429, "4429: Too many requests")


async def test_a_long_close_message_is_shortened_inside_valid_json(sb: Sandbox) -> None:
    ws = await initialised(sb, TWS)
    await send(ws, {"type": "subscribe", "id": "x" * 200, "payload": {"query": COUNT}})
    await send(ws, {"type": "subscribe", "id": "x" * 200, "payload": {"query": COUNT}})
    _, code, reason = await until_closed(ws)
    assert code == 4409 and reason is not None and len(reason.encode()) <= 123
    assert server_error_msg(reason).startswith("4409: Subscriber for xxx")


# --- 3. Keep-alives start when the socket opens (#7002, #9246) ---


@pytest.mark.parametrize(("protocol", "keepalive"), [(LEGACY, "ka"), (TWS, "ping")])
async def test_a_keepalive_arrives_before_connection_ack(
    sb: Sandbox, protocol: str, keepalive: str
) -> None:
    async with connect(ws_url(sb), subprotocols=[protocol]) as ws:  # type: ignore[list-item]
        # Before connection_init is even sent: Hasura's keep-alive thread starts on accept.
        assert (await recv(ws))["type"] == keepalive
        headers = {"Authorization": f"Bearer {sb.mint_token()}"}
        await send(ws, {"type": "connection_init", "payload": {"headers": headers}})
        assert (await recv(ws))["type"] == "connection_ack"
        assert (await recv(ws))["type"] == keepalive  # onConnInit sends one after the ack


# --- 4. Syntax errors: "not a valid graphql query" (Transport/HTTP/Protocol.hs, toParsed) ---


@pytest.mark.parametrize("query", ["query {", "{ dataControllers { id }", "}}}", "query Q($x) {}"])
def test_a_syntax_error_is_exactly_not_a_valid_graphql_query(
    sb: Sandbox, http: httpx.Client, query: str
) -> None:
    r = http.post(sb.api_url, json={"query": query})
    assert r.status_code == 200
    assert r.json() == {
        "errors": [
            {
                "extensions": {"path": "$.query", "code": "validation-failed"},
                "message": "not a valid graphql query",
            }
        ]
    }


# --- 5. GET /v1/graphql (Hasura CE: persisted queries are not supported) ---


def test_get_v1_graphql_answers_not_supported_with_200(sb: Sandbox, http: httpx.Client) -> None:
    expected = {
        "errors": [
            {
                "extensions": {"path": "$", "code": "not-supported"},
                "message": "PersistedQueryNotSupported",
            }
        ]
    }
    r = http.get(sb.api_url, params={"query": "{ dataControllers { id } }"})
    assert (r.status_code, r.json()) == (200, expected)
    authorized = http.get(sb.api_url, headers={"Authorization": f"Bearer {sb.mint_token()}"})
    assert (authorized.status_code, authorized.json()) == (200, expected)
    refused = http.get(sb.api_url, headers={"Authorization": "Bearer not.a.jwt"})
    assert refused.json()["errors"][0]["extensions"]["code"] == "invalid-jwt"


# --- 6. No Authorization header: the unauthorized role, or invalid-headers (Auth/JWT.hs) ---

ROLE_QUERY = {"query": "{ dataControllers(limit: 1) { id } }"}


def test_without_a_token_x_hasura_role_is_ignored(sb: Sandbox, http: httpx.Client) -> None:
    mark = sb.requests.mark()
    r = http.post(sb.api_url, json=ROLE_QUERY, headers={"X-Hasura-Role": "user"})
    assert "data" in r.json()
    assert [x.session_role for x in sb.requests.since(mark)] == ["anonymous"]


async def test_without_an_unauthorized_role_a_tokenless_request_is_refused() -> None:
    message = "Missing 'Authorization' or 'Cookie' header in JWT authentication mode"
    with Sandbox(unauthorized_role=None) as sandbox:
        r = httpx.post(sandbox.api_url, json=ROLE_QUERY, headers={"X-Hasura-Role": "anonymous"})
        assert (r.status_code, r.json()) == (
            200,
            {
                "errors": [
                    {"extensions": {"path": "$", "code": "invalid-headers"}, "message": message}
                ]
            },
        )
        token = sandbox.mint_token()
        ok = httpx.post(
            sandbox.api_url, json=ROLE_QUERY, headers={"Authorization": f"Bearer {token}"}
        )
        assert "data" in ok.json()
        legacy = await connect(ws_url(sandbox), subprotocols=[LEGACY])  # type: ignore[list-item]
        await send(legacy, {"type": "connection_init", "payload": {}})
        seen, code, reason = await until_closed(legacy)
        assert {"type": "connection_error", "payload": message} in seen
        assert code == 4400
        # The whole text would pass a close frame's 123 bytes: shortened, still JSON.
        full = f"4400: Connection initialization failed: {message}"
        assert full.startswith(server_error_msg(reason)) and len(reason or "") <= 123


def test_a_custom_unauthorized_role_is_used() -> None:
    with Sandbox(unauthorized_role="user") as sandbox:
        # createdAt is in the `user` schema but not the `anonymous` one: the query validates,
        # then the user's permission filter needs the x-hasura-user-id no token supplied.
        r = httpx.post(sandbox.api_url, json={"query": "{ dataControllers { createdAt } }"})
        assert r.json()["errors"][0]["message"] == 'missing session variable: "x-hasura-user-id"'
        assert sandbox.requests[-1].session_role == "user"


@pytest.mark.parametrize("role", ["", "  "])
def test_a_blank_unauthorized_role_is_refused(role: str) -> None:
    with pytest.raises(ValueError, match="unauthorized_role"):
        Sandbox(unauthorized_role=role)


def test_cli_offers_unauthorized_role() -> None:
    import argparse

    from dxtra_typed.cli import _sandbox

    parser = argparse.ArgumentParser()
    _sandbox.register(parser.add_subparsers())
    assert parser.parse_args(["sandbox"]).unauthorized_role == "anonymous"
    assert parser.parse_args(["sandbox", "--unauthorized-role", "none"]).unauthorized_role is None
    assert parser.parse_args(["sandbox", "--unauthorized-role", "me"]).unauthorized_role == "me"


# --- 7. hasura-auth shapes (go/controller/*.go, go/api/openapi.yaml) ---


def signin(http: httpx.Client, pat: str) -> httpx.Response:
    return http.post("/v1/signin/pat", json={"personalAccessToken": pat})


def test_signin_pat_returns_only_the_session(sb: Sandbox, http: httpx.Client) -> None:
    r = signin(http, sb.pat)
    assert r.status_code == 200
    assert list(r.json()) == ["session"]


@pytest.mark.parametrize(
    ("path", "key"), [("/v1/signin/pat", "personalAccessToken"), ("/v1/token", "refreshToken")]
)
@pytest.mark.parametrize("value", ["not-a-uuid-secret", "2C35B6F3-C4B9-48E3-978A-D4D0F1D42E24"])
def test_a_malformed_token_gets_the_spec_pattern_message(
    http: httpx.Client, path: str, key: str, value: str
) -> None:
    r = http.post(path, json={key: value})
    assert r.status_code == 400
    assert list(r.json()) == ["error"]
    # kin-openapi formats the pattern with Go's %q: every backslash doubled in the message.
    quoted = '"' + UUID_PATTERN.replace("\\", "\\\\") + '"'
    assert quoted.startswith('"\\\\b[0-9a-f]{8}\\\\b-')
    assert r.json()["error"].endswith(
        f'Error at "/{key}": string doesn\'t match the regular expression {quoted}'
    )
    assert value not in r.text


def test_signout_needs_no_field_and_all_without_a_token_is_invalid_request(
    sb: Sandbox, http: httpx.Client
) -> None:
    for body in ({}, {"all": True}, {"all": False}):
        r = http.post("/v1/signout", json=body)
        assert (r.status_code, r.json()) == (400, INVALID_REQUEST), body
    session = signin(http, sb.pat).json()["session"]
    bearer = {"Authorization": f"Bearer {session['accessToken']}"}
    r = http.post("/v1/signout", json={"all": True}, headers=bearer)
    assert (r.status_code, r.json()) == (200, "OK")
    spent = http.post("/v1/token", json={"refreshToken": session["refreshToken"]})
    assert spent.json()["error"] == "invalid-refresh-token"


@pytest.mark.parametrize("path", ["/healthz", "/v1/healthz"])
def test_health_answers_the_json_string_ok(http: httpx.Client, path: str) -> None:
    r = http.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == "OK"
    assert http.head(path).status_code == 200


def test_token_verify(sb: Sandbox, http: httpx.Client) -> None:
    token = sb.mint_token()
    assert http.post("/v1/token/verify", json={"token": token}).json() == "OK"
    bearer = {"Authorization": f"Bearer {token}"}
    assert http.post("/v1/token/verify", headers=bearer).json() == "OK"
    for r in (
        http.post("/v1/token/verify", json={"token": "not.a.jwt"}),
        http.post("/v1/token/verify"),
        http.post("/v1/token/verify", headers={"Authorization": "Bearer not.a.jwt"}),
    ):
        assert (r.status_code, r.json()) == (400, INVALID_REQUEST)
    expiring = sb.mint_token()
    sb.tokens.expire_issued()
    r = http.post("/v1/token/verify", json={"token": expiring})
    assert (r.status_code, r.json()) == (400, INVALID_REQUEST)
    assert expiring not in r.text


def test_create_pat_for_key_rotation(sb: Sandbox, http: httpx.Client) -> None:
    old = sb.add_pat()
    session = signin(http, old).json()["session"]
    bearer = {"Authorization": f"Bearer {session['accessToken']}"}
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat().replace("+00:00", "Z")
    r = http.post(
        "/v1/pat", json={"expiresAt": expires, "metadata": {"name": "ci"}}, headers=bearer
    )
    assert r.status_code == 200
    created = r.json()
    assert set(created) == {"id", "personalAccessToken"}
    assert created["id"] != created["personalAccessToken"]
    new = created["personalAccessToken"]
    assert sb.revoke_pat(old)
    assert signin(http, old).json()["error"] == "invalid-pat"
    assert signin(http, new).status_code == 200
    expired = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    stale = http.post("/v1/pat", json={"expiresAt": expired}, headers=bearer).json()
    assert signin(http, stale["personalAccessToken"]).json()["error"] == "invalid-pat"


def test_create_pat_needs_a_bearer_token_and_an_expiry(sb: Sandbox, http: httpx.Client) -> None:
    r = http.post("/v1/pat", json={"expiresAt": "2030-01-01T00:00:00Z"})
    assert (r.status_code, r.json()) == (
        400,
        {
            "error": "error in openapi3filter.SecurityRequirementsError: "
            "security requirements failed: invalid authorization header"
        },
    )
    bearer = {"Authorization": f"Bearer {sb.mint_token()}"}
    r = http.post("/v1/pat", json={"metadata": {}}, headers=bearer)
    assert r.status_code == 400
    assert 'property "expiresAt" is missing' in r.json()["error"]
    r = http.post("/v1/pat", json={"expiresAt": "tomorrow"}, headers=bearer)
    assert r.status_code == 400 and "date-time" in r.json()["error"]
