"""The I/O of `dxtra-typed doctor`: read the settings, make each request once, record the facts.

No retries and no token cache: the doctor reports the first answer each endpoint gives, which
is what a user debugging "Could not verify JWT" needs to see. The HTTP client, the wall clock
and the round-trip timer are parameters, so tests skew the clock instead of waiting for it.
The PAT goes out only in the exchange body (built by the client's own `build_signin_request`)
and the JWT only in the role trials' Authorization header; neither is kept in the facts.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Final

import httpx
import jwt

from dxtra_typed._access_token import AccessToken
from dxtra_typed._auth import build_signin_request, parse_session
from dxtra_typed._config import TOKENLESS_ROLES, resolve_config
from dxtra_typed._errors import DxtraError
from dxtra_typed._secret import Secret, redact

from ._doctor_facts import Claims, Exchange, Facts, Probe, RoleTrial, Settings, read_settings

Clock = Callable[[], float]

HASURA_CLAIMS: Final = "https://hasura.io/jwt/claims"
HEALTH_PATHS: Final = ("/healthz", "/v1/healthz")  # hasura-auth serves both
TYPENAME_QUERY: Final = {"query": "query DxtraDoctor { __typename }"}


def classify_failure(exc: httpx.HTTPError) -> str:
    """DNS, refused, TLS, timeout or connection: what kind of "could not reach" this was.

    httpx keeps the socket-level exception as the cause, so the chain says which it was.
    """
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "DNS"
        if isinstance(seen, ssl.SSLError):
            return "TLS"
        if isinstance(seen, ConnectionRefusedError):
            return "refused"
        seen = seen.__cause__ or seen.__context__
    text = str(exc).lower()
    for needle, kind in (
        ("name or service not known", "DNS"),
        ("nodename nor servname", "DNS"),
        ("name resolution", "DNS"),
        ("getaddrinfo", "DNS"),
        ("ssl", "TLS"),
        ("certificate", "TLS"),
        ("refused", "refused"),
    ):
        if needle in text:
            return kind
    return "connection"


def _server_time(response: httpx.Response) -> float | None:
    try:
        return parsedate_to_datetime(response.headers["date"]).timestamp()
    except (KeyError, TypeError, ValueError, IndexError):
        return None


class Prober:
    """Sends the doctor's requests and times them."""

    def __init__(
        self,
        http: httpx.Client,
        clock: Clock,
        secrets: list[Secret],
        monotonic: Clock = time.perf_counter,
    ) -> None:
        self.http = http
        self.clock = clock
        self.secrets = secrets
        self.monotonic = monotonic

    def send(self, name: str, request: httpx.Request) -> tuple[Probe, httpx.Response | None]:
        url = str(request.url)
        started_wall, started = self.clock(), self.monotonic()
        try:
            response = self.http.send(request)
            response.read()
        except httpx.HTTPError as exc:
            elapsed = (self.monotonic() - started) * 1000
            message = redact(" ".join(str(exc).split()) or type(exc).__name__, *self.secrets)
            return Probe(name, url, None, elapsed, classify_failure(exc), message), None
        elapsed = (self.monotonic() - started) * 1000
        probe = Probe(
            name,
            url,
            status=response.status_code,
            elapsed_ms=elapsed,
            server_time=_server_time(response),
            local_time=started_wall + elapsed / 2000,
        )
        return probe, response

    def health(self, auth_url: str) -> Probe:
        """The auth service's health endpoint: any 2xx from either path."""
        probe = Probe("auth health", auth_url + HEALTH_PATHS[0])
        for path in HEALTH_PATHS:
            probe, _ = self.send("auth health", self.http.build_request("GET", auth_url + path))
            if not probe.answered or 200 <= (probe.status or 0) < 300:
                break
        return probe

    def graphql(self, api_url: str, role: str | None, token: Secret | None) -> tuple[Probe, Any]:
        headers = {"Content-Type": "application/json"}
        if role is not None:
            headers["X-Hasura-Role"] = role
        if token is not None:
            headers["Authorization"] = "Bearer " + token.reveal()
        request = self.http.build_request("POST", api_url, json=TYPENAME_QUERY, headers=headers)
        name = "graphql endpoint" if role is None else f"role {role}"
        probe, response = self.send(name, request)
        body: Any = None
        if response is not None:
            try:
                body = json.loads(redact(response.text, *self.secrets))
            except ValueError:
                body = None
        return probe, body

    def exchange(self, auth_url: str, key: Secret) -> tuple[Exchange, AccessToken | None]:
        probe, response = self.send("PAT exchange", build_signin_request(auth_url, key))
        if response is None:
            return Exchange(probe, error=f"{probe.failure} failure: {probe.message}"), None
        try:
            token = parse_session(response, (key,), self.clock())
        except DxtraError as exc:
            message = redact(" ".join(str(exc).split()), *self.secrets)
            return Exchange(probe, error=f"{type(exc).__name__}: {message}"), None
        self.secrets += [s for s in (token.token, token.refresh_token) if s is not None]
        session = response.json().get("session", {})
        lifetime = session.get("accessTokenExpiresIn")
        return (
            Exchange(
                probe,
                lifetime=float(lifetime) if isinstance(lifetime, int | float) else None,
                refresh_token=token.refresh_token is not None,
                claims=decode_claims(token.token),
            ),
            token,
        )

    def trial(self, api_url: str, role: str, token: Secret | None) -> RoleTrial:
        probe, body = self.graphql(api_url, role, None if role in TOKENLESS_ROLES else token)
        if not probe.answered:
            return RoleTrial(role, probe)
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            extensions = errors[0].get("extensions")
            code = extensions.get("code") if isinstance(extensions, dict) else None
            message = errors[0].get("message")
            return RoleTrial(
                role,
                probe,
                code if isinstance(code, str) else None,
                message if isinstance(message, str) else "no message",
            )
        data = body.get("data") if isinstance(body, dict) else None
        if probe.status != 200 or not isinstance(data, dict):
            message = body.get("message") if isinstance(body, dict) else None
            return RoleTrial(role, probe, None, message if isinstance(message, str) else "no data")
        return RoleTrial(role, probe)


