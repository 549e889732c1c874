"""`dxtra-typed doctor [--role ROLE] [--json]`: Dxtra's troubleshooting page as one command.

Settings and where they came from, reachability of both endpoints, the PAT → JWT exchange and
the JWT's claims (decoded locally, never printed), clock skew and each role tried with
`{ __typename }`. `_doctor_checks` probes and judges; this module parses arguments and prints.

Exit codes: 0 everything a call needs works (warnings allowed), 1 a check failed (each failure
is printed with its remedy), 2 the doctor could not run (bad command line, or an internal error).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from ._doctor_checks import Result, exit_code

_MARK = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}
EXIT_COULD_NOT_RUN = 2
_CUT = 90


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
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="per request (default 10; connecting at most 5)",
    )
    parser.set_defaults(run=run)


def _err(message: str) -> None:
    print(f"dxtra-typed doctor: {message}", file=sys.stderr, flush=True)


def run(
    args: argparse.Namespace,
    *,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    http: Any = None,
    out: TextIO | None = None,
) -> int:
    """The command; ``env``, ``clock`` and ``http`` (an httpx.Client) are for tests."""
    from dxtra_typed._config import check_role
    from dxtra_typed._errors import ConfigurationError

    if args.role is not None:
        try:
            check_role(args.role, "--role")
        except ConfigurationError as exc:
            _err(str(exc))
            return EXIT_COULD_NOT_RUN
    if not args.timeout > 0:
        _err(f"--timeout must be more than 0 seconds, got {args.timeout}")
        return EXIT_COULD_NOT_RUN
    try:
        report = diagnose(args.role, args.json, args.timeout, env, clock, http)
    except Exception as exc:  # a bug must still end in one line and exit 2
        from dxtra_typed._logging import scrub

        _err(f"could not run: {type(exc).__name__}: {scrub(' '.join(str(exc).split()))}")
        return EXIT_COULD_NOT_RUN
    text, code = report
    print(text, file=out or sys.stdout, flush=True)
    return code


def diagnose(
    role: str | None,
    as_json: bool,
    timeout: float,
    env: Mapping[str, str] | None,
    clock: Callable[[], float],
    http: Any,
) -> tuple[str, int]:
    import httpx

    from dxtra_typed._client_common import USER_AGENT, shared_ssl_context
    from dxtra_typed._logging import scrub
    from dxtra_typed._secret import redact

    from ._doctor_checks import Doctor

    client: httpx.Client = http or httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers={"User-Agent": USER_AGENT},
        verify=shared_ssl_context(),
    )
    doctor = Doctor(client, clock)
    try:
        settings = doctor.diagnose(role, os.environ if env is None else env)
    finally:
        if http is None:
            client.close()
    results, code = doctor.results, exit_code(doctor.results)
    header = {"auth_url": settings.auth_url, "api_url": settings.api_url, "role": settings.role}
    text = render_json(results, code, header) if as_json else render_table(results, code, header)
    # Results hold no credential; this is the second line of defence, as for log records.
    return scrub(redact(text, *doctor.secrets)), code


def render_json(results: Sequence[Result], code: int, header: Mapping[str, object]) -> str:
    checks = [{**vars(r), "facts": dict(r.data)} for r in results]
    for check in checks:
        del check["data"]
    payload = {"ok": code == 0, "exit_code": code, **header, "checks": checks}
    return json.dumps(payload, indent=2, ensure_ascii=False)


def render_table(results: Sequence[Result], code: int, header: Mapping[str, object]) -> str:
    rows = [[r.check, r.item, f"{_MARK[r.status]} {r.status}", _short(r)] for r in results]
    titles = ["check", "item", "result", "detail"]
    widths = [max(len(t), *(len(row[i]) for row in rows)) for i, t in enumerate(titles[:3])]
    lines = [
        f"dxtra-typed doctor: auth {header['auth_url'] or '?'}, api {header['api_url'] or '?'}, "
        f"role {header['role'] or '?'}",
        "",
        "  ".join(t.ljust(w) for t, w in zip(titles, [*widths, 0], strict=True)).rstrip(),
        "  ".join("-" * w for w in [*widths, 6]),
    ]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, [*widths, 0], strict=True)).rstrip())
    for status, title in (("fail", "failed"), ("warn", "warnings")):
        picked = [r for r in results if r.status == status]
        if picked:
            lines += ["", f"{title}:"]
            for r in picked:
                lines.append(f"  {_MARK[status]} {r.check} / {r.item}: {r.detail}")
                if r.remedy:
                    lines.append(f"    remedy: {r.remedy}")
    failed = list(dict.fromkeys(r.check for r in results if r.status == "fail"))
    lines.append("")
    lines.append(
        f"doctor: failed: {', '.join(failed)} (exit {code})"
        if failed
        else f"doctor: a call with these settings works (exit {code})"
    )
    return "\n".join(lines)


def _short(result: Result) -> str:
    """A failure's or warning's detail in the table, cut to a line: it is repeated in full,
    with its remedy, below the table."""
    if result.status in ("fail", "warn") and len(result.detail) > _CUT:
        return result.detail[: _CUT - 1].rsplit(" ", 1)[0] + " …"
    return result.detail
