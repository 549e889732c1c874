"""The checks of `dxtra-typed doctor`: settings, reachability, PAT → JWT, clock, roles.

`Doctor.diagnose` makes each request once (no retries, no token cache: the first answer each
endpoint gives is what a user debugging "Could not verify JWT" needs) and judges it on the
spot. The rules that need no I/O (key shape, failure kind, clock verdict, remedies) are plain
functions, tested with plain values. Results never hold a credential: the key is "present"
and a shape, the JWT only its decoded claims; the HTTP client and both clocks are parameters.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import httpx

from dxtra_typed import _config as cfg
from dxtra_typed._auth import build_signin_request, parse_session, remedy_401, renewal_margin
from dxtra_typed._errors import REMEDY_400, REMEDY_429, ConfigurationError, DxtraError
from dxtra_typed._secret import Secret, redact

Status = Literal["ok", "warn", "fail", "skip"]
Clock = Callable[[], float]

DOCUMENTED_ROLES: Final = ("user", "me", "dataSubject", "anonymous", "public")
HEALTH_PATHS: Final = ("/healthz", "/v1/healthz")  # hasura-auth serves both
TYPENAME_QUERY: Final = {"query": "query DxtraDoctor { __typename }"}
# The iat claim and Date headers have one-second resolution, and servers refresh their Date
# header once a second: one sample, give or take this plus half its round trip, is enough to
# tell a synced clock from one that breaks the renewal schedule (minutes off).
CLOCK_TOLERANCE: Final = 1.5
CLOCK_REMEDY: Final = (
    "sync this machine's clock with NTP (Linux: `timedatectl set-ntp true`; macOS: Settings → "
    "General → Date & Time → set automatically; Windows: `w32tm /resync`)"
)
FAILURE_REMEDIES: Final = {
    "DNS": "the host name does not resolve: check the URL's spelling, your DNS, VPN or proxy",
    "refused": "nothing listens at that address: check the URL and port, and that the service "
    "(or `dxtra-typed sandbox`) is running",
    "TLS": "the TLS handshake failed: check the URL's host and scheme, a proxy that intercepts "
    "TLS, or your CA bundle (SSL_CERT_FILE)",
    "timeout": "no answer in time: check the network, a firewall or the proxy settings "
    "(HTTPS_PROXY, NO_PROXY)",
    "connection": "the connection failed: check the network and the URL",
}


@dataclass(frozen=True)
class Result:
    check: str
    item: str
    status: Status
    detail: str
    remedy: str | None = None
    data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    """One HTTP round trip: the answer, or the kind of failure."""

    name: str
    url: str
    status: int | None = None
    elapsed_ms: float | None = None
    failure: str | None = None  # DNS, refused, TLS, timeout, connection
    message: str | None = None
    server_time: float | None = None  # the Date header, epoch seconds
    local_time: float | None = None  # the local clock halfway through the round trip

    def timing(self) -> str:
        return f"{self.elapsed_ms:.0f} ms" if self.elapsed_ms is not None else "?"

    def data(self) -> dict[str, object]:
        elapsed = None if self.elapsed_ms is None else round(self.elapsed_ms, 1)
        return {
            "url": self.url,
            "status": self.status,
            "elapsed_ms": elapsed,
            "failure": self.failure,
            "message": self.message,
        }

    def failed(self, check: str) -> Result:
        kind = self.failure or "connection"
        detail = f"{kind} failure: {self.message or 'no response'} ({self.url})"
        return Result(check, self.name, "fail", detail, FAILURE_REMEDIES[kind], self.data())


# -- pure rules -----------------------------------------------------------------------------------


def key_shape(key: str) -> tuple[str, str | None]:
    """(description, warning) of an API key's shape; never its value."""
    if key[:1] in "\"'" or key[-1:] in "\"'":
        return "quoted", "it starts or ends with a quote character: remove the quotes"
    bare = key.removeprefix("dxtra_pat_")
    try:
        if len(bare) == 36 and str(uuid.UUID(bare)) == bare.lower():
            return ("a UUID" if bare == key else "dxtra_pat_ + a UUID"), None
    except ValueError:
        pass
    return f"not a UUID ({len(key)} characters)", f"Nhost PATs are UUIDs: {REMEDY_400}"


