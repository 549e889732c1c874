"""Messages that point the right way: a refused value is not a stale schema, a local auth
service's 401 is the sandbox's key, a DXTRA_LOG typo is said once, a failed PAT exchange is
logged (status and error code, never the key)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx
import pytest

from dxtra_typed import (
    AuthenticationStatusError,
    DxtraClient,
    ValidationFailedError,
    _logging,
)
from dxtra_typed._auth import parse_session
from dxtra_typed._errors import GraphQLErrorDetail, make_graphql_error
from dxtra_typed._secret import Secret
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._seed import CONTROLLER_IDS

REGENERATE = "pull the schema again and regenerate"


def _client(sb: Sandbox, api_key: str | None = None) -> DxtraClient:
    return DxtraClient(api_key=api_key or sb.pat, auth_url=sb.auth_url, api_url=sb.api_url, env={})


def test_a_refused_value_does_not_advise_regenerating(dxtra_sandbox: Sandbox) -> None:
    with _client(dxtra_sandbox) as client:
        with pytest.raises(ValidationFailedError) as value:
            client.data_subjects(controller_id=uuid.UUID(CONTROLLER_IDS[0]), limit=-5)
        assert "expecting a non-negative value" in str(value.value)
        assert REGENERATE not in str(value.value)
        assert "check the arguments" in str(value.value)
        with pytest.raises(ValidationFailedError) as unknown:  # `me` has no dataControllers
            client.data_controllers(role="me")
        assert "not found in type" in str(unknown.value) and REGENERATE in str(unknown.value)


@pytest.mark.parametrize(
    ("message", "regenerate"),
    [
        ("field 'titel' not found in type: 'dataControllers'", True),
        ("Cannot query field 'titel' on type 'dataControllers'.", True),
        ("Unknown argument 'limt' on field 'query_root.dataControllers'.", True),
        ("expecting a non-negative value", False),
        ('unexpected null value for type "uuid"', False),
    ],
)
def test_the_validation_failed_advice_follows_the_message(message: str, regenerate: bool) -> None:
    detail = GraphQLErrorDetail(message=message, code="validation-failed")
    error = make_graphql_error([detail], data=None, operation="Op")
    assert (REGENERATE in str(error)) is regenerate


def test_a_401_from_the_sandbox_says_its_key_changed(dxtra_sandbox: Sandbox) -> None:
    wrong = str(uuid.uuid4())  # e.g. the key a sandbox printed before it restarted
    with _client(dxtra_sandbox, wrong) as client, pytest.raises(AuthenticationStatusError) as info:
        client.data_controllers()
    message = str(info.value)
    assert "dxtra-typed sandbox" in message and "DXTRA_API_KEY it printed" in message
    assert "Dxtra dashboard" not in message and wrong not in message


def test_a_401_from_dxtra_still_says_regenerate_in_the_dashboard() -> None:
    request = httpx.Request("POST", "https://auth.dxtra.ai/v1/signin/pat")
    response = httpx.Response(401, json={"error": "invalid-pat"}, request=request)
    with pytest.raises(AuthenticationStatusError, match="Dxtra dashboard") as info:
        parse_session(response, (Secret("k"),), 0.0)
    assert "sandbox" not in str(info.value)


def test_an_unknown_dxtra_log_value_warns_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_logging, "_warned", False)
    monkeypatch.setattr(_logging, "_configured", False)
    monkeypatch.setenv("DXTRA_LOG", "verbose")
    for _ in range(3):
        DxtraClient(api_key="k", api_url="http://127.0.0.1:9/v1/graphql", env={}).close()
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "dxtra-typed: DXTRA_LOG='verbose' is not one of debug, info; logging stays off"
    ]
    monkeypatch.setenv("DXTRA_LOG", "")
    DxtraClient(api_key="k", api_url="http://127.0.0.1:9/v1/graphql", env={}).close()
    assert capsys.readouterr().err == ""


def test_a_failed_pat_exchange_writes_a_debug_line(
    dxtra_sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = str(uuid.uuid4())
    caplog.set_level(logging.DEBUG, logger="dxtra_typed")
    with _client(dxtra_sandbox, wrong) as client, pytest.raises(AuthenticationStatusError):
        client.data_controllers()
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert "PAT exchange failed: HTTP 401, error code invalid-pat" in lines
    assert all(wrong not in line for line in [r.getMessage() for r in caplog.records])


@pytest.mark.parametrize(
    ("setting", "example"),
    [("auth_url", "'https://auth.dxtra.ai'"), ("api_url", "'https://api.dxtra.ai/v1/graphql'")],
)
def test_a_malformed_url_is_shown_an_example_of_its_own_kind(setting: str, example: str) -> None:
    from dxtra_typed import ConfigurationError

    with pytest.raises(ConfigurationError) as info:
        urls: dict[str, Any] = {setting: "auth.dxtra.ai"}
        DxtraClient(api_key=str(uuid.uuid4()), env={}, **urls)
    assert str(info.value).startswith(f"{setting} (DXTRA_") and f"such as {example}" in str(
        info.value
    )
