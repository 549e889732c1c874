"""`dxtra-typed generate [--watch]`: regenerate both clients, once or on every change.

It calls the same driver as `make generate`, so there is one way generated/ gets written. In
watch mode the operations are validated first: a half-typed query prints one `file:line` line
and leaves the last good generated/ in place (the driver empties the package before a run),
and the watcher carries on.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._schema import EXIT_ERROR, EXIT_OK, add_project_arguments


def register(subcommands: Any) -> None:
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "generate",
        help="compile the project's operations into its typed client package",
        description=(
            "Run codegen (async + sync clients, one model set) over the project's schema and "
            "operations into its package. The project is the [tool.dxtra-typed] table of "
            "ROOT/codegen.toml (or pyproject.toml): package, package_path, schema, queries, "
            "client, async_client; `dxtra-typed init` writes one."
        ),
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="poll queries/ and the schema and regenerate on every change (Ctrl-C to stop)",
    )
    parser.add_argument(
        "--interval", type=float, default=0.5, metavar="S", help="poll interval (default 0.5)"
    )
    add_project_arguments(parser)
    parser.set_defaults(run=run, extra="codegen")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def generate_once(root: Path, config_path: Path | None = None) -> bool:
    """Validate, then generate; print one line either way. True on success."""
    from dxtra_typed.codegen._driver import generate
    from dxtra_typed.codegen._settings import UnknownScalarWarning
    from dxtra_typed.schema_tools import SchemaToolError
    from dxtra_typed.schema_tools._operations import (
        load_operations,
        load_schema_file,
        validate_operations,
    )
    from dxtra_typed.schema_tools._project import load_project

    started = time.monotonic()
    try:
        project = load_project(root, config_path)
        schema = load_schema_file(project.schema_path)
        problems = validate_operations(
            schema,
            load_operations(project.queries_path, root),
            project.skip_rules,
        )
    except SchemaToolError as exc:
        print(f"generate: error: {exc}", file=sys.stderr, flush=True)
        return False
    if problems:
        more = f" (+{len(problems) - 1} more; run `dxtra-typed check`)" if len(problems) > 1 else ""
        print(f"generate: error: {problems[0]}{more}", file=sys.stderr, flush=True)
        return False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnknownScalarWarning)
            target = generate(root, project.config_path, schema=schema)  # parsed once
        for warning in caught:  # one line each, not Python's file:line + source line
            print(f"generate: warning: {warning.message}", file=sys.stderr, flush=True)
    except Exception as exc:  # one line per failed run; the watcher must survive it
        print(
            f"generate: error: {type(exc).__name__}: {_first_line(exc)}",
            file=sys.stderr,
            flush=True,
        )
        return False
    print(
        f"generate: wrote {project.shown(target)} in {time.monotonic() - started:.1f}s",
        flush=True,
    )
    return True


def run(
    args: argparse.Namespace,
    *,
    max_polls: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    root = (args.root or Path.cwd()).resolve()
    if not args.watch:
        return EXIT_OK if generate_once(root, args.config) else EXIT_ERROR

    from dxtra_typed.schema_tools import SchemaToolError
    from dxtra_typed.schema_tools._project import load_project
    from dxtra_typed.schema_tools._watch import watch

    try:
        project = load_project(root, args.config)
    except SchemaToolError as exc:
        print(f"dxtra-typed generate: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    watched = [project.queries_path, project.schema_path.parent]
    print(
        "generate: watching " + ", ".join(project.shown(p) for p in watched) + " (Ctrl-C to stop)",
        file=sys.stderr,
        flush=True,
    )
    try:
        watch(
            watched,
            lambda: generate_once(root, args.config),
            interval=args.interval,
            max_polls=max_polls,
            sleep=sleep,
        )
    except KeyboardInterrupt:
        print("generate: stopped", file=sys.stderr)
    return EXIT_OK
