"""Every async method of a generated client refuses a bad argument or per-call option with
``InvalidArgumentError`` (inside the error tree), before anything is sent.

Table-driven over every operation method, pager and subscription of the bundled
``AsyncDxtraClient`` and of a user's ``AsyncClient`` generated from a small project in a
temporary folder. The clients point at a closed loopback port with retries off: an argument
that slipped through would surface as ``APIConnectionError`` instead, failing the test.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import shutil
import sys
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import create_autospec
from uuid import UUID

import pytest

from dxtra_typed import AsyncDxtraClient, InvalidArgumentError, Subscription
from dxtra_typed.codegen._driver import generate

ROOT = Path(__file__).parents[2]
USER_CONFIG = """\
[tool.dxtra-typed]
package = "argcheck_gen"
package_path = "out"
schema = "schema/schema.graphql"
queries = "queries"
client = "Client"
async_client = "AsyncClient"
"""


@pytest.fixture(scope="module")
def user_async_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[type[Any]]:
    """A user's ``AsyncClient``: the bundled operations generated under other names."""
    root = tmp_path_factory.mktemp("user")
    for name in ("schema", "queries", "src"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "codegen.toml").write_text(USER_CONFIG)
    generate(root, root / "codegen.toml")
    sys.path.insert(0, str(root / "out"))
    try:
        yield importlib.import_module("argcheck_gen.async_client").AsyncClient
    finally:
        sys.path.remove(str(root / "out"))
        for name in [m for m in sys.modules if m.split(".")[0] == "argcheck_gen"]:
            del sys.modules[name]


def _good(hint: Any) -> Any:
    """A valid value of ``hint`` (an argument annotation), for the arguments not under test."""
    if hint is UUID:
        return UUID(int=1)
    if hint is int:
        return 1
    if hint is str:
        return "x"
    origin = typing.get_origin(hint)
    if origin is list:
        return []
    if origin in (typing.Union, types.UnionType):
        return _good(typing.get_args(hint)[0])
    raise AssertionError(f"no sample value for {hint!r}")


def _methods(cls: type[Any]) -> list[str]:
    """Every generated method: operations, subscriptions and pagers (not the base client's)."""
    own = vars(cls)
    return sorted(name for name, value in own.items() if hasattr(value, "__wrapped__"))


def _required(method: Callable[..., Any]) -> dict[str, Any]:
    from dxtra_typed._validation import type_hints

    hints = type_hints(method)
    return {
        name: _good(hints[name])
        for name, p in inspect.signature(method).parameters.items()
        if name != "self"
        and p.default is inspect.Parameter.empty
        and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    }


def _is_subscription(method: Callable[..., Any]) -> bool:
    from dxtra_typed._validation import type_hints

    return typing.get_origin(type_hints(method)["return"]) is Subscription


def _cases(method: Callable[..., Any]) -> list[dict[str, Any]]:
    """Bad inputs for ``method``: each argument given an object, then bad options."""
    good = _required(method)
    cases = [
        {**good, name: object()}
        for name, p in inspect.signature(method).parameters.items()
        if name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    cases.append({**good, "timout": 3})
    cases.append({**good, "role": "root"})
    cases.append({**good, "headers": 5})
    if _is_subscription(method):
        cases += [{**good, "max_reconnects": -1}, {**good, "timeout": 3}]
    else:
        cases.append({**good, "max_retries": -1})
    return cases


async def _invoke(bound: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    result = bound(**kwargs)
    if inspect.isawaitable(result):
        await result
    elif hasattr(result, "__anext__"):  # a subscription or pager: ask for the first item
        try:
            await result.__anext__()
        finally:
            await result.aclose() if hasattr(result, "aclose") else None


def _client(cls: type[Any]) -> Any:
    return cls(
        api_key="dxtra-test-key-0123456789abcdef",
        auth_url="http://127.0.0.1:9/v1",
        api_url="http://127.0.0.1:9/v1/graphql",
        max_retries=0,
    )


def _check_all(cls: type[Any]) -> int:
    client = _client(cls)
    names = _methods(cls)
    assert len(names) > 10, names
    checked = 0

    async def run() -> None:
        nonlocal checked
        for name in names:
            for kwargs in _cases(getattr(cls, name)):
                with pytest.raises(InvalidArgumentError) as info:
                    await _invoke(getattr(client, name), kwargs)
                assert str(info.value).startswith(f"{name}: "), info.value
                assert "\n" not in str(info.value)
                checked += 1
        await client.aclose()

    asyncio.run(run())
    return checked


def test_every_bundled_async_method_raises_invalid_argument_error() -> None:
    assert _check_all(AsyncDxtraClient) > 100


def test_every_user_async_method_raises_invalid_argument_error(
    user_async_client: type[Any],
) -> None:
    assert _check_all(user_async_client) > 100


@pytest.mark.parametrize("method", _methods(AsyncDxtraClient))
def test_async_operation_methods_stay_coroutine_functions(method: str) -> None:
    function = getattr(AsyncDxtraClient, method)
    if inspect.iscoroutinefunction(inspect.unwrap(function)):
        assert inspect.iscoroutinefunction(function)


def test_the_user_client_methods_stay_coroutine_functions(user_async_client: type[Any]) -> None:
    coroutines = [
        name
        for name in _methods(user_async_client)
        if inspect.iscoroutinefunction(inspect.unwrap(getattr(user_async_client, name)))
    ]
    assert coroutines
    assert all(inspect.iscoroutinefunction(getattr(user_async_client, n)) for n in coroutines)


def test_autospec_of_the_async_client_gives_awaitable_methods() -> None:
    mock = create_autospec(AsyncDxtraClient, instance=True)
    mock.data_controllers.return_value = ["row"]

    async def use() -> object:
        return await mock.data_controllers()

    assert asyncio.run(use()) == ["row"]
