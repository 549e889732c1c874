"""The generated surface keeps its promises everywhere: ``iter_*`` methods check their arguments
when called, docstrings name the options a method really takes, and ``help()`` is readable."""

from __future__ import annotations

import inspect
import pydoc
import subprocess
import sys
import typing
import uuid
from typing import Any

import pytest

from dxtra_typed import (
    AsyncDxtraClient,
    ConfigurationError,
    DxtraClient,
    InvalidArgumentError,
    Subscription,
)
from dxtra_typed._options import CallOptions
from dxtra_typed._subscriptions import SubscribeOptions
from dxtra_typed._validation import type_hints

# Nothing listens here: every check below must fail before a request could be made.
NOWHERE = {"api_key": "k", "api_url": "http://127.0.0.1:9/v1/graphql", "env": {}}
CID = "3f0a8c1e-0000-4000-8000-000000000001"


@pytest.mark.parametrize("cls", [DxtraClient, AsyncDxtraClient])
@pytest.mark.parametrize(
    ("kwargs", "error", "named"),
    [
        ({"controller_id": "not-a-uuid"}, InvalidArgumentError, "controller_id"),
        ({"controller_id": CID, "page_size": "5"}, InvalidArgumentError, "page_size"),
        ({"controller_id": CID, "timout": 3}, InvalidArgumentError, "timout"),
        ({"controller_id": CID, "page_size": 0}, ConfigurationError, "page_size"),
    ],
)
async def test_iter_methods_check_arguments_when_called(
    cls: type[Any], kwargs: dict[str, Any], error: type[Exception], named: str
) -> None:
    if kwargs["controller_id"] == CID:
        kwargs = {**kwargs, "controller_id": uuid.UUID(CID)}
    client = cls(**NOWHERE)
    try:
        with pytest.raises(error, match=named):
            client.iter_data_subjects(**kwargs)  # the call itself, not the first next()
    finally:
        closing = client.aclose() if isinstance(client, AsyncDxtraClient) else client.close()
        if inspect.isawaitable(closing):
            await closing


def test_each_method_types_the_options_it_takes() -> None:
    """Per-call options are documented once, on CallOptions / SubscribeOptions (issue 21: no
    ``**kwargs`` line in every docstring); each method's ``**kwargs`` is typed with them."""
    from dxtra_generated import async_client, client

    subscriptions = 0
    for cls, module in ((DxtraClient, client), (AsyncDxtraClient, async_client)):
        for name, info in module.OPERATIONS.items():
            method = getattr(cls, name)
            options = inspect.signature(method).parameters["kwargs"].annotation
            assert "**kwargs" not in (method.__doc__ or ""), name
            if info.kind == "subscription":
                subscriptions += 1
                assert typing.get_origin(type_hints(method)["return"]) is Subscription
                assert "SubscribeOptions" in str(options), name
            else:
                assert "CallOptions" in str(options), name
    assert subscriptions >= 6
    assert CallOptions.__doc__ and SubscribeOptions.__doc__


def test_help_shows_unset_defaults_readably() -> None:
    text = pydoc.plain(pydoc.render_doc(DxtraClient.data_subjects))
    assert "limit: Union[int, NoneType, dxtra_generated.base_model.UnsetType] = UNSET" in text
    assert "object at 0x" not in text
    async_text = pydoc.plain(pydoc.render_doc(AsyncDxtraClient.rights_requests_live))
    assert "= UNSET" in async_text and "object at 0x" not in async_text


def test_help_shows_the_per_call_options_readably() -> None:
    """Not Python's ``**kwargs: *<class 'dxtra_typed._options.CallOptions'>``."""
    text = pydoc.plain(pydoc.render_doc(DxtraClient.data_subjects))
    assert "**kwargs: Unpack[CallOptions])" in text and "<class" not in text
    async_text = pydoc.plain(pydoc.render_doc(AsyncDxtraClient.rights_requests_live))
    assert "**kwargs: Unpack[SubscribeOptions])" in async_text
    signature = str(inspect.signature(AsyncDxtraClient.data_subjects))
    assert "**kwargs: Unpack[CallOptions])" in signature


def test_importing_a_client_defines_no_result_or_input_class() -> None:
    # lazy_imports: the first DxtraClient(...) imports only the package, its client and base
    # modules (and _documents: one string per operation, no class); a method imports its
    # result (and input) classes on its first call.
    script = (
        "import sys, uuid, dxtra_typed\n"
        "c = dxtra_typed.DxtraClient('x', api_url='http://127.0.0.1:9/v1/graphql',\n"
        "    auth_url='http://127.0.0.1:9', allow_insecure_http=True)\n"
        "print(sorted(m for m in sys.modules if m.startswith('dxtra_generated')))\n"
        "try:\n"
        "    c.rights_requests(controller_id=uuid.uuid4(), status={'_eq': 1})\n"
        "except dxtra_typed.InvalidArgumentError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()
    assert out[0] == str(
        [
            "dxtra_generated",
            "dxtra_generated._documents",
            "dxtra_generated.base_client",
            "dxtra_generated.base_model",
            "dxtra_generated.client",
        ]
    )
    # The forward reference to the input class resolved at call time, for validation.
    assert out[1].startswith("rights_requests: status.String_comparison_exp._eq:"), out
