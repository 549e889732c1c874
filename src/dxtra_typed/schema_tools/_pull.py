"""Introspect Dxtra as one role and turn the answer into deterministic SDL.

Hasura trims its schema per role, so the pull authenticates exactly like the client does (the
PAT exchanged for a JWT through the same pure functions in ``dxtra_typed._auth``, then
``Authorization`` + ``X-Hasura-Role``) and introspects as that role.

The written file is ``header + "\\n" + print_schema(sorted schema) + "\\n"``: graphql-core's
printer and lexicographic sort make the text a function of the schema alone, and the header is
a function of the role and the endpoint (no timestamp), so re-pulling an unchanged server
changes no byte. When the server serves exactly the reconstructed schema of that role (the
sandbox, which is built from the same table model), the file *is* the reconstruction and gets
its header, which is what keeps ``schema/schema.graphql``, ``make schema`` and a pull from the
sandbox one source of truth.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from graphql import (
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)

from dxtra_typed._auth import SyncTokenCache
from dxtra_typed._config import ClientConfig, resolve_config
from dxtra_typed._errors import (
    REMEDY_401,
    REMEDY_403,
    APIConnectionError,
    DxtraError,
    status_remedy,
)
from dxtra_typed._secret import Secret, redact

from ._errors import SchemaToolError, SetupError

DEFAULT_TIMEOUT = 30.0

# Descriptions on, everything newer than the June 2018 spec off: Hasura v2 rejects
# introspection fields it does not know (e.g. __Schema.description, isRepeatable).
INTROSPECTION_QUERY = get_introspection_query(descriptions=True)


def sdl_body(schema: GraphQLSchema) -> str:
    """The canonical text of a schema: sorted, then printed by graphql-core."""
    return print_schema(lexicographic_sort_schema(schema))


def public_url(url: str) -> str:
    """``url`` without user info, query or fragment: the only part safe to write to a file."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def pulled_header(role: str, api_url: str) -> str:
    return (
        f"# Dxtra GraphQL schema, as seen by the `{role}` role (X-Hasura-Role: {role}).\n"
        "#\n"
        f"# INTROSPECTED from {public_url(api_url)}\n"
        f"# by `dxtra-typed schema pull --role {role}`: descriptions kept, types and fields\n"
        "# sorted, so re-pulling an unchanged server changes no byte. Pull again; do not edit.\n"
    )


def reconstructed_text(role: str) -> str | None:
    """The reconstructed schema file for ``role``, or None when the model has no such role."""
    try:
        from dxtra_typed.sandbox._sdl import render_sdl
    except ImportError:  # pragma: no cover - graphql-core is present whenever this runs
        return None
    try:
        return render_sdl(role)
    except Exception:  # an unknown role is simply "not the reconstruction"
        return None


def schema_file_text(schema: GraphQLSchema, role: str, api_url: str) -> tuple[str, bool]:
    """(file text, whether it is the reconstructed schema) for a pulled schema."""
    body = sdl_body(schema)
    reconstructed = reconstructed_text(role)
    if reconstructed is not None and reconstructed.endswith("\n\n" + body + "\n"):
        # render_sdl is header + "\n" + print_schema(sorted) + "\n", and the body starts with
        # the one `schema {` block, so a matching suffix means an identical schema.
        return reconstructed, True
    return pulled_header(role, api_url) + "\n" + body + "\n", False


def _one_line(text: str, limit: int = 160) -> str:
    return " ".join(text.split())[:limit]


