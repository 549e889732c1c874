"""The checks of `dxtra-typed doctor`: pure functions from gathered facts to verdicts.

Everything that decides ok / warn / fail, and says what to do about it, lives here, so each
rule is tested with plain values: no server, no environment, no sleeping (`_doctor_probe`
gathers the facts, `_doctor_facts` holds them).

Dxtra's authentication page ends with a troubleshooting section (decode the JWT, `curl -I` the
endpoints) and a production checklist; these checks are that page, done safely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlsplit

from dxtra_typed._auth import remedy_401, renewal_margin
from dxtra_typed._config import (
    DEFAULT_API_URL,
    ENV_API_KEY,
    ENV_API_URL,
    ENV_AUTH_URL,
    ENV_ROLE,
    TOKENLESS_ROLES,
)
from dxtra_typed._errors import REMEDY_400, REMEDY_429
from dxtra_typed._retry import DEFAULT_MAX_RETRIES

from ._doctor_facts import Exchange, Facts, Probe, Result, RoleTrial, Status

CLOCK_REMEDY: Final = (
    "sync this machine's clock with NTP (Linux: `timedatectl set-ntp true`; macOS: Settings → "
    "General → Date & Time → set automatically; Windows: `w32tm /resync`)"
)
_FAILURE_REMEDIES: Final = {
    "DNS": "the host name does not resolve: check the URL's spelling, your DNS, VPN or proxy",
    "refused": "nothing listens at that address: check the URL and port, and that the service "
    "(or `dxtra-typed sandbox`) is running",
    "TLS": "the TLS handshake failed: check the URL's host and scheme, a proxy that intercepts "
    "TLS, or your CA bundle (SSL_CERT_FILE)",
    "timeout": "no answer in time: check the network, a firewall or the proxy settings "
    "(HTTPS_PROXY, NO_PROXY)",
    "connection": "the connection failed: check the network and the URL",
}


# -- checks ---------------------------------------------------------------------------------------


def failure_remedy(probe: Probe) -> str:
    return _FAILURE_REMEDIES.get(probe.failure or "connection", _FAILURE_REMEDIES["connection"])


def _failed_probe(check: str, probe: Probe) -> Result:
    return Result(
        check,
        probe.name,
        "fail",
        f"{probe.failure or 'connection'} failure: {probe.message or 'no response'} ({probe.url})",
        failure_remedy(probe),
        _probe_data(probe),
    )


def _probe_data(probe: Probe) -> dict[str, object]:
    return {
        "url": probe.url,
        "status": probe.status,
        "elapsed_ms": None if probe.elapsed_ms is None else round(probe.elapsed_ms, 1),
        "failure": probe.failure,
        "message": probe.message,
    }


def check_settings(facts: Facts) -> list[Result]:
    results = []
    for row in facts.settings.rows:
        status: Status = "fail" if row.problem else "warn" if row.warning else "ok"
        detail = "; ".join((f"{row.shown} ({row.source})", *row.notes))
        results.append(
            Result(
                "settings",
                row.name,
                status,
                detail,
                row.problem or row.warning,
                {"source": row.source, "value": row.shown, "notes": list(row.notes)},
            )
        )
    return results


def check_reachability(facts: Facts) -> list[Result]:
    results = []
    for probe, kind in ((facts.health, "health"), (facts.graphql, "graphql")):
        if probe is None:
            results.append(
                Result("reachability", f"{kind} endpoint", "skip", "its URL is unusable (above)")
            )
            continue
        if not probe.answered:
            results.append(_failed_probe("reachability", probe))
            continue
        status = probe.status or 0
        answered = f"HTTP {status} in {probe.timing()} ({probe.url})"
        if kind == "health" and not 200 <= status < 300:
            results.append(
                Result(
                    "reachability",
                    probe.name,
                    "warn",
                    answered
                    + (
                        ": the auth service reports a problem"
                        if status >= 500
                        else ": reachable, but no health endpoint there"
                    ),
                    "the PAT exchange below tells whether DXTRA_AUTH_URL is the auth service",
                    _probe_data(probe),
                )
            )
        elif kind == "graphql" and status == 404:
            results.append(
                Result(
                    "reachability",
                    probe.name,
                    "fail",
                    answered + ": no GraphQL endpoint at this URL",
                    f"{ENV_API_URL} is the full endpoint, e.g. {DEFAULT_API_URL}",
                    _probe_data(probe),
                )
            )
        elif status >= 500:
            results.append(
                Result(
                    "reachability",
                    probe.name,
                    "fail",
                    answered + ": the server is failing",
                    "a server-side problem: try again later",
                    _probe_data(probe),
                )
            )
        else:
            results.append(
                Result("reachability", probe.name, "ok", answered, None, _probe_data(probe))
            )
    return results


def exchange_remedy(exchange: Exchange) -> str:
    probe = exchange.probe
    if not probe.answered:
        return failure_remedy(probe)
    # The same advice the client gives: a key refused by an auth service on this machine is
    # almost always a restarted sandbox's, not one to regenerate in Dxtra's dashboard.
    key = remedy_401(urlsplit(probe.url).hostname or "")
    return {400: REMEDY_400 + ", or " + key, 401: key, 429: REMEDY_429}.get(
        probe.status or 0,
        "the auth service answered, but not with a session: check that DXTRA_AUTH_URL is the "
        "auth service (https://auth.dxtra.ai), then try again later",
    )


def _utc(epoch: float | None) -> str:
    if epoch is None:
        return "?"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def lifetime_of(exchange: Exchange | None) -> float | None:
    """The JWT's life in seconds: ``exp - iat``, else the session's accessTokenExpiresIn."""
    if exchange is None or exchange.claims is None:
        return None
    claims = exchange.claims
    if claims.issued_at is not None and claims.expires_at is not None:
        return claims.expires_at - claims.issued_at
    return exchange.lifetime


def check_exchange(facts: Facts, skew: Skew | None) -> list[Result]:
    exchange = facts.exchange
    if exchange is None:
        return [Result("exchange", "PAT → JWT", "skip", facts.exchange_skipped or "not attempted")]
    probe = exchange.probe
    if not exchange.ok:
        detail = exchange.error or f"{probe.failure} failure: {probe.message}"
        remedy = exchange_remedy(exchange)
        if detail.endswith(remedy):  # the client's messages end with the remedy: say it once
            detail = detail[: -len(remedy)].rstrip(":;, ")
        return [Result("exchange", "PAT → JWT", "fail", detail, remedy, _probe_data(probe))]
    claims = exchange.claims
    assert claims is not None
    lifetime = lifetime_of(exchange)
    renewal = (
        "issued (renewed at /v1/token)"
        if exchange.refresh_token
        else "none (re-signs in with the key)"
    )
    results = [
        Result(
            "exchange",
            "PAT → JWT",
            "ok",
            f"HTTP {probe.status} in {probe.timing()}; session lifetime "
            f"{_seconds(exchange.lifetime)}; refresh token: {renewal}",
            None,
            {
                **_probe_data(probe),
                "session_lifetime_s": exchange.lifetime,
                "refresh_token": exchange.refresh_token,
            },
        )
    ]
    claims_data = {
        "user_id": claims.user_id,
        "default_role": claims.default_role,
        "allowed_roles": list(claims.allowed_roles),
    }
    if not claims.hasura:
        results.append(
            Result(
                "exchange",
                "JWT claims",
                "fail",
                "the JWT carries no Hasura claims (https://hasura.io/jwt/claims)",
                "DXTRA_AUTH_URL is not a Hasura auth service: use https://auth.dxtra.ai",
                claims_data,
            )
        )
    else:
        results.append(
            Result(
                "exchange",
                "JWT claims",
                "ok",
                f"user {claims.user_id}; default role {claims.default_role}; allowed roles "
                + ", ".join(claims.allowed_roles),
                None,
                claims_data,
            )
        )
    # Time left by the server's clock (the one Hasura checks `exp` against), when known.
    server_now = facts.finished_at - (skew.seconds if skew is not None else 0.0)
    left = None if claims.expires_at is None else claims.expires_at - server_now
    timing_data = {
        "iat": claims.issued_at,
        "exp": claims.expires_at,
        "lifetime_s": lifetime,
        "time_left_s": None if left is None else round(left),
    }
    detail = (
        f"iat {_utc(claims.issued_at)}, exp {_utc(claims.expires_at)} (lifetime "
        f"{_seconds(lifetime)}); time left {_seconds(left)}"
    )
    if left is not None and left <= 0:
        results.append(
            Result(
                "exchange",
                "JWT lifetime",
                "fail",
                detail + ": already expired when issued",
                "the auth service's clock or token lifetime is wrong: a server-side problem",
                timing_data,
            )
        )
    else:
        results.append(Result("exchange", "JWT lifetime", "ok", detail, None, timing_data))
    return results


def _seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f} s"


# -- clock ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skew:
    """Local clock minus the server's, give or take ``uncertainty`` (both seconds)."""

    seconds: float
    uncertainty: float
    source: str


