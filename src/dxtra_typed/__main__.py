"""``python -m dxtra_typed ...``: the ``dxtra-typed`` command, for when the console script is
not on PATH (a virtualenv not activated, ``pipx run``, Windows)."""

from __future__ import annotations

import sys

from dxtra_typed.cli import main

if __name__ == "__main__":
    sys.exit(main())
