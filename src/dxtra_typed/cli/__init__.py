"""`dxtra-typed`: the command line of the package (console script `dxtra_typed.cli:main`).

Each command lives in its own module with a `register(subcommands)` function, so commands with
heavy optional dependencies (the sandbox, codegen) only import them when they run. A command
that needs an extra declares it (`set_defaults(extra=...)`); when that extra is not installed,
`main` prints one line naming it and exits 2 instead of a ModuleNotFoundError traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import _call, _check, _doctor, _generate, _init, _sandbox, _schema

_COMMANDS = (_init, _generate, _check, _schema, _call, _sandbox, _doctor)
EXIT_MISSING_EXTRA = 2
# 128 + SIGPIPE: what a shell reports for a writer whose reader went away.
EXIT_BROKEN_PIPE = 141


def build_parser() -> argparse.ArgumentParser:
    from dxtra_typed._version import __version__

    parser = argparse.ArgumentParser(
        prog="dxtra-typed",
        description=(
            "Typed Python client for Dxtra's GraphQL API: set up a project of your own "
            "operations (init), compile them (generate), check and call them, pull and diff "
            "the schema, and run a local sandbox."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"dxtra-typed {__version__} (Python {sys.version.split()[0]})",
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
    from dxtra_typed._errors import MissingExtraError
    from dxtra_typed._extras import missing_extra_message

    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        given = list(sys.argv[1:] if argv is None else argv)
        _command_parser(parser, given).error(f"unrecognized arguments: {' '.join(unknown)}")
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    extra = getattr(args, "extra", None)
    if extra is not None:
        message = missing_extra_message(extra, f"dxtra-typed {args.command}")
        if message is not None:
            print(message, file=sys.stderr)
            return EXIT_MISSING_EXTRA
    try:
        code: int = run(args)
        sys.stdout.flush()  # inside the try: a reader that went away is seen here, not at exit
    except MissingExtraError as exc:  # e.g. a subscription without websockets
        print(f"dxtra-typed {args.command}: {exc}", file=sys.stderr)
        return EXIT_MISSING_EXTRA
    except BrokenPipeError:
        # `dxtra-typed call --list | head -1`: the reader has what it wanted. No traceback;
        # stdout goes to devnull so the interpreter's final flush cannot raise again, and the
        # exit status is the shell's for a process ended by SIGPIPE.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code