def skew_samples(facts: Facts) -> list[Skew]:
    """Every reading of the server's clock: the JWT's ``iat`` and each ``Date`` header.

    Both have one-second resolution (truncated), and the server read its clock somewhere inside
    the round trip, so each sample is the local time halfway through, minus the server's time
    plus half a second, give or take half the round trip and half a second. A Date header gets
    another second: servers (uvicorn among them) refresh it once a second, not per response.
    """
    samples = []
    exchange = facts.exchange
    readings: list[tuple[str, Probe, float | None, float]] = []
    if exchange is not None and exchange.claims is not None:
        readings.append(("JWT iat", exchange.probe, exchange.claims.issued_at, 0.5))
    for probe in (exchange.probe if exchange else None, facts.graphql, facts.health):
        if probe is not None:
            readings.append((f"Date header ({probe.name})", probe, probe.server_time, 1.5))
    for source, probe, server_time, resolution in readings:
        if server_time is None or probe.local_time is None or probe.elapsed_ms is None:
            continue
        samples.append(
            Skew(
                seconds=probe.local_time - (server_time + 0.5),
                uncertainty=probe.elapsed_ms / 2000 + resolution,
                source=source,
            )
        )
    return samples


def estimate_skew(facts: Facts) -> Skew | None:
    """The most precise sample (the JWT's iat when there is one: `exp` is on that clock)."""
    samples = skew_samples(facts)
    return min(samples, key=lambda s: s.uncertainty) if samples else None


