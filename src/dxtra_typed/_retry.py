"""Retry policy as pure functions: what may be retried, and how long to wait first.

The one home of every retry decision. Each thing the client sends again is a ``RetryRule``
(which answers and which failures allow another attempt) plus a ``RetryPolicy`` (how often and
how patiently); the rules below differ in parameters only, and the same code (``RetryRule``'s
methods, ``retry_delay``) decides for all of them: GraphQL queries and mutations (``_base_client``),
the PAT exchange and the token refresh (``_auth``), the subscription reconnect
(``_subscriptions``).

No I/O, no clock and no randomness of its own: callers pass ``now`` and a random number, so
every decision is a table test. The loops that sleep stay with their callers.

GraphQL sends everything as POST, so the HTTP method says nothing about safety; the operation
type does. A query can be sent again at any time. A mutation is sent again only when it
provably never reached the server (the connection was never made) or when the server refused
it without running it (429): after a read timeout or a dropped connection the server may
already have applied it, and a second send could apply it twice.
"""

from __future__ import annotations

import email.utils
import math
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Final

import httpx

from dxtra_typed._operation_info import OperationKind

DEFAULT_MAX_RETRIES: Final = 2
INITIAL_DELAY: Final = 0.5
MAX_DELAY: Final = 8.0
MAX_RETRY_AFTER: Final = 60.0

RETRYABLE_STATUSES: Final = frozenset({408, 429, 502, 503, 504})
# Statuses that mean "not executed": the request was refused before any resolver ran.
MUTATION_SAFE_STATUSES: Final = frozenset({429})

# Transport errors raised before a single byte of the request left: nothing can have run.
NEVER_SENT_ERRORS: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Transport errors after which a request may have reached the server.
SENT_ERRORS: Final = (httpx.TransportError,)

