"""`Sandbox`: the whole local Dxtra on one loopback port, served from a background thread.

A real socket and real HTTP (rather than an in-process transport) keep the client honest: its
connection handling, headers and timeouts are exercised exactly as against auth.dxtra.ai and
api.dxtra.ai. The listening socket is bound before the server starts, so port 0 yields a free
port with no race, and startup waits on uvicorn's own `started` flag rather than on a sleep.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from dxtra_typed._errors import ConfigurationError

from . import _identities as ids
from ._faults import Fault, FaultPlan
from ._tokens import DEFAULT_ACCESS_TOKEN_TTL, Clock, Identity, TokenIssuer

if TYPE_CHECKING:
    from ._app import EngineLike
    from ._auth_routes import AuthService, AuthStats
    from ._rate_limits import RateLimiter
    from ._request_log import RequestLog
    from ._schema_sandbox import SchemaSource
    from ._store import Store
    from ._uvicorn_server import QuickServer
    from ._ws import WebSocketHub

_STARTUP_TIMEOUT = 10.0
_SHUTDOWN_TIMEOUT = 10.0


class Sandbox:
    """A local Dxtra (Nhost auth + Hasura-style GraphQL) for demos and tests.

    Use it as a context manager, or call `start()` / `stop()`.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        access_token_ttl: int = DEFAULT_ACCESS_TOKEN_TTL,
        refresh_token_ttl: int | None = None,
        pat: str | None = None,
        data_subject_pat: str | None = None,
        conceal_errors: bool = False,
        clock: Clock | None = None,
        engine: EngineLike | None = None,
        db: str | os.PathLike[str] | None = None,
        seed_rows: int = 0,
        faults: Iterable[Fault] = (),
        max_body_bytes: int | None = None,
        rate_limits: str | RateLimiter | None = None,
        unauthorized_role: str | None = "anonymous",
        jwt_expiry_close: bool = False,
        schema: SchemaSource | None = None,
        seed: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        canned: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    ) -> None:
        # Imported here so `import dxtra_typed.sandbox` works without the extra installed.
        from ._app import MAX_BODY_BYTES
        from ._auth_routes import REFRESH_TOKEN_TTL, AuthService
        from ._request_log import RequestLog

        # Whole seconds, as Nhost's AUTH_*_EXPIRES_IN; 1 s is the shortest life a test needs.
        for name, ttl in (
            ("access_token_ttl", access_token_ttl),
            ("refresh_token_ttl", refresh_token_ttl),
        ):
            if ttl is not None and ttl < 1:
                raise ConfigurationError(f"{name} must be at least 1 second")
        if unauthorized_role is not None and (
            not isinstance(unauthorized_role, str) or not unauthorized_role.strip()
        ):
            raise ConfigurationError("unauthorized_role must be a role name, or None for none")
        if engine is not None and (db is not None or seed_rows):
            raise ConfigurationError(
                "db and seed_rows configure the default engine; not with engine="
            )
        if schema is None and (seed is not None or canned is not None):
            raise ConfigurationError("seed and canned need schema= (a Hasura schema to serve)")
        if schema is not None and (engine is not None or db is not None):
            raise ConfigurationError("schema= serves rows in memory: not with engine= or db=")
        if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
            raise ConfigurationError(f"port must be 0-65535 (0: a free one), got {port!r}")
        self.host = host
        #: Hasura's HASURA_GRAPHQL_UNAUTHORIZED_ROLE; None: requests without a token are refused.
        self.unauthorized_role = unauthorized_role
        #: Close a socket whose JWT expired with 4400 instead of Hasura's abnormal closure.
        self.jwt_expiry_close = jwt_expiry_close
        self._requested_port = port
        self.db = db
        self.seed_rows = seed_rows
        self.max_body_bytes = MAX_BODY_BYTES if max_body_bytes is None else max_body_bytes
        self.tokens = TokenIssuer(access_token_ttl=access_token_ttl, clock=clock)
        self.auth: AuthService = AuthService(
            self.tokens,
            conceal_errors=conceal_errors,
            refresh_token_ttl=REFRESH_TOKEN_TTL if refresh_token_ttl is None else refresh_token_ttl,
        )
        #: Armed faults: `sandbox.faults.inject("graphql", "status", status=503, count=2)`.
        self.faults: FaultPlan = FaultPlan()
        for fault in faults:
            self.faults.add(fault)
        self._engine = engine
        self._owns_engine = engine is None
        if schema is not None:
            from ._schema_sandbox import build_engine

            # Built now, so a bad schema or seed fails before anything listens.
            self._engine = build_engine(schema, seed_rows=seed_rows, seed=seed, canned=canned)
            self._owns_engine = False
        #: The Hasura schema files served (None: the bundled Dxtra schema).
        self.schema = schema
        if db is not None and engine is None:
            # Opened now, so a bad file fails here; its API keys are data kept in it, so a
            # restart on the same file prints the same keys (explicit pat= arguments win).
            store = _default_store(db, seed_rows)
            self._engine = _engine_on(store)
            pat = pat or store.remember("pat", lambda: str(uuid.uuid4()))
            data_subject_pat = data_subject_pat or store.remember(
                "data_subject_pat", lambda: str(uuid.uuid4())
            )
        self.pat: str = self.auth.add_pat(ids.SANDBOX_USER_ID, pat=pat)
        self.data_subject_pat: str = self.auth.add_pat(
            ids.DATA_SUBJECT_USER_ID, pat=data_subject_pat
        )
        self.requests: RequestLog = RequestLog()
        #: hasura-auth's rate limits when asked for (`rate_limits="nhost"`), else None.
        self.rate_limits: RateLimiter | None = _rate_limiter(rate_limits, clock)
        self._server: QuickServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._port: int | None = None
        self._websockets: WebSocketHub | None = None

    def __repr__(self) -> str:
        state = f"running at {self.auth_url}" if self.running else "stopped"
        return f"<Sandbox {state}>"

    # --- addresses --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return self._port

    @property
    def auth_url(self) -> str:
        """Base of the auth service; Nhost's paths (`/v1/signin/pat`, ...) go under it."""
        return f"http://{_url_host(self.host)}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.auth_url}/v1/graphql"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def stats(self) -> AuthStats:
        return self.auth.stats

    @property
    def engine(self) -> EngineLike:
        if self._engine is None:
            self._engine = _default_engine(self.db, self.seed_rows)
        return self._engine

    def add_rows(self, rows: Mapping[str, Any]) -> None:
        """Add rows (``{table: [row, ...]}``, the seed file's form) to a schema-served sandbox;
        ``SeedError`` names the table, row and column of the first that does not fit."""
        from ._hasura_engine import SchemaEngine
        from ._hasura_seed import rows_from

        engine = self.engine
        if not isinstance(engine, SchemaEngine):
            raise ConfigurationError("add_rows needs a sandbox started with schema=")
        checked = rows_from(dict(rows), engine.tables, engine.enums())
        engine.load(checked.rows)
        engine.permissions.update(checked.permissions)

    # --- credentials ------------------------------------------------------------------------

    def add_pat(
        self,
        user_id: str = ids.SANDBOX_USER_ID,
        *,
        pat: str | None = None,
        expires_in: float | None = None,
    ) -> str:
        return self.auth.add_pat(user_id, pat=pat, expires_in=expires_in)

    def revoke_pat(self, pat: str) -> bool:
        return self.auth.revoke_pat(pat)

    def mint_token(self, user_id: str = ids.SANDBOX_USER_ID, *, ttl: int | None = None) -> str:
        """An access token as /v1/signin/pat would issue, without counting an exchange."""
        return self.tokens.mint(self.auth.users[user_id].identity, ttl=ttl)

    def identity(self, user_id: str = ids.SANDBOX_USER_ID) -> Identity:
        return self.auth.users[user_id].identity

    def expire_tokens(self) -> int:
        """Make every access token issued so far fail as Hasura's `JWTExpired`, now.

        The client's refresh-on-`invalid-jwt` path can then be tested without waiting out a
        TTL or moving a clock. Returns how many unexpired tokens were retired.
        """
        return self.tokens.expire_issued()

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._thread is not None:
            raise RuntimeError("the sandbox is already started")
        import uvicorn

        from ._app import create_app
        from ._engine import Session
        from ._uvicorn_server import QuickServer
        from ._ws import WebSocketHub

        hub = WebSocketHub(
            self.auth,
            self.engine,
            Session,
            self.requests,
            self.faults,
            unauthorized_role=self.unauthorized_role,
            jwt_expiry_close=self.jwt_expiry_close,
        )
        self._websockets = hub
        app = create_app(
            self.auth,
            self.engine,
            Session,
            self.requests,
            self.faults,
            max_body=self.max_body_bytes,
            websockets=hub,
            rate_limits=self.rate_limits,
            unauthorized_role=self.unauthorized_role,
        )
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # Accepted connections inherit this. Without it, uvicorn's separate writes of
            # headers and body meet the client's delayed ACK on keep-alive connections, and
            # every response waits ~40 ms (measured: 48 ms vs 1 ms per call).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((self.host, self._requested_port))
        except (OSError, UnicodeError) as exc:  # UnicodeError: a name IDNA cannot encode
            sock.close()
            self._websockets = None
            raise bind_error(exc, self.host, self._requested_port) from None
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
            # The sans-I/O implementation: uvicorn's older one uses websockets' deprecated API.
            ws="websockets-sansio",
        )
        server = QuickServer(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="dxtra-sandbox", daemon=True
        )
        self._socket, self._server, self._thread = sock, server, thread
        self._port = sock.getsockname()[1]
        thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the sandbox server did not start")
            thread.join(0.005)
        return self

    def stop(self) -> None:
        server, thread, sock = self._server, self._thread, self._socket
        hub, self._websockets = self._websockets, None
        self._server = self._thread = self._socket = None
        self._port = None
        if hub is not None:
            # Open sockets get a 1001 close first; uvicorn would otherwise send 1012.
            hub.shutdown()
        if server is not None:
            server.request_exit()
        if thread is not None:
            thread.join(_SHUTDOWN_TIMEOUT)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(_SHUTDOWN_TIMEOUT)
        if sock is not None:
            sock.close()
        if self._owns_engine and self._engine is not None and (thread or self.db is not None):
            # A file-backed store must release its file; the next start() opens it again.
            store = getattr(self._engine, "store", None)
            close = getattr(store, "close", None)
            if callable(close):
                close()
            self._engine = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _rate_limiter(spec: str | RateLimiter | None, clock: Clock | None) -> RateLimiter | None:
    from ._rate_limits import RateLimiter

    if spec is None or spec == "off":
        return None
    if isinstance(spec, RateLimiter):
        return spec
    return RateLimiter.preset(spec, clock=clock or time.time)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def bind_error(exc: OSError | UnicodeError, host: str, port: int) -> ConfigurationError:
    """One line for each way listening can fail, naming the host or port at fault."""
    where = f"{_url_host(host)}:{port}"
    if isinstance(exc, UnicodeError):
        return ConfigurationError(f"cannot listen on host {host!r}: not a valid host name")
    if isinstance(exc, socket.gaierror):
        return ConfigurationError(f"cannot listen on host {host!r}: the name does not resolve")
    if exc.errno == errno.EADDRINUSE:
        return ConfigurationError(
            f"cannot listen on {where}: the port is in use (choose another --port, or 0 for a "
            "free one)"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return ConfigurationError(
            f"cannot listen on host {host!r}: it is not an address of this machine"
        )
    if exc.errno == errno.EACCES:
        return ConfigurationError(
            f"cannot listen on {where}: permission denied (ports below 1024 need privileges)"
        )
    return ConfigurationError(f"cannot listen on {where}: {exc.strerror or exc}")


def _default_store(db: str | os.PathLike[str] | None, seed_rows: int) -> Store:
    from ._store import Store

    return Store(None if db is None else Path(db), seed_rows=seed_rows)


def _engine_on(store: Store) -> EngineLike:
    from ._engine import Engine

    return Engine(store)


def _default_engine(db: str | os.PathLike[str] | None, seed_rows: int) -> EngineLike:
    return _engine_on(_default_store(db, seed_rows))
