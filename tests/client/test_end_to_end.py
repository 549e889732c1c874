"""The client against the sandbox over real HTTP: exchange, headers, roles, typed results."""

from __future__ import annotations

import datetime
import uuid

import jwt
import pytest

from dxtra_typed import (
    AccessDeniedError,
    AuthenticationError,
    ConfigurationError,
    InvalidJWTError,
    PermissionDeniedError,
    RateLimitError,
    ValidationFailedError,
)
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._identities import SANDBOX_USER_ID

from ..support.canned import Reply, canned, session_reply
from .conftest import ClientFactory, resolve


async def test_pat_is_exchanged_once_and_the_jwt_reused(
    make_client: ClientFactory, dxtra_sandbox: Sandbox
) -> None:
    client = make_client()
    before = dxtra_sandbox.stats.signin_pat
    mark = dxtra_sandbox.requests.mark()
    for _ in range(3):
        controllers = await resolve(client.data_controllers())
        assert controllers
    assert dxtra_sandbox.stats.signin_pat - before == 1
    sent = [r for r in dxtra_sandbox.requests.since(mark) if r.path == "/v1/graphql"]
    assert len(sent) == 3
    assert all(r.has_auth and r.role_header == "user" and r.session_role == "user" for r in sent)
    assert all(r.operation_name == "DataControllers" for r in sent)
    assert all((r.user_agent or "").startswith("dxtra-typed/") for r in sent)


async def test_results_are_typed_models(make_client: ClientFactory) -> None:
    client = make_client()
    controllers = await resolve(client.data_controllers())
    first = controllers[0]
    assert isinstance(first.id, uuid.UUID)
    assert isinstance(first.created_at, datetime.datetime) and first.created_at.tzinfo
    assert first.did is None or first.did.startswith("did:dep:")
    subjects = await resolve(client.data_subjects(controller_id=first.id, limit=2))
    assert 0 < len(subjects) <= 2
    subject = await resolve(client.data_subject(id=subjects[0].id))
    assert subject is not None and subject.data_controller.id == first.id
    assert await resolve(client.data_subject(id=uuid.uuid4())) is None


async def test_uuid_strings_are_accepted_for_uuid_arguments(make_client: ClientFactory) -> None:
    """Ids held as strings (JSON, URLs, environment) work as they do in the CLI."""
    client = make_client()
    controller = (await resolve(client.data_controllers()))[0]
    subjects = await resolve(client.data_subjects(controller_id=str(controller.id), limit=1))
    subject = await resolve(client.data_subject(id=str(subjects[0].id).upper()))
    assert subject is not None and subject.id == subjects[0].id


async def test_an_operations_declared_role_beats_the_clients_and_a_per_call_role_beats_both(
    make_client: ClientFactory, dxtra_sandbox: Sandbox
) -> None:
    """`# role: anonymous` above PublicDataControllers: it runs as anonymous on a `user`
    client (3 rows, as `dxtra-typed call` shows), unless the call says `role=`."""
    client = make_client()
    mark = dxtra_sandbox.requests.mark()
    assert len(await resolve(client.public_data_controllers())) == 3
    assert len(await resolve(client.public_data_controllers(role="user"))) == 2
    sent = [r for r in dxtra_sandbox.requests.since(mark) if r.path == "/v1/graphql"]
    assert [r.role_header for r in sent] == ["anonymous", "user"]
    assert client.role == "user"  # the client's own role is untouched


async def test_user_sees_only_its_own_controllers(make_client: ClientFactory) -> None:
    controllers = await resolve(make_client().data_controllers())
    # The seeded user belongs to two of the three controllers.
    assert len(controllers) == 2


async def test_rights_request_insert_update_and_counts(make_client: ClientFactory) -> None:
    client = make_client()
    controller = (await resolve(client.data_controllers()))[0]
    subject = (await resolve(client.data_subjects(controller_id=controller.id)))[0]
    before = await resolve(client.data_controller_counts(id=controller.id))
    created = await resolve(
        client.insert_rights_request(
            data_subject_id=subject.id,
            data_controller_id=controller.id,
            request_type="erasure",
            due_date=datetime.date(2027, 1, 31),
        )
    )
    assert created is not None and created.status == "submitted"
    assert created.due_date == datetime.date(2027, 1, 31)
    updated = await resolve(client.update_rights_request_status(id=created.id, status="inProgress"))
    assert updated is not None and updated.status == "inProgress"
    after = await resolve(client.data_controller_counts(id=controller.id))
    assert before.rights_requests.aggregate is not None
    assert after.rights_requests.aggregate is not None
    assert after.rights_requests.aggregate.count == before.rights_requests.aggregate.count + 1


