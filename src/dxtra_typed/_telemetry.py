"""OpenTelemetry traces and metrics for operations, attempts, token exchanges and subscriptions.

Opt-in twice over: the ``otel`` extra installs ``opentelemetry-api`` (the user brings the SDK
and an exporter), and nothing is emitted until a tracer or meter provider is configured.

Zero cost when off. A client holds one ``Telemetry`` (or None when the user turned it off) and
asks it, per call, whether anything is live. That answer is a dictionary lookup when
OpenTelemetry is not even imported: configuring a provider means importing
``opentelemetry.trace`` (or ``.metrics``), so a process where ``sys.modules`` has neither has
no provider, and this module imports nothing. When the API is loaded, the global provider is
read and compared by identity with the last one seen; the API's proxy and no-op providers count
as "off". Reading it costs ~1.6 µs (the API consults os.environ each time), so while it is off
it is read again at most once a second (``RECHECK_SECONDS``): a provider configured after the
client's first call is picked up within a second, and the off path stays at two dictionary
lookups and a clock read. Tracers, meters and instruments are made once per provider.

What is emitted follows OpenTelemetry's semantic conventions for GraphQL and HTTP clients
(``graphql.operation.*``, ``server.*``, ``http.*``, ``url.full``, ``error.type``); names of our
own are under ``dxtra.``. Never a credential: attributes are built from the operation's name
and type, the role, the URL without user info, status codes, error class names and Hasura
codes, token lifetimes and counts (the secret canary test checks every exported span, event,
attribute and metric).
"""

from __future__ import annotations

import functools
import sys
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Generic, NamedTuple, TypeVar

import httpx

from dxtra_typed._errors import ConfigurationError
from dxtra_typed._version import __version__

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import Span, Tracer, TracerProvider

    from dxtra_typed._access_token import AccessToken

_T = TypeVar("_T")

SCOPE: Final = "dxtra_typed"
RECHECK_SECONDS: Final = 1.0
# The response extension that carries a call's open operation span from ``execute`` to
# ``get_data``, which ends it once it knows the outcome (a GraphQL error is found there).
OPERATION_SPAN: Final = "dxtra_telemetry_operation"

ROLE: Final = "dxtra.role"
ATTEMPTS: Final = "dxtra.attempts"
ERROR_CODE: Final = "dxtra.error.code"
OUTCOME: Final = "dxtra.outcome"
RETRY_REASON: Final = "dxtra.retry.reason"
RETRY_DELAY: Final = "dxtra.retry.delay_s"
RETRY_NUMBER: Final = "dxtra.retry.number"
AUTH_KIND: Final = "dxtra.auth.kind"
TOKEN_LIFETIME: Final = "dxtra.token.lifetime_s"
WS_PROTOCOL: Final = "dxtra.subscription.protocol"
WS_RECONNECT_REASON: Final = "dxtra.subscription.reconnect_reason"
WS_CLOSE_REASON: Final = "dxtra.subscription.close_reason"
WS_RESUME_CURSOR: Final = "dxtra.subscription.resume_cursor"
WS_EVENTS: Final = "dxtra.subscription.events"
WS_CONNECTION: Final = "dxtra.subscription.connection"

OPERATION_DURATION: Final = "dxtra.client.operation.duration"
RETRIES: Final = "dxtra.client.retries"
TOKEN_EXCHANGES: Final = "dxtra.client.token.exchanges"
ACTIVE_SUBSCRIPTIONS: Final = "dxtra.client.subscriptions.active"
SUBSCRIPTION_EVENTS: Final = "dxtra.client.subscription.events"
# Operation shapes kept per client before the cache starts over (a program has a bounded set of
# operations and roles; this only caps one that makes up operation names at run time).
SHAPES_KEPT: Final = 256


