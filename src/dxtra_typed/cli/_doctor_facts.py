"""What `dxtra-typed doctor` found: frozen facts, and the settings read from the environment.

`_doctor_probe` does the I/O (environment, HTTP, clock) once and records what it saw here;
`_doctor_checks` judges it. Facts never hold a credential: the key is only "present" and a
shape, the JWT only its decoded claims.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal
from urllib.parse import urlsplit

from dxtra_typed._config import (
    DEFAULT_API_URL,
    DEFAULT_AUTH_URL,
    DEFAULT_ROLE,
    ENV_API_KEY,
    ENV_API_URL,
    ENV_AUTH_URL,
    ENV_ROLE,
    TOKENLESS_ROLES,
    check_role,
    check_transport,
    is_loopback,
    normalize_api_url,
    normalize_auth_url,
    source_of,
)
from dxtra_typed._errors import REMEDY_400, ConfigurationError

Status = Literal["ok", "warn", "fail", "skip"]

DOCUMENTED_ROLES: Final = ("user", "me", "dataSubject", "anonymous", "public")


# -- facts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One DXTRA_* setting: where it came from and what can safely be shown of it."""

    name: str
    source: str  # "argument", "environment" or "default"
    shown: str
    problem: str | None = None  # unusable: the check fails
    warning: str | None = None  # usable, but probably not what was meant
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    rows: tuple[Setting, ...]
    auth_url: str | None  # None when unusable
    api_url: str | None
    role: str | None
    key_present: bool
    # Plain http:// to another machine: probed, but the key is not sent over it.
    insecure: bool = False


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

    @property
    def answered(self) -> bool:
        return self.status is not None

    def timing(self) -> str:
        return f"{self.elapsed_ms:.0f} ms" if self.elapsed_ms is not None else "?"


@dataclass(frozen=True)
class Claims:
    user_id: str | None
    default_role: str | None
    allowed_roles: tuple[str, ...]
    issued_at: float | None
    expires_at: float | None
    hasura: bool = True  # the Hasura claims namespace was there


@dataclass(frozen=True)
class Exchange:
    probe: Probe
    error: str | None = None  # the client's typed error, already redacted
    lifetime: float | None = None  # the session's accessTokenExpiresIn
    refresh_token: bool = False
    claims: Claims | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.claims is not None


@dataclass(frozen=True)
class RoleTrial:
    """``{ __typename }`` sent with one X-Hasura-Role."""

    role: str
    probe: Probe
    code: str | None = None  # GraphQL extensions.code
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.probe.status == 200 and self.code is None and self.error is None


@dataclass(frozen=True)
class Facts:
    settings: Settings
    role_argument: bool = False
    health: Probe | None = None
    graphql: Probe | None = None
    exchange: Exchange | None = None
    exchange_skipped: str | None = None
    trials: tuple[RoleTrial, ...] = ()
    # role → the generated operations written for it (`# role:` in queries/)
    operation_roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    finished_at: float = 0.0  # the local clock when gathering ended


@dataclass(frozen=True)
class Result:
    check: str
    item: str
    status: Status
    detail: str
    remedy: str | None = None
    data: Mapping[str, object] = field(default_factory=dict)


# -- settings (pure: the environment is a mapping) ------------------------------------------------


def key_shape(key: str) -> tuple[str, str | None]:
    """(description, warning) of an API key's shape; never its value."""
    if key[:1] in "\"'" or key[-1:] in "\"'":
        return "quoted", "it starts or ends with a quote character: remove the quotes"
    bare = key.removeprefix("dxtra_pat_")
    try:
        is_uuid = len(bare) == 36 and str(uuid.UUID(bare)) == bare.lower()
    except ValueError:
        is_uuid = False
    if is_uuid:
        return ("a UUID" if bare == key else "dxtra_pat_ + a UUID"), None
    return f"not a UUID ({len(key)} characters)", f"Nhost PATs are UUIDs: {REMEDY_400}"


def read_settings(role_argument: str | None, env: Mapping[str, str]) -> Settings:
    """Each setting with its source, checked by the client's own rules (``_config``)."""
    rows: list[Setting] = []

    raw_role = role_argument if role_argument is not None else env.get(ENV_ROLE, "").strip()
    role: str | None = raw_role or DEFAULT_ROLE
    role_source = source_of(role_argument, env, ENV_ROLE)
    try:
        role = check_role(raw_role or DEFAULT_ROLE)
        notes: tuple[str, ...] = () if role in DOCUMENTED_ROLES else ("not a role Dxtra documents",)
        rows.append(Setting(ENV_ROLE, role_source, role, notes=notes))
    except ConfigurationError as exc:
        rows.append(Setting(ENV_ROLE, role_source, repr(raw_role), str(exc)))
        role = None

    raw_key = env.get(ENV_API_KEY, "")
    key = raw_key.strip()
    key_source = source_of(None, env, ENV_API_KEY)
    if key:
        shape, warning = key_shape(key)
        notes = ("surrounding whitespace, which the client strips",) if key != raw_key else ()
        rows.append(Setting(ENV_API_KEY, key_source, f"present, {shape}", None, warning, notes))
    elif role in TOKENLESS_ROLES:
        rows.append(Setting(ENV_API_KEY, key_source, f"absent (role {role!r} needs none)"))
    else:
        rows.append(
            Setting(
                ENV_API_KEY,
                key_source,
                "absent",
                f"not set: create a key in the Dxtra dashboard (Developers → Create API Key) "
                f"and `export {ENV_API_KEY}=...`",
            )
        )

    insecure = False
    urls: dict[str, str | None] = {}
    for name, default, normalize in (
        (ENV_AUTH_URL, DEFAULT_AUTH_URL, normalize_auth_url),
        (ENV_API_URL, DEFAULT_API_URL, normalize_api_url),
    ):
        raw = env.get(name, "").strip() or default
        source = source_of(None, env, name)
        try:
            url = normalize(raw)
        except ConfigurationError as exc:
            rows.append(Setting(name, source, repr(raw), str(exc)))
            urls[name] = None
            continue
        urls[name] = url
        host = urlsplit(url).hostname or ""
        notes = ("the /v1/signin/pat suffix is cut off",) if url != raw.rstrip("/") else ()
        try:
            check_transport(url, name, allow_insecure_http=False)
        except ConfigurationError as exc:
            insecure = True
            rows.append(Setting(name, source, url, str(exc), notes=notes))
            continue
        if url.startswith("http://") and is_loopback(host):
            notes += ("plain http to this machine (loopback)",)
        rows.append(Setting(name, source, url, notes=notes))

    return Settings(
        rows=tuple(rows),
        auth_url=urls[ENV_AUTH_URL],
        api_url=urls[ENV_API_URL],
        role=role,
        key_present=bool(key),
        insecure=insecure,
    )