async def test_consent_value_update_round_trips(make_client: ClientFactory) -> None:
    client = make_client()
    controller = (await resolve(client.data_controllers()))[0]
    for subject in await resolve(client.data_subjects(controller_id=controller.id)):
        values = await resolve(client.consent_form_values(data_subject_id=subject.id))
        if values:
            break
    else:
        pytest.fail("the seed has no consent values for this controller")
    target = values[0]
    new_value = "denied" if target.value != "denied" else "granted"
    updated = await resolve(client.update_consent_value(id=target.id, value=new_value))
    assert updated is not None and updated.value == new_value
    again = await resolve(client.consent_form_values(data_subject_id=subject.id))
    assert {v.id: v.value for v in again}[target.id] == new_value


async def test_anonymous_role_sends_no_authorization_and_needs_no_key(
    make_client: ClientFactory, dxtra_sandbox: Sandbox
) -> None:
    client = make_client(api_key=None, role="anonymous")
    before = dxtra_sandbox.stats.signin_pat
    mark = dxtra_sandbox.requests.mark()
    controllers = await resolve(client.public_data_controllers())
    assert controllers  # the public surface lists controllers
    assert dxtra_sandbox.stats.signin_pat == before
    (sent,) = [r for r in dxtra_sandbox.requests.since(mark) if r.path == "/v1/graphql"]
    assert not sent.has_auth and sent.session_role == "anonymous"


async def test_anonymous_cannot_reach_user_fields(make_client: ClientFactory) -> None:
    client = make_client(api_key=None, role="anonymous")
    controller_id = uuid.uuid4()
    with pytest.raises(ValidationFailedError) as info:
        await resolve(client.data_subjects(controller_id=controller_id))
    assert info.value.code == "validation-failed"
    assert "dataSubjects" in str(info.value)


async def test_me_role_uses_the_same_key(
    make_client: ClientFactory, dxtra_sandbox: Sandbox
) -> None:
    client = make_client(role="me")
    mark = dxtra_sandbox.requests.mark()
    with pytest.raises(ValidationFailedError):  # `me` only sees its own user row
        await resolve(client.data_controllers())
    (sent,) = [r for r in dxtra_sandbox.requests.since(mark) if r.path == "/v1/graphql"]
    assert sent.role_header == "me" and sent.session_role == "me" and sent.has_auth


async def test_wrong_pat_is_an_authentication_error_without_the_key(
    make_client: ClientFactory,
) -> None:
    wrong = str(uuid.uuid4())
    client = make_client(api_key=wrong)
    with pytest.raises(AuthenticationError) as info:
        await resolve(client.data_controllers())
    assert info.value.status_code == 401
    assert "the DXTRA_API_KEY it printed" in str(info.value)  # the sandbox is local
    assert wrong not in str(info.value) and wrong not in repr(info.value.body)


async def test_malformed_pat_is_reported_as_a_credential_problem(
    make_client: ClientFactory,
) -> None:
    malformed = "dxtra_pat_not-a-uuid-CANARY"
    client = make_client(api_key=malformed)
    with pytest.raises(AuthenticationError) as info:
        await resolve(client.data_controllers())
    assert info.value.status_code == 400 and "copied whole" in str(info.value)
    assert "CANARY" not in str(info.value) and "CANARY" not in repr(info.value.body)


async def test_role_not_allowed_by_the_token_is_permission_denied(
    make_client: ClientFactory,
) -> None:
    client = make_client(role="dataSubject")  # the user's token allows user and me only
    with pytest.raises(PermissionDeniedError) as info:
        await resolve(client.data_controllers())
    assert isinstance(info.value, AccessDeniedError) and info.value.code == "access-denied"
    assert "X-Hasura-Role" in str(info.value)


async def test_data_subject_pat_with_data_subject_role(
    make_client: ClientFactory, dxtra_sandbox: Sandbox
) -> None:
    client = make_client(api_key=dxtra_sandbox.data_subject_pat, role="dataSubject")
    # The operation's `# role: anonymous` beats the client's role; the call's role beats it.
    controllers = await resolve(client.public_data_controllers(role="dataSubject"))
    assert len(controllers) == 1
    with pytest.raises(ValidationFailedError, match="createdAt"):
        await resolve(client.data_controllers())  # a column this role may not read


async def test_expired_jwt_in_a_200_is_refreshed_and_replayed_once(
    make_client: ClientFactory,
) -> None:
    # The server's clock runs ahead of the client's: the client believes its token is fresh,
    # Hasura-style the server answers HTTP 200 with invalid-jwt, and the client must exchange
    # again and replay. No sleeping: the server clock is injected.
    offset = [0.0]
    import time

    with Sandbox(clock=lambda: time.time() + offset[0]) as sb:
        client = make_client(sandbox=sb)
        await resolve(client.data_controllers())
        offset[0] = 7200.0  # two hours later on the server: the 1 h JWT has expired
        mark = sb.requests.mark()
        controllers = await resolve(client.data_controllers())
        assert controllers
        # Renewed through /v1/token with the refresh token, not a second PAT sign-in.
        assert (sb.stats.signin_pat, sb.stats.token_refresh) == (1, 1)
        codes = [r.error_code for r in sb.requests.since(mark) if r.path == "/v1/graphql"]
        assert codes == ["invalid-jwt", None], sb.requests.snapshot()


