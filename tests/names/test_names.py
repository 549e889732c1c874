"""The naming rules (dxtra_typed.codegen.names): pure functions, one case per hazard."""

from __future__ import annotations

import typing

import pytest

from dxtra_typed._options import CallOptions
from dxtra_typed._subscriptions import SubscribeOptions
from dxtra_typed.codegen import names


def fields(*graphql: str) -> dict[str, str]:
    return names.assign(graphql, names.field_base)


def test_keywords_and_builtin_types_get_an_underscore() -> None:
    assert fields("from", "in", "not", "pass", "class", "type", "list") == {
        "from": "from_",
        "in": "in_",
        "not": "not_",
        "pass": "pass_",
        "class": "class_",
        "type": "type_",
        "list": "list_",
    }


def test_soft_keywords_are_valid_names_and_stay() -> None:
    assert fields("match", "case") == {"match": "match", "case": "case"}


def test_pydantic_attributes_and_module_level_names_are_escaped() -> None:
    assert fields("json", "schema", "copy", "date", "datetime", "time") == {
        "json": "json_",
        "schema": "schema_",
        "copy": "copy_",
        "date": "date_",
        "datetime": "datetime_",
        "time": "time_",
    }


@pytest.mark.parametrize(
    ("graphql", "expected"),
    [
        (("User", "user"), {"user": "user", "User": "user_2"}),
        (("companyId", "company_id"), {"company_id": "company_id", "companyId": "company_id_2"}),
        (("Json", "json"), {"json": "json_", "Json": "json_2"}),
        (
            ("MarketingSource", "marketing_source"),
            {"marketing_source": "marketing_source", "MarketingSource": "marketing_source_2"},
        ),
        # Hasura's operators keep and_/or_/not_ in every bool_exp; the columns move aside.
        (
            ("_and", "_or", "_not", "and", "or", "not"),
            {
                "_and": "and_",
                "_or": "or_",
                "_not": "not_",
                "and": "and_2",
                "or": "or_2",
                "not": "not_2",
            },
        ),
    ],
)
def test_names_that_snake_case_alike_stay_distinct(
    graphql: tuple[str, ...], expected: dict[str, str]
) -> None:
    assert fields(*graphql) == expected


def test_a_numbered_name_never_takes_another_fields_name() -> None:
    # `user2` snake-cases to user_2: the second `user` moves on to user_3.
    assert fields("user", "User", "user2") == {"user": "user", "user2": "user_2", "User": "user_3"}


def test_names_do_not_depend_on_order_or_on_the_other_members_selected() -> None:
    forward = fields("User", "user", "companyId", "company_id", "title")
    assert forward == fields("title", "company_id", "companyId", "user", "User")
    # A name the namespace adds does not rename the exact one.
    assert fields("user")["user"] == fields("user", "User", "USER")["user"] == "user"


def test_every_result_is_distinct_and_pascal_distinct() -> None:
    graphql = ["x", "X", "_x", "x_", "X_", "xX", "x_x", "class", "Class", "_class"]
    mapping = fields(*graphql)
    assert not names.collisions(mapping)
    assert len({names.pascal_case(v) for v in mapping.values()}) == len(graphql)
    assert all(v.isidentifier() and not v.startswith("_") for v in mapping.values())


def test_enum_members_that_shadow_str_or_are_keywords() -> None:
    members = names.assign(
        ["title", "count", "index", "format", "from", "type", "name", "asc"],
        names.enum_member_base,
        pascal_distinct=False,
    )
    assert members == {
        "title": "title_",
        "count": "count_",
        "index": "index_",
        "format": "format_",
        "from": "from_",
        "type": "type_",
        "name": "name",
        "asc": "asc",
    }
    assert names.assign(["title", "title_"], names.enum_member_base, pascal_distinct=False) == {
        "title_": "title_",
        "title": "title_2",
    }
    assert names.enum_member_base("_sunder_") == "m_sunder_"


def test_variables_never_take_an_option_or_a_local_name() -> None:
    variables = names.assign(
        ["userId", "role", "timeout", "headers", "maxRetries", "query", "kwargs", "limit"],
        names.variable_base,
        pascal_distinct=False,
    )
    assert variables == {
        "userId": "user_id",
        "role": "role_",
        "timeout": "timeout_",
        "headers": "headers_",
        "maxRetries": "max_retries_",
        "query": "query_",
        "kwargs": "kwargs_",
        "limit": "limit",
    }


def test_every_option_name_is_reserved() -> None:
    """A new per-call option must take a reserved name (or reserve one here first): then no
    variable was ever given its name, and adding the option renames no one's argument."""
    options = set(typing.get_type_hints(CallOptions)) | set(typing.get_type_hints(SubscribeOptions))
    assert options <= names.RESERVED_OPTION_NAMES, sorted(options - names.RESERVED_OPTION_NAMES)
    assert options == set(names.CALL_OPTIONS | names.SUBSCRIBE_OPTIONS)


def test_methods_avoid_the_client_classes_names() -> None:
    reserved = {"execute", "close", "get_data"}
    methods = names.assign(
        ["execute", "close", "users", "Users2"],
        lambda n: names.method_base(n, reserved),
        taken=reserved,
        pascal_distinct=False,
    )
    assert methods["execute"] == "execute_"
    assert methods["close"] == "close_"
    assert methods["users"] == "users"
