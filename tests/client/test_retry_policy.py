"""Retry policy, table-driven: pure functions, injected time and randomness, no sleeping."""

from __future__ import annotations

import email.utils

import httpx
import pytest

from dxtra_typed._retry import (
    MUTATION,
    QUERY,
    RECONNECT,
    REFRESH,
    SIGNIN,
    RetryPolicy,
    backoff_delay,
    connection_worked,
    operation_kind,
    parse_retry_after,
    retry_delay,
    rule_for,
)

NOW = 1_800_000_000.0
POLICY = RetryPolicy()
REQUEST = httpx.Request("POST", "http://127.0.0.1/v1/graphql")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Retry-After": "1"}, 1.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "-3"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "inf"}, None),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"retry-after-ms": "x", "Retry-After": "9"}, 9.0),
        ({"Retry-After": email.utils.formatdate(NOW + 30, usegmt=True)}, 30.0),
        ({"Retry-After": email.utils.formatdate(NOW - 30, usegmt=True)}, 0.0),
    ],
)
def test_retry_after_forms(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, NOW) == expected


@pytest.mark.parametrize(
    ("retries", "unit", "expected"),
    [
        (0, 0.0, 0.5),
        (1, 0.0, 1.0),
        (2, 0.0, 2.0),
        (3, 0.0, 4.0),
        (4, 0.0, 8.0),
        (9, 0.0, 8.0),
        (0, 0.999, 0.5 * (1 - 0.25 * 0.999)),
        (5, 0.5, 8.0 * 0.875),
    ],
)
def test_backoff_is_exponential_capped_and_jittered_downwards(
    retries: int, unit: float, expected: float
) -> None:
    assert backoff_delay(retries, POLICY, unit) == pytest.approx(expected)


def test_jitter_never_exceeds_the_cap_nor_drops_below_three_quarters() -> None:
    for retries in range(8):
        for unit in (0.0, 0.3, 0.7, 0.99999):
            delay = backoff_delay(retries, POLICY, unit)
            base = min(0.5 * 2**retries, 8.0)
            assert 0.75 * base <= delay <= base <= 8.0


def test_retry_budget_and_server_directed_waits() -> None:
    assert retry_delay(0, POLICY, None, 0.0) == 0.5
    assert retry_delay(1, POLICY, 1.0, 0.0) == 1.0  # Retry-After wins over backoff
    assert retry_delay(2, POLICY, None, 0.0) is None  # default: 2 retries, 3 attempts
    assert retry_delay(0, POLICY, 61.0, 0.0) is None  # above the 60 s cap: surface the error
    assert retry_delay(0, RetryPolicy(max_retries=0), None, 0.0) is None
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)


@pytest.mark.parametrize("status", [408, 429, 502, 503, 504])
def test_queries_retry_transient_statuses(status: int) -> None:
    assert rule_for("query").retries_status(status)


@pytest.mark.parametrize("status", [200, 400, 401, 403, 404, 409, 500, 501])
def test_queries_do_not_retry_other_statuses(status: int) -> None:
    assert not rule_for("query").retries_status(status)


@pytest.mark.parametrize(
    ("status", "expected"), [(429, True), (502, False), (503, False), (504, False), (408, False)]
)
def test_mutations_retry_only_a_refusal_that_ran_nothing(status: int, expected: bool) -> None:
    assert rule_for("mutation").retries_status(status) is expected


@pytest.mark.parametrize(
    ("error", "query", "mutation"),
    [
        (httpx.ConnectError("refused", request=REQUEST), True, True),
        (httpx.ConnectTimeout("slow connect", request=REQUEST), True, True),
        (httpx.PoolTimeout("pool", request=REQUEST), True, True),
        (httpx.ReadTimeout("slow answer", request=REQUEST), True, False),
        (httpx.WriteTimeout("slow send", request=REQUEST), True, False),
        (httpx.ReadError("reset", request=REQUEST), True, False),
        (httpx.RemoteProtocolError("dropped", request=REQUEST), True, False),
        (httpx.DecodingError("bad gzip", request=REQUEST), False, False),
    ],
)
def test_transport_errors_by_operation_kind(
    error: httpx.HTTPError, query: bool, mutation: bool
) -> None:
    assert rule_for("query").retries_error(error) is query
    assert rule_for("mutation").retries_error(error) is mutation


