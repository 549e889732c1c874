"""`dxtra-typed doctor [--role ROLE] [--json]`: Dxtra's troubleshooting page as one command.

Each request is made once (no retries, no token cache: the first answer is the diagnosis) and
judged by a verdict that needs no I/O. No result holds a credential (the key is "present" and
a shape, the JWT only its decoded claims); the output is redacted once more all the same.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import ssl
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from email.utils import mktime_tz, parsedate_tz
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Final, Literal, TextIO
from urllib.parse import urlsplit

import httpx

from dxtra_typed import _config as cfg
from dxtra_typed._auth import build_signin_request, parse_session, remedy_401, renewal_margin
from dxtra_typed._errors import REMEDY_400, REMEDY_429, ConfigurationError, DxtraError
from dxtra_typed._http_backends import http_settings
from dxtra_typed._logging import scrub
from dxtra_typed._secret import Secret, redact

Status = Literal["ok", "warn", "fail", "skip"]
Settings = SimpleNamespace  # what read_settings found: results, role, key, URLs, insecure
MARKS: Final = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}
EXIT_COULD_NOT_RUN: Final = 2
CUT: Final = 90  # a failure's or warning's detail is cut to this in the table, and repeated below
# The iat claim and Date headers have one-second resolution: one sample, give or take this plus
# half its round trip, tells a synced clock from one that breaks renewal (minutes off).
CLOCK_TOLERANCE: Final = 1.5
CLOCK_REMEDY: Final = (
    "sync this machine's clock with NTP (Linux: `timedatectl set-ntp true`; macOS: Settings → "
    "General → Date & Time → set automatically; Windows: `w32tm /resync`)"
)
REMEDIES: Final = {  # by failure kind or verdict; {role} and {allowed} are filled in
    "DNS": "the host name does not resolve: check the URL's spelling, your DNS, VPN or proxy",
    "refused": "nothing listens at that address: check the URL and port, and that the service "
    "(or `dxtra-typed sandbox`) is running",
    "TLS": "the TLS handshake failed: check the URL's host and scheme, a proxy that intercepts "
    "TLS, or your CA bundle (SSL_CERT_FILE)",
    "timeout": "no answer in time: check the network, a firewall or the proxy settings "
    "(HTTPS_PROXY, NO_PROXY)",
    "connection": "the connection failed: check the network and the URL",
    "no key": "not set: create a key in the Dxtra dashboard (Developers → Create API Key) and "
    f"`export {cfg.ENV_API_KEY}=...`",
    "no health": "the PAT exchange below tells whether DXTRA_AUTH_URL is the auth service",
    "no graphql": f"{cfg.ENV_API_URL} is the full endpoint, e.g. {cfg.DEFAULT_API_URL}",
    "server": "a server-side problem: try again later",
    "no session": "the auth service answered, but not with a session: check that DXTRA_AUTH_URL "
    "is the auth service (https://auth.dxtra.ai), then try again later",
    "no claims": "DXTRA_AUTH_URL is not a Hasura auth service: use https://auth.dxtra.ai",
    "expired": "the auth service's clock or token lifetime is wrong: a server-side problem",
    "denied": "use a role this key's token allows ({allowed}) with --role, DXTRA_ROLE or "
    "role=...; or use a key of a user who has the role {role!r}",
    "clock": "a clock is off: " + CLOCK_REMEDY + "; if this one is right, the server's is not",
    "jwt": "the API cannot verify the auth service's JWTs: DXTRA_AUTH_URL and DXTRA_API_URL "
    "must belong to the same Dxtra deployment",
    "429": REMEDY_429,
    "error": "the API answered with an error: try again later",
    "roles": "these fail with access-denied for this key; call them with a key of a user who "
    "has that role",
}
# A failure's kind: an exception type in the chain httpx keeps, else words in its message.
_TYPES = (("DNS", socket.gaierror), ("TLS", ssl.SSLError), ("refused", ConnectionRefusedError))
_DNS = ("name or service not known", "nodename nor servname", "name resolution", "getaddrinfo")
_WORDS = (("DNS", _DNS), ("TLS", ("ssl", "certificate")), ("refused", ("refused",)))


def register(subcommands: Any) -> None:
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "doctor",
        help="check settings, reachability, the key, the JWT, the clock and the roles",
        description=(
            "Diagnose a Dxtra setup with the DXTRA_API_KEY / DXTRA_AUTH_URL / DXTRA_API_URL / "
            "DXTRA_ROLE settings: where each came from, both endpoints' reachability, the PAT → "
            "JWT exchange and the JWT's claims (decoded locally; no credential is ever printed), "
            "clock skew and each role tried with { __typename }. "
            "Exit codes: 0 a call works, 1 a check failed (with its remedy), 2 could not run."
        ),
    )
    parser.add_argument("--role", help="try only this X-Hasura-Role (default: every allowed role)")
    parser.add_argument("--json", action="store_true", help="print the facts as JSON (for CI)")
    timeout_help = "per request (default 10; connecting at most 5)"
    parser.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help=timeout_help)
    parser.set_defaults(run=run)


def run(
    args: argparse.Namespace,
    *,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    http: Any = None,
    out: TextIO | None = None,
) -> int:
    """The command; ``env``, ``clock`` and ``http`` (an httpx.Client) are for tests."""
    try:
        if args.role is not None:
            cfg.check_role(args.role, "--role")
        if not args.timeout > 0:
            raise ConfigurationError(f"--timeout must be more than 0 seconds, got {args.timeout}")
    except ConfigurationError as exc:
        print(f"dxtra-typed doctor: {exc}", file=sys.stderr, flush=True)
        return EXIT_COULD_NOT_RUN
    timeout = httpx.Timeout(args.timeout, connect=min(args.timeout, 5.0))
    client = http or httpx.Client(**http_settings(timeout, auth=True))  # the client's own
    doctor = Doctor(client, clock)
    try:
        settings = doctor.diagnose(args.role, os.environ if env is None else env)
        code = 1 if any(r.status == "fail" for r in doctor.results) else 0
        # Results hold no credential; this is the second line of defence, as for log records.
        text = scrub(redact(render(doctor.results, settings, code, args.json), *doctor.secrets))
    except Exception as exc:  # a bug must still end in one line and exit 2
        text = scrub(" ".join(str(exc).split()))
        print(f"dxtra-typed doctor: could not run: {type(exc).__name__}: {text}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    finally:
        if http is None:
            client.close()
    print(text, file=out or sys.stdout, flush=True)
    return code


@dataclass(frozen=True)
class Result:
    check: str
    item: str
    status: Status
    detail: str
    remedy: str | None = None
    facts: Mapping[str, object] = field(default_factory=dict)  # the JSON's facts


def verdict(check: str, item: str, text: str, facts: Any, fail: Any = "", warn: Any = "") -> Result:
    status: Status = "fail" if fail else "warn" if warn else "ok"
    return Result(check, item, status, text, fail or warn or None, facts)


def render(results: list[Result], settings: Settings, code: int, as_json: bool) -> str:
    head = {"auth_url": settings.auth_url, "api_url": settings.api_url, "role": settings.role}
    if as_json:
        payload = {"ok": code == 0, "exit_code": code, **head, "checks": [vars(r) for r in results]}
        return json.dumps(payload, indent=2, ensure_ascii=False)

    def short(r: Result) -> str:
        cut = r.status in ("fail", "warn") and len(r.detail) > CUT
        return r.detail[: CUT - 1].rsplit(" ", 1)[0] + " …" if cut else r.detail

    rows = [(r.check, r.item, f"{MARKS[r.status]} {r.status}", short(r)) for r in results]
    titles = ("check", "item", "result", "detail")
    widths = [max(len(t), *(len(row[i]) for row in rows)) for i, t in enumerate(titles[:3])]
    auth, api, role = (v or "?" for v in head.values())
    lines = [f"dxtra-typed doctor: auth {auth}, api {api}, role {role}", ""]
    for row in (titles, tuple("-" * w for w in (*widths, 6)), *rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, (*widths, 0), strict=True)).rstrip())
    for status, title in (("fail", "failed"), ("warn", "warnings")):
        picked = [r for r in results if r.status == status]
        lines += ["", f"{title}:"] if picked else []
        for r in picked:
            lines.append(f"  {MARKS[status]} {r.check} / {r.item}: {r.detail}")
            lines += [f"    remedy: {r.remedy}"] if r.remedy else []
    failed = ", ".join(dict.fromkeys(r.check for r in results if r.status == "fail"))
    end = f"failed: {failed}" if failed else "a call with these settings works"
    return "\n".join([*lines, "", f"doctor: {end} (exit {code})"])


@dataclass(frozen=True)
class Probe:
    """One HTTP round trip: the answer or the kind of failure (DNS, refused, TLS, timeout,
    connection); the server's Date header and the local clock halfway through, for the clock."""

    name: str
    url: str
    status: int | None = None
    ms: float = 0.0
    failure: str | None = None
    message: str | None = None
    server_time: float | None = None
    local_time: float = 0.0

    def data(self) -> dict[str, object]:
        keys, ms = ("url", "status", "elapsed_ms", "failure", "message"), round(self.ms, 1)
        return dict(zip(keys, (self.url, self.status, ms, self.failure, self.message), strict=True))

    def failed(self, check: str, item: str, where: str = "", facts: Any = None) -> Result:
        detail = f"{self.failure} failure: {self.message}{where}"
        return verdict(check, item, detail, facts or self.data(), REMEDIES[self.failure or ""])


