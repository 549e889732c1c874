"""`dxtra-typed`: the command line of the package (console script `dxtra_typed.cli:main`).

Each command lives in its own module with a `register(subcommands)` function, so commands with
heavy optional dependencies (the sandbox, codegen) only import them when they run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import _call, _check, _doctor, _generate, _sandbox, _schema

# Later commands (schema, check, generate, call) add their module here.
_COMMANDS = (_sandbox, _schema, _check, _generate, _call, _doctor)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dxtra-typed",
        description="Typed Python client for Dxtra's GraphQL API: tools and a local sandbox.",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _COMMANDS:
        module.register(subcommands)
    return parser


def _command_parser(
    parser: argparse.ArgumentParser, argv: Sequence[str]
) -> argparse.ArgumentParser:
    """The parser of the (sub)command ``argv`` names, so an unknown option is reported with
    that command's usage (``call --frob`` shows ``call``'s usage, not the top-level one)."""
    current = parser
    for token in argv:
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction) and token in action.choices:
                current = action.choices[token]
                break
    return current


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        given = list(sys.argv[1:] if argv is None else argv)
        _command_parser(parser, given).error(f"unrecognized arguments: {' '.join(unknown)}")
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    code: int = run(args)
    return code
