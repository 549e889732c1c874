"""``execute_typed``: the one runtime call every generated method body makes (issue 21).

Generated methods used to spell ``execute`` + ``get_data`` + ``model_validate`` in each body;
now they call this. It must send the same request (operation name read from the document,
which generated documents start with), apply the per-call options, and return the validated
result type: checked here directly, and through every generated-method test of this folder.
"""

from __future__ import annotations

import pytest
from dxtra_generated import _documents
from dxtra_generated.data_controllers import DataControllers

from dxtra_typed import InvalidResponseError
from dxtra_typed.sandbox import Sandbox

from ..support.canned import Reply, canned, session_reply
from .conftest import ClientFactory, resolve


async def test_sends_the_documents_operation_and_returns_the_result_type(
    make_client: ClientFactory, dxtra_sandbox: Sandbox
) -> None:
    client = make_client()
    mark = dxtra_sandbox.requests.mark()
    result = await resolve(
        client.execute_typed(DataControllers, _documents.data_controllers, {}, {"role": "user"})
    )
    assert isinstance(result, DataControllers)
    assert result.data_controllers == await resolve(client.data_controllers())
    sent = [r for r in dxtra_sandbox.requests.since(mark) if r.path == "/v1/graphql"]
    assert [r.operation_name for r in sent] == ["DataControllers", "DataControllers"]
    assert sent[0].role_header == "user"


async def test_an_explicit_operation_name_is_sent_as_given(
    make_client: ClientFactory, dxtra_sandbox: Sandbox
) -> None:
    client = make_client()
    mark = dxtra_sandbox.requests.mark()
    document = "query First { dataControllers { id } } " + _documents.data_controllers
    await resolve(
        client.execute_typed(DataControllers, document, {}, {}, operation_name="DataControllers")
    )
    sent = [r for r in dxtra_sandbox.requests.since(mark) if r.path == "/v1/graphql"]
    assert [r.operation_name for r in sent] == ["DataControllers"]


async def test_a_mismatching_answer_is_the_typed_error(make_client: ClientFactory) -> None:
    routes = {
        "/v1/signin/pat": lambda _: session_reply(),
        "/v1/graphql": lambda _: Reply(200, {"data": {"dataControllers": [{"id": 1}]}}),
    }
    with canned(routes) as server:
        client = make_client(auth_url=server.url, api_url=server.url + "/v1/graphql")
        with pytest.raises(InvalidResponseError):
            await resolve(
                client.execute_typed(DataControllers, _documents.data_controllers, {}, {})
            )
        assert server.counts["/v1/graphql"] == 1