@dataclass(frozen=True)
class TelemetrySettings:
    """OpenTelemetry settings of a client (``DxtraClient(telemetry=TelemetrySettings(...))``).

    By default a client emits to the globally configured providers, and only when one is
    configured (see the README's "Tracing and metrics").
    """

    enabled: bool = True
    """False: no spans or metrics from this client, whatever is configured."""
    propagate: bool = True
    """Send the trace context (``traceparent``, through the configured propagator) on
    outgoing API requests while tracing is on."""
    record_document: bool = False
    """Put the GraphQL document in ``graphql.document`` (it may be long, and the semantic
    conventions leave it opt-in)."""
    tracer_provider: TracerProvider | None = None
    """A TracerProvider to use instead of the global one."""
    meter_provider: MeterProvider | None = None
    """A MeterProvider to use instead of the global one."""


@functools.cache
def _otel() -> Any:
    """The OpenTelemetry API modules, imported once, the first time something is live (never
    on the off path); a namespace so the hot path pays no ``import`` statement per call."""
    from types import SimpleNamespace

    from opentelemetry import context, propagate, trace

    return SimpleNamespace(
        attach=context.attach,
        detach=context.detach,
        inject=propagate.inject,
        in_context=trace.set_span_in_context,
        SpanKind=trace.SpanKind,
        Status=trace.Status,
        StatusCode=trace.StatusCode,
    )


@contextmanager
def _attached(context: Context | None) -> Iterator[None]:
    """``context`` as the current OpenTelemetry context for the block (``None``: nothing)."""
    if context is None:
        yield
        return
    otel = _otel()
    token = otel.attach(context)
    try:
        yield
    finally:
        otel.detach(token)


def _server(url: httpx.URL) -> dict[str, Any]:
    port = url.port or (443 if url.scheme == "https" else 80)
    return {"server.address": url.host, "server.port": port}


def _url_full(url: httpx.URL) -> str:
    """The URL as the span shows it: without user info (``url.full`` must not carry it)."""
    return str(url.copy_with(username=None, password=None)) if url.userinfo else str(url)


def _api_off(provider: Any, api_module: str) -> bool:
    """The API's own providers (proxy, no-op) emit nothing: an SDK's live elsewhere."""
    return type(provider).__module__.startswith(api_module)


class _Instruments:
    """The metric instruments of one meter (made once per meter provider)."""

    def __init__(self, provider: Any) -> None:
        meter = provider.get_meter(SCOPE, __version__)
        self.duration = meter.create_histogram(
            OPERATION_DURATION, unit="s", description="Duration of GraphQL operation calls"
        )
        self.retries = meter.create_counter(
            RETRIES, unit="{retry}", description="Requests sent again after a retryable outcome"
        )
        self.exchanges = meter.create_counter(
            TOKEN_EXCHANGES,
            unit="{exchange}",
            description="Token sign-ins, refreshes and reads from the shared store",
        )
        self.active = meter.create_up_down_counter(
            ACTIVE_SUBSCRIPTIONS, unit="{subscription}", description="Subscriptions running"
        )
        self.events = meter.create_counter(
            SUBSCRIPTION_EVENTS, unit="{event}", description="Subscription events received"
        )


class _Resolved(Generic[_T]):
    """What one signal's provider gives (a tracer, or the instruments), made again only when
    the provider changes. Without a configured provider the global one is used, once its API
    module is imported; while it gives nothing, it is read again at most every
    ``RECHECK_SECONDS`` (an SDK set up later is picked up, the off path stays cheap)."""

    def __init__(self, api_module: str, getter: str, make: Callable[[Any], _T]) -> None:
        self._api_module = api_module
        self._getter = getter
        self._make = make
        self._provider: Any = None
        self._value: _T | None = None
        self._recheck = 0.0

    def get(self, configured: Any, clock: Callable[[], float]) -> _T | None:
        provider = configured
        if provider is None:
            api = sys.modules.get(self._api_module)
            if api is None:
                return None
            if self._value is None:
                now = clock()
                if now < self._recheck:
                    return None
                self._recheck = now + RECHECK_SECONDS
            provider = getattr(api, self._getter)()
        if provider is not self._provider:
            self._provider = provider
            self._value = None if _api_off(provider, self._api_module) else self._make(provider)
        return self._value


