"""Canary, wider than the client: CLI output, subscriptions and their error paths.

A planted PAT (and every JWT the sandbox issues, caught by shape) must appear in no output,
log record or exception text. `dxtra-typed sandbox` is the one command that prints a PAT on
purpose (its own throwaway one), so it is not among these.
"""

from __future__ import annotations

import contextlib
import logging
import re
import traceback
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from dxtra_generated.enums import cursor_ordering
from dxtra_generated.input_types import (
    String_comparison_exp,
    dataSubjectsRightsRequests_bool_exp,
    dataSubjectsRightsRequests_stream_cursor_input,
    dataSubjectsRightsRequests_stream_cursor_value_input,
)

from dxtra_typed import AsyncDxtraClient, DxtraError
from dxtra_typed.cli import main as cli
from dxtra_typed.sandbox import Sandbox

CANARY = "ca11ab1e-5ec2-4e75-8e75-00000000ca11"
WRONG = "0ddba110-5ec2-4e75-8e75-0000000000ff"
JWT_SHAPE = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+")


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(pat=CANARY) as sandbox:
        yield sandbox


def test_the_jwt_pattern_matches_real_tokens(sb: Sandbox) -> None:
    assert JWT_SHAPE.fullmatch(sb.mint_token())  # otherwise the checks below prove nothing


def _assert_clean(*texts: str) -> None:
    blob = "\n".join(texts)
    assert CANARY not in blob and WRONG not in blob
    assert not JWT_SHAPE.search(blob), JWT_SHAPE.search(blob)


def _env(monkeypatch: pytest.MonkeyPatch, sb: Sandbox, key: str) -> None:
    monkeypatch.setenv("DXTRA_API_KEY", key)
    monkeypatch.setenv("DXTRA_AUTH_URL", sb.auth_url)
    monkeypatch.setenv("DXTRA_API_URL", sb.api_url)
    monkeypatch.setenv("DXTRA_ROLE", "user")
    monkeypatch.setenv("DXTRA_LOG", "debug")


@pytest.mark.parametrize(
    "argv",
    [
        ["schema", "pull", "-o", "-"],
        ["schema", "pull", "--role", "dataSubject", "-o", "-"],
        ["call", "DataControllers"],
        ["call", "DataControllers", "--json"],
        ["call", "DataSubject", "--var", "id=not-a-uuid"],
        ["call", "data_subject", "--var", f"id={uuid.uuid4()}", "--role", "dataSubject"],
        ["check", "--live", "--skip-generated"],
        ["doctor"],
        ["doctor", "--json"],
        ["doctor", "--role", "dataSubject"],
    ],
    ids=lambda argv: " ".join(argv[:3]),
)
@pytest.mark.parametrize("key", [CANARY, WRONG], ids=["right-key", "wrong-key"])
def test_cli_output_has_no_secret(
    sb: Sandbox,
    argv: list[str],
    key: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _env(monkeypatch, sb, key)
    try:
        status = cli(argv)
    except SystemExit as exc:
        status = int(exc.code or 0)
    out = capsys.readouterr()
    _assert_clean(out.out, out.err, *(r.getMessage() for r in caplog.records))
    assert out.out or out.err  # the command said something: the check is not vacuous
    if key == WRONG:
        assert status != 0


def _cursor(since: datetime) -> list[dataSubjectsRightsRequests_stream_cursor_input]:
    return [
        dataSubjectsRightsRequests_stream_cursor_input(
            initial_value=dataSubjectsRightsRequests_stream_cursor_value_input(createdAt=since),
            ordering=cursor_ordering.ASC,
        )
    ]


async def test_subscription_paths_have_no_secret(
    sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    common = {"auth_url": sb.auth_url, "api_url": sb.api_url, "env": {}}
    async with AsyncDxtraClient(api_key=CANARY, **common) as client:  # type: ignore[arg-type]
        controller = (await client.data_controllers())[0]
        subject = (await client.data_subjects(controller_id=controller.id))[0]
        since = (await client.rights_requests(controller_id=controller.id, limit=1))[0].created_at
        sb.faults.drop_sockets_every(1)  # every socket cut after one message: reconnects
        events = client.rights_requests_stream(cursor=_cursor(since), batch_size=1)
        async with contextlib.aclosing(events):
            for _ in range(3):
                await client.insert_rights_request(
                    data_subject_id=subject.id,
                    data_controller_id=controller.id,
                    request_type="access",
                )
            got = [await anext(events) for _ in range(3)]
            sb.expire_tokens()  # and a JWT-expiry close on top
        sb.faults.clear()
        texts.append(repr(got))
        bad = dataSubjectsRightsRequests_bool_exp(status=String_comparison_exp(_regex="("))
        broken = client.rights_requests_stream(cursor=_cursor(since), where=bad)
        with pytest.raises(DxtraError) as info:
            async with contextlib.aclosing(broken):
                await anext(broken)
        texts += [
            str(info.value),
            repr(info.value),
            "".join(traceback.format_exception(info.value)),
        ]
    async with AsyncDxtraClient(api_key=WRONG, **common) as wrong:  # type: ignore[arg-type]
        refused = wrong.rights_requests_stream(cursor=_cursor(since))
        with pytest.raises(DxtraError) as denied:
            async with contextlib.aclosing(refused):
                await anext(refused)
        texts += [str(denied.value), "".join(traceback.format_exception(denied.value))]
    texts += [r.getMessage() for r in caplog.records] + [r.exc_text or "" for r in caplog.records]
    texts += [repr(r) for r in sb.requests.snapshot()]
    assert sb.stats.ws_connections >= 3  # reconnected after expiry and the drop
    _assert_clean(*texts)
