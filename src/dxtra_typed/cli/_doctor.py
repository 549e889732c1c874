"""`dxtra-typed doctor [--role ROLE] [--json]`: Dxtra's troubleshooting page as one command.

`_doctor_checks` probes and judges; this module parses arguments and prints. Exit codes: 0
everything a call needs works (warnings allowed), 1 a check failed (each failure is printed
with its remedy), 2 the doctor could not run (bad command line, or an internal error).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

import httpx

from dxtra_typed._config import check_role
from dxtra_typed._errors import ConfigurationError
from dxtra_typed._http_backends import USER_AGENT, shared_ssl_context
from dxtra_typed._logging import scrub
from dxtra_typed._secret import redact

from ._doctor_checks import Doctor, Result, exit_code

_MARK = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}
EXIT_COULD_NOT_RUN = 2
_CUT = 90  # a failure's or warning's detail is cut to this in the table, and repeated below it


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
            check_role(args.role, "--role")
        if not args.timeout > 0:
            raise ConfigurationError(f"--timeout must be more than 0 seconds, got {args.timeout}")
    except ConfigurationError as exc:
        print(f"dxtra-typed doctor: {exc}", file=sys.stderr, flush=True)
        return EXIT_COULD_NOT_RUN
    timeout = httpx.Timeout(args.timeout, connect=min(args.timeout, 5.0))
    client = http or httpx.Client(
        timeout=timeout, headers={"User-Agent": USER_AGENT}, verify=shared_ssl_context()
    )
    doctor = Doctor(client, clock)
    try:
        settings = doctor.diagnose(args.role, os.environ if env is None else env)
        code, render = exit_code(doctor.results), render_json if args.json else render_table
        header = {"auth_url": settings.auth_url, "api_url": settings.api_url, "role": settings.role}
        # Results hold no credential; this is the second line of defence, as for log records.
        text = scrub(redact(render(doctor.results, code, header), *doctor.secrets))
    except Exception as exc:  # a bug must still end in one line and exit 2
        text = scrub(" ".join(str(exc).split()))
        print(f"dxtra-typed doctor: could not run: {type(exc).__name__}: {text}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    finally:
        if http is None:
            client.close()
    print(text, file=out or sys.stdout, flush=True)
    return code


def render_json(results: Sequence[Result], code: int, header: Mapping[str, object]) -> str:
    payload = {"ok": code == 0, "exit_code": code, **header, "checks": [vars(r) for r in results]}
    return json.dumps(payload, indent=2, ensure_ascii=False)


def render_table(results: Sequence[Result], code: int, header: Mapping[str, object]) -> str:
    def short(r: Result) -> str:
        cut = r.status in ("fail", "warn") and len(r.detail) > _CUT
        return r.detail[: _CUT - 1].rsplit(" ", 1)[0] + " …" if cut else r.detail

    rows = [(r.check, r.item, f"{_MARK[r.status]} {r.status}", short(r)) for r in results]
    titles = ("check", "item", "result", "detail")
    widths = [max(len(t), *(len(row[i]) for row in rows)) for i, t in enumerate(titles[:3])]
    auth, api, role = (header[k] or "?" for k in ("auth_url", "api_url", "role"))
    lines = [f"dxtra-typed doctor: auth {auth}, api {api}, role {role}", ""]
    for row in (titles, tuple("-" * w for w in (*widths, 6)), *rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, (*widths, 0), strict=True)).rstrip())
    for status, title in (("fail", "failed"), ("warn", "warnings")):
        picked = [r for r in results if r.status == status]
        lines += ["", f"{title}:"] if picked else []
        for r in picked:
            lines.append(f"  {_MARK[status]} {r.check} / {r.item}: {r.detail}")
            lines += [f"    remedy: {r.remedy}"] if r.remedy else []
    failed = ", ".join(dict.fromkeys(r.check for r in results if r.status == "fail"))
    end = f"failed: {failed}" if failed else "a call with these settings works"
    return "\n".join([*lines, "", f"doctor: {end} (exit {code})"])