async def test_a_jwt_the_server_keeps_rejecting_is_replayed_only_once(
    make_client: ClientFactory,
) -> None:
    # A server that refuses every JWT, as Hasura does when its JWT secret was rotated.
    refused = {
        "errors": [
            {
                "extensions": {"path": "$", "code": "invalid-jwt"},
                "message": "Could not verify JWT: JWSError JWSInvalidSignature",
            }
        ]
    }
    routes = {
        "/v1/signin/pat": lambda seen: session_reply(),
        "/v1/token": lambda seen: session_reply(refresh="r-2", bare=True),
        "/v1/graphql": lambda seen: Reply(body=refused),
    }
    with canned(routes) as server:
        client = make_client(
            api_key=str(uuid.uuid4()), auth_url=server.url, api_url=server.url + "/v1/graphql"
        )
        with pytest.raises(InvalidJWTError) as info:
            await resolve(client.data_controllers())
        assert isinstance(info.value, AuthenticationError)
        assert "JWSInvalidSignature" in str(info.value)
        # The first token, exactly one renewal (through the refresh token), two sends.
        assert server.counts == {"/v1/signin/pat": 1, "/v1/token": 1, "/v1/graphql": 2}


def test_missing_key_fails_before_any_request(dxtra_sandbox: Sandbox) -> None:
    from dxtra_typed import AsyncDxtraClient, DxtraClient

    before = dxtra_sandbox.stats.signin_pat
    for cls in (DxtraClient, AsyncDxtraClient):
        with pytest.raises(ConfigurationError, match="DXTRA_API_KEY"):
            cls(auth_url=dxtra_sandbox.auth_url, api_url=dxtra_sandbox.api_url, env={})
    assert dxtra_sandbox.stats.signin_pat == before


def test_from_env_reads_dxtra_variables(dxtra_env: dict[str, str], dxtra_sandbox: Sandbox) -> None:
    from dxtra_typed import DxtraClient

    with DxtraClient.from_env() as client:
        assert client.role == "user"
        assert client.data_controllers()


async def test_async_from_env(dxtra_env: dict[str, str]) -> None:
    from dxtra_typed import AsyncDxtraClient

    async with AsyncDxtraClient.from_env() as client:
        assert await client.data_controllers()


def test_issued_jwt_carries_the_sandbox_user(dxtra_sandbox: Sandbox) -> None:
    token = dxtra_sandbox.mint_token()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["https://hasura.io/jwt/claims"]["x-hasura-user-id"] == SANDBOX_USER_ID


async def test_a_429_carries_its_response_and_retry_after(
    make_client: ClientFactory, fresh_dxtra_sandbox: Sandbox
) -> None:
    """As httpx's and the OpenAI SDK's status errors: ``.response`` (status, headers, body),
    and the wait the server asked for, without the request's credentials."""
    client = make_client(fresh_dxtra_sandbox)
    await resolve(client.data_controllers())
    fresh_dxtra_sandbox.faults.inject("graphql", "status", status=429, retry_after=120)
    with pytest.raises(RateLimitError) as info:
        await resolve(client.data_controllers())
    error = info.value
    assert error.retry_after == 120
    assert "Retry-After: 120 s" in str(error)
    assert error.response is not None and error.response.status_code == 429
    assert error.response.headers["retry-after"] == "120"
    assert "too-many-requests" in error.response.text
    assert error.response.request.url.path == "/v1/graphql"
    assert "authorization" not in error.response.request.headers


async def test_an_auth_error_carries_its_response_without_the_key(
    make_client: ClientFactory, dxtra_sandbox: Sandbox
) -> None:
    key = "5b0c5e0e-0000-4000-8000-00000000dead"
    client = make_client(api_key=key)
    with pytest.raises(AuthenticationError) as info:
        await resolve(client.data_controllers())
    response = info.value.response
    assert response is not None and response.status_code in (400, 401)
    assert response.request.url.path == "/v1/signin/pat"
    assert key not in response.text and not response.request.content
    assert key not in str(dict(response.request.headers))


async def test_graphql_errors_carry_their_response(make_client: ClientFactory) -> None:
    client = make_client()
    with pytest.raises(AccessDeniedError) as info:
        await resolve(client.data_controllers(role="dataSubject"))
    assert info.value.response is not None and info.value.response.status_code == 200
    assert "access-denied" in info.value.response.text