def check_clock(facts: Facts, skew: Skew | None) -> list[Result]:
    """Fail when the skew breaks the client's renewal schedule.

    Behind the server by more than the renewal margin: the client keeps sending a JWT past the
    `exp` Hasura checks, and Hasura answers ``Could not verify JWT: JWTExpired`` early (by more
    than the lifetime, every new JWT also looks issued in the future: JWTNotYetValid for any
    check of ``iat``/``nbf``). Ahead by the lifetime minus the margin or more: every JWT looks
    expired on arrival, so the client exchanges the key on every call.
    """
    if skew is None:
        return [Result("clock", "skew", "skip", "no server time seen (no Date header, no JWT)")]
    lifetime = lifetime_of(facts.exchange) or 3600.0
    margin = renewal_margin(lifetime)
    beyond = max(abs(skew.seconds) - skew.uncertainty, 0.0)
    data = {
        "skew_s": round(skew.seconds, 1),
        "uncertainty_s": round(skew.uncertainty, 1),
        "source": skew.source,
        "renewal_margin_s": margin,
        "jwt_lifetime_s": lifetime,
        "samples": [
            {
                "source": s.source,
                "skew_s": round(s.seconds, 1),
                "uncertainty_s": round(s.uncertainty, 1),
            }
            for s in skew_samples(facts)
        ],
    }
    direction = "ahead of" if skew.seconds > 0 else "behind"
    measured = (
        f"this machine's clock is {abs(skew.seconds):.0f} s {direction} the server's "
        f"(±{skew.uncertainty:.1f} s, from the {skew.source})"
    )
    if abs(skew.seconds) <= skew.uncertainty:
        measured = (
            f"this machine's clock agrees with the server's (±{skew.uncertainty:.1f} s, from "
            f"the {skew.source})"
        )
    if skew.seconds < 0 and beyond > margin:
        what = (
            "every JWT looks issued in the future (JWTNotYetValid), and the client keeps "
            "using each one past its exp: Hasura answers JWTExpired early"
            if beyond >= lifetime
            else f"more than the {margin:.0f} s renewal margin: the client keeps using a JWT "
            "past its exp, and Hasura answers `Could not verify JWT: JWTExpired` early"
        )
        return [Result("clock", "skew", "fail", f"{measured}; {what}", CLOCK_REMEDY, data)]
    if skew.seconds > 0 and beyond >= lifetime - margin:
        what = (
            f"past the JWT's {lifetime:.0f} s lifetime: every JWT looks expired on arrival "
            "(JWTExpired), so the client exchanges the key again on every call"
        )
        return [Result("clock", "skew", "fail", f"{measured}; {what}", CLOCK_REMEDY, data)]
    if beyond > margin:
        what = f"the client renews each JWT about {skew.seconds:.0f} s early"
        return [Result("clock", "skew", "warn", f"{measured}; {what}", CLOCK_REMEDY, data)]
    return [Result("clock", "skew", "ok", measured, None, data)]