class Telemetry:
    """One client's view of OpenTelemetry: whether tracing and metrics are live, and the
    tracer and instruments when they are (re-resolved only when the provider changes)."""

    # Injection point for tests: the clock of the "read the global provider again" rule.
    _clock: Callable[[], float] = staticmethod(time.monotonic)

    def __init__(self, settings: TelemetrySettings) -> None:
        self.settings = settings
        self._tracer: _Resolved[Tracer] = _Resolved(
            "opentelemetry.trace",
            "get_tracer_provider",
            lambda provider: provider.get_tracer(SCOPE, __version__),
        )
        self._instruments: _Resolved[_Instruments] = _Resolved(
            "opentelemetry.metrics", "get_meter_provider", _Instruments
        )
        self._target: _Target | None = None
        self._shapes: dict[tuple[str, str | None, str, str | None], _Shape] = {}

    def tracer(self) -> Tracer | None:
        return self._tracer.get(self.settings.tracer_provider, self._clock)

    def instruments(self) -> _Instruments | None:
        return self._instruments.get(self.settings.meter_provider, self._clock)

    def live(self) -> bool:
        """Is a tracer or meter provider live (so there is anything to record)?"""
        return self.tracer() is not None or self.instruments() is not None

    def target(self, url: httpx.URL) -> _Target:
        """The attributes that follow from the API URL (``server.*``, ``url.full`` and the
        first attempt's HTTP span attributes), built again only when the client's parsed URL
        object changes (and the operation shapes built on them with it)."""
        target = self._target
        if target is None or target.url is not url:
            server = _server(url)
            full = _url_full(url)
            attempt = {"http.request.method": "POST", "url.full": full, **server}
            target = self._target = _Target(url, server, full, attempt)
            self._shapes.clear()
        return target

    def shape(self, kind: str, name: str | None, role: str, query: str, url: httpx.URL) -> _Shape:
        """What one operation's spans and metrics carry, built once per operation, role and
        API URL: the SDK copies the attributes it keeps, so a call only passes these along."""
        target = self.target(url)
        document = query if self.settings.record_document else None
        key = (kind, name, role, document)
        shape = self._shapes.get(key)
        if shape is None:
            if len(self._shapes) >= SHAPES_KEPT:
                self._shapes.clear()
            metric: dict[str, Any] = {"graphql.operation.type": kind, ROLE: role}
            if name:
                metric["graphql.operation.name"] = name
            span = {**metric, **target.server}
            if document is not None:
                span["graphql.document"] = document
            shape = self._shapes[key] = _Shape(
                f"{kind} {name}" if name else kind,
                span,
                metric,
                {**metric, OUTCOME: "ok"},
                target,
            )
        return shape

    def operation(
        self, kind: str, name: str | None, role: str, query: str, url: httpx.URL
    ) -> Operation | None:
        """The telemetry of one call, or None (the common case) when nothing is live."""
        live = self._live_pair()
        return None if live is None else Operation(self, *live, kind, name, role, query, url)

    def subscription(
        self, kind: str, name: str | None, role: str | None, query: str, url: str
    ) -> Subscription | None:
        live = self._live_pair()
        return None if live is None else Subscription(self, *live, kind, name, role, query, url)

    def _live_pair(self) -> tuple[Tracer | None, _Instruments | None] | None:
        """The tracer and the instruments, or None when neither is live."""
        tracer = self.tracer()
        instruments = self.instruments()
        if tracer is None and instruments is None:
            return None
        return tracer, instruments


class _Target(NamedTuple):
    """The attributes that follow from one parsed API URL."""

    url: httpx.URL
    server: dict[str, Any]
    full: str
    attempt: Mapping[str, Any]
    """A first attempt's HTTP span attributes (never mutated: the SDK copies them)."""


class _Shape(NamedTuple):
    """What every call of one operation (kind, name, role) carries, shared by its calls, so
    the hot path builds no attribute dictionaries. Never mutated (typed read-only); plain
    dicts rather than ``MappingProxyType``: the SDK checks every attribute mapping with
    ``isinstance(value, Mapping)``, which takes 0.74 µs for a proxy and 0.30 µs for a dict."""

    span_name: str
    span_attributes: Mapping[str, Any]
    metric_attributes: Mapping[str, Any]
    ok_attributes: Mapping[str, Any]
    """``metric_attributes`` with ``dxtra.outcome: ok``: the duration of a successful call."""
    target: _Target