def classify_failure(exc: httpx.HTTPError) -> str:
    """DNS, refused, TLS, timeout or connection, from the exception chain httpx keeps."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    seen: BaseException | None = exc
    while seen is not None:
        for kind, types in (("DNS", socket.gaierror), ("TLS", ssl.SSLError)):
            if isinstance(seen, types):
                return kind
        if isinstance(seen, ConnectionRefusedError):
            return "refused"
        seen = seen.__cause__ or seen.__context__
    text = str(exc).lower()
    for needles, kind in (
        (("name or service not known", "nodename nor servname", "name resolution"), "DNS"),
        (("getaddrinfo",), "DNS"),
        (("ssl", "certificate"), "TLS"),
        (("refused",), "refused"),
    ):
        if any(needle in text for needle in needles):
            return kind
    return "connection"


def clock_verdict(skew: float, tolerance: float, lifetime: float, source: str) -> Result:
    """Fail when the skew (local minus server, seconds) breaks the client's renewal schedule.

    Behind by more than the renewal margin: the client keeps sending a JWT past the `exp`
    Hasura checks, which answers ``JWTExpired`` early (by more than the lifetime, every JWT
    also looks issued in the future). Ahead by the lifetime minus the margin: every JWT looks
    expired on arrival, so the client exchanges the key on every call.
    """
    margin = renewal_margin(lifetime)
    beyond = max(abs(skew) - tolerance, 0.0)
    data = {"skew_s": round(skew, 1), "uncertainty_s": round(tolerance, 1), "source": source}
    data |= {"renewal_margin_s": margin, "jwt_lifetime_s": lifetime}
    where = f"(±{tolerance:.1f} s, from the {source})"
    direction = "ahead of" if skew > 0 else "behind"
    measured = f"this machine's clock is {abs(skew):.0f} s {direction} the server's {where}"
    if abs(skew) <= tolerance:
        measured = f"this machine's clock agrees with the server's {where}"
    status: Status = "ok"
    if skew < 0 and beyond > margin:
        status, measured = (
            "fail",
            measured
            + (
                "; every JWT looks issued in the future (JWTNotYetValid), and the client keeps "
                "using each one past its exp: Hasura answers JWTExpired early"
                if beyond >= lifetime
                else f"; more than the {margin:.0f} s renewal margin: the client keeps using a JWT "
                "past its exp, and Hasura answers `Could not verify JWT: JWTExpired` early"
            ),
        )
    elif skew > 0 and beyond >= lifetime - margin:
        status, measured = (
            "fail",
            measured
            + (
                f"; past the JWT's {lifetime:.0f} s lifetime: every JWT looks expired on arrival "
                "(JWTExpired), so the client exchanges the key again on every call"
            ),
        )
    elif beyond > margin:
        status, measured = (
            "warn",
            measured + f"; the client renews each JWT about {skew:.0f} s early",
        )
    return Result("clock", "skew", status, measured, None if status == "ok" else CLOCK_REMEDY, data)


def exchange_remedy(probe: Probe) -> str:
    if probe.status is None:
        return FAILURE_REMEDIES[probe.failure or "connection"]
    # The client's own advice: a key refused on this machine is a restarted sandbox's.
    key = remedy_401(urlsplit(probe.url).hostname or "")
    return {400: REMEDY_400 + ", or " + key, 401: key, 429: REMEDY_429}.get(
        probe.status,
        "the auth service answered, but not with a session: check that DXTRA_AUTH_URL is the "
        "auth service (https://auth.dxtra.ai), then try again later",
    )


def role_remedy(role: str, probe: Probe, code: str | None, error: str | None, allowed: str) -> str:
    if probe.status is None:
        return FAILURE_REMEDIES[probe.failure or "connection"]
    if code == "access-denied" or probe.status == 403:
        roles = allowed or "the token's allowed roles"
        return (
            f"use a role this key's token allows ({roles}) with --role, {cfg.ENV_ROLE} or "
            f"role=...; or use a key of a user who has the role {role!r}"
        )
    if code == "invalid-jwt" or probe.status == 401:
        if error and ("JWTExpired" in error or "NotYetValid" in error):
            return "a clock is off: " + CLOCK_REMEDY + "; if this one is right, the server's is not"
        return (
            f"the API cannot verify the auth service's JWTs: {cfg.ENV_AUTH_URL} and "
            f"{cfg.ENV_API_URL} must belong to the same Dxtra deployment"
        )
    return REMEDY_429 if probe.status == 429 else "the API answered with an error: try again later"


def exit_code(results: list[Result]) -> int:
    """0 when everything a call needs works (warnings allowed), 1 when a check fails."""
    return 1 if any(r.status == "fail" for r in results) else 0


def _utc(epoch: float | None) -> str:
    return (
        "?" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def _seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} s"


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


# -- settings (pure: the environment is a mapping) ------------------------------------------------


@dataclass
class Settings:
    results: list[Result]
    auth_url: str | None = None  # None when unusable
    api_url: str | None = None
    role: str | None = None
    key_present: bool = False
    insecure: bool = False  # plain http:// to another machine: probed, the key is not sent


def _setting(
    name: str,
    source: str,
    shown: str,
    problem: str | None = None,
    *,
    warning: str | None = None,
    notes: tuple[str, ...] = (),
) -> Result:
    status: Status = "fail" if problem else "warn" if warning else "ok"
    data = {"source": source, "value": shown, "notes": list(notes)}
    return Result(
        "settings",
        name,
        status,
        "; ".join((f"{shown} ({source})", *notes)),
        problem or warning,
        data,
    )


def read_settings(role_argument: str | None, env: Mapping[str, str]) -> Settings:
    """Each setting with its source, checked by the client's own rules (``_config``)."""
    out = Settings([])
    raw_role = role_argument if role_argument is not None else env.get(cfg.ENV_ROLE, "").strip()
    source = cfg.source_of(role_argument, env, cfg.ENV_ROLE)
    try:
        out.role = cfg.check_role(raw_role or cfg.DEFAULT_ROLE)
        notes: tuple[str, ...] = (
            () if out.role in DOCUMENTED_ROLES else ("not a role Dxtra documents",)
        )
        out.results.append(_setting(cfg.ENV_ROLE, source, out.role, notes=notes))
    except ConfigurationError as exc:
        out.results.append(_setting(cfg.ENV_ROLE, source, repr(raw_role), str(exc)))

    raw_key = env.get(cfg.ENV_API_KEY, "")
    key, source = raw_key.strip(), cfg.source_of(None, env, cfg.ENV_API_KEY)
    out.key_present = bool(key)
    if key:
        shape, warning = key_shape(key)
        notes = ("surrounding whitespace, which the client strips",) if key != raw_key else ()
        row = _setting(cfg.ENV_API_KEY, source, f"present, {shape}", warning=warning, notes=notes)
    elif out.role in cfg.TOKENLESS_ROLES:
        row = _setting(cfg.ENV_API_KEY, source, f"absent (role {out.role!r} needs none)")
    else:
        row = _setting(
            cfg.ENV_API_KEY,
            source,
            "absent",
            "not set: create a key in the Dxtra "
            f"dashboard (Developers → Create API Key) and `export {cfg.ENV_API_KEY}=...`",
        )
    out.results.append(row)

    for name, default, normalize in (
        (cfg.ENV_AUTH_URL, cfg.DEFAULT_AUTH_URL, cfg.normalize_auth_url),
        (cfg.ENV_API_URL, cfg.DEFAULT_API_URL, cfg.normalize_api_url),
    ):
        raw = env.get(name, "").strip() or default
        source = cfg.source_of(None, env, name)
        try:
            url = normalize(raw)
        except ConfigurationError as exc:
            out.results.append(_setting(name, source, repr(raw), str(exc)))
            continue
        setattr(out, "auth_url" if name == cfg.ENV_AUTH_URL else "api_url", url)
        cut = url != raw.rstrip("/")
        notes = ("the /v1/signin/pat suffix is cut off",) if cut else ()
        try:
            cfg.check_transport(url, name, allow_insecure_http=False)
        except ConfigurationError as exc:
            out.insecure = True
            out.results.append(_setting(name, source, url, str(exc), notes=notes))
            continue
        if url.startswith("http://") and cfg.is_loopback(urlsplit(url).hostname or ""):
            notes += ("plain http to this machine (loopback)",)
        out.results.append(_setting(name, source, url, notes=notes))
    return out


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


