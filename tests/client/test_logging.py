"""The dxtra_typed logger: opt-in, metadata only, secrets masked even if a call slips."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from dxtra_typed import DxtraClient
from dxtra_typed import _logging as dlog
from dxtra_typed._secret import Secret
from dxtra_typed.sandbox import Sandbox


@pytest.fixture
def fresh_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    logger = logging.getLogger("dxtra_typed")
    handlers, level = list(logger.handlers), logger.level
    monkeypatch.setattr(dlog, "_configured", False)
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


def test_silent_unless_dxtra_log_is_set(
    fresh_logging: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DXTRA_LOG", raising=False)
    dlog.setup_logging_from_env()
    assert fresh_logging.handlers == [] and fresh_logging.level == logging.NOTSET


def test_dxtra_log_debug_logs_operations_not_httpx(
    fresh_logging: logging.Logger,
    monkeypatch: pytest.MonkeyPatch,
    dxtra_sandbox: Sandbox,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DXTRA_LOG", "debug")
    httpx_level = logging.getLogger("httpx").level
    with DxtraClient(
        api_key=dxtra_sandbox.pat,
        auth_url=dxtra_sandbox.auth_url,
        api_url=dxtra_sandbox.api_url,
        env={},
    ) as client:
        client.data_controllers()
    assert fresh_logging.level == logging.DEBUG
    assert logging.getLogger("httpx").level == httpx_level
    err = capsys.readouterr().err
    assert "DataControllers attempt 1: HTTP 200" in err
    assert dxtra_sandbox.pat not in err and "Bearer" not in err


def test_filter_masks_jwts_bearer_values_and_live_secrets() -> None:
    secret = Secret("f00dfeed-1234-4abc-8def-0123456789ab")
    jwt_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    record = logging.LogRecord(
        "dxtra_typed",
        logging.INFO,
        __file__,
        1,
        "sent %s with %s and %s",
        (secret.reveal(), jwt_like, "Bearer abc.def"),
        None,
    )
    dlog.RedactingFilter().filter(record)
    message = record.getMessage()
    assert secret.reveal() not in message and jwt_like not in message and "abc.def" not in message
    assert message.count("<redacted>") == 3