def telemetry_for(settings: TelemetrySettings | None) -> Telemetry | None:
    """A client's ``Telemetry``: None when the user turned it off (no check per call at all)."""
    if settings is None:
        settings = TelemetrySettings()
    if not isinstance(settings, TelemetrySettings):
        raise ConfigurationError(
            f"telemetry must be a dxtra_typed.TelemetrySettings, got {type(settings).__name__}"
        )
    return Telemetry(settings) if settings.enabled else None


def _error_attributes(exc: BaseException) -> dict[str, Any]:
    attributes: dict[str, Any] = {"error.type": type(exc).__name__}
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code:
        attributes[ERROR_CODE] = code
    return attributes


def _fail_span(span: Span, exc: BaseException, attributes: dict[str, Any]) -> None:
    otel = _otel()
    span.set_attributes(attributes)
    span.record_exception(exc)
    span.set_status(otel.Status(otel.StatusCode.ERROR, attributes["error.type"]))


class Operation:
    """The operation span of one call (and its metrics): started by ``execute``, given one
    HTTP child span per attempt, ended by ``get_data`` once the outcome is known."""

    def __init__(
        self,
        telemetry: Telemetry,
        tracer: Tracer | None,
        instruments: _Instruments | None,
        kind: str,
        name: str | None,
        role: str,
        query: str,
        url: httpx.URL,
    ) -> None:
        self.telemetry = telemetry
        self.tracer = tracer
        self.instruments = instruments
        self.url = url
        self.shape = shape = telemetry.shape(kind, name, role, query, url)
        self.metric_attributes = shape.metric_attributes
        self.attempts = 0
        self.ended = False
        self.started = time.perf_counter()
        self.span: Span | None = None
        # The operation span in a context: the explicit parent of each attempt's span and of
        # a token exchange (made once per call, on first use).
        self._context: Context | None = None
        self._handed: weakref.ref[httpx.Response] | None = None
        if tracer is not None:
            self.span = tracer.start_span(
                shape.span_name, kind=_otel().SpanKind.CLIENT, attributes=shape.span_attributes
            )

    def _in_context(self, span: Span) -> Context:
        context = self._context
        if context is None:
            context = self._context = _otel().in_context(span)
        return context

    def current(self) -> AbstractContextManager[None]:
        """The operation span as the current span (token exchanges become its children)."""
        return _attached(None if self.span is None else self._in_context(self.span))

    def _start_attempt(
        self, kwargs: dict[str, Any], retries: int
    ) -> tuple[Any, Any, dict[str, Any]]:
        """The HTTP span of one attempt, the context token making it current, and the
        request's keyword arguments (with ``traceparent`` when propagating)."""
        self.attempts += 1
        if self.tracer is None or self.span is None:
            return None, None, kwargs
        otel = _otel()
        attributes = self.shape.target.attempt
        if retries:
            attributes = {**attributes, "http.request.resend_count": retries}
        span = self.tracer.start_span(
            "POST",
            context=self._in_context(self.span),
            kind=otel.SpanKind.CLIENT,
            attributes=attributes,
        )
        here = otel.in_context(span)
        if self.telemetry.settings.propagate:
            # A copy: the first attempt's kwargs are the call's own, shared with a retry.
            headers = dict(kwargs["headers"])
            otel.inject(headers, context=here)
            kwargs = {**kwargs, "headers": headers}
        return span, otel.attach(here), kwargs

    @staticmethod
    def _end_attempt(span: Any, token: Any, outcome: httpx.Response | BaseException | None) -> None:
        if span is None:
            return
        otel = _otel()
        otel.detach(token)
        if isinstance(outcome, httpx.Response):
            status = outcome.status_code
            span.set_attribute("http.response.status_code", status)
            if status >= 400:
                span.set_attribute("error.type", str(status))
                span.set_status(otel.Status(otel.StatusCode.ERROR))
        elif outcome is not None:
            _fail_span(span, outcome, {"error.type": type(outcome).__name__})
        span.end()

    def send(
        self,
        post: Callable[..., httpx.Response],
        url: httpx.URL,
        kwargs: dict[str, Any],
        retries: int,
    ) -> httpx.Response:
        span, token, kwargs = self._start_attempt(kwargs, retries)
        try:
            response = post(url, **kwargs)
        except BaseException as exc:
            self._end_attempt(span, token, exc)
            raise
        self._end_attempt(span, token, response)
        return response

    async def asend(
        self,
        post: Callable[..., Awaitable[httpx.Response]],
        url: httpx.URL,
        kwargs: dict[str, Any],
        retries: int,
    ) -> httpx.Response:
        span, token, kwargs = self._start_attempt(kwargs, retries)
        try:
            response = await post(url, **kwargs)
        except BaseException as exc:
            self._end_attempt(span, token, exc)
            raise
        self._end_attempt(span, token, response)
        return response

    def retry(self, reason: str, delay: float) -> None:
        """A retry decided after an attempt: a span event and the retries counter."""
        if self.span is not None:
            self.span.add_event(
                "retry",
                {RETRY_REASON: reason, RETRY_DELAY: delay, RETRY_NUMBER: self.attempts},
            )
        if self.instruments is not None:
            self.instruments.retries.add(1, {**self.metric_attributes, RETRY_REASON: reason})

    def handed_over(self, response: httpx.Response) -> None:
        """``execute`` returned ``response``: ``get_data`` ends the span with the outcome. A
        caller of ``execute`` who never calls ``get_data`` still gets the span ended (as
        successful) when the response is collected."""
        response.extensions[OPERATION_SPAN] = self
        self._handed = handed = weakref.ref(response, _response_collected)
        _HANDED_OVER[handed] = self

    def end(self, error: BaseException | None) -> None:
        if self.ended:
            return
        self.ended = True
        if self._handed is not None:
            _HANDED_OVER.pop(self._handed, None)
        if self.span is not None:
            self.span.set_attribute(ATTEMPTS, self.attempts)
            if error is not None:
                _fail_span(self.span, error, _error_attributes(error))
            self.span.end()
        if self.instruments is not None:
            self.instruments.duration.record(
                time.perf_counter() - self.started,
                self.shape.ok_attributes
                if error is None
                else {
                    **self.metric_attributes,
                    OUTCOME: "error",
                    "error.type": type(error).__name__,
                },
            )