# -- the I/O --------------------------------------------------------------------------------------


class Doctor:
    """Sends the doctor's requests, times them, and judges each answer."""

    def __init__(
        self, http: httpx.Client, clock: Clock, monotonic: Clock = time.perf_counter
    ) -> None:
        self.http, self.clock, self.monotonic = http, clock, monotonic
        self.secrets: list[Secret] = []
        self.results: list[Result] = []
        self.probes: list[Probe] = []  # every answer, for a Date header when there is no JWT

    def send(self, name: str, request: httpx.Request) -> tuple[Probe, httpx.Response | None]:
        url, started_wall, started = str(request.url), self.clock(), self.monotonic()
        try:
            response = self.http.send(request)
            response.read()
        except httpx.HTTPError as exc:
            elapsed = (self.monotonic() - started) * 1000
            message = redact(" ".join(str(exc).split()) or type(exc).__name__, *self.secrets)
            return Probe(name, url, None, elapsed, classify_failure(exc), message), None
        elapsed = (self.monotonic() - started) * 1000
        try:
            server_time: float | None = parsedate_to_datetime(response.headers["date"]).timestamp()
        except (KeyError, TypeError, ValueError, IndexError):
            server_time = None
        mid = started_wall + elapsed / 2000
        probe = Probe(name, url, response.status_code, elapsed, None, None, server_time, mid)
        self.probes.append(probe)
        return probe, response

    def graphql(self, api_url: str, role: str | None, token: Secret | None) -> tuple[Probe, Any]:
        headers = {"Content-Type": "application/json"}
        if role is not None:
            headers["X-Hasura-Role"] = role
        if token is not None:
            headers["Authorization"] = "Bearer " + token.reveal()
        request = self.http.build_request("POST", api_url, json=TYPENAME_QUERY, headers=headers)
        probe, response = self.send("graphql endpoint" if role is None else f"role {role}", request)
        try:
            return probe, json.loads(redact(response.text, *self.secrets)) if response else None
        except ValueError:
            return probe, None

    def reachability(self, settings: Settings) -> Probe | None:
        health: Probe | None = None
        if settings.auth_url is None:
            self.add("reachability", "health endpoint", "skip", "its URL is unusable (above)")
        else:
            for path in HEALTH_PATHS:  # any 2xx from either path
                request = self.http.build_request("GET", settings.auth_url + path)
                health, _ = self.send("auth health", request)
                if health.status is None or 200 <= health.status < 300:
                    break
            assert health is not None
            self._verdict(health, "health")
        if settings.api_url is None:
            self.add("reachability", "graphql endpoint", "skip", "its URL is unusable (above)")
        else:
            graphql = self.graphql(settings.api_url, None, None)[0]
            self._verdict(graphql, "graphql")
        return health

    def _verdict(self, probe: Probe, kind: str) -> None:
        if probe.status is None:
            self.results.append(probe.failed("reachability"))
            return
        answered = f"HTTP {probe.status} in {probe.timing()} ({probe.url})"
        status: Status = "ok"
        remedy = None
        if kind == "health" and not 200 <= probe.status < 300:
            status, remedy = (
                "warn",
                "the PAT exchange below tells whether DXTRA_AUTH_URL is the auth service",
            )
            answered += (
                ": the auth service reports a problem"
                if probe.status >= 500
                else ": reachable, but no health endpoint there"
            )
        elif kind == "graphql" and probe.status == 404:
            status, remedy = (
                "fail",
                f"{cfg.ENV_API_URL} is the full endpoint, e.g. {cfg.DEFAULT_API_URL}",
            )
            answered += ": no GraphQL endpoint at this URL"
        elif kind == "graphql" and probe.status >= 500:
            status, remedy = "fail", "a server-side problem: try again later"
            answered += ": the server is failing"
        self.add("reachability", probe.name, status, answered, remedy, probe.data())

    def add(
        self,
        check: str,
        item: str,
        status: Status,
        detail: str,
        remedy: str | None = None,
        data: Mapping[str, object] | None = None,
    ) -> None:
        self.results.append(Result(check, item, status, detail, remedy, data or {}))

    def diagnose(self, role_argument: str | None, env: Mapping[str, str]) -> Settings:
        settings = read_settings(role_argument, env)
        self.results += settings.results
        health = self.reachability(settings)

        skipped = None
        if settings.role in cfg.TOKENLESS_ROLES and not settings.key_present:
            skipped = f"role {settings.role!r} needs no key"
        elif settings.insecure:
            skipped = "not sending the key over plain http:// to another machine"
        elif any(r.status == "fail" for r in settings.results):
            skipped = "a setting is unusable (see settings)"
        elif health is not None and health.status is None:
            skipped = "the auth service is unreachable (see reachability)"
        claims: dict[str, Any] | None = None
        token: Secret | None = None
        key = None if skipped else cfg.resolve_config(role=settings.role, env=env).api_key
        if key is not None and settings.auth_url is not None:
            self.secrets.append(key)
            claims, token = self.exchange(settings.auth_url, key)
        else:
            self.add("exchange", "PAT → JWT", "skip", skipped or "not attempted")
            self.clock_check(None, None, None)
        self.roles(settings, role_argument, claims, token)
        return settings

    def exchange(self, auth_url: str, key: Secret) -> tuple[dict[str, Any] | None, Secret | None]:
        """The PAT → JWT exchange and the JWT's claims; then the clock against them."""
        probe, response = self.send("PAT exchange", build_signin_request(auth_url, key))
        error = None if response else f"{probe.failure} failure: {probe.message}"
        if response is not None:
            try:
                session = parse_session(response, (key,), self.clock())
            except DxtraError as exc:
                error = f"{type(exc).__name__}: {redact(' '.join(str(exc).split()), *self.secrets)}"
        if error is not None:
            remedy = exchange_remedy(probe)
            if error.endswith(remedy):  # the client's messages end with the remedy: say it once
                error = error[: -len(remedy)].rstrip(":;, ")
            self.add("exchange", "PAT → JWT", "fail", error, remedy, probe.data())
            self.clock_check(None, None, None)
            return None, None
        self.secrets += [s for s in (session.token, session.refresh_token) if s is not None]
        lifetime = _number(response.json().get("session", {}).get("accessTokenExpiresIn"))  # type: ignore[union-attr]
        refresh = session.refresh_token is not None
        renewal = "issued (renewed at /v1/token)" if refresh else "none (re-signs in with the key)"
        self.add(
            "exchange",
            "PAT → JWT",
            "ok",
            f"HTTP {probe.status} in {probe.timing()}; session lifetime {_seconds(lifetime)}; "
            f"refresh token: {renewal}",
            None,
            probe.data() | {"session_lifetime_s": lifetime, "refresh_token": refresh},
        )
        import jwt  # the client cannot verify (the server holds the key); it only reads

        try:
            raw: dict[str, Any] = jwt.decode(
                session.token.reveal(), options={"verify_signature": False}
            )
        except jwt.PyJWTError:
            raw = {}
        hasura = raw.get("https://hasura.io/jwt/claims")
        iat, exp = _number(raw.get("iat")), _number(raw.get("exp"))
        claims: dict[str, Any] = {"user_id": None, "default_role": None, "allowed_roles": []}
        if isinstance(hasura, dict):
            user_id, default = (
                hasura.get("x-hasura-user-id") or raw.get("sub"),
                hasura.get("x-hasura-default-role"),
            )
            allowed = hasura.get("x-hasura-allowed-roles")
            claims = {
                "user_id": user_id if isinstance(user_id, str) else None,
                "default_role": default if isinstance(default, str) else None,
                "allowed_roles": [r for r in allowed if isinstance(r, str)]
                if isinstance(allowed, list)
                else [],
            }
            self.add(
                "exchange",
                "JWT claims",
                "ok",
                f"user {claims['user_id']}; default role {claims['default_role']}; allowed roles "
                + ", ".join(claims["allowed_roles"]),
                None,
                claims,
            )
        else:
            self.add(
                "exchange",
                "JWT claims",
                "fail",
                "the JWT carries no Hasura claims (https://hasura.io/jwt/claims)",
                "DXTRA_AUTH_URL is not a Hasura auth service: use https://auth.dxtra.ai",
                claims,
            )
        jwt_life = exp - iat if iat is not None and exp is not None else lifetime
        at = len(self.results)
        skew = self.clock_check(probe, iat, jwt_life)
        # Time left by the server's clock (the one Hasura checks `exp` against), when known.
        left = None if exp is None else exp - (self.clock() - (skew or 0.0))
        detail = (
            f"iat {_utc(iat)}, exp {_utc(exp)} (lifetime {_seconds(jwt_life)}); "
            f"time left {_seconds(left)}"
        )
        timing = {
            "iat": iat,
            "exp": exp,
            "lifetime_s": jwt_life,
            "time_left_s": None if left is None else round(left),
        }
        expired = left is not None and left <= 0
        self.results.insert(
            at,
            Result(
                "exchange",
                "JWT lifetime",
                "fail" if expired else "ok",
                detail + (": already expired when issued" if expired else ""),
                "the auth service's clock or token lifetime is wrong: a server-side problem"
                if expired
                else None,
                timing,
            ),
        )
        return (claims if isinstance(hasura, dict) else None), session.token

    def clock_check(
        self, exchange: Probe | None, iat: float | None, lifetime: float | None
    ) -> float | None:
        """One sample of the server's clock, taken halfway through a round trip: the JWT's iat
        (the clock `exp` is on), else the quickest answer's Date header."""
        if exchange is not None and iat is not None:
            probe, server, source = exchange, iat, "JWT iat"
        else:
            dated = [p for p in self.probes if p.server_time is not None]
            if not dated:
                self.add("clock", "skew", "skip", "no server time seen (no Date header, no JWT)")
                return None
            probe = min(dated, key=lambda p: p.elapsed_ms or 0.0)
            server, source = probe.server_time or 0.0, f"Date header ({probe.name})"
        skew = (probe.local_time or 0.0) - (server + 0.5)  # both truncate to the second
        tolerance = CLOCK_TOLERANCE + (probe.elapsed_ms or 0.0) / 2000
        self.results.append(clock_verdict(skew, tolerance, lifetime or 3600.0, source))
        return skew

    def roles(
        self,
        settings: Settings,
        role_argument: str | None,
        claims: dict[str, Any] | None,
        token: Secret | None,
    ) -> None:
        roles: list[str] = []
        if settings.api_url is not None and settings.role is not None:
            if role_argument is not None:
                roles = [settings.role]
            elif claims is not None:
                roles = list(dict.fromkeys([*claims["allowed_roles"], settings.role]))
            elif settings.role in cfg.TOKENLESS_ROLES:
                roles = [settings.role]
        roles = [r for r in roles if token is not None or r in cfg.TOKENLESS_ROLES]
        if not roles or settings.api_url is None:
            why = "no JWT to try them with (see exchange)" if settings.role else "no usable role"
            self.add("roles", "roles", "skip", why)
            return
        allowed = None if claims is None else claims["allowed_roles"]
        for role in roles:
            self.trial(
                settings.api_url, role, None if role in cfg.TOKENLESS_ROLES else token, allowed
            )
        if allowed is not None:
            self.operation_roles(allowed)

    def trial(
        self, api_url: str, role: str, token: Secret | None, allowed: list[str] | None
    ) -> None:
        probe, body = self.graphql(api_url, role, token)
        body = body if isinstance(body, dict) else {}
        errors, code, error = body.get("errors"), None, None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            extensions = errors[0].get("extensions")
            code = extensions.get("code") if isinstance(extensions, dict) else None
            code = code if isinstance(code, str) else None
            error = (
                errors[0].get("message")
                if isinstance(errors[0].get("message"), str)
                else "no message"
            )
        elif probe.status is not None and (
            probe.status != 200 or not isinstance(body.get("data"), dict)
        ):
            error = body["message"] if isinstance(body.get("message"), str) else "no data"
        data = probe.data() | {"role": role, "code": code, "error": error}
        if probe.status == 200 and code is None and error is None:
            tokenless = " (no token: a tokenless role)" if role in cfg.TOKENLESS_ROLES else ""
            detail = f"{{ __typename }} accepted{tokenless}: HTTP 200 in {probe.timing()}"
            self.add("roles", role, "ok", detail, None, data)
            return
        if probe.status is None:
            detail = f"{probe.failure} failure: {probe.message}"
        else:
            coded = f"{code}: " if code else ""
            detail = f"refused: HTTP {probe.status}, {coded}{error or 'no message'}"
            if allowed is not None and role not in allowed and role not in cfg.TOKENLESS_ROLES:
                detail += f"; the token allows {', '.join(allowed)}"
        remedy = role_remedy(role, probe, code, error, ", ".join(allowed or []))
        self.add("roles", role, "fail", detail, remedy, data)

    def operation_roles(self, allowed: list[str]) -> None:
        """The roles the client's operations are written for (`# role:`) that the token lacks."""
        ops = operation_roles()
        missing = {
            r: o for r, o in ops.items() if r not in cfg.TOKENLESS_ROLES and r not in allowed
        }
        data = {
            "operation_roles": {r: list(o) for r, o in ops.items()},
            "not_allowed": sorted(missing),
        }
        if missing:
            listed = "; ".join(f"{role}: {', '.join(o)}" for role, o in sorted(missing.items()))
            self.add(
                "roles",
                "operation roles",
                "warn",
                f"operations written for roles this token does not allow ({listed})",
                "these fail with access-denied for this key; call them with a key of a user "
                "who has that role",
                data,
            )
        else:
            shown = ", ".join(sorted(ops)) or "none besides the client's role"
            self.add(
                "roles", "operation roles", "ok", f"`# role:` in operations: {shown}", None, data
            )
