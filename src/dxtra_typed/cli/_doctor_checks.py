"""The checks of `dxtra-typed doctor`: settings, reachability, PAT → JWT, clock, roles.

Each request is made once (no retries, no token cache: the first answer each endpoint gives is
the diagnosis) and judged on the spot; the rules that need no I/O are plain functions. Results
never hold a credential: the key is "present" and a shape, the JWT only its decoded claims.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import mktime_tz, parsedate_tz
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import httpx

from dxtra_typed import _config as cfg
from dxtra_typed._auth import build_signin_request, parse_session, remedy_401, renewal_margin
from dxtra_typed._errors import REMEDY_400, REMEDY_429, ConfigurationError, DxtraError
from dxtra_typed._secret import Secret, redact

Status = Literal["ok", "warn", "fail", "skip"]
DOCUMENTED_ROLES: Final = ("user", "me", "dataSubject", "anonymous", "public")
# The iat claim and Date headers have one-second resolution: one sample, give or take this plus
# half its round trip, tells a synced clock from one that breaks renewal (minutes off).
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
# A failure's kind: an exception type in the chain httpx keeps, else words in its message.
_TYPES = (("DNS", socket.gaierror), ("TLS", ssl.SSLError), ("refused", ConnectionRefusedError))
_DNS = ("name or service not known", "nodename nor servname", "name resolution", "getaddrinfo")
_WORDS = (("DNS", _DNS), ("TLS", ("ssl", "certificate")), ("refused", ("refused",)))


@dataclass(frozen=True)
class Result:
    check: str
    item: str
    status: Status
    detail: str
    remedy: str | None = None
    facts: Mapping[str, object] = field(default_factory=dict)  # the JSON's facts


@dataclass(frozen=True)
class Probe:
    """One HTTP round trip: the answer or the kind of failure; the server's Date header and the
    local clock halfway through (epoch seconds), for the clock check."""

    name: str
    url: str
    status: int | None = None
    ms: float = 0.0
    failure: str | None = None  # DNS, refused, TLS, timeout, connection
    message: str | None = None
    server_time: float | None = None
    local_time: float = 0.0

    def data(self) -> dict[str, object]:
        keys, ms = ("url", "status", "elapsed_ms", "failure", "message"), round(self.ms, 1)
        return dict(zip(keys, (self.url, self.status, ms, self.failure, self.message), strict=True))


def key_shape(key: str) -> tuple[str, str | None]:
    """(description, warning) of an API key's shape; never its value."""
    if key[:1] in "\"'" or key[-1:] in "\"'":
        return "quoted", "it starts or ends with a quote character: remove the quotes"
    bare = key.removeprefix("dxtra_pat_")
    if re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", bare, re.IGNORECASE):
        return ("a UUID" if bare == key else "dxtra_pat_ + a UUID"), None
    return f"not a UUID ({len(key)} characters)", f"Nhost PATs are UUIDs: {REMEDY_400}"