def key_shape(key: str) -> tuple[str, str | None]:
    """(description, warning) of an API key's shape; never its value."""
    if key[:1] in "\"'" or key[-1:] in "\"'":
        return "quoted", "it starts or ends with a quote character: remove the quotes"
    bare = key.removeprefix("dxtra_pat_")
    if re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", bare, re.IGNORECASE):
        return ("a UUID" if bare == key else "dxtra_pat_ + a UUID"), None
    return f"not a UUID ({len(key)} characters)", f"Nhost PATs are UUIDs: {REMEDY_400}"


def classify_failure(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    seen: BaseException | None = exc
    while seen is not None:
        if kind := next((k for k, types in _TYPES if isinstance(seen, types)), None):
            return kind
        seen = seen.__cause__ or seen.__context__
    text = str(exc).lower()
    return next((k for k, words in _WORDS if any(w in text for w in words)), "connection")


def read_settings(role_argument: str | None, env: Mapping[str, str]) -> Settings:
    """Each setting with its source, checked by the client's own rules (``_config``). A URL is
    None when unusable; ``insecure``: plain http:// elsewhere, probed but the key is not sent."""
    out = SimpleNamespace(results=[], role=None, auth_url=None, api_url=None, insecure=False)

    def add(name: str, shown: str, fix: str | None, warn: str | None, *notes: str) -> None:
        source = cfg.source_of(role_argument if name == cfg.ENV_ROLE else None, env, name)
        detail = "; ".join((f"{shown} ({source})", *notes))
        facts = {"source": source, "value": shown, "notes": list(notes)}
        out.results.append(verdict("settings", name, detail, facts, fix, warn))

    raw_role = role_argument if role_argument is not None else env.get(cfg.ENV_ROLE, "").strip()
    try:
        out.role = cfg.check_role(raw_role or cfg.DEFAULT_ROLE)
        add(cfg.ENV_ROLE, out.role, None, None)
    except ConfigurationError as exc:
        add(cfg.ENV_ROLE, repr(raw_role), str(exc), None)
    key = (raw_key := env.get(cfg.ENV_API_KEY, "")).strip()
    out.key = Secret(key) if key else None
    if key:
        shape, warning = key_shape(key)
        notes = ["surrounding whitespace, which the client strips"] if key != raw_key else []
        add(cfg.ENV_API_KEY, f"present, {shape}", None, warning, *notes)
    elif out.role in cfg.TOKENLESS_ROLES:
        add(cfg.ENV_API_KEY, f"absent (role {out.role!r} needs none)", None, None)
    else:
        add(cfg.ENV_API_KEY, "absent", REMEDIES["no key"], None)
    for attr, name, default, normalize in (
        ("auth_url", cfg.ENV_AUTH_URL, cfg.DEFAULT_AUTH_URL, cfg.normalize_auth_url),
        ("api_url", cfg.ENV_API_URL, cfg.DEFAULT_API_URL, cfg.normalize_api_url),
    ):
        raw, notes = env.get(name, "").strip() or default, []
        try:
            setattr(out, attr, url := normalize(raw))
            notes += ["the /v1/signin/pat suffix is cut off"] if url != raw.rstrip("/") else []
            cfg.check_transport(url, name, allow_insecure_http=False)
        except ConfigurationError as exc:
            out.insecure |= getattr(out, attr) is not None
            add(name, getattr(out, attr) or repr(raw), str(exc), None, *notes)
            continue
        if url.startswith("http://") and cfg.is_loopback(urlsplit(url).hostname or ""):
            notes.append("plain http to this machine (loopback)")
        add(name, url, None, None, *notes)
    return out


def reach_verdict(probe: Probe) -> Result:
    """Any answer proves an endpoint is there, except a GraphQL 404 or 5xx; a health endpoint
    that is missing or failing only warns: the PAT exchange decides."""
    code, health = probe.status, probe.name == "auth health"
    if code is None:
        return probe.failed("reachability", probe.name, f" ({probe.url})")
    fail = warn = note = ""
    if health and not 200 <= code < 300:
        warn, note = REMEDIES["no health"], ": reachable, but no health endpoint there"
        note = ": the auth service reports a problem" if code >= 500 else note
    elif not health and code == 404:
        fail, note = REMEDIES["no graphql"], ": no GraphQL endpoint at this URL"
    elif not health and code >= 500:
        fail, note = REMEDIES["server"], ": the server is failing"
    detail = f"HTTP {code} in {probe.ms:.0f} ms ({probe.url}){note}"
    return verdict("reachability", probe.name, detail, probe.data(), fail, warn)


def exchange_remedy(probe: Probe) -> str:
    # The client's own advice: a key refused on this machine is a restarted sandbox's.
    key = remedy_401(urlsplit(probe.url).hostname or "")
    by_status = {400: f"{REMEDY_400}, or {key}", 401: key, 429: REMEDY_429}
    return by_status.get(probe.status or 0, REMEDIES["no session"])


def clock_verdict(skew: float, tolerance: float, lifetime: float, source: str) -> Result:
    """Fail when the skew (local minus server, seconds) breaks the client's renewal schedule:
    behind by more than the renewal margin, or ahead by the lifetime minus it."""
    margin, beyond = renewal_margin(lifetime), max(abs(skew) - tolerance, 0.0)
    where = f"(±{tolerance:.1f} s, from the {source})"
    side = "ahead of" if skew > 0 else "behind"
    state = "agrees with" if abs(skew) <= tolerance else f"is {abs(skew):.0f} s {side}"
    detail = f"this machine's clock {state} the server's {where}"
    fail, why = CLOCK_REMEDY, ""
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
        fail, why = "", f"; the client renews each JWT about {skew:.0f} s early"
    data = {"skew_s": round(skew, 1), "uncertainty_s": round(tolerance, 1), "source": source}
    data |= {"renewal_margin_s": margin, "jwt_lifetime_s": lifetime}
    return verdict("clock", "skew", detail + why, data, why and fail, why and CLOCK_REMEDY)


def role_verdict(role: str, probe: Probe, body: Any, allowed: list[str] | None) -> Result:
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
    if probe.status is None:
        return probe.failed("roles", role, facts=data)
    if probe.status == 200 and code is None and error is None:
        detail = f"{{ __typename }} accepted{tokenless}: HTTP 200 in {probe.ms:.0f} ms"
        return verdict("roles", role, detail, data)
    detail = f"refused: HTTP {probe.status}, {code + ': ' if code else ''}{error}"
    if allowed is not None and role not in allowed and not tokenless:
        detail += f"; the token allows {', '.join(allowed)}"
    jwt_refused = code == "invalid-jwt" or probe.status == 401  # later rules take precedence
    kind = "jwt" if jwt_refused else "429" if probe.status == 429 else "error"
    if jwt_refused and ("JWTExpired" in str(error) or "NotYetValid" in str(error)):
        kind = "clock"
    if code == "access-denied" or probe.status == 403:
        kind = "denied"
    shown = ", ".join(allowed or []) or "the token's allowed roles"
    return verdict("roles", role, detail, data, REMEDIES[kind].format(role=role, allowed=shown))


def operation_roles_verdict(ops: Mapping[str, tuple[str, ...]], allowed: list[str]) -> Result:
    """The roles the client's operations are written for (`# role:`) that the token lacks."""
    missing = {r: o for r, o in ops.items() if r not in {*cfg.TOKENLESS_ROLES, *allowed}}
    data = {"operation_roles": {r: list(o) for r, o in ops.items()}, "not_allowed": [*missing]}
    listed = "; ".join(f"{role}: {', '.join(o)}" for role, o in sorted(missing.items()))
    shown = ", ".join(sorted(ops)) or "none besides the client's role"
    detail = f"`# role:` in operations: {shown}"
    if missing:
        detail = f"operations written for roles this token does not allow ({listed})"
    return verdict("roles", "operation roles", detail, data, "", missing and REMEDIES["roles"])


def operation_roles() -> dict[str, tuple[str, ...]]:
    """role → the operations written for it (`# role:`): this folder's project's, else bundled."""
    from ._call import UsageError, client_classes, operations

    try:
        ops = operations(client_classes(Path.cwd()))
    except UsageError:  # a project not generated yet, or broken settings
        ops = operations()
    named = sorted((op.role, op.name) for op in ops.values() if op.role)
    return {role: tuple(n for r, n in named if r == role) for role, _ in named}


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


class Doctor:
    def __init__(self, http: httpx.Client, clock: Callable[[], float]) -> None:
        self.http, self.clock = http, clock
        self.secrets: list[Secret] = []
        self.results: list[Result] = []
        self.dated: list[Probe] = []  # answers with a Date header: the clock when there is no iat

    def add(self, *args: Any) -> None:
        self.results.append(verdict(*args))

    def send(self, name: str, request: httpx.Request) -> tuple[Probe, httpx.Response | None]:
        url, wall, started = str(request.url), self.clock(), time.perf_counter()
        try:
            (response := self.http.send(request)).read()
        except httpx.HTTPError as exc:
            ms, text = (time.perf_counter() - started) * 1000, " ".join(str(exc).split())
            failure, message = classify_failure(exc), text or type(exc).__name__
            return Probe(name, url, None, ms, failure, message), None
        ms = (time.perf_counter() - started) * 1000
        date = parsedate_tz(response.headers.get("date", ""))  # None when absent or unreadable
        server = None if date is None else float(mktime_tz(date))
        probe = Probe(name, url, response.status_code, ms, None, None, server, wall + ms / 2000)
        self.dated += [probe] if server is not None else []
        return probe, response

    def graphql(self, api_url: str, role: str | None, token: Secret | None) -> tuple[Probe, Any]:
        headers = {"X-Hasura-Role": role} if role else {}
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
        health = api = None
        for path in ("/healthz", "/v1/healthz") if settings.auth_url else ():  # any 2xx will do
            request = self.http.build_request("GET", f"{settings.auth_url}{path}")
            health = self.send("auth health", request)[0]
            if health.status is None or 200 <= health.status < 300:
                break
        if settings.api_url:
            api = self.graphql(settings.api_url, None, None)[0]
        for item, probe in (("health endpoint", health), ("graphql endpoint", api)):
            skip = Result("reachability", item, "skip", "its URL is unusable (above)")
            self.results.append(skip if probe is None else reach_verdict(probe))
        claims, token, skipped = None, None, None
        if settings.role in cfg.TOKENLESS_ROLES and not settings.key:
            skipped = f"role {settings.role!r} needs no key"
        elif settings.insecure:
            skipped = "not sending the key over plain http:// to another machine"
        elif any(r.status == "fail" for r in settings.results):
            skipped = "a setting is unusable (see settings)"
        elif health is not None and health.status is None:
            skipped = "the auth service is unreachable (see reachability)"
        elif settings.key and settings.auth_url:  # (both are set when no setting failed)
            claims, token = self.exchange(settings.auth_url, settings.key)
        if skipped:
            self.results.append(Result("exchange", "PAT → JWT", "skip", skipped))
        if token is None:
            self.results.append(self.clock_check(None, None)[1])
        self.roles(settings, role_argument, claims, token)
        return settings

    def exchange(self, auth_url: str, key: Secret) -> tuple[dict[str, Any] | None, Secret | None]:
        self.secrets.append(key)
        probe, response = self.send("PAT exchange", build_signin_request(auth_url, key))
        if response is None:
            self.results.append(probe.failed("exchange", "PAT → JWT"))
            return None, None
        try:
            session = parse_session(response, (key,), self.clock())  # redacts the key
        except DxtraError as exc:
            error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
            remedy = exchange_remedy(probe)
            if error.endswith(remedy):  # the client's messages end with the remedy
                error = error[: -len(remedy)].rstrip(":;, ")
            self.add("exchange", "PAT → JWT", error, probe.data(), remedy)
            return None, None
        self.secrets += [s for s in (session.token, session.refresh_token) if s is not None]
        lifetime = _number(response.json()["session"].get("accessTokenExpiresIn"))
        refresh = session.refresh_token is not None
        renewal = "issued (renewed at /v1/token)" if refresh else "none (re-signs in with the key)"
        detail = f"HTTP {probe.status} in {probe.ms:.0f} ms; session lifetime {_seconds(lifetime)}"
        data = probe.data() | {"session_lifetime_s": lifetime, "refresh_token": refresh}
        self.add("exchange", "PAT → JWT", f"{detail}; refresh token: {renewal}", data)
        import jwt  # the client cannot verify (the server holds the key); it only reads

        try:
            raw = jwt.decode(session.token.reveal(), options={"verify_signature": False})
        except jwt.PyJWTError:
            raw = {}
        hasura = raw.get("https://hasura.io/jwt/claims")
        h: dict[str, Any] = hasura if (ok := isinstance(hasura, dict)) else {}
        roles = h.get("x-hasura-allowed-roles")
        roles = [r for r in roles if isinstance(r, str)] if isinstance(roles, list) else []
        user = _text(h.get("x-hasura-user-id") or raw.get("sub")) if ok else None
        default = _text(h.get("x-hasura-default-role"))
        claims = {"user_id": user, "default_role": default, "allowed_roles": roles}
        detail = f"user {user}; default role {default}; allowed roles {', '.join(roles)}"
        if not ok:
            detail = "the JWT carries no Hasura claims (https://hasura.io/jwt/claims)"
        self.add("exchange", "JWT claims", detail, claims, not ok and REMEDIES["no claims"])
        iat, exp = _number(raw.get("iat")), _number(raw.get("exp"))
        jwt_life = exp - iat if iat is not None and exp is not None else lifetime
        sample = None if iat is None else replace(probe, server_time=iat)  # the clock exp is on
        skew, clock = self.clock_check(sample, jwt_life)
        # Time left by the server's clock (the one Hasura checks `exp` against), when known.
        left = None if exp is None else exp - (self.clock() - (skew or 0.0))
        detail = f"iat {_utc(iat)}, exp {_utc(exp)} (lifetime {_seconds(jwt_life)}); "
        detail += f"time left {_seconds(left)}"
        data = {"iat": iat, "exp": exp, "lifetime_s": jwt_life}
        data["time_left_s"] = None if left is None else round(left)
        expired = left is not None and left <= 0
        detail += ": already expired when issued" if expired else ""
        self.add("exchange", "JWT lifetime", detail, data, expired and REMEDIES["expired"])
        self.results.append(clock)
        return (claims if ok else None), session.token

    def clock_check(self, jwt: Probe | None, lifetime: float | None) -> tuple[float | None, Result]:
        """One sample of the server's clock: the JWT's iat, else the quickest Date header."""
        sample = jwt or min(self.dated, key=lambda p: p.ms, default=None)
        if sample is None or sample.server_time is None:
            text = "no server time seen (no Date header, no JWT)"
            return None, Result("clock", "skew", "skip", text)
        skew = sample.local_time - (sample.server_time + 0.5)  # both truncate to the second
        source = "JWT iat" if jwt else f"Date header ({sample.name})"
        tolerance = CLOCK_TOLERANCE + sample.ms / 2000
        return skew, clock_verdict(skew, tolerance, lifetime or 3600.0, source)

    def roles(self, settings: Settings, role_argument: str | None, claims: Any, token: Any) -> None:
        api_url, role = settings.api_url, settings.role or ""
        roles = [role] if role_argument is not None or role in cfg.TOKENLESS_ROLES else []
        roles = [*claims["allowed_roles"], role] if claims and role_argument is None else roles
        roles = [r for r in dict.fromkeys(roles) if r and (token or r in cfg.TOKENLESS_ROLES)]
        if not roles or api_url is None:
            why = "no JWT to try them with (see exchange)" if role else "no usable role"
            self.results.append(Result("roles", "roles", "skip", why))
            return
        allowed = None if claims is None else claims["allowed_roles"]
        for tried in roles:
            tokenless = tried in cfg.TOKENLESS_ROLES
            probe, body = self.graphql(api_url, tried, None if tokenless else token)
            self.results.append(role_verdict(tried, probe, body, allowed))
        if allowed is not None:
            self.results.append(operation_roles_verdict(operation_roles(), allowed))


def _utc(epoch: float | None) -> str:
    return "?" if epoch is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} s"
