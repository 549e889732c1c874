"""`Sandbox` lifecycle: real loopback servers that start fast, coexist and stop without leaks."""

from __future__ import annotations

import socket
import threading
from typing import Any

import httpx
import pytest

from dxtra_typed import ConfigurationError
from dxtra_typed.sandbox import Sandbox


class EchoEngine:
    def execute(self, request: dict[str, Any], session: Any) -> dict[str, Any]:
        return {"data": {"role": session.role}}


def sandbox_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "dxtra-sandbox"]


def test_start_binds_a_free_loopback_port_and_stop_releases_it() -> None:
    before = len(sandbox_threads())
    sb = Sandbox(engine=EchoEngine())
    assert not sb.running
    with pytest.raises(RuntimeError):
        _ = sb.auth_url
    sb.start()
    try:
        assert sb.running
        assert sb.port > 0
        assert sb.auth_url == f"http://127.0.0.1:{sb.port}"
        assert sb.api_url == f"http://127.0.0.1:{sb.port}/v1/graphql"
        assert httpx.get(f"{sb.auth_url}/healthz").json() == "OK"
        port = sb.port
    finally:
        sb.stop()
    assert not sb.running
    assert len(sandbox_threads()) == before
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz")
    sb.stop()  # idempotent


def test_context_manager_and_explicit_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Sandbox(port=port, engine=EchoEngine()) as sb:
        assert sb.port == port
        assert httpx.head(f"{sb.auth_url}/healthz").status_code == 200


def test_two_sandboxes_at_once_are_independent() -> None:
    with Sandbox(engine=EchoEngine()) as a, Sandbox(engine=EchoEngine()) as b:
        assert a.port != b.port
        assert a.pat != b.pat
        with httpx.Client() as http:
            ok = http.post(f"{a.auth_url}/v1/signin/pat", json={"personalAccessToken": a.pat})
            cross = http.post(f"{b.auth_url}/v1/signin/pat", json={"personalAccessToken": a.pat})
        assert (ok.status_code, cross.status_code) == (200, 401)
        assert (a.stats.signin_pat, b.stats.signin_pat) == (1, 1)


def test_starting_twice_is_an_error() -> None:
    with Sandbox(engine=EchoEngine()) as sb, pytest.raises(RuntimeError):
        sb.start()


def test_a_busy_port_fails_loudly() -> None:
    with Sandbox(engine=EchoEngine()) as sb, pytest.raises(ConfigurationError, match="in use"):
        Sandbox(port=sb.port, engine=EchoEngine()).start()


def test_repr_never_shows_credentials() -> None:
    with Sandbox(engine=EchoEngine()) as sb:
        text = repr(sb) + repr(sb.auth) + repr(sb.tokens)
        assert sb.pat not in text
        assert sb.data_subject_pat not in text
        assert sb.tokens.secret.hex() not in text
        assert str(sb.port) in repr(sb)


def test_open_keep_alive_connections_do_not_block_stop() -> None:
    sb = Sandbox(engine=EchoEngine()).start()
    http = httpx.Client()
    try:
        assert http.post(sb.api_url, json={"query": "{ a }"}).status_code == 200
        sb.stop()
        assert not sb.running
    finally:
        http.close()
        sb.stop()


def test_default_engine_answers_graphql() -> None:
    with Sandbox() as sb, httpx.Client() as http:
        token = http.post(
            f"{sb.auth_url}/v1/signin/pat", json={"personalAccessToken": sb.pat}
        ).json()["session"]["accessToken"]
        r = http.post(
            sb.api_url,
            json={"query": "{ __typename }"},
            headers={"Authorization": f"Bearer {token}", "X-Hasura-Role": "user"},
        )
        assert r.status_code == 200
        assert r.json() == {"data": {"__typename": "query_root"}}
        mark = sb.requests.mark()
        anonymous = http.post(sb.api_url, json={"query": "{ __typename }"})
        assert anonymous.json() == {"data": {"__typename": "query_root"}}
        assert sb.requests.since(mark)[0].session_role == "anonymous"


def test_pytest_plugin_fixtures(dxtra_sandbox: Sandbox, dxtra_env: dict[str, str]) -> None:
    import os

    assert dxtra_sandbox.running
    assert dxtra_env == {
        "DXTRA_AUTH_URL": dxtra_sandbox.auth_url,
        "DXTRA_API_URL": dxtra_sandbox.api_url,
        "DXTRA_API_KEY": dxtra_sandbox.pat,
        "DXTRA_ROLE": "user",
    }
    assert all(os.environ[k] == v for k, v in dxtra_env.items())
