"""`dxtra-typed sandbox`: serve a local Dxtra until interrupted.

The export lines go to stdout first thing, flushed, so a script (or a test) can read them as soon
as the server accepts connections; everything else is a `#` comment, so the block can be pasted
into a shell as is.
"""

from __future__ import annotations

import argparse
import importlib.util
import signal
import sys
import threading
from types import FrameType
from typing import Any

_EXTRA_HINT = "dxtra-typed sandbox needs the sandbox extra: pip install 'dxtra-typed[sandbox]'"


_FAULT_EPILOG = """\
fault syntax (--fault, repeatable; faults are used in the order given):
  ENDPOINT:KIND[:STATUS][:key=value...]
  ENDPOINT  graphql | signin_pat | token | any (any HTTP endpoint) | ws (WebSocket)
  KIND      status     answer STATUS (default 503) instead of the real response
            drop       close the connection without any response
            delay      answer normally after delay=SECONDS
            malformed  answer 200 with a truncated JSON body
  keys      count=N (default 1), status=CODE, retry_after=S or HTTP-date,
            retry_after_ms=MS, delay=SECONDS, operation=NAME (graphql only),
            after_execute=true (graphql: run the operation, then fail the response),
            after_messages=N (ws drop: cut the connection after N next/data messages)
examples:
  --fault graphql:status:503:count=2
  --fault graphql:drop:count=1
  --fault signin_pat:status:429:retry_after=2
  --fault graphql:drop:after_execute=true:operation=InsertRightsRequest
  --fault ws:drop:after_messages=100:count=3     (the next 3 WebSocket connections)
  --ws-drop-every 100                            (every WebSocket connection)
"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _role_or_none(text: str) -> str | None:
    # Hasura's HASURA_GRAPHQL_UNAUTHORIZED_ROLE; "none" leaves it unset.
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a role name or none")
    return None if text == "none" else text


def _fault(text: str) -> Any:
    from dxtra_typed.sandbox._faults import parse_fault_spec

    try:
        return parse_fault_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(subcommands: Any) -> None:
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "sandbox",
        help="run a local Dxtra (auth + GraphQL) on 127.0.0.1",
        description="Run a local Dxtra: Nhost-style auth and a Hasura-style GraphQL API.",
        epilog=_FAULT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--access-token-ttl",
        "--token-ttl",
        dest="access_token_ttl",
        type=_positive_int,
        default=3600,
        metavar="S",
        help="access token lifetime in seconds, at least 1 (default 3600, as Dxtra)",
    )
    parser.add_argument(
        "--refresh-token-ttl",
        type=_positive_int,
        default=None,
        metavar="S",
        help="refresh token lifetime in seconds, at least 1 (default 43200, as Dxtra)",
    )
    parser.add_argument(
        "--conceal-errors",
        action="store_true",
        help="answer every credential failure with 400 invalid-request (AUTH_CONCEAL_ERRORS)",
    )
    parser.add_argument(
        "--db",
        default=None,
        metavar="PATH",
        help="SQLite file to keep data in across restarts (default: in memory)",
    )
    parser.add_argument(
        "--seed-rows",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="generated rows: with --schema, N rows for every table (keys consistent across "
        "relationships); else extra rows to seed a new database with (default 0)",
    )
    parser.add_argument(
        "--schema",
        dest="schemas",
        action="append",
        default=[],
        metavar="[ROLE=]FILE",
        help="serve this Hasura v2 schema (SDL or introspection JSON) with Hasura's semantics "
        "instead of the bundled Dxtra; ROLE=FILE gives one role its own schema (repeatable). "
        "Default in a dxtra-typed project: the project's schema",
    )
    parser.add_argument(
        "--seed",
        default=None,
        metavar="FILE",
        help="rows to load, table -> list of rows (JSON; YAML needs PyYAML), checked against "
        "the schema; an optional _permissions key holds row filters per role and table",
    )
    parser.add_argument(
        "--canned",
        default=None,
        metavar="FILE",
        help="JSON: root field -> answer, for fields no table serves (Actions, remote schemas)",
    )
    parser.add_argument(
        "--bundled",
        action="store_true",
        help="serve the bundled Dxtra sandbox even inside a dxtra-typed project",
    )
    parser.add_argument(
        "--fault",
        dest="faults",
        action="append",
        type=_fault,
        default=[],
        metavar="SPEC",
        help="inject a fault (see below); repeatable",
    )
    parser.add_argument(
        "--unauthorized-role",
        type=_role_or_none,
        default="anonymous",
        metavar="ROLE",
        help="role for requests without a token, or none to refuse them (default anonymous)",
    )
    parser.add_argument(
        "--ws-drop-every",
        type=_positive_int,
        default=None,
        metavar="N",
        help="cut every WebSocket connection (no close frame) after N next/data messages",
    )
    parser.add_argument(
        "--rate-limits",
        choices=["off", "nhost"],
        default="off",
        help="hasura-auth's default rate limits per client IP: 10 sign-ins per 5 minutes, "
        "100 auth requests per minute (default off, as hasura-auth)",
    )
    parser.set_defaults(run=run, extra="sandbox")


def sandbox_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("starlette", "uvicorn"))


def run(args: argparse.Namespace) -> int:
    if not sandbox_available():
        print(_EXTRA_HINT, file=sys.stderr)
        return 2
    from dxtra_typed._errors import ConfigurationError
    from dxtra_typed.sandbox._hasura_seed import SeedError

    try:
        return _serve(args)
    except (ConfigurationError, SeedError) as exc:
        # A port in use, a bad host, a --db that cannot be used: one line, no traceback.
        print(f"dxtra-typed sandbox: error: {exc}", file=sys.stderr, flush=True)
        return 2


def _serve(args: argparse.Namespace) -> int:
    from dxtra_typed.sandbox import Sandbox

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    served = _schema_options(args)
    handled = [signal.SIGINT, signal.SIGTERM]
    previous = {sig: signal.signal(sig, on_signal) for sig in handled}
    try:
        sandbox = Sandbox(
            port=args.port,
            host=args.host,
            access_token_ttl=args.access_token_ttl,
            refresh_token_ttl=args.refresh_token_ttl,
            conceal_errors=args.conceal_errors,
            db=args.db,
            seed_rows=served.pop("seed_rows", args.seed_rows),
            faults=args.faults,
            rate_limits=args.rate_limits,
            unauthorized_role=args.unauthorized_role,
            **served,
        )
        if args.ws_drop_every is not None:
            sandbox.faults.drop_sockets_every(args.ws_drop_every)
        with sandbox as sb:
            print(f"# dxtra-typed sandbox: a local Dxtra at {sb.auth_url} (Ctrl-C to stop)")
            print(f"export DXTRA_AUTH_URL={sb.auth_url}")
            print(f"export DXTRA_API_URL={sb.api_url}")
            print(f"export DXTRA_API_KEY={sb.pat}")
            print("export DXTRA_ROLE=user")
            print(f"# data subject PAT (role dataSubject): {sb.data_subject_pat}")
            if args.db:
                print(f"# data kept in {args.db}")
            if "schema" in served:
                print(f"# serving {_describe(served['schema'])} (Hasura semantics)")
            if args.faults:
                print(f"# {sb.faults.pending()} faulted responses armed")
            if sb.rate_limits is not None:
                print(f"# rate limits on: {args.rate_limits} defaults, per client IP")
            if args.ws_drop_every is not None:
                print(f"# WebSocket connections cut after {args.ws_drop_every} messages each")
            sys.stdout.flush()
            while not stop.wait(1.0):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _schema_source(specs: list[str]) -> Any:
    """``--schema`` values: one FILE for every role, plus ROLE=FILE entries."""
    from pathlib import Path

    from dxtra_typed._errors import ConfigurationError

    roles: dict[str | None, Path] = {}
    for spec in specs:
        role, sep, file = spec.partition("=")
        if not sep or not role or "/" in role or Path(spec).exists():
            role, file = "", spec
        key = role or None
        if key in roles:
            shown = f"role {key!r}" if key else "every role"
            raise ConfigurationError(f"--schema given twice for {shown}")
        roles[key] = Path(file)
    return roles[None] if list(roles) == [None] else roles


def _schema_options(args: argparse.Namespace) -> dict[str, Any]:
    """Sandbox keyword arguments for --schema/--seed/--canned, or the project's defaults."""
    from pathlib import Path

    from dxtra_typed._errors import ConfigurationError

    if args.schemas:
        options: dict[str, Any] = {"schema": _schema_source(args.schemas)}
        if args.seed_rows:
            options["seed_rows"] = args.seed_rows
    elif args.bundled:
        options = {}
    else:
        from dxtra_typed.cli._project_sandbox import project_sandbox

        project = project_sandbox(Path.cwd())
        options = {} if project is None else project.sandbox_options()
        if options and args.seed_rows:
            options["seed_rows"] = args.seed_rows
    if args.seed is not None:
        options["seed"] = Path(args.seed)
    if args.canned is not None:
        options["canned"] = Path(args.canned)
    if "schema" not in options and ("seed" in options or "canned" in options):
        raise ConfigurationError("--seed and --canned need --schema (or a dxtra-typed project)")
    if "schema" in options and args.db:
        raise ConfigurationError("--db keeps the bundled sandbox's data; not with --schema")
    return {k: v for k, v in options.items() if v is not None}


def _describe(schema: Any) -> str:
    if isinstance(schema, dict):
        return ", ".join(f"{role or 'every role'}: {path}" for role, path in schema.items())
    return str(schema)