# -- roles ----------------------------------------------------------------------------------------


def _allowed(facts: Facts) -> tuple[str, ...] | None:
    exchange = facts.exchange
    if exchange is None or exchange.claims is None or not exchange.claims.hasura:
        return None
    return exchange.claims.allowed_roles


def trial_remedy(trial: RoleTrial, allowed: Sequence[str] | None) -> str:
    if not trial.probe.answered:
        return failure_remedy(trial.probe)
    if trial.code == "access-denied" or trial.probe.status == 403:
        roles = ", ".join(allowed) if allowed else "the token's allowed roles"
        return (
            f"use a role this key's token allows ({roles}) with --role, {ENV_ROLE} or "
            f"role=...; or use a key of a user who has the role {trial.role!r}"
        )
    if trial.code == "invalid-jwt" or trial.probe.status == 401:
        if trial.error and ("JWTExpired" in trial.error or "NotYetValid" in trial.error):
            return "a clock is off: " + CLOCK_REMEDY + "; if this one is right, the server's is not"
        return (
            f"the API cannot verify the auth service's JWTs: {ENV_AUTH_URL} and {ENV_API_URL} "
            "must belong to the same Dxtra deployment"
        )
    if trial.probe.status == 429:
        return REMEDY_429
    return "the API answered with an error: see the message; try again later"


def check_roles(facts: Facts) -> list[Result]:
    allowed = _allowed(facts)
    if not facts.trials:
        reason = (
            "no JWT to try them with (see exchange)" if facts.settings.role else "no usable role"
        )
        return [Result("roles", "roles", "skip", reason)]
    results = []
    for trial in facts.trials:
        data = {
            **_probe_data(trial.probe),
            "role": trial.role,
            "code": trial.code,
            "error": trial.error,
        }
        tokenless = " (no token: a tokenless role)" if trial.role in TOKENLESS_ROLES else ""
        if trial.accepted:
            detail = f"{{ __typename }} accepted{tokenless}: HTTP 200 in {trial.probe.timing()}"
            results.append(Result("roles", trial.role, "ok", detail, None, data))
            continue
        if not trial.probe.answered:
            detail = f"{trial.probe.failure} failure: {trial.probe.message}"
        else:
            code = f"{trial.code}: " if trial.code else ""
            detail = f"refused: HTTP {trial.probe.status}, {code}{trial.error or 'no message'}"
            if (
                allowed is not None
                and trial.role not in allowed
                and trial.role not in TOKENLESS_ROLES
            ):
                detail += f"; the token allows {', '.join(allowed)}"
        results.append(
            Result("roles", trial.role, "fail", detail, trial_remedy(trial, allowed), data)
        )
    if allowed is not None:
        results.append(_operation_roles(facts, allowed))
    return results


