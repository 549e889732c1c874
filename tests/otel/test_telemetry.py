"""OpenTelemetry spans and metrics of real calls against the sandbox (issue 25's acceptance).

The SDK is the real one, with its in-memory exporters; the sandbox is real HTTP and WebSockets
on 127.0.0.1 with its fault injection. Retry waits go through the client's injectable sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from dxtra_generated.enums import cursor_ordering
from dxtra_generated.input_types import (
    dataSubjectsRightsRequests_bool_exp,
    dataSubjectsRightsRequests_stream_cursor_input,
    dataSubjectsRightsRequests_stream_cursor_value_input,
    uuid_comparison_exp,
)
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from dxtra_typed import (
    AccessDeniedError,
    AsyncDxtraClient,
    DxtraClient,
    InternalServerError,
    TelemetrySettings,
)
from dxtra_typed._http_backends import HttpBackend
from dxtra_typed.pytest_plugin import sandbox_settings
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._seed import CONTROLLER_IDS, SIGNED_IN_SUBJECT_ID

from ..client.conftest import AnyClient, resolve
from .conftest import Otel

ACME = UUID(CONTROLLER_IDS[0])
SUBJECT = UUID(SIGNED_IN_SUBJECT_ID)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A sandbox of this test's own: faults never leak into the shared one."""
    with Sandbox() as sb:
        yield sb