def _epoch(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def decode_claims(token: Secret) -> Claims:
    """The JWT's claims, read locally without verifying (the client cannot: the server holds
    the signing key). Only what the doctor shows is kept; the token itself is not."""
    try:
        claims: dict[str, Any] = jwt.decode(token.reveal(), options={"verify_signature": False})
    except jwt.PyJWTError:
        return Claims(None, None, (), None, None, hasura=False)
    hasura = claims.get(HASURA_CLAIMS)
    if not isinstance(hasura, dict):
        return Claims(None, None, (), _epoch(claims.get("iat")), _epoch(claims.get("exp")), False)
    allowed = hasura.get("x-hasura-allowed-roles")
    user_id = hasura.get("x-hasura-user-id") or claims.get("sub")
    default_role = hasura.get("x-hasura-default-role")
    return Claims(
        user_id=user_id if isinstance(user_id, str) else None,
        default_role=default_role if isinstance(default_role, str) else None,
        allowed_roles=tuple(r for r in allowed if isinstance(r, str))
        if isinstance(allowed, list)
        else (),
        issued_at=_epoch(claims.get("iat")),
        expires_at=_epoch(claims.get("exp")),
    )


def operation_roles() -> dict[str, tuple[str, ...]]:
    """role → the generated operations written for it (`# role:` in queries/): the project's
    in the current folder when there is one, else the bundled ones."""
    try:
        from ._call import UsageError, client_classes, operations

        try:
            ops = operations(client_classes(Path.cwd()))
        except UsageError:  # a project not generated yet, or broken settings
            ops = operations()
    except ImportError:
        return {}
    found: dict[str, list[str]] = {}
    for op in ops.values():
        if op.role:
            found.setdefault(op.role, []).append(op.name)
    return {role: tuple(sorted(names)) for role, names in sorted(found.items())}


def gather(
    role_argument: str | None,
    *,
    env: Mapping[str, str],
    http: httpx.Client,
    clock: Clock,
    monotonic: Clock = time.perf_counter,
) -> tuple[Facts, list[Secret]]:
    """Every fact the checks need, and the secrets seen on the way (for a last redaction)."""
    settings = read_settings(role_argument, env)
    secrets: list[Secret] = []
    prober = Prober(http, clock, secrets, monotonic)
    health = prober.health(settings.auth_url) if settings.auth_url else None
    graphql = prober.graphql(settings.api_url, None, None)[0] if settings.api_url else None

    key: Secret | None = None
    skipped = _why_not_exchange(settings, health)
    if skipped is None:
        config = resolve_config(role=settings.role, env=env)
        key = config.api_key
        if key is not None:
            secrets.append(key)
    exchange: Exchange | None = None
    token: AccessToken | None = None
    if key is not None and settings.auth_url is not None:
        exchange, token = prober.exchange(settings.auth_url, key)

    trials: list[RoleTrial] = []
    if settings.api_url is not None and settings.role is not None:
        roles: list[str] = []
        if role_argument is not None:
            roles = [settings.role]
        elif exchange is not None and exchange.claims is not None:
            roles = list(exchange.claims.allowed_roles)
            if settings.role not in roles:
                roles.append(settings.role)  # DXTRA_ROLE: what every call would send
        elif settings.role in TOKENLESS_ROLES:
            roles = [settings.role]
        for role in roles:
            if token is not None or role in TOKENLESS_ROLES:
                trials.append(prober.trial(settings.api_url, role, token.token if token else None))

    facts = Facts(
        settings=settings,
        role_argument=role_argument is not None,
        health=health,
        graphql=graphql,
        exchange=exchange,
        exchange_skipped=skipped,
        trials=tuple(trials),
        operation_roles=operation_roles(),
        finished_at=clock(),
    )
    return facts, prober.secrets


def _why_not_exchange(settings: Settings, health: Probe | None) -> str | None:
    if settings.role in TOKENLESS_ROLES and not settings.key_present:
        return f"role {settings.role!r} needs no key"
    if settings.insecure:
        return "not sending the key over plain http:// to another machine"
    if any(row.problem for row in settings.rows):
        return "a setting is unusable (see settings)"
    if health is not None and not health.answered:
        return "the auth service is unreachable (see reachability)"
    return None
