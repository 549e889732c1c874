"""`dxtra-typed check [--live] [--diff]`: are the operations valid, and is the package fresh?

The static check validates with the rules ariadne-codegen applies, so it fails exactly when
`generate` would, but with `file:line:col` for every error instead of codegen's first message.
`--live` validates each operation against the schema its declared role (`# role: <name>` above
it) sees on the real server: Hasura trims the schema per role, and "field not found" for a role
should surface here, not in production.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from ._schema import EXIT_ERROR, EXIT_OK, EXIT_PROBLEMS, add_project_arguments


def register(subcommands: Any) -> None:
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "check",
        help="validate the operations against the schema and check the package is fresh",
        description=(
            "Validate every operation of the project (codegen.toml's queries) against its "
            "schema (file:line:col errors) and check that the generated package matches a "
            "fresh codegen run."
        ),
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="also validate each operation against the live schema of its `# role:` "
        "(default user), introspected from DXTRA_API_URL",
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        help="show how a stale generated package differs (default: one line per file)",
    )
    parser.add_argument(
        "--skip-generated",
        action="store_true",
        help="do not check that the generated package is fresh",
    )
    add_project_arguments(parser)
    parser.set_defaults(run=run, extra="codegen")


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from dxtra_typed.schema_tools import SchemaToolError
    from dxtra_typed.schema_tools._operations import (
        load_operations,
        load_schema_file,
        validate_operations,
    )
    from dxtra_typed.schema_tools._project import load_project

    root = (args.root or Path.cwd()).resolve()
    try:
        project = load_project(root, args.config)
        # Nothing changed since generate validated these operations against this schema
        # (issue 21: a 578 KB schema costs a second to parse): no need to parse it again.
        unchanged = _unchanged(root, project.config_path)
        schema = None if unchanged else load_schema_file(project.schema_path)
    except SchemaToolError as exc:
        _err(f"dxtra-typed check: error: {exc}")
        return EXIT_ERROR
    operations = load_operations(project.queries_path, root)
    problems = [] if schema is None else validate_operations(schema, operations, project.skip_rules)
    for problem in problems:
        print(problem)
    _err(
        f"check: {len(operations.operations)} operation(s) against "
        f"{project.shown(project.schema_path)}: {len(problems)} problem(s)"
        + (" (unchanged since generate validated them)" if unchanged else "")
    )
    failed = bool(problems)

    if args.live:
        live_failed = _check_live(operations, project)
        if live_failed is None:
            return EXIT_ERROR
        failed = failed or live_failed

    if args.skip_generated:
        pass
    elif problems:
        _err(
            "check: the generated package was not compared with a fresh generate: "
            "fix the operations first"
        )
    else:
        from dxtra_typed.codegen._driver import check as check_generated

        try:
            if check_generated(root, project.config_path, show_diff=args.diff) != 0:
                failed = True
        except Exception as exc:  # codegen failing is a problem to report, not a crash
            _err(f"check: codegen failed: {type(exc).__name__}: {_first_line(exc)}")
            failed = True
    return EXIT_PROBLEMS if failed else EXIT_OK


def _unchanged(root: Path, config_path: Path) -> bool:
    from dxtra_typed.codegen._driver import unchanged_since_generate

    try:
        return unchanged_since_generate(root, config_path)
    except (OSError, ValueError):  # unreadable inputs: the full path reports them
        return False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def _check_live(operations: Any, project: Any) -> bool | None:
    """Validate each operation against the live schema of its role: True when problems were
    found, None when the check could not run at all (no key, a refused key, an unreachable
    URL: one line on stderr, exit 2, as ``schema pull``). A role that cannot be introspected
    for a reason of its own (not a role name, not allowed for this key) is a problem of the
    operations declaring it, and the other roles are still checked."""
    from dxtra_typed._config import check_role
    from dxtra_typed._errors import ConfigurationError
    from dxtra_typed.schema_tools import SchemaToolError, SetupError
    from dxtra_typed.schema_tools._operations import Problem, validate_document
    from dxtra_typed.schema_tools._pull import Introspector, public_url

    by_role: dict[str, list[Any]] = defaultdict(list)
    for operation in operations.operations:
        by_role[operation.role].append(operation)
    live_problems: list[Problem] = []

    def role_problem(role: str, reason: object) -> None:
        for operation in by_role[role]:
            live_problems.append(
                Problem(
                    operation.path,
                    operation.line,
                    1,
                    f"{operation.name}: cannot get the schema of role {role!r}: {reason}",
                )
            )

    with Introspector() as introspector:
        for role in sorted(by_role):
            try:
                check_role(role, "the `# role:`")
            except ConfigurationError as exc:
                role_problem(role, exc.message)
                continue
            try:
                config = introspector.config(role)
                _err(f"check: introspecting {public_url(config.api_url)} as role {role!r}")
                live, _ = introspector.introspect(role)
            except SetupError as exc:
                _err(f"dxtra-typed check: error: {exc}")
                return None
            except SchemaToolError as exc:
                role_problem(role, exc)
                continue
            for operation in by_role[role]:
                for problem in validate_document(
                    live, operations.document_for(operation), project.skip_rules
                ):
                    live_problems.append(
                        Problem(
                            problem.path,
                            problem.line,
                            problem.column,
                            f"{problem.message} (live schema of role {role!r}, "
                            f"operation {operation.name})",
                        )
                    )
    for problem in sorted(set(live_problems), key=lambda p: (p.path, p.line, p.column)):
        print(problem)
    _err(f"check --live: {len(set(live_problems))} problem(s) against the live schemas")
    return bool(live_problems)