@pytest.fixture(params=["sync", "async", "async-aiohttp"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


def make(kind: str, sb: Sandbox, otel: Otel, **options: Any) -> AnyClient:
    """A client of ``kind`` whose retries wait for nothing (the waits are recorded by the
    retry tests elsewhere; here only their count matters)."""
    settings = {**sandbox_settings(sb), "telemetry": otel.settings(**options)}
    if kind == "sync":
        client: AnyClient = DxtraClient(**settings)
        client._sleep = lambda seconds: None
        return client

    async def no_wait(seconds: float) -> None:
        return None

    backend: HttpBackend = "aiohttp" if kind == "async-aiohttp" else "httpx"
    aclient = AsyncDxtraClient(**settings, http_backend=backend)
    aclient._sleep = no_wait
    return aclient


async def close(client: AnyClient) -> None:
    if isinstance(client, AsyncDxtraClient):
        await client.aclose()
    else:
        client.close()


def children(parent: ReadableSpan, spans: list[ReadableSpan]) -> list[ReadableSpan]:
    assert parent.context is not None
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


async def test_one_injected_503_gives_one_operation_span_a_retry_event_and_two_http_children(
    kind: str, sandbox: Sandbox, otel: Otel
) -> None:
    client = make(kind, sandbox, otel)
    try:
        await resolve(client.data_controllers())  # warm: the token exchange is not the subject
        otel.spans.clear()
        sandbox.faults.inject("graphql", "status", status=503, count=1)
        controllers = await resolve(client.data_controllers())
    finally:
        await close(client)
    assert controllers
    spans = otel.finished()
    operations = [s for s in spans if s.name == "query DataControllers"]
    assert len(operations) == 1
    (operation,) = operations
    assert operation.kind is SpanKind.CLIENT
    assert operation.parent is None
    attributes = dict(operation.attributes or {})
    assert attributes["graphql.operation.name"] == "DataControllers"
    assert attributes["graphql.operation.type"] == "query"
    assert attributes["dxtra.role"] == "user"
    assert attributes["server.address"] == "127.0.0.1"
    assert attributes["server.port"] == httpx.URL(sandbox.api_url).port
    assert attributes["dxtra.attempts"] == 2
    assert "graphql.document" not in attributes  # only when the user opts in
    assert operation.status.status_code is StatusCode.UNSET
    retries = [e for e in operation.events if e.name == "retry"]
    assert len(retries) == 1
    retry = dict(retries[0].attributes or {})
    assert retry["dxtra.retry.reason"] == "HTTP 503"
    assert isinstance(retry["dxtra.retry.delay_s"], float)
    http = children(operation, spans)
    assert [s.name for s in http] == ["POST", "POST"]
    first, second = (dict(s.attributes or {}) for s in http)
    assert first["http.response.status_code"] == 503 and first["error.type"] == "503"
    assert "http.request.resend_count" not in first
    assert second["http.response.status_code"] == 200 and "error.type" not in second
    assert second["http.request.resend_count"] == 1
    assert second["url.full"] == sandbox.api_url
    assert len(spans) == 3  # nothing else: no exchange (warm), no stray span
    points = otel.metric_points()
    (retry_point,) = points["dxtra.client.retries"]
    assert retry_point.value == 1
    assert dict(retry_point.attributes)["dxtra.retry.reason"] == "HTTP 503"


async def test_a_cold_call_has_its_token_exchange_span_under_it(
    kind: str, sandbox: Sandbox, otel: Otel
) -> None:
    client = make(kind, sandbox, otel)
    try:
        await resolve(client.data_controllers())
        await resolve(client.data_controllers())  # warm: no second exchange
    finally:
        await close(client)
    spans = otel.finished()
    first, second = [s for s in spans if s.name == "query DataControllers"]
    exchanges = [s for s in spans if s.name.startswith("dxtra token")]
    assert [s.name for s in exchanges] == ["dxtra token signin"]
    (exchange,) = exchanges
    assert exchange in children(first, spans)  # the operation's child, not the attempt's
    attributes = dict(exchange.attributes or {})
    assert attributes["dxtra.auth.kind"] == "signin"
    lifetime = attributes["dxtra.token.lifetime_s"]
    assert isinstance(lifetime, float) and 3000 < lifetime <= 3600  # the sandbox's JWTs: 1 h
    assert [s.name for s in children(first, spans)] == ["dxtra token signin", "POST"]
    assert [s.name for s in children(second, spans)] == ["POST"]
    (signins,) = otel.metric_points()["dxtra.client.token.exchanges"]
    assert signins.value == 1 and dict(signins.attributes) == {"dxtra.auth.kind": "signin"}


async def test_a_refused_role_gives_error_type_and_the_hasura_code(
    kind: str, sandbox: Sandbox, otel: Otel
) -> None:
    client = make(kind, sandbox, otel)
    try:
        with pytest.raises(AccessDeniedError):
            await resolve(client.data_controllers(role="dataSubject"))
    finally:
        await close(client)
    (operation,) = otel.named("query DataControllers")
    attributes = dict(operation.attributes or {})
    assert attributes["error.type"] == "AccessDeniedError"
    assert attributes["dxtra.error.code"] == "access-denied"
    assert attributes["dxtra.role"] == "dataSubject"
    assert operation.status.status_code is StatusCode.ERROR
    assert any(e.name == "exception" for e in operation.events)
    (duration,) = otel.metric_points()["dxtra.client.operation.duration"]
    assert duration.count == 1
    assert dict(duration.attributes) == {
        "graphql.operation.name": "DataControllers",
        "graphql.operation.type": "query",
        "dxtra.role": "dataSubject",
        "dxtra.outcome": "error",
        "error.type": "AccessDeniedError",
    }


async def test_a_call_that_fails_after_its_retries_ends_its_span_with_the_error(
    kind: str, sandbox: Sandbox, otel: Otel
) -> None:
    client = make(kind, sandbox, otel, record_document=True)
    try:
        await resolve(client.data_controllers())
        otel.spans.clear()
        sandbox.faults.inject("graphql", "status", status=503, count=3)
        with pytest.raises(InternalServerError):
            await resolve(client.data_controllers(max_retries=2))
    finally:
        await close(client)
    (operation,) = otel.named("query DataControllers")
    attributes = dict(operation.attributes or {})
    assert attributes["error.type"] == "InternalServerError"
    assert attributes["dxtra.attempts"] == 3
    assert "query DataControllers" in str(attributes["graphql.document"])
    assert len([e for e in operation.events if e.name == "retry"]) == 2
    assert [s.name for s in children(operation, otel.finished())] == ["POST"] * 3


async def test_traceparent_goes_out_by_default_and_not_when_turned_off(
    sandbox: Sandbox, otel: Otel
) -> None:
    seen: list[str | None] = []

    def record(request: httpx.Request) -> None:
        seen.append(request.headers.get("traceparent"))

    for propagate in (True, False):
        http = httpx.Client(event_hooks={"request": [record]})
        settings = {**sandbox_settings(sandbox), "http_client": http}
        telemetry = otel.settings(propagate=propagate)
        with DxtraClient(**settings, telemetry=telemetry) as client:
            client.data_controllers()
        http.close()
    on, off = seen
    (attempt,) = [s for s in otel.named("POST")][:1]
    assert attempt.context is not None
    assert on is not None
    assert on.startswith(f"00-{attempt.context.trace_id:032x}-{attempt.context.span_id:016x}-")
    assert off is None


async def test_a_subscription_through_a_dropped_connection_has_two_connection_spans(
    sandbox: Sandbox, otel: Otel
) -> None:
    settings = {**sandbox_settings(sandbox), "telemetry": otel.settings()}
    async with AsyncDxtraClient(**settings) as client:
        newest = await client.rights_requests(controller_id=ACME, limit=1)
        cursor = [
            dataSubjectsRightsRequests_stream_cursor_input(
                initial_value=dataSubjectsRightsRequests_stream_cursor_value_input(
                    createdAt=newest[0].created_at
                ),
                ordering=cursor_ordering.ASC,
            )
        ]
        for _ in range(5):
            await client.insert_rights_request(
                data_subject_id=SUBJECT,
                data_controller_id=ACME,
                request_type="access",
            )
        sandbox.faults.inject("ws", "drop", after_messages=2, count=1)
        only_acme = dataSubjectsRightsRequests_bool_exp(
            dataControllerId=uuid_comparison_exp(_eq=ACME)
        )
        events = client.rights_requests_stream(cursor=cursor, batch_size=1, where=only_acme)
        rows = []
        async with contextlib.aclosing(events):
            async with asyncio.timeout(30):
                async for row in events:
                    rows.append(row)
                    if len(rows) == 5:
                        break
    assert len(rows) == 5
    spans = otel.finished()
    (subscription,) = [s for s in spans if s.name == "subscription RightsRequestsStream"]
    connections = children(subscription, spans)
    assert [s.name for s in connections] == ["websocket connection"] * 2
    assert all(c.end_time and c.end_time <= (subscription.end_time or 0) for c in connections)
    first, second = (dict(s.attributes or {}) for s in connections)
    assert first["dxtra.subscription.events"] == 2
    assert second["dxtra.subscription.events"] == 3
    assert first["dxtra.subscription.protocol"] in ("graphql-ws", "graphql-transport-ws")
    assert second["dxtra.subscription.protocol"] == first["dxtra.subscription.protocol"]
    assert "dxtra.subscription.reconnect_reason" not in first
    assert "socket closed" in str(second["dxtra.subscription.reconnect_reason"])
    assert first["dxtra.subscription.resume_cursor"] is True
    assert (
        first["dxtra.subscription.connection"] == 1 and second["dxtra.subscription.connection"] == 2
    )
    attributes = dict(subscription.attributes or {})
    assert attributes["dxtra.subscription.events"] == 5
    assert attributes["dxtra.attempts"] == 2
    assert subscription.status.status_code is StatusCode.UNSET
    points = otel.metric_points()
    assert sum(p.value for p in points["dxtra.client.subscription.events"]) == 5
    (active,) = points["dxtra.client.subscriptions.active"]
    assert active.value == 0  # up while it ran, down when it ended


def test_turned_off_the_client_has_no_telemetry_at_all(sandbox: Sandbox) -> None:
    settings = sandbox_settings(sandbox)
    with DxtraClient(**settings, telemetry=TelemetrySettings(enabled=False)) as client:
        assert client._telemetry is None
        assert client.with_options(role="user")._telemetry is None


def test_without_a_provider_nothing_is_live_and_a_live_provider_is_picked_up_later(
    otel: Otel,
) -> None:
    from dxtra_typed._telemetry import Telemetry

    url = httpx.URL("http://127.0.0.1:1/v1/graphql")
    telemetry = Telemetry(TelemetrySettings())
    # The global providers are the API's proxies here (no test sets them).
    assert telemetry.operation("query", "Q", "user", "query Q { a }", url) is None
    telemetry = Telemetry(otel.settings())
    assert telemetry.operation("query", "Q", "user", "query Q { a }", url) is not None


def test_without_a_provider_a_call_does_not_import_opentelemetry(sandbox: Sandbox) -> None:
    """Zero cost when off: a process that never configured OpenTelemetry never loads it
    because of us (checked in a fresh interpreter, with the extra installed)."""
    script = (
        "import sys\n"
        "from dxtra_typed import DxtraClient\n"
        f"with DxtraClient(api_key={sandbox.pat!r}, auth_url={sandbox.auth_url!r}, "
        f"api_url={sandbox.api_url!r}, env={{}}) as client:\n"
        "    assert client.data_controllers()\n"
        "    assert client._telemetry is not None\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out.strip() == "[]"


def test_bad_telemetry_settings_are_a_configuration_error(sandbox: Sandbox) -> None:
    from dxtra_typed import ConfigurationError

    with pytest.raises(
        ConfigurationError, match=r"telemetry must be a dxtra_typed\.TelemetrySettings"
    ):
        DxtraClient(**sandbox_settings(sandbox), telemetry={"enabled": False})  # type: ignore[arg-type]


def test_a_global_provider_configured_after_the_first_call_is_picked_up(
    sandbox: Sandbox,
) -> None:
    """The usual set-up: providers set process-wide (``trace.set_tracer_provider``), perhaps
    after the client was built and used. Checked in a fresh interpreter, since a process may
    set its global providers only once; the client's recheck clock is moved by hand."""
    script = f"""
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from dxtra_typed import DxtraClient

now = [0.0]
with DxtraClient(api_key={sandbox.pat!r}, auth_url={sandbox.auth_url!r},
                 api_url={sandbox.api_url!r}, env={{}}) as client:
    assert client._telemetry is not None
    client._telemetry._clock = lambda: now[0]
    client.data_controllers()  # the API is loaded, its proxy provider is off
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    client.data_controllers()  # within a second of the last look: not yet
    before = len(exporter.get_finished_spans())
    now[0] += 1.0
    client.data_controllers()
    print(before, sorted(s.name for s in exporter.get_finished_spans()))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out.strip() == "0 ['POST', 'query DataControllers']"


def test_with_httpx_instrumentation_its_spans_nest_under_each_attempt(
    sandbox: Sandbox, otel: Otel
) -> None:
    """opentelemetry-instrumentation-httpx on the same client: each of its transport spans is
    the child of one of our attempt spans (one each: nothing counted twice), all under the
    operation span."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    http = httpx.Client()
    HTTPXClientInstrumentor.instrument_client(http, tracer_provider=otel.tracer_provider)
    settings = {**sandbox_settings(sandbox), "http_client": http}
    with DxtraClient(**settings, telemetry=otel.settings()) as client:
        client._sleep = lambda seconds: None
        client.data_controllers()
        otel.spans.clear()
        sandbox.faults.inject("graphql", "status", status=503, count=1)
        client.data_controllers()
    http.close()
    spans = otel.finished()
    (operation,) = [s for s in spans if s.name == "query DataControllers"]
    attempts = children(operation, spans)
    assert len(attempts) == 2
    for attempt in attempts:
        (transport,) = children(attempt, spans)
        assert transport.instrumentation_scope is not None
        assert "httpx" in transport.instrumentation_scope.name
    assert len(spans) == 5


def test_a_session_adopted_from_the_shared_store_has_a_store_span(
    sandbox: Sandbox, otel: Otel, tmp_path: Path
) -> None:
    """Two clients sharing a FileTokenStore: the first signs in, the second reads the session
    from the store, and its cold call shows that read as a ``dxtra token store`` child."""
    from dxtra_typed import FileTokenStore

    store = FileTokenStore(tmp_path / "dxtra-token")
    settings = {**sandbox_settings(sandbox), "token_store": store, "telemetry": otel.settings()}
    with DxtraClient(**settings) as first:
        first.data_controllers()
    otel.spans.clear()
    with DxtraClient(**settings) as second:
        second.data_controllers()
    spans = otel.finished()
    (operation,) = [s for s in spans if s.name == "query DataControllers"]
    assert [s.name for s in children(operation, spans)] == ["dxtra token store", "POST"]
    (read,) = otel.named("dxtra token store")
    assert dict(read.attributes or {})["dxtra.auth.kind"] == "store"
    kinds = {
        dict(p.attributes)["dxtra.auth.kind"]: p.value
        for p in otel.metric_points()["dxtra.client.token.exchanges"]
    }
    assert kinds == {"signin": 1, "store": 1}


async def test_a_dropped_connection_is_an_attempt_span_with_the_exception_class(
    kind: str, sandbox: Sandbox, otel: Otel
) -> None:
    client = make(kind, sandbox, otel)
    try:
        await resolve(client.data_controllers())
        otel.spans.clear()
        sandbox.faults.inject("graphql", "drop", count=1)
        await resolve(client.data_controllers())
    finally:
        await close(client)
    spans = otel.finished()
    (operation,) = [s for s in spans if s.name == "query DataControllers"]
    failed, succeeded = children(operation, spans)
    error_type = dict(failed.attributes or {})["error.type"]
    assert isinstance(error_type, str) and error_type.endswith("Error")
    assert "http.response.status_code" not in dict(failed.attributes or {})
    assert failed.status.status_code is StatusCode.ERROR
    assert dict(succeeded.attributes or {})["http.response.status_code"] == 200
    (retry,) = [e for e in operation.events if e.name == "retry"]
    assert dict(retry.attributes or {})["dxtra.retry.reason"] == error_type


async def test_a_response_from_execute_never_parsed_still_ends_its_operation_span(
    kind: str, sandbox: Sandbox, otel: Otel
) -> None:
    """``execute`` leaves the operation open for ``get_data``; a caller who only wants the
    response still gets the span ended (as successful) once the response is gone."""
    client = make(kind, sandbox, otel)
    query = "query DataControllers { dataControllers { id } }"
    try:
        await resolve(client.data_controllers())  # warm: the token exchange is not the subject
        otel.spans.clear()
        response = await resolve(client.execute(query, "DataControllers"))
        assert response.status_code == 200
        assert otel.named("query DataControllers") == []  # open: the outcome is get_data's
        del response
        gc.collect()
        (operation,) = otel.named("query DataControllers")
    finally:
        await close(client)
    assert operation.status.status_code is StatusCode.UNSET
    assert dict(operation.attributes or {})["dxtra.attempts"] == 1
    (attempt,) = children(operation, otel.finished())
    assert attempt.name == "POST"
