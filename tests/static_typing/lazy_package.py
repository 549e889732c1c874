"""The generated package's __init__ is lazy (PEP 562) with its __getattr__ hidden from type
checkers: a real name keeps its class type, a misspelt one is still an error."""

from __future__ import annotations

import dxtra_generated
from dxtra_generated import DataControllersDataControllers


def title(row: DataControllersDataControllers) -> str:
    return row.title


def misspelt() -> object:
    return dxtra_generated.DataControllersDataControlers  # type: ignore[attr-defined]
