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


def register(subcommands: Any) -> None:
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "sandbox",
        help="run a local Dxtra (auth + GraphQL) on 127.0.0.1",
        description="Run a local Dxtra: Nhost-style auth and a Hasura-style GraphQL API.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--token-ttl",
        type=int,
        default=3600,
        metavar="S",
        help="access token lifetime in seconds (default 3600, as Dxtra)",
    )
    parser.set_defaults(run=run)


def sandbox_available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("starlette", "uvicorn"))


def run(args: argparse.Namespace) -> int:
    if not sandbox_available():
        print(_EXTRA_HINT, file=sys.stderr)
        return 2
    from dxtra_typed.sandbox import Sandbox

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    handled = [signal.SIGINT, signal.SIGTERM]
    previous = {sig: signal.signal(sig, on_signal) for sig in handled}
    try:
        with Sandbox(port=args.port, host=args.host, access_token_ttl=args.token_ttl) as sb:
            print(f"# dxtra-typed sandbox: a local Dxtra at {sb.auth_url} (Ctrl-C to stop)")
            print(f"export DXTRA_AUTH_URL={sb.auth_url}")
            print(f"export DXTRA_API_URL={sb.api_url}")
            print(f"export DXTRA_API_KEY={sb.pat}")
            print("export DXTRA_ROLE=user")
            print(f"# data subject PAT (role dataSubject): {sb.data_subject_pat}")
            sys.stdout.flush()
            while not stop.wait(1.0):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
