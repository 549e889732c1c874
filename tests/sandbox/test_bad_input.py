"""Bad input at the HTTP level gets Hasura's or Nhost's kind of answer, never a 500 traceback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dxtra_typed.sandbox import Sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as client:
        yield client


def hasura_error(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"extensions": {"path": "$", "code": code}, "message": message}]}


HASURA_NOT_FOUND = {"path": "$", "error": "resource does not exist", "code": "not-found"}
NHOST_NOT_FOUND = {"status": 404, "message": "Route not found", "error": "route-not-found"}


def test_invalid_json_is_a_200_invalid_json(sb: Sandbox, http: httpx.Client) -> None:
    r = http.post(sb.api_url, content=b"{nope", headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (
        200,
        hasura_error("invalid-json", "Error in $: Failed reading: not a valid json value"),
    )


@pytest.mark.parametrize("content", [b"", b"   "])
def test_empty_body_is_invalid_json(sb: Sandbox, http: httpx.Client, content: bytes) -> None:
    r = http.post(sb.api_url, content=content, headers={"content-type": "application/json"})
    assert (r.status_code, r.json()) == (
        200,
        hasura_error("invalid-json", "Error in $: not enough input"),
    )


def test_content_type_is_ignored_as_hasura_does(sb: Sandbox, http: httpx.Client) -> None:
    r = http.post(
        sb.api_url, content=b'{"query": "{ __typename }"}', headers={"content-type": "text/plain"}
    )
    assert r.json() == {"data": {"__typename": "query_root"}}
    form = http.post(sb.api_url, data={"query": "{ __typename }"})
    assert form.status_code == 200
    assert form.json()["errors"][0]["extensions"]["code"] == "invalid-json"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (42, "parse-failed"),
        ({"variables": {}}, "parse-failed"),
        ({"query": "{"}, "validation-failed"),
    ],
)
def test_wrong_shapes_are_hasura_errors(
    sb: Sandbox, http: httpx.Client, body: Any, code: str
) -> None:
    r = http.post(sb.api_url, json=body)
    assert r.status_code == 200
    assert r.json()["errors"][0]["extensions"]["code"] == code


def test_unknown_operation_name(sb: Sandbox, http: httpx.Client) -> None:
    r = http.post(sb.api_url, json={"query": "query A { __typename }", "operationName": "B"})
    assert r.json() == hasura_error(
        "validation-failed", 'no such operation found in the document: "B"'
    )


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_other_methods_on_graphql_are_hasura_404(
    sb: Sandbox, http: httpx.Client, method: str
) -> None:
    r = http.request(method, sb.api_url)
    assert (r.status_code, r.json()) == (404, HASURA_NOT_FOUND)


def test_get_on_an_auth_route_is_nhost_404(sb: Sandbox, http: httpx.Client) -> None:
    r = http.get(f"{sb.auth_url}/v1/signin/pat")
    assert (r.status_code, r.json()) == (404, NHOST_NOT_FOUND)


@pytest.mark.parametrize("path", ["/nope", "/v2/graphql", "/v1/graphql/extra"])
def test_unknown_paths_are_404(sb: Sandbox, http: httpx.Client, path: str) -> None:
    r = http.post(f"{sb.auth_url}{path}", json={})
    assert r.status_code == 404
    assert r.json() in (HASURA_NOT_FOUND, NHOST_NOT_FOUND)


def test_a_huge_graphql_body_is_413_and_the_server_survives(
    sb: Sandbox, http: httpx.Client
) -> None:
    query = "{ __typename }" + " " * (2 * 1024 * 1024)
    r = http.post(sb.api_url, json={"query": query})
    assert r.status_code == 413
    assert r.json() == {
        "path": "$",
        "error": "request body is larger than 1048576 bytes",
        "code": "request-too-large",
    }
    assert http.post(sb.api_url, json={"query": "{ __typename }"}).status_code == 200


def test_a_huge_auth_body_is_413_in_the_nhost_envelope(sb: Sandbox, http: httpx.Client) -> None:
    r = http.post(
        f"{sb.auth_url}/v1/signin/pat", json={"personalAccessToken": sb.pat, "x": "y" * 2_000_000}
    )
    assert r.status_code == 413
    assert r.json()["error"] == "request-too-large"
    assert sb.pat not in r.text


def test_a_large_query_under_the_cap_still_runs(sb: Sandbox, http: httpx.Client) -> None:
    query = "# " + "x" * 500_000 + "\n{ __typename }"
    r = http.post(sb.api_url, json={"query": query})
    assert r.json() == {"data": {"__typename": "query_root"}}


def test_a_chunked_body_over_the_cap_is_413(sb: Sandbox, http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "'
        for _ in range(20):
            yield b" " * 65536
        yield b'{ __typename }"}'

    r = http.post(sb.api_url, content=chunks())
    assert r.status_code == 413


def test_no_bad_input_was_answered_with_500(sb: Sandbox) -> None:
    assert all(record.status != 500 for record in sb.requests)