# The auth service's answers worth another PAT exchange (unlike GraphQL's, 500 included).
EXCHANGE_RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
# WebSocket close codes that mean "your messages are wrong": reconnecting would only repeat
# them. Every other close (and a socket lost without one) is worth a reconnect.
FATAL_CLOSE_CODES: Final = frozenset({4400, 4409})


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how patiently to retry. ``max_retries=2`` means up to 3 attempts."""

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = INITIAL_DELAY
    max_delay: float = MAX_DELAY
    max_retry_after: float = MAX_RETRY_AFTER

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be 0 or more (0 turns retries off)")


@dataclass(frozen=True)
class AllBut:
    """Every status except ``excluded`` (for the WebSocket, whose close codes are open-ended)."""

    excluded: frozenset[int]

    def __contains__(self, status: object) -> bool:
        return status not in self.excluded


@dataclass(frozen=True)
class RetryRule:
    """Which failed attempts of one kind of request may be followed by another.

    ``statuses``: answers (HTTP statuses, WebSocket close codes) that refused the request
    without running it or that a later attempt may not get. ``resend_after_sent``: whether a
    request that may have reached the server (a read timeout, a dropped connection) may be sent
    again; only for requests that cannot do anything twice. A request that provably never
    left (the connection was never made) may always be sent again.
    """

    statuses: Container[int | None]
    resend_after_sent: bool

    def retries_status(self, status: int | None) -> bool:
        return status in self.statuses

    def retries_error(self, error: BaseException) -> bool:
        if never_sent(error):
            return True
        return self.resend_after_sent and isinstance(error, SENT_ERRORS)

    def delay(
        self,
        outcome: httpx.Response | BaseException,
        retries_taken: int,
        policy: RetryPolicy,
        *,
        now: float,
        random_unit: float,
    ) -> float | None:
        """Wait this long before the next attempt after ``outcome``, or None to stop."""
        if isinstance(outcome, httpx.Response):
            if not self.retries_status(outcome.status_code):
                return None
            retry_after = parse_retry_after(outcome.headers, now)
            return retry_delay(retries_taken, policy, retry_after, random_unit)
        if not self.retries_error(outcome):
            return None
        return retry_delay(retries_taken, policy, None, random_unit)


# A query (and a subscription sent over HTTP) reads: any answer that may change, any failure.
QUERY: Final = RetryRule(statuses=RETRYABLE_STATUSES, resend_after_sent=True)
# A mutation may have been applied unless it provably was not: 429, or never sent.
MUTATION: Final = RetryRule(statuses=MUTATION_SAFE_STATUSES, resend_after_sent=False)
# A second PAT sign-in only leaves one more refresh token behind: retried like a query.
SIGNIN: Final = RetryRule(statuses=EXCHANGE_RETRY_STATUSES, resend_after_sent=True)
# A refresh rotates its token on the server, so it is retried only when it never left;
# otherwise the caller falls back to the PAT.
REFRESH: Final = RetryRule(statuses=frozenset(), resend_after_sent=False)
# A subscription is a read and resumes from its cursor: any close but a protocol refusal.
RECONNECT: Final = RetryRule(statuses=AllBut(FATAL_CLOSE_CODES), resend_after_sent=True)


def rule_for(kind: OperationKind) -> RetryRule:
    """The rule for a GraphQL operation sent over HTTP: a mutation's, or a query's (a
    subscription sent over HTTP is a read)."""
    return MUTATION if kind == "mutation" else QUERY


def connection_worked(
    *, acked: bool, events: int, token_expired: bool, lived: float, healthy_after: float
) -> bool:
    """Did a long-lived connection (a subscription's socket) work before it was lost?

    If so, losing it is not a failed attempt: the reconnect is immediate and the retry budget
    starts afresh. It worked if the server accepted it and it delivered an event, lived
    ``healthy_after`` seconds, or ended only because its token expired (Hasura's way of
    ending every socket once per JWT lifetime).
    """
    return acked and (events > 0 or token_expired or lived >= healthy_after)


def operation_kind(query: str, operation_name: str | None) -> OperationKind:
    """The type of the operation that ``operation_name`` selects in ``query``.

    Generated documents hold one operation plus fragments, so a keyword scan is enough; it
    errs towards "mutation" (the cautious answer) when it cannot tell.
    """
    if operation_name:
        match = re.search(
            rf"\b(query|mutation|subscription)\s+{re.escape(operation_name)}\b", query
        )
        if match:
            return match.group(1)  # type: ignore[return-value]
    stripped = re.sub(r"#[^\n]*", "", query).lstrip()
    if stripped.startswith("{") or stripped.startswith("query"):
        return "query"
    if stripped.startswith("subscription"):
        return "subscription"
    return "mutation"


def never_sent(error: BaseException) -> bool:
    return isinstance(error, NEVER_SENT_ERRORS)


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``Retry-After``.

    ``Retry-After`` may be seconds ("1.5") or an HTTP date; ``retry-after-ms`` is the
    millisecond variant some gateways send. Unparseable, negative or non-finite → None.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms is not None:
        try:
            value = float(raw_ms) / 1000.0
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            return value
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        value = when.timestamp() - now
        return max(value, 0.0)
    return value if math.isfinite(value) and value >= 0 else None


def backoff_delay(retries_taken: int, policy: RetryPolicy, random_unit: float) -> float:
    """Exponential backoff with jitter: ``initial * 2**n``, capped, times 0.75-1.0.

    ``random_unit`` is uniform in [0, 1); the multiplicative jitter keeps many clients that
    failed together from retrying in lockstep while never exceeding the cap.
    """
    base = min(policy.initial_delay * (2.0**retries_taken), policy.max_delay)
    return base * (1.0 - 0.25 * random_unit)


def retry_delay(
    retries_taken: int,
    policy: RetryPolicy,
    retry_after: float | None,
    random_unit: float,
) -> float | None:
    """How long to wait before the next attempt, or None when no attempt should follow.

    None when the retry budget is spent, or when the server asks for a wait longer than
    ``max_retry_after`` (better to surface the error than to hang for minutes).
    """
    if retries_taken >= policy.max_retries:
        return None
    if retry_after is not None:
        return retry_after if retry_after <= policy.max_retry_after else None
    return backoff_delay(retries_taken, policy, random_unit)
