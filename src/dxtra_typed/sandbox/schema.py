"""`python -m dxtra_typed.sandbox.schema [role]` prints a role's reconstructed SDL.

`make schema` pipes the `user` role's output into schema/schema.graphql, so the checked-in
schema the client is generated from can only ever come from the sandbox's table model.
"""

from __future__ import annotations

import sys

from dxtra_typed.sandbox._sdl import render_sdl


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    sys.stdout.write(render_sdl(args[0] if args else "user"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