# Operations handed over with their response and not ended yet, by a weak reference to the
# response: what ``weakref.finalize`` keeps (its registry is what makes the callback run even
# when the response dies in a reference cycle), at a fifth of its cost per call. Not run at
# interpreter exit, like a finalizer with ``atexit = False``.
_HANDED_OVER: dict[weakref.ref[httpx.Response], Operation] = {}


def _response_collected(handed: weakref.ref[httpx.Response]) -> None:
    operation = _HANDED_OVER.pop(handed, None)
    if operation is not None:
        operation.end(None)


def finish_operation(response: httpx.Response, error: BaseException | None) -> None:
    """End the operation span ``execute`` left on ``response`` (if any)."""
    operation = response.extensions.get(OPERATION_SPAN)
    if isinstance(operation, Operation):
        operation.end(error)


# ------------------------------------------------------------------------------------------
# Token exchanges


@contextmanager
def exchange(
    telemetry: Telemetry | None, kind: str, auth_url: str
) -> Iterator[Callable[[AccessToken], None]]:
    """A span around one token exchange (``kind``: signin, refresh or store), a child of
    whatever is current (the call that needed the token). Yields ``done(token)``, which
    records the new JWT's lifetime (never the token)."""
    tracer = telemetry.tracer() if telemetry is not None else None
    instruments = telemetry.instruments() if telemetry is not None else None
    if instruments is not None:
        instruments.exchanges.add(1, {AUTH_KIND: kind})
    if tracer is None:
        yield _ignore
        return
    span_kind = _otel().SpanKind
    url = httpx.URL(auth_url)
    span = tracer.start_span(
        f"dxtra token {kind}",
        kind=span_kind.CLIENT if kind != "store" else span_kind.INTERNAL,
        attributes={AUTH_KIND: kind, **_server(url)},
    )

    def done(token: AccessToken) -> None:
        span.set_attribute(TOKEN_LIFETIME, round(token.expires_at - token.issued_at, 3))

    try:
        yield done
    except BaseException as exc:
        _fail_span(span, exc, _error_attributes(exc))
        raise
    finally:
        span.end()


