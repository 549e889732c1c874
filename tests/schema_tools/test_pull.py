"""`schema pull`: the sandbox round trip is byte-exact, and failures are one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from graphql import build_schema

from dxtra_typed.cli import main
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.schema_tools import SchemaToolError
from dxtra_typed.schema_tools._pull import (
    Introspector,
    public_url,
    pulled_header,
    schema_file_text,
)

from .conftest import ROOT


def pull(tmp_path: Path, *args: str) -> tuple[int, Path]:
    output = tmp_path / f"pulled-{len(list(tmp_path.iterdir()))}.graphql"
    return main(["schema", "pull", "--output", str(output), *args]), output


def test_pull_as_user_reproduces_the_checked_in_schema_byte_for_byte(
    dxtra_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = pull(tmp_path)
    assert code == 0
    assert output.read_bytes() == (ROOT / "schema" / "schema.graphql").read_bytes()
    err = capsys.readouterr().err
    assert "as role 'user'" in err and dxtra_env["DXTRA_API_KEY"] not in err


def test_pulling_twice_writes_identical_bytes_and_reports_up_to_date(
    dxtra_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, first = pull(tmp_path)
    before = first.read_bytes()
    assert main(["schema", "pull", "--output", str(first)]) == 0
    assert first.read_bytes() == before
    assert "is up to date" in capsys.readouterr().err


def test_anonymous_sees_a_smaller_different_schema(
    dxtra_env: dict[str, str], tmp_path: Path
) -> None:
    code, anonymous = pull(tmp_path, "--role", "anonymous")
    assert code == 0
    user = (ROOT / "schema" / "schema.graphql").read_text()
    text = anonymous.read_text()
    assert text != user and len(text) < len(user)
    assert "`anonymous` role" in text
    schema = build_schema(text)
    assert "createdAt" not in schema.type_map["dataControllers"].fields  # type: ignore[attr-defined]


def test_a_schema_other_than_the_reconstruction_gets_a_pulled_header_without_credentials() -> None:
    schema = build_schema("type query_root { hello: String }\nschema { query: query_root }")
    url = "https://bot:hunter2@api.example.test:8443/v1/graphql?token=abc#x"
    text, reconstructed = schema_file_text(schema, "user", url)
    assert not reconstructed
    assert text.startswith(pulled_header("user", url) + "\n")
    assert "INTROSPECTED from https://api.example.test:8443/v1/graphql\n" in text
    assert "hunter2" not in text and "token" not in text and "bot" not in text
    assert public_url("http://[::1]:8080/v1/graphql") == "http://[::1]:8080/v1/graphql"


def test_wrong_pat_is_one_line_with_the_remedy(
    dxtra_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = "00000000-0000-4000-8000-000000000000"
    monkeypatch.setenv("DXTRA_API_KEY", wrong)
    code, output = pull(tmp_path)
    err = capsys.readouterr().err
    assert code == 2 and not output.exists()
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "HTTP 401" in errors[0]
    assert "the DXTRA_API_KEY it printed" in errors[0]  # the sandbox is local
    assert wrong not in err


CLI = "import sys; from dxtra_typed.cli import main; sys.exit(main(sys.argv[1:]))"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_url_is_one_line_and_no_traceback(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    env = {
        **os.environ,
        "DXTRA_AUTH_URL": base,
        "DXTRA_API_URL": base + "/v1/graphql",
        "DXTRA_API_KEY": "11111111-2222-4333-8444-555555555555",
    }
    proc = subprocess.run(
        [sys.executable, "-c", CLI, "schema", "pull", "-o", str(tmp_path / "s")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "could not reach the auth service" in errors[0]
    assert "11111111-2222" not in proc.stderr


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (200, "<html>Welcome to nginx</html>", "did not answer with GraphQL JSON"),
        (200, '{"data": {"hello": 1}}', "without data.__schema"),
        (502, "bad gateway", "answered HTTP 502"),
        (
            200,
            '{"errors": [{"message": "Could not verify JWT",'
            ' "extensions": {"code": "invalid-jwt"}}]}',
            "invalid-jwt: Could not verify JWT",
        ),
    ],
)
def test_answers_that_are_not_a_schema_are_one_clear_error(
    status: int, body: str, expected: str
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=body)

    env = {"DXTRA_API_URL": "https://api.example.test/v1/graphql", "DXTRA_ROLE": "anonymous"}
    with (
        httpx.Client(transport=httpx.MockTransport(answer)) as http,
        Introspector(http=http, env=env) as introspector,
        pytest.raises(SchemaToolError) as info,
    ):
        introspector.introspect()
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_missing_key_for_a_token_role_is_a_configuration_line(tmp_path: Path) -> None:
    with Introspector(env={}) as introspector, pytest.raises(SchemaToolError) as info:
        introspector.introspect("user")
    assert "DXTRA_API_KEY" in str(info.value)


def test_one_exchange_serves_every_role_the_token_allows(dxtra_sandbox: Sandbox) -> None:
    env = {
        "DXTRA_AUTH_URL": dxtra_sandbox.auth_url,
        "DXTRA_API_URL": dxtra_sandbox.api_url,
        "DXTRA_API_KEY": dxtra_sandbox.pat,
    }
    mark = dxtra_sandbox.requests.mark()
    with Introspector(env=env) as introspector:
        user, _ = introspector.introspect("user")
        me, _ = introspector.introspect("me")
    assert len(me.type_map) < len(user.type_map)
    exchanges = [r for r in dxtra_sandbox.requests.since(mark) if "signin" in str(r.path)]
    assert len(exchanges) == 1


def test_pull_outside_a_project_writes_nothing_and_says_what_to_pass(
    dxtra_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["schema", "pull"]) == 2
    err = capsys.readouterr().err
    assert "no dxtra-typed project" in err and "--output" in err and "dxtra-typed init" in err
    assert list(tmp_path.iterdir()) == []