@pytest.mark.parametrize(
    ("document", "name", "kind"),
    [
        ("query Q { a }", "Q", "query"),
        ("mutation M($x: Int) { a }", "M", "mutation"),
        ("# a comment\nmutation M { a }\nfragment F on T { b }", "M", "mutation"),
        ("fragment F on T { id }\nquery Q2 { ...F }", "Q2", "query"),
        ("subscription S { a }", "S", "subscription"),
        ("{ a }", None, "query"),
        ("query QLong { a } mutation Q { b }", "Q", "mutation"),
        ("something odd", "X", "mutation"),  # unsure: the cautious answer
    ],
)
def test_operation_kind(document: str, name: str | None, kind: str) -> None:
    assert operation_kind(document, name) == kind


def _resp(status: int, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=REQUEST)


@pytest.mark.parametrize(
    ("outcome", "repeatable", "expected"),
    [
        (_resp(503), True, 0.5),
        (_resp(429, {"Retry-After": "3"}), True, 3.0),
        (_resp(503), False, None),  # a refresh rotates its token: never blindly repeated
        (_resp(401), True, None),
        (_resp(400), True, None),
        (httpx.ConnectError("x", request=REQUEST), False, 0.5),
        (httpx.ReadTimeout("x", request=REQUEST), True, 0.5),
        (httpx.ReadTimeout("x", request=REQUEST), False, None),
    ],
)
def test_auth_exchange_retry_rules(
    outcome: httpx.Response | httpx.HTTPError, repeatable: bool, expected: float | None
) -> None:
    rule = SIGNIN if repeatable else REFRESH
    assert rule.delay(outcome, 0, POLICY, now=NOW, random_unit=0.0) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (None, True),  # no close frame (1006): Hasura's way of ending an expired JWT's socket
        (1000, True),
        (1011, True),
        (4401, True),
        (4403, True),
        (4500, True),
        (4400, False),  # the server refused our messages: repeating them cannot help
        (4409, False),
    ],
)
def test_subscription_reconnect_rule(code: int | None, expected: bool) -> None:
    assert RECONNECT.retries_status(code) is expected
    # A lost socket (sent or not) is always reconnect material: a subscription only reads.
    assert RECONNECT.retries_error(httpx.ReadError("x", request=REQUEST))


@pytest.mark.parametrize(
    ("outcome", "query", "mutation"),
    [
        (_resp(503, {"Retry-After": "2"}), 2.0, None),
        (_resp(429), 0.5, 0.5),
        (_resp(400), None, None),
        (httpx.ConnectError("x", request=REQUEST), 0.5, 0.5),
        (httpx.ReadTimeout("x", request=REQUEST), 0.5, None),
        (httpx.TooManyRedirects("x", request=REQUEST), None, None),
    ],
)
def test_graphql_rules_decide_through_the_same_code(
    outcome: httpx.Response | httpx.HTTPError, query: float | None, mutation: float | None
) -> None:
    assert QUERY.delay(outcome, 0, POLICY, now=NOW, random_unit=0.0) == query
    assert MUTATION.delay(outcome, 0, POLICY, now=NOW, random_unit=0.0) == mutation
    # The budget is the policy's, whatever the rule.
    assert QUERY.delay(outcome, 2, POLICY, now=NOW, random_unit=0.0) is None


@pytest.mark.parametrize(
    ("acked", "events", "token_expired", "lived", "worked"),
    [
        (False, 3, True, 60.0, False),  # never accepted: a failed attempt, whatever else
        (True, 1, False, 0.0, True),
        (True, 0, True, 0.0, True),  # JWT expiry ends every socket once per token lifetime
        (True, 0, False, 5.0, True),
        (True, 0, False, 4.9, False),
    ],
)
def test_a_connection_that_worked_restarts_the_reconnect_budget(
    acked: bool, events: int, token_expired: bool, lived: float, worked: bool
) -> None:
    got = connection_worked(
        acked=acked, events=events, token_expired=token_expired, lived=lived, healthy_after=5.0
    )
    assert got is worked