class Introspector:
    """Introspects one endpoint as several roles, exchanging each distinct PAT once.

    ``check --live`` asks for every role its operations declare; one JWT usually carries all
    the roles a user may take, so the exchange is cached per (auth URL, key).
    """

    def __init__(
        self,
        http: httpx.Client | None = None,
        env: Mapping[str, str] | None = None,
        api_url: str | None = None,
    ) -> None:
        self._http = http or httpx.Client(timeout=DEFAULT_TIMEOUT)
        self._owns_http = http is None
        self._env = env
        self._api_url = api_url
        self._tokens: dict[tuple[str, Secret], SyncTokenCache] = {}

    def __enter__(self) -> Introspector:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._owns_http:
            self._http.close()

    def config(self, role: str | None) -> ClientConfig:
        try:
            return resolve_config(role=role, api_url=self._api_url, env=self._env)
        except DxtraError as exc:
            raise SetupError(exc.message) from None

    def _token(self, config: ClientConfig) -> Secret | None:
        if not config.needs_token or config.api_key is None:
            return None
        key = (config.auth_url, config.api_key)
        cache = self._tokens.get(key)
        if cache is None:
            # The runtime client's cache: same exchange, retries and typed, redacted errors.
            cache = self._tokens[key] = SyncTokenCache(self._http, config.auth_url, config.api_key)
        try:
            return cache.get()
        except APIConnectionError as exc:
            raise SetupError(f"{_one_line(exc.message)} (check DXTRA_AUTH_URL)") from None
        except DxtraError as exc:
            raise SetupError(_one_line(redact(exc.message, config.api_key), 400)) from None

    def introspect(self, role: str | None = None) -> tuple[GraphQLSchema, ClientConfig]:
        """The schema ``role`` sees (None: DXTRA_ROLE or ``user``) and the config used."""
        config = self.config(role)
        token = self._token(config)
        headers = {"X-Hasura-Role": config.role, "Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = "Bearer " + token.reveal()
        where = f"the GraphQL API at {public_url(config.api_url)}"
        try:
            response = self._http.post(
                config.api_url,
                content=json.dumps(
                    {"query": INTROSPECTION_QUERY, "operationName": "IntrospectionQuery"}
                ),
                headers=headers,
            )
        except httpx.TimeoutException:
            raise SetupError(f"{where} timed out (check DXTRA_API_URL)") from None
        except httpx.HTTPError as exc:
            raise SetupError(
                f"could not reach {where}: {_one_line(str(exc))} (check DXTRA_API_URL)"
            ) from None
        text = redact(response.text, config.api_key, token)
        if response.status_code != 200:
            remedy = status_remedy(response.status_code)
            raise SetupError(
                f"{where} answered HTTP {response.status_code} to introspection as role "
                f"{config.role!r}" + (f"; {remedy}" if remedy else "") + " (check DXTRA_API_URL)"
            )
        return _schema_from_answer(text, where, config.role), config


def _schema_from_answer(text: str, where: str, role: str) -> GraphQLSchema:
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not ("data" in body or "errors" in body):
        raise SchemaToolError(
            f"{where} did not answer with GraphQL JSON ({_one_line(text, 80) or 'empty body'!r}); "
            "is DXTRA_API_URL the /v1/graphql endpoint?"
        )
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        first = errors[0] if isinstance(errors[0], dict) else {}
        message = str(first.get("message", "unknown error"))
        extensions = first.get("extensions")
        code = extensions.get("code") if isinstance(extensions, dict) else None
        hint = {
            "invalid-jwt": REMEDY_401,
            "invalid-headers": REMEDY_401,
            "access-denied": REMEDY_403,
        }.get(str(code), "")
        # A refused JWT is the key's problem (nothing can be checked); anything else is about
        # this role (e.g. the key's user may not take it), so other roles are still checked.
        error = SetupError if hint == REMEDY_401 else SchemaToolError
        raise error(
            f"introspection as role {role!r} at {where.removeprefix('the GraphQL API at ')} "
            f"failed ({code or 'error'}: {_one_line(message)})" + (f"; {hint}" if hint else "")
        )
    data = body.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("__schema"), dict):
        raise SchemaToolError(f"{where} answered without data.__schema: not a GraphQL server?")
    try:
        return build_client_schema(data)  # type: ignore[arg-type]
    except Exception as exc:
        raise SchemaToolError(
            f"{where} returned an introspection result graphql-core cannot build: "
            f"{_one_line(str(exc))}"
        ) from None
