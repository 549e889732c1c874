"""The sandbox checks a document once per schema, as Hasura caches a query's plan: the same
answers as checking it every time, and nothing shared that a caller could change."""

from __future__ import annotations

import gc
import weakref

from graphql import GraphQLSchema, build_schema

from dxtra_typed.sandbox._engine import Prepared, Session, parse_request

WITH_NAME = build_schema("type Query { name: String, id: Int }")
WITHOUT_NAME = build_schema("type Query { id: Int }")
USER = Session(role="user")


def test_a_document_is_parsed_and_validated_once_per_schema() -> None:
    body = {"query": "query Q { name }"}
    first = parse_request(body, USER, lambda role: WITH_NAME)
    second = parse_request(dict(body), USER, lambda role: WITH_NAME)
    assert isinstance(first, Prepared) and isinstance(second, Prepared)
    assert second.document is first.document  # checked once, not again


def test_the_cache_is_per_schema() -> None:
    body = {"query": "query Q { name }"}
    assert isinstance(parse_request(body, USER, lambda role: WITH_NAME), Prepared)
    refused = parse_request(body, USER, lambda role: WITHOUT_NAME)
    assert isinstance(refused, dict)
    assert refused["errors"][0]["extensions"]["code"] == "validation-failed"


def test_a_cached_error_is_a_new_body_each_time() -> None:
    body = {"query": "query Q { nope }"}
    first = parse_request(body, USER, lambda role: WITH_NAME)
    assert isinstance(first, dict)
    first["errors"][0]["message"] = "changed by a caller"
    second = parse_request(body, USER, lambda role: WITH_NAME)
    assert isinstance(second, dict)
    assert second["errors"][0]["message"] != "changed by a caller"
    assert second["errors"][0]["extensions"]["code"] == "validation-failed"


def test_operation_names_are_chosen_per_request() -> None:
    query = "query A { name } query B { id }"
    a = parse_request({"query": query, "operationName": "A"}, USER, lambda role: WITH_NAME)
    b = parse_request({"query": query, "operationName": "B"}, USER, lambda role: WITH_NAME)
    assert isinstance(a, Prepared) and isinstance(b, Prepared)
    assert (a.name, b.name) == ("A", "B")
    missing = parse_request({"query": query}, USER, lambda role: WITH_NAME)
    assert isinstance(missing, dict)
    assert "exactly one operation" in missing["errors"][0]["message"]


def test_a_schema_that_is_dropped_takes_its_checked_documents_with_it() -> None:
    def served_once() -> weakref.ref[GraphQLSchema]:
        schema = build_schema("type Query { name: String }")
        prepared = parse_request({"query": "{ name }"}, USER, lambda role: schema)
        assert isinstance(prepared, Prepared)
        return weakref.ref(schema)

    gone = served_once()
    gc.collect()
    assert gone() is None  # a test suite builds hundreds of sandboxes: none may be kept
