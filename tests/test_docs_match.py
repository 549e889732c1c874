"""The README says what the code does: its error table names every error class the package
exports, its role table every value of ``Role``, and its Subscriptions section every close code that
raises (read from the code's own constants). What each does is tested as behaviour elsewhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import dxtra_typed
from dxtra_typed import DxtraError
from dxtra_typed._config import Role
from dxtra_typed._retry import FATAL_CLOSE_CODES

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def test_the_error_section_names_every_exported_error_class() -> None:
    exported = {
        name
        for name in dxtra_typed.__all__
        if isinstance(getattr(dxtra_typed, name), type)
        and issubclass(getattr(dxtra_typed, name), DxtraError)
    }
    assert "InvalidArgumentError" in exported
    errors = _section("Errors")
    missing = sorted(name for name in exported if f"`{name}`" not in errors)
    assert missing == []


def test_the_role_table_lists_every_role_the_type_accepts() -> None:
    section = _section("Authentication and roles")
    rows = re.findall(r"^\| `(\w+)`", section, re.M)
    assert rows and set(rows) == set(get_args(Role))


def test_the_subscriptions_section_names_every_close_code_that_raises() -> None:
    """The codes come from the code's own constant; the prose around them is the README's."""
    section = _section("Subscriptions")
    missing = [code for code in sorted(FATAL_CLOSE_CODES) if str(code) not in section]
    assert FATAL_CLOSE_CODES and missing == []
