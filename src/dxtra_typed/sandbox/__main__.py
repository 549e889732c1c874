"""`python -m dxtra_typed.sandbox`: the same as `dxtra-typed sandbox`."""

from __future__ import annotations

import sys

from dxtra_typed.cli import main

if __name__ == "__main__":
    sys.exit(main(["sandbox", *sys.argv[1:]]))
