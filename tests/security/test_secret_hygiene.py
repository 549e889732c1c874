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


async def test_exported_spans_events_attributes_and_metrics_have_no_secret(sb: Sandbox) -> None:
    """Issue 25: every span, event, attribute, status and metric the client exports through
    the real OpenTelemetry SDK, over sign-ins, a refresh, a refused JWT, retries, a refused
    key, a refused role and a reconnecting subscription (graphql.document recorded too)."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from dxtra_typed import TelemetrySettings

    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    telemetry = TelemetrySettings(
        tracer_provider=tracer_provider, meter_provider=meter_provider, record_document=True
    )
    common = {"auth_url": sb.auth_url, "api_url": sb.api_url, "env": {}, "telemetry": telemetry}
    refresh_tokens: set[str] = set()

    def keep_refresh_token(client: AsyncDxtraClient) -> None:
        tokens = client._tokens
        if tokens is not None and tokens._refresh_token is not None:
            refresh_tokens.add(tokens._refresh_token.reveal())

    async def no_wait(seconds: float) -> None:
        return None

    async with AsyncDxtraClient(api_key=CANARY, **common) as client:  # type: ignore[arg-type]
        client._sleep = no_wait
        controller = (await client.data_controllers())[0]
        keep_refresh_token(client)
        sb.faults.inject("graphql", "status", status=503, count=1)
        subject = (await client.data_subjects(controller_id=controller.id))[0]
        since = (await client.rights_requests(controller_id=controller.id, limit=1))[0].created_at
        sb.expire_tokens()  # the JWT is refused: dropped, renewed with the refresh token
        await client.data_controllers()
        keep_refresh_token(client)
        with pytest.raises(DxtraError):
            await client.data_controllers(role="dataSubject")
        sb.faults.drop_sockets_every(1)
        events = client.rights_requests_stream(cursor=_cursor(since), batch_size=1)
        async with contextlib.aclosing(events):
            for _ in range(2):
                await client.insert_rights_request(
                    data_subject_id=subject.id,
                    data_controller_id=controller.id,
                    request_type="access",
                )
            [await anext(events) for _ in range(2)]
        sb.faults.clear()
        keep_refresh_token(client)
        exchanges = client._tokens.exchanges if client._tokens else 0
    async with AsyncDxtraClient(api_key=WRONG, **common) as wrong:  # type: ignore[arg-type]
        with pytest.raises(DxtraError):
            await wrong.data_controllers()
    exported = [span.to_json() for span in spans.get_finished_spans()]
    metrics = reader.get_metrics_data()
    assert metrics is not None
    exported.append(metrics.to_json())
    tracer_provider.shutdown()
    meter_provider.shutdown()
    blob = "\n".join(exported)
    # Not vacuous: the spans are there, with exceptions, refreshes and sign-ins among them.
    assert '"dxtra token refresh"' in blob and '"dxtra token signin"' in blob
    assert '"exception.message"' in blob and "websocket connection" in blob
    assert exchanges >= 2 and refresh_tokens
    _assert_clean(blob)
    for token in refresh_tokens:
        assert token not in blob