def classify_failure(exc: httpx.HTTPError) -> str:
    """DNS, refused, TLS, timeout or connection."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    seen: BaseException | None = exc
    while seen is not None:
        if kind := next((k for k, types in _TYPES if isinstance(seen, types)), None):
            return kind
        seen = seen.__cause__ or seen.__context__
    text = str(exc).lower()
    return next((k for k, words in _WORDS if any(w in text for w in words)), "connection")


def clock_verdict(skew: float, tolerance: float, lifetime: float, source: str) -> Result:
    """Fail when the skew (local minus server, seconds) breaks the client's renewal schedule.

    Behind by more than the renewal margin: the client keeps sending a JWT past the `exp`
    Hasura checks, which answers ``JWTExpired`` early (by more than the lifetime, every JWT
    also looks issued in the future). Ahead by the lifetime minus the margin: every JWT looks
    expired on arrival, so the client exchanges the key on every call.
    """
    margin, beyond = renewal_margin(lifetime), max(abs(skew) - tolerance, 0.0)
    where = f"(±{tolerance:.1f} s, from the {source})"
    side = "ahead of" if skew > 0 else "behind"
    detail = f"this machine's clock is {abs(skew):.0f} s {side} the server's {where}"
    if abs(skew) <= tolerance:
        detail = f"this machine's clock agrees with the server's {where}"
    status: Status = "fail"
    why = ""
    if skew < 0 and beyond >= lifetime:
        why = "; every JWT looks issued in the future (JWTNotYetValid), and the client keeps using "
        why += "each one past its exp: Hasura answers JWTExpired early"
    elif skew < 0 and beyond > margin:
        why = f"; more than the {margin:.0f} s renewal margin: the client keeps using a JWT "
        why += "past its exp, and Hasura answers `Could not verify JWT: JWTExpired` early"
    elif skew > 0 and beyond >= lifetime - margin:
        why = f"; past the JWT's {lifetime:.0f} s lifetime: every JWT looks expired on arrival "
        why += "(JWTExpired), so the client exchanges the key again on every call"
    elif beyond > margin:
        status, why = "warn", f"; the client renews each JWT about {skew:.0f} s early"
    else:
        status = "ok"
    data = {"skew_s": round(skew, 1), "uncertainty_s": round(tolerance, 1), "source": source}
    data |= {"renewal_margin_s": margin, "jwt_lifetime_s": lifetime}
    remedy = None if status == "ok" else CLOCK_REMEDY
    return Result("clock", "skew", status, detail + why, remedy, data)


def reach_verdict(probe: Probe, health: bool) -> Result:
    """Any answer proves an endpoint is there, except a GraphQL 404 or 5xx; a health endpoint
    that is missing or failing only warns: the PAT exchange decides."""
    code, remedy, note = probe.status, None, ""
    status: Status = "ok" if code is not None else "fail"
    if code is None:
        remedy = FAILURE_REMEDIES[probe.failure or "connection"]
    elif health and not 200 <= code < 300:
        status, note = "warn", ": reachable, but no health endpoint there"
        note = ": the auth service reports a problem" if code >= 500 else note
        remedy = "the PAT exchange below tells whether DXTRA_AUTH_URL is the auth service"
    elif not health and code == 404:
        status, note = "fail", ": no GraphQL endpoint at this URL"
        remedy = f"{cfg.ENV_API_URL} is the full endpoint, e.g. {cfg.DEFAULT_API_URL}"
    elif not health and code >= 500:
        status, note = "fail", ": the server is failing"
        remedy = "a server-side problem: try again later"
    detail = f"HTTP {code} in {probe.ms:.0f} ms ({probe.url}){note}"
    if code is None:
        detail = f"{probe.failure} failure: {probe.message} ({probe.url})"
    return Result("reachability", probe.name, status, detail, remedy, probe.data())


def exchange_remedy(probe: Probe) -> str:
    if probe.status is None:
        return FAILURE_REMEDIES[probe.failure or "connection"]
    # The client's own advice: a key refused on this machine is a restarted sandbox's.
    key = remedy_401(urlsplit(probe.url).hostname or "")
    other = "the auth service answered, but not with a session: check that DXTRA_AUTH_URL is the "
    other += "auth service (https://auth.dxtra.ai), then try again later"
    return {400: REMEDY_400 + ", or " + key, 401: key, 429: REMEDY_429}.get(probe.status, other)


def role_remedy(role: str, probe: Probe, code: str | None, error: str | None, allowed: str) -> str:
    if probe.status is None:
        return FAILURE_REMEDIES[probe.failure or "connection"]
    if code == "access-denied" or probe.status == 403:
        allowed = allowed or "the token's allowed roles"
        return (
            f"use a role this key's token allows ({allowed}) with --role, {cfg.ENV_ROLE} or "
            f"role=...; or use a key of a user who has the role {role!r}"
        )
    jwt_refused = code == "invalid-jwt" or probe.status == 401
    if jwt_refused and ("JWTExpired" in (error or "") or "NotYetValid" in (error or "")):
        return "a clock is off: " + CLOCK_REMEDY + "; if this one is right, the server's is not"
    if jwt_refused:
        return (
            f"the API cannot verify the auth service's JWTs: {cfg.ENV_AUTH_URL} and "
            f"{cfg.ENV_API_URL} must belong to the same Dxtra deployment"
        )
    return REMEDY_429 if probe.status == 429 else "the API answered with an error: try again later"


def exit_code(results: list[Result]) -> int:
    """0 when everything a call needs works (warnings allowed), 1 when a check fails."""
    return 1 if any(r.status == "fail" for r in results) else 0


def _utc(epoch: float | None) -> str:
    return "?" if epoch is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} s"


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class Settings:
    results: list[Result] = field(default_factory=list)
    auth_url: str | None = None  # None when unusable
    api_url: str | None = None
    role: str | None = None
    key_present: bool = False
    insecure: bool = False  # plain http:// to another machine: probed, the key is not sent


def read_settings(role_argument: str | None, env: Mapping[str, str]) -> Settings:
    """Each setting with its source, checked by the client's own rules (``_config``)."""
    out = Settings()

    def add(name: str, shown: str, fix: str | None, warn: str | None, *notes: str) -> None:
        source = cfg.source_of(role_argument if name == cfg.ENV_ROLE else None, env, name)
        detail = "; ".join((f"{shown} ({source})", *notes))
        data = {"source": source, "value": shown, "notes": list(notes)}
        status: Status = "fail" if fix else "warn" if warn else "ok"
        out.results.append(Result("settings", name, status, detail, fix or warn, data))

    raw_role = role_argument if role_argument is not None else env.get(cfg.ENV_ROLE, "").strip()
    try:
        out.role = cfg.check_role(raw_role or cfg.DEFAULT_ROLE)
        notes = [] if out.role in DOCUMENTED_ROLES else ["not a role Dxtra documents"]
        add(cfg.ENV_ROLE, out.role, None, None, *notes)
    except ConfigurationError as exc:
        add(cfg.ENV_ROLE, repr(raw_role), str(exc), None)
    key = (raw_key := env.get(cfg.ENV_API_KEY, "")).strip()
    out.key_present = bool(key)
    if key:
        shape, warning = key_shape(key)
        notes = ["surrounding whitespace, which the client strips"] if key != raw_key else []
        add(cfg.ENV_API_KEY, f"present, {shape}", None, warning, *notes)
    elif out.role in cfg.TOKENLESS_ROLES:
        add(cfg.ENV_API_KEY, f"absent (role {out.role!r} needs none)", None, None)
    else:
        fix = "not set: create a key in the Dxtra dashboard (Developers → Create API Key) and "
        add(cfg.ENV_API_KEY, "absent", fix + f"`export {cfg.ENV_API_KEY}=...`", None)
    for name in (cfg.ENV_AUTH_URL, cfg.ENV_API_URL):
        auth = name == cfg.ENV_AUTH_URL
        raw = env.get(name, "").strip() or (cfg.DEFAULT_AUTH_URL if auth else cfg.DEFAULT_API_URL)
        try:
            url = (cfg.normalize_auth_url if auth else cfg.normalize_api_url)(raw)
        except ConfigurationError as exc:
            add(name, repr(raw), str(exc), None)
            continue
        setattr(out, "auth_url" if auth else "api_url", url)
        notes = ["the /v1/signin/pat suffix is cut off"] if url != raw.rstrip("/") else []
        try:
            cfg.check_transport(url, name, allow_insecure_http=False)
        except ConfigurationError as exc:
            out.insecure = True
            add(name, url, str(exc), None, *notes)
            continue
        if url.startswith("http://") and cfg.is_loopback(urlsplit(url).hostname or ""):
            notes.append("plain http to this machine (loopback)")
        add(name, url, None, None, *notes)
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


