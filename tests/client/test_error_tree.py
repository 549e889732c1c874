"""One error tree: what users got as bare ValueError/RuntimeError/AttributeError is a DxtraError.

Also: the constructor and a per-call ``role=`` accept the same roles, and ``from_env``'s
keyword arguments are typed (tests/static_typing/from_env.py: a misspelt one fails mypy).
"""

from __future__ import annotations

import uuid
from typing import Any, get_args

import pytest

from dxtra_typed import (
    AsyncDxtraClient,
    ConfigurationError,
    DxtraClient,
    DxtraError,
    InvalidArgumentError,
)
from dxtra_typed._config import Role
from dxtra_typed._pagination import KeysetPager
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._seed import CONTROLLER_IDS

ACME = uuid.UUID(CONTROLLER_IDS[0])


@pytest.mark.parametrize("name", ["Authorization", "x-hasura-role", "X-HASURA-ROLE"])
def test_a_reserved_header_is_a_configuration_error_and_nothing_is_sent(
    dxtra_sandbox: Sandbox, name: str
) -> None:
    with DxtraClient(
        api_key=dxtra_sandbox.pat,
        auth_url=dxtra_sandbox.auth_url,
        api_url=dxtra_sandbox.api_url,
        env={},
    ) as client:
        before = dxtra_sandbox.stats.received("graphql")
        with pytest.raises(ConfigurationError, match="role=") as info:
            client.data_controllers(headers={name: "Bearer x"})
        assert isinstance(info.value, DxtraError) and name in str(info.value)
        assert dxtra_sandbox.stats.received("graphql") == before
        with pytest.raises(ConfigurationError):
            client.with_options(headers={name: "x"})


async def test_a_reserved_header_on_a_subscription_is_the_same_error(
    dxtra_sandbox: Sandbox,
) -> None:
    async with AsyncDxtraClient(
        api_key=dxtra_sandbox.pat,
        auth_url=dxtra_sandbox.auth_url,
        api_url=dxtra_sandbox.api_url,
        env={},
    ) as client:
        sockets = dxtra_sandbox.stats.ws_connections
        with pytest.raises(ConfigurationError, match="role=") as info:
            # Raised by the call itself, before connecting (as for an operation method).
            client.rights_requests_live(controller_id=ACME, headers={"X-Hasura-Role": "me"})
        http = DxtraClient(api_key="k", api_url="http://127.0.0.1:9/v1/graphql", env={})
        with http, pytest.raises(ConfigurationError) as http_info:
            http.data_controllers(headers={"X-Hasura-Role": "me"})
        assert str(info.value) == str(http_info.value)  # one check, one message
        assert dxtra_sandbox.stats.ws_connections == sockets


def test_pager_errors_are_typed() -> None:
    rows = [type("R", (), {"id": uuid.UUID(int=i)})() for i in range(1, 4)]
    for bad in (0, -1):
        with pytest.raises(ConfigurationError, match="page_size"):
            KeysetPager(lambda after, limit: (rows, None), page_size=bad)
    backwards = KeysetPager(lambda after, limit: (rows[:limit], None), page_size=2)
    with pytest.raises(ConfigurationError, match="order by id ascending"):
        list(backwards)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"api_key": 12345}, "api_key must be a str, got int"),
        ({"api_key": "k", "auth_url": 8080}, "auth_url must be a str"),
        ({"api_key": "k", "api_url": b"https://x"}, "api_url must be a str"),
        ({"api_key": "k", "role": 1}, "role must be a str"),
        ({"api_key": "k", "max_retries": "3"}, "max_retries"),
        ({"api_key": "k", "max_retries": -1}, "max_retries"),
        ({"api_key": "k", "timeout": "30"}, "timeout"),
        ({"api_key": "k", "allow_insecure_http": "yes"}, "allow_insecure_http"),
        ({"api_key": "k", "env": ["DXTRA_API_KEY"]}, "env must be a mapping"),
    ],
)
@pytest.mark.parametrize("cls", [DxtraClient, AsyncDxtraClient])
def test_constructor_arguments_of_the_wrong_type_are_configuration_errors(
    cls: type[Any], kwargs: dict[str, Any], named: str
) -> None:
    settings = {"env": {}, **kwargs}
    with pytest.raises(ConfigurationError, match=named):
        cls(**settings)


def test_constructor_env_with_options_and_per_call_roles_agree(dxtra_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigurationError, match="'admin'"):
        DxtraClient(api_key="k", role="admin", env={})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="DXTRA_ROLE"):
        DxtraClient(api_key="k", env={"DXTRA_ROLE": "admin"})
    with DxtraClient(
        api_key=dxtra_sandbox.pat,
        auth_url=dxtra_sandbox.auth_url,
        api_url=dxtra_sandbox.api_url,
        env={},
    ) as client:
        with pytest.raises(ConfigurationError, match="'admin'"):
            client.with_options(role="admin")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="role"):
            client.data_controllers(role="admin")  # type: ignore[arg-type]
        for role in get_args(Role):  # every role of the type is accepted everywhere
            DxtraClient(api_key="k", role=role, env={}).close()
            client.with_options(role=role)
