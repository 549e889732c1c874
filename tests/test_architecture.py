"""The tree matches ARCHITECTURE.md: tools/check_import_cycles.py finds no import cycle among
src/ modules (imports inside functions and under TYPE_CHECKING count) nor between the folders,
and no part imports one it must never import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "tools" / "check_import_cycles.py"


def _check(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_import_cycle_and_every_architecture_rule_holds() -> None:
    result = _check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no import cycle" in result.stdout


def test_the_checker_finds_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    """The script itself can fail: a package whose modules import each other, one of them
    only inside a function, is reported with both names."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import check_import_cycles as checker
    finally:
        sys.path.remove(str(SCRIPT.parent))
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def late() -> None:\n    from pkg.a import x\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.d\n"
    )
    (package / "d.py").write_text("from . import c\n")
    names = {checker.module_name_under(tmp_path, p): p for p in sorted(package.glob("*.py"))}
    edges = {n: checker.imports_of(n, p, names) for n, p in names.items()}
    assert checker.cycles(edges) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]