class Doctor:
    """Sends the doctor's requests, times them, and judges each answer."""

    def __init__(self, http: httpx.Client, clock: Callable[[], float]) -> None:
        self.http, self.clock, self.monotonic = http, clock, time.perf_counter
        self.secrets: list[Secret] = []
        self.results: list[Result] = []
        self.probes: list[Probe] = []  # every answer, for a Date header when there is no JWT

    def add(self, *result: Any) -> None:
        self.results.append(Result(*result))

    def send(self, name: str, request: httpx.Request) -> tuple[Probe, httpx.Response | None]:
        url, wall, started = str(request.url), self.clock(), self.monotonic()
        try:
            (response := self.http.send(request)).read()
        except httpx.HTTPError as exc:
            ms, text = (self.monotonic() - started) * 1000, " ".join(str(exc).split())
            message = redact(text or type(exc).__name__, *self.secrets)
            return Probe(name, url, None, ms, classify_failure(exc), message), None
        ms = (self.monotonic() - started) * 1000
        date = parsedate_tz(response.headers.get("date", ""))  # None when absent or unreadable
        server = None if date is None else float(mktime_tz(date))
        probe = Probe(name, url, response.status_code, ms, None, None, server, wall + ms / 2000)
        self.probes.append(probe)
        return probe, response

    def graphql(self, api_url: str, role: str | None, token: Secret | None) -> tuple[Probe, Any]:
        headers = {"Content-Type": "application/json"} | ({"X-Hasura-Role": role} if role else {})
        headers |= {"Authorization": "Bearer " + token.reveal()} if token else {}
        query = {"query": "query DxtraDoctor { __typename }"}
        request = self.http.build_request("POST", api_url, json=query, headers=headers)
        probe, response = self.send("graphql endpoint" if role is None else f"role {role}", request)
        try:
            return probe, json.loads(redact(response.text, *self.secrets)) if response else None
        except ValueError:
            return probe, None

    def diagnose(self, role_argument: str | None, env: Mapping[str, str]) -> Settings:
        self.results += (settings := read_settings(role_argument, env)).results
        health, unusable = None, "its URL is unusable (above)"
        if settings.auth_url is None:
            self.add("reachability", "health endpoint", "skip", unusable)
        for path in ("/healthz", "/v1/healthz") if settings.auth_url else ():  # any 2xx will do
            request = self.http.build_request("GET", f"{settings.auth_url}{path}")
            health = self.send("auth health", request)[0]
            if health.status is None or 200 <= health.status < 300:
                break
        if health is not None:
            self.results.append(reach_verdict(health, True))
        if settings.api_url is None:
            self.add("reachability", "graphql endpoint", "skip", unusable)
        else:
            self.results.append(reach_verdict(self.graphql(settings.api_url, None, None)[0], False))
        skipped = None
        if settings.role in cfg.TOKENLESS_ROLES and not settings.key_present:
            skipped = f"role {settings.role!r} needs no key"
        elif settings.insecure:
            skipped = "not sending the key over plain http:// to another machine"
        elif any(r.status == "fail" for r in settings.results):
            skipped = "a setting is unusable (see settings)"
        elif health is not None and health.status is None:
            skipped = "the auth service is unreachable (see reachability)"
        claims, token = None, None
        key = None if skipped else cfg.resolve_config(role=settings.role, env=env).api_key
        if key is not None and settings.auth_url is not None:
            self.secrets.append(key)
            claims, token = self.exchange(settings.auth_url, key)
        else:
            self.add("exchange", "PAT → JWT", "skip", skipped or "not attempted")
        if token is None:
            self.results.append(self.clock_check(None, None, None)[1])
        self.roles(settings, role_argument, claims, token)
        return settings

    def exchange(self, auth_url: str, key: Secret) -> tuple[dict[str, Any] | None, Secret | None]:
        """The PAT → JWT exchange and the JWT's claims; then the clock against them."""
        probe, response = self.send("PAT exchange", build_signin_request(auth_url, key))
        error, session = None if response else f"{probe.failure} failure: {probe.message}", None
        try:
            session = parse_session(response, (key,), self.clock()) if response else None
        except DxtraError as exc:
            error = f"{type(exc).__name__}: {redact(' '.join(str(exc).split()), *self.secrets)}"
        if session is None or response is None:
            remedy = exchange_remedy(probe)
            if error and error.endswith(remedy):  # the client's messages end with the remedy
                error = error[: -len(remedy)].rstrip(":;, ")
            self.add("exchange", "PAT → JWT", "fail", error, remedy, probe.data())
            return None, None
        self.secrets += [s for s in (session.token, session.refresh_token) if s is not None]
        lifetime = _number(response.json().get("session", {}).get("accessTokenExpiresIn"))
        refresh = session.refresh_token is not None
        renewal = "issued (renewed at /v1/token)" if refresh else "none (re-signs in with the key)"
        detail = f"HTTP {probe.status} in {probe.ms:.0f} ms; session lifetime {_seconds(lifetime)}"
        data = probe.data() | {"session_lifetime_s": lifetime, "refresh_token": refresh}
        self.add("exchange", "PAT → JWT", "ok", f"{detail}; refresh token: {renewal}", None, data)
        import jwt  # the client cannot verify (the server holds the key); it only reads

        try:
            raw = jwt.decode(session.token.reveal(), options={"verify_signature": False})
        except jwt.PyJWTError:
            raw = {}
        hasura = raw.get("https://hasura.io/jwt/claims")
        h: dict[str, Any] = hasura if (ok := isinstance(hasura, dict)) else {}
        allowed = h.get("x-hasura-allowed-roles")
        roles = [r for r in allowed if isinstance(r, str)] if isinstance(allowed, list) else []
        user = _text(h.get("x-hasura-user-id") or raw.get("sub")) if ok else None
        claims: dict[str, Any] = {
            "user_id": user,
            "default_role": _text(h.get("x-hasura-default-role")),
        }
        claims["allowed_roles"] = roles
        detail = f"user {user}; default role {claims['default_role']}; allowed roles "
        detail, fix = detail + ", ".join(roles), None
        if not ok:
            detail = "the JWT carries no Hasura claims (https://hasura.io/jwt/claims)"
            fix = "DXTRA_AUTH_URL is not a Hasura auth service: use https://auth.dxtra.ai"
        self.add("exchange", "JWT claims", "ok" if ok else "fail", detail, fix, claims)
        iat, exp = _number(raw.get("iat")), _number(raw.get("exp"))
        jwt_life = exp - iat if iat is not None and exp is not None else lifetime
        skew, clock = self.clock_check(probe, iat, jwt_life)
        # Time left by the server's clock (the one Hasura checks `exp` against), when known.
        left = None if exp is None else exp - (self.clock() - (skew or 0.0))
        detail = f"iat {_utc(iat)}, exp {_utc(exp)} (lifetime {_seconds(jwt_life)}); "
        data = {"iat": iat, "exp": exp, "lifetime_s": jwt_life}
        data["time_left_s"] = None if left is None else round(left)
        detail, fix = detail + f"time left {_seconds(left)}", None
        if left is not None and left <= 0:
            detail += ": already expired when issued"
            fix = "the auth service's clock or token lifetime is wrong: a server-side problem"
        self.add("exchange", "JWT lifetime", "fail" if fix else "ok", detail, fix, data)
        self.results.append(clock)
        return (claims if ok else None), session.token

    def clock_check(
        self, exchange: Probe | None, iat: float | None, lifetime: float | None
    ) -> tuple[float | None, Result]:
        """One sample of the server's clock, taken halfway through a round trip: the JWT's iat
        (the clock `exp` is on), else the quickest answer's Date header."""
        dated = [p for p in self.probes if p.server_time is not None]
        if exchange is not None and iat is not None:
            probe, server, source = exchange, iat, "JWT iat"
        elif dated:
            probe = min(dated, key=lambda p: p.ms)
            server, source = probe.server_time or 0.0, f"Date header ({probe.name})"
        else:
            text = "no server time seen (no Date header, no JWT)"
            return None, Result("clock", "skew", "skip", text)
        skew = probe.local_time - (server + 0.5)  # both truncate to the second
        tolerance = CLOCK_TOLERANCE + probe.ms / 2000
        return skew, clock_verdict(skew, tolerance, lifetime or 3600.0, source)

    def roles(self, settings: Settings, role_argument: str | None, claims: Any, token: Any) -> None:
        roles, api_url, role = [], settings.api_url, settings.role
        if api_url is not None and role is not None:
            roles = [*claims["allowed_roles"], role] if claims and role_argument is None else [role]
            if role_argument is None and claims is None and role not in cfg.TOKENLESS_ROLES:
                roles = []
        roles = [r for r in dict.fromkeys(roles) if token is not None or r in cfg.TOKENLESS_ROLES]
        if not roles or api_url is None:
            why = "no JWT to try them with (see exchange)" if role else "no usable role"
            self.add("roles", "roles", "skip", why)
            return
        allowed = None if claims is None else claims["allowed_roles"]
        for role in roles:
            self.trial(api_url, role, None if role in cfg.TOKENLESS_ROLES else token, allowed)
        if allowed is not None:
            self.operation_roles(allowed)

    def trial(self, api_url: str, role: str, token: Secret | None, allowed: Any) -> None:
        probe, body = self.graphql(api_url, role, token)
        body, code, error = body if isinstance(body, dict) else {}, None, None
        first = (errors := body.get("errors")) and isinstance(errors, list) and errors[0]
        if isinstance(first, dict):
            extensions = first.get("extensions")
            code = _text(extensions.get("code")) if isinstance(extensions, dict) else None
            error = _text(first.get("message")) or "no message"
        elif probe.status and (probe.status != 200 or not isinstance(body.get("data"), dict)):
            error = _text(body.get("message")) or "no data"
        data = probe.data() | {"role": role, "code": code, "error": error}
        tokenless = " (no token: a tokenless role)" if role in cfg.TOKENLESS_ROLES else ""
        if probe.status == 200 and code is None and error is None:
            detail = f"{{ __typename }} accepted{tokenless}: HTTP 200 in {probe.ms:.0f} ms"
            self.add("roles", role, "ok", detail, None, data)
            return
        detail = f"{probe.failure} failure: {probe.message}"
        if probe.status is not None:
            detail = f"refused: HTTP {probe.status}, {code + ': ' if code else ''}"
            detail += error or "no message"
            if allowed is not None and role not in allowed and not tokenless:
                detail += f"; the token allows {', '.join(allowed)}"
        remedy = role_remedy(role, probe, code, error, ", ".join(allowed or []))
        self.add("roles", role, "fail", detail, remedy, data)

    def operation_roles(self, allowed: list[str]) -> None:
        """The roles the client's operations are written for (`# role:`) that the token lacks."""
        ops = operation_roles()
        missing = {r: o for r, o in ops.items() if r not in {*cfg.TOKENLESS_ROLES, *allowed}}
        data = {"operation_roles": {r: list(o) for r, o in ops.items()}, "not_allowed": [*missing]}
        listed = "; ".join(f"{role}: {', '.join(o)}" for role, o in sorted(missing.items()))
        shown = ", ".join(sorted(ops)) or "none besides the client's role"
        detail, fix = f"`# role:` in operations: {shown}", None
        if missing:
            detail = f"operations written for roles this token does not allow ({listed})"
            fix = "these fail with access-denied for this key; call them with a key of a user who "
            fix += "has that role"
        self.add("roles", "operation roles", "warn" if missing else "ok", detail, fix, data)