def _ignore(token: AccessToken) -> None:
    return None


def record_store_read(telemetry: Telemetry | None, auth_url: str, token: AccessToken) -> None:
    """A session adopted from the shared token store: a short span of its own."""
    if telemetry is None:
        return
    with exchange(telemetry, "store", auth_url) as done:
        done(token)


# ------------------------------------------------------------------------------------------
# Subscriptions


class Subscription:
    """The operation span of one logical subscription and a span per WebSocket connection.

    Spans are started with an explicit parent rather than made current: a subscription is an
    async generator, and a context attached inside it would leak into its consumer between
    events.
    """

    def __init__(
        self,
        telemetry: Telemetry,
        tracer: Tracer | None,
        instruments: _Instruments | None,
        kind: str,
        name: str | None,
        role: str | None,
        query: str,
        url: str,
    ) -> None:
        self.telemetry = telemetry
        self.tracer = tracer
        self.instruments = instruments
        self.attributes: dict[str, Any] = {"graphql.operation.type": kind}
        if name:
            self.attributes["graphql.operation.name"] = name
        if role:
            self.attributes[ROLE] = role
        self.started = time.perf_counter()
        self.span: Span | None = None
        self.connection: Span | None = None
        self.connections = 0
        self.events = 0
        self._url = httpx.URL(url)
        if instruments is not None:
            instruments.active.add(1, self.attributes)
        if tracer is not None:
            attributes = {**self.attributes, **_server(self._url)}
            if telemetry.settings.record_document:
                attributes["graphql.document"] = query
            self.span = tracer.start_span(
                f"{kind} {name}" if name else kind,
                kind=_otel().SpanKind.CLIENT,
                attributes=attributes,
            )

    def current(self) -> AbstractContextManager[None]:
        """The subscription span as current for a stretch without a ``yield`` (a token
        fetch), so an exchange it causes is its child."""
        return _attached(None if self.span is None else _otel().in_context(self.span))

    def connect(self, reconnect_reason: str | None, resume_cursor: bool) -> None:
        self.connections += 1
        if self.tracer is None or self.span is None:
            return
        otel = _otel()
        attributes: dict[str, Any] = {
            WS_CONNECTION: self.connections,
            WS_RESUME_CURSOR: resume_cursor,
            "url.full": _url_full(self._url),
            **_server(self._url),
        }
        if reconnect_reason:
            attributes[WS_RECONNECT_REASON] = reconnect_reason
        self.connection = self.tracer.start_span(
            "websocket connection",
            context=otel.in_context(self.span),
            kind=otel.SpanKind.CLIENT,
            attributes=attributes,
        )

    def protocol(self, protocol: str | None) -> None:
        if self.connection is not None and protocol:
            self.connection.set_attribute(WS_PROTOCOL, protocol)

    def event(self) -> None:
        self.events += 1
        if self.instruments is not None:
            self.instruments.events.add(1, self.attributes)

    def disconnect(self, events: int, reason: str | None, error: BaseException | None) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        connection.set_attribute(WS_EVENTS, events)
        if reason:
            connection.set_attribute(WS_CLOSE_REASON, reason)
        if error is not None:
            _fail_span(connection, error, _error_attributes(error))
        connection.end()

    def end(self, error: BaseException | None) -> None:
        if self.instruments is not None:
            self.instruments.active.add(-1, self.attributes)
            outcome = {"error.type": type(error).__name__} if error is not None else {}
            self.instruments.duration.record(
                time.perf_counter() - self.started,
                {**self.attributes, OUTCOME: "error" if error else "ok", **outcome},
            )
        if self.span is not None:
            self.span.set_attribute(WS_EVENTS, self.events)
            self.span.set_attribute(ATTEMPTS, self.connections)
            if error is not None:
                _fail_span(self.span, error, _error_attributes(error))
            self.span.end()
