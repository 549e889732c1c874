"""``python -m dxtra_typed.codegen generate|check [--root DIR] [--config FILE]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dxtra_typed.codegen._driver import check, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dxtra_typed.codegen")
    parser.add_argument("command", choices=["generate", "check"])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project folder")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="default: ROOT/codegen.toml, else ROOT/pyproject.toml",
    )
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    if args.command == "check":
        return check(root, args.config)
    target = generate(root, args.config)
    print(f"generate: wrote {target.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
