"""The package version, as a literal: reading it from the installed metadata
(importlib.metadata) cost ~75 ms per process start, a third of ``import dxtra_typed`` +
constructing a client (bench/results.md). tests/test_version.py keeps it equal to pyproject."""

from __future__ import annotations

__version__ = "0.1.0"
