"""`dxtra-typed schema pull|diff`: fetch a role's schema, and say what a schema change breaks.

Progress and errors go to stderr and results to stdout, so `schema diff` output can be piped or
kept as a CI artefact. Every expected failure is one line and a non-zero exit: a CI log should
say "the API key was rejected", not show a traceback.

Exit codes (all schema commands and `check`): 0 fine, 1 problems found (breaking changes),
2 the command could not do its job (configuration, network, unreadable file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_ERROR = 2


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def add_project_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root", type=Path, default=None, help="project folder (default: current directory)"
    )
    parser.add_argument(
        "--config", type=Path, default=None, help="default: ROOT/codegen.toml or pyproject.toml"
    )


def register(subcommands: Any) -> None:
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "schema",
        help="pull the live schema of a role, or diff two schemas",
        description="Schema lifecycle: pull a role's schema from Dxtra, diff two schemas.",
    )
    actions = parser.add_subparsers(dest="schema_command", metavar="ACTION")

    pull = actions.add_parser(
        "pull",
        help="introspect DXTRA_API_URL as a role and write deterministic SDL",
        description=(
            "Exchange DXTRA_API_KEY for a JWT (no key for anonymous), introspect DXTRA_API_URL "
            "with X-Hasura-Role and write sorted SDL with descriptions. Re-pulling an unchanged "
            "server changes no byte."
        ),
    )
    pull.add_argument("--role", default=None, help="X-Hasura-Role (default: DXTRA_ROLE or user)")
    pull.add_argument(
        "--output",
        "-o",
        default=None,
        help="file to write, '-' for stdout (default: the project's schema file; outside a "
        "project this option is needed)",
    )
    add_project_arguments(pull)
    pull.set_defaults(run=run_pull)

    diff = actions.add_parser(
        "diff",
        help="breaking / dangerous / safe changes between two schemas",
        description=(
            "Classify the changes from OLD to NEW and name the operations in queries/ that each "
            "breaking change affects. Exit 1 when anything breaks."
        ),
    )
    diff.add_argument("old", type=Path, metavar="OLD", help="the schema your client was built on")
    diff.add_argument("new", type=Path, nargs="?", metavar="NEW", help="the schema to compare")
    diff.add_argument(
        "--live", action="store_true", help="pull NEW from DXTRA_API_URL (not written anywhere)"
    )
    diff.add_argument("--role", default=None, help="role for --live (default: DXTRA_ROLE or user)")
    add_project_arguments(diff)
    diff.set_defaults(run=run_diff)

    parser.set_defaults(run=lambda args: _usage(parser), extra="codegen")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_ERROR


def run_pull(args: argparse.Namespace) -> int:
    output = args.output
    if output is None:
        from dxtra_typed.codegen._settings import load_settings
        from dxtra_typed.schema_tools import SchemaToolError

        # The project's schema file. Outside a project there is no file it could mean: say
        # so rather than invent a schema/ folder wherever the command happened to run.
        root = (args.root or Path.cwd()).resolve()
        try:
            output = str(load_settings(root, args.config).schema_path)
        except SchemaToolError as exc:
            reason = str(exc)
            if args.config is None:
                reason = (
                    f"no dxtra-typed project in {root} (no codegen.toml, nor a "
                    "[tool.dxtra-typed] table in pyproject.toml), so no schema file to write: "
                    "pass --output FILE (or - for stdout), or run `dxtra-typed init` first"
                )
            _err(f"dxtra-typed schema pull: error: {reason}")
            return EXIT_ERROR
    return pull_schema(args.role, output if output == "-" else Path(output), "schema pull")


def pull_schema(role: str | None, output: Path | str, prefix: str) -> int:
    """Introspect DXTRA_API_URL as ``role`` and write the schema file (``"-"``: stdout)."""
    from dxtra_typed.schema_tools import SchemaToolError
    from dxtra_typed.schema_tools._pull import Introspector, public_url, schema_file_text

    try:
        with Introspector() as introspector:
            config = introspector.config(role)
            _err(f"{prefix}: introspecting {public_url(config.api_url)} as role {config.role!r}")
            schema, config = introspector.introspect(role)
    except SchemaToolError as exc:
        _err(f"dxtra-typed {prefix}: error: {exc}")
        return EXIT_ERROR
    text, reconstructed = schema_file_text(schema, config.role, config.api_url)
    if reconstructed:
        _err(
            f"{prefix}: the server serves exactly the reconstructed schema for this role "
            "(the sandbox); keeping its header"
        )
    if output == "-":
        sys.stdout.write(text)
        return EXIT_OK
    output = Path(output)
    previous = output.read_text(encoding="utf-8") if output.is_file() else None
    if previous == text:
        _err(f"{prefix}: {output} is up to date ({len(schema.type_map)} types)")
        return EXIT_OK
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _err(f"dxtra-typed {prefix}: error: cannot write {output}: {exc.strerror}")
        return EXIT_ERROR
    _err(
        f"{prefix}: wrote {output} ({len(schema.type_map)} types, "
        f"{'changed' if previous is not None else 'new file'})"
    )
    return EXIT_OK


def run_diff(args: argparse.Namespace) -> int:
    from dxtra_typed.schema_tools import SchemaToolError
    from dxtra_typed.schema_tools._diff import Level, diff_schemas
    from dxtra_typed.schema_tools._operations import load_operations, load_schema_file
    from dxtra_typed.schema_tools._project import load_project
    from dxtra_typed.schema_tools._pull import Introspector, public_url

    if (args.new is None) == (not args.live):
        _err("dxtra-typed schema diff: error: give NEW or --live (exactly one)")
        return EXIT_ERROR
    root = (args.root or Path.cwd()).resolve()
    try:
        old = load_schema_file(args.old)
        if args.live:
            with Introspector() as introspector:
                config = introspector.config(args.role)
                _err(
                    f"schema diff: introspecting {public_url(config.api_url)} "
                    f"as role {config.role!r}"
                )
                new, _ = introspector.introspect(args.role)
            new_name = f"live ({config.role})"
        else:
            new = load_schema_file(args.new)
            new_name = str(args.new)
        try:
            project = load_project(root, args.config)
            operations = load_operations(project.queries_path, root)
        except SchemaToolError as exc:
            _err(f"schema diff: not naming affected operations: {exc}")
            operations = None
    except SchemaToolError as exc:
        _err(f"dxtra-typed schema diff: error: {exc}")
        return EXIT_ERROR

    result = diff_schemas(old, new, operations)
    out = sys.stdout
    print(f"schema diff: {args.old} -> {new_name}", file=out)
    levels: tuple[Level, ...] = ("breaking", "dangerous", "safe")
    for level in levels:
        changes = result.by_level(level)
        print(f"{level}: {len(changes)}", file=out)
        for change in changes:
            print(f"  {change.kind}: {change.description}", file=out)
            if level == "breaking" and operations is not None:
                affected = result.affected.get(change, [])
                if not affected:
                    print("    no operation in queries/ uses it", file=out)
                for hit in affected:
                    print(f"    affects {hit}", file=out)
    if result.breaking:
        broken = {a.operation for hits in result.affected.values() for a in hits}
        _err(
            f"schema diff: {len(result.by_level('breaking'))} breaking change(s), "
            f"{len(broken)} operation(s) affected"
        )
        return EXIT_PROBLEMS
    return EXIT_OK
