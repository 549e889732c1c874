"""`make bench` leaves the working tree clean: its results and its gql virtualenv go to a folder
git ignores, and only `make bench-record` (``bench/run.py --record``) writes the committed
bench/results.*. Checked without running the bench (it is CPU heavy)."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parents[1]
RUN = ROOT / "bench" / "run.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ignored(path: Path) -> bool:
    return (
        subprocess.run(
            ["git", "check-ignore", "-q", str(path.relative_to(ROOT))],
            cwd=ROOT,
            check=False,
            timeout=60,
        ).returncode
        == 0
    )


def _tracked(path: Path) -> bool:
    return (
        subprocess.run(
            ["git", "ls-files", "--error-unmatch", str(path.relative_to(ROOT))],
            cwd=ROOT,
            capture_output=True,
            check=False,
            timeout=60,
        ).returncode
        == 0
    )


def test_a_default_run_writes_only_to_ignored_paths() -> None:
    bench = _bench()
    scratch = bench.results_dir(record=False)
    for name in ("results.md", "results.json"):
        assert _ignored(scratch / name), scratch / name
    assert _ignored(bench.GQL_VENV / "bin" / "python")
    recorded = bench.results_dir(record=True)
    assert _tracked(recorded / "results.md") and _tracked(recorded / "results.json")


def _recipe(target: str) -> str:
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    (line,) = [line for line in result.stdout.splitlines() if "bench/run.py" in line]
    return line


def test_make_bench_records_only_when_asked() -> None:
    assert "--record" not in _recipe("bench")
    assert _recipe("bench-record").endswith("bench/run.py --record")