def _operation_roles(facts: Facts, allowed: Sequence[str]) -> Result:
    """The roles the client's operations are written for (`# role:`) that the token lacks."""
    used = {role: ops for role, ops in facts.operation_roles.items() if role not in TOKENLESS_ROLES}
    missing = {role: ops for role, ops in used.items() if role not in allowed}
    data = {
        "operation_roles": {role: list(ops) for role, ops in facts.operation_roles.items()},
        "not_allowed": sorted(missing),
    }
    if missing:
        listed = "; ".join(f"{role}: {', '.join(ops)}" for role, ops in sorted(missing.items()))
        return Result(
            "roles",
            "operation roles",
            "warn",
            f"operations written for roles this token does not allow ({listed})",
            "these fail with access-denied for this key; call them with a key of a user who "
            "has that role",
            data,
        )
    shown = ", ".join(sorted(facts.operation_roles)) or "none besides the client's role"
    return Result("roles", "operation roles", "ok", f"`# role:` in operations: {shown}", None, data)


# -- the production checklist ---------------------------------------------------------------------


def check_checklist(facts: Facts, clock: list[Result]) -> list[Result]:
    """Dxtra's production checklist, the items the client can check: ✓ ok, ✗ warn (advice)."""
    settings = facts.settings
    results = []
    key_row = next(r for r in settings.rows if r.name == ENV_API_KEY)
    from_env = settings.key_present and key_row.source == "environment"
    results.append(
        Result(
            "checklist",
            "key in the environment",
            "ok"
            if from_env or (not settings.key_present and settings.role in TOKENLESS_ROLES)
            else "warn",
            f"{ENV_API_KEY} is set" if from_env else f"{ENV_API_KEY} is not set",
            None
            if from_env
            else f"keep the key in {ENV_API_KEY} (a secret store in CI), never in code",
        )
    )
    exchange = facts.exchange
    if exchange is None or not exchange.ok:
        results.append(
            Result("checklist", "JWT renewed before expiry", "skip", "no JWT (see exchange)")
        )
    else:
        margin = renewal_margin(lifetime_of(exchange) or 3600.0)
        how = (
            "at /v1/token with the refresh token"
            if exchange.refresh_token
            else "by signing in again"
        )
        clock_bad = any(r.status == "fail" for r in clock)
        results.append(
            Result(
                "checklist",
                "JWT renewed before expiry",
                "warn" if clock_bad else "ok",
                f"the client renews {margin:.0f} s before exp, {how}"
                + ("; but the clock skew above defeats it" if clock_bad else ""),
                CLOCK_REMEDY if clock_bad else None,
                {"renewal_margin_s": margin, "refresh_token": exchange.refresh_token},
            )
        )
    results.append(
        Result(
            "checklist",
            "retries with backoff",
            "ok",
            f"up to {DEFAULT_MAX_RETRIES} retries, exponential backoff with jitter, Retry-After "
            "honoured on 429",
            None,
            {"max_retries": DEFAULT_MAX_RETRIES},
        )
    )
    urls = [u for u in (settings.auth_url, settings.api_url) if u]
    plain = [u for u in urls if u.startswith("http://")]
    if settings.insecure:
        results.append(
            Result(
                "checklist",
                "HTTPS",
                "warn",
                "plain http:// to another machine",
                "use https:// URLs",
            )
        )
    elif plain:
        results.append(
            Result(
                "checklist",
                "HTTPS",
                "warn",
                "plain http:// to this machine: fine for the sandbox",
                "production must use https:// (the defaults do)",
            )
        )
    else:
        results.append(Result("checklist", "HTTPS", "ok", "both URLs use https://"))
    return results


# -- all together ---------------------------------------------------------------------------------


def run_checks(facts: Facts) -> list[Result]:
    skew = estimate_skew(facts)
    clock = check_clock(facts, skew)
    return [
        *check_settings(facts),
        *check_reachability(facts),
        *check_exchange(facts, skew),
        *clock,
        *check_roles(facts),
        *check_checklist(facts, clock),
    ]


EXIT_OK: Final = 0
EXIT_FAILED: Final = 1
EXIT_COULD_NOT_RUN: Final = 2


def exit_code(results: Sequence[Result]) -> int:
    """0 when everything a call needs works (warnings allowed), 1 when a check fails."""
    return EXIT_FAILED if any(r.status == "fail" for r in results) else EXIT_OK
