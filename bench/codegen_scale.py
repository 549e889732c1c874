"""Codegen at real-schema scale (issue 21), for ``make bench`` (bench/run.py) or alone.

Measured, each in fresh processes as a user meets it:

- ``p5_real_578kb_seconds``: ``python -m dxtra_typed.codegen generate`` over the 578 KB
  carnet-de-bord schema (``../shared/realschemas``) with its 30 frontend operations;
- ``p5_synthetic_4mb_seconds``: the same over bench/synth_schema.py's schema at about 4 MB of
  SDL (hazards off) with its 30 operations;
- ``check_unchanged_seconds``: ``dxtra-typed check`` (operations valid, package fresh) right
  after that 578 KB generate, nothing changed (``make check-generated``'s
  ``python -m dxtra_typed.codegen check`` alone is in ``real_check_generated_seconds``);
- ``generated_lines_per_op_578kb``: lines of the 578 KB package over its operation count;
- ``import_first_call_ratio_578kb``: cold ``from <package> import Client`` + constructing it +
  its first call, over the same for the bundled ``DxtraClient``, interleaved, both against the
  canned loopback server (the PAT exchange included in both).

``python bench/codegen_scale.py`` prints these figures alone (starting its own canned server).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
REAL = ROOT.parent / "shared" / "realschemas" / "carnet-de-bord"
SYNTH_KB = 4096

_PROJECT = """[tool.dxtra-typed]
package = "{package}"
package_path = "."
schema = "{schema}"
queries = "{queries}"
"""

# Both scripts time import + construction + one call; the canned server answers any GraphQL
# call with {"data": {"dataSubjects": [...]}}, which GetNotebookById (nullable root field)
# validates as None and data_subjects as three rows.
_FIRST_CALL_GENERATED = """
import sys, time, uuid
sys.path.insert(0, sys.argv[1])
base = sys.argv[2]
t = time.perf_counter()
from cdb_client import Client
c = Client("x", api_url=base + "/small/v1/graphql", auth_url=base, allow_insecure_http=True)
c.get_notebook_by_id(id=uuid.UUID(int=1))
print(time.perf_counter() - t)
"""
_FIRST_CALL_BUNDLED = """
import sys, time, uuid
base = sys.argv[2]
t = time.perf_counter()
from dxtra_typed import DxtraClient
c = DxtraClient("x", api_url=base + "/small/v1/graphql", auth_url=base, allow_insecure_http=True)
c.data_subjects(controller_id=uuid.UUID(int=1))
print(time.perf_counter() - t)
"""


def _env() -> dict[str, str]:
    # Users' interpreters cache bytecode (see run.import_times).
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _codegen(project: Path, command: str, *, cli: bool = False) -> float:
    """Seconds for ``python -m dxtra_typed.codegen COMMAND`` (= make generate / make
    check-generated), or with ``cli`` the user's ``dxtra-typed COMMAND``."""
    program = (
        [str(Path(sys.executable).with_name("dxtra-typed"))]
        if cli
        else [sys.executable, "-m", "dxtra_typed.codegen"]
    )
    before = _children_cpu()
    start = time.perf_counter()
    subprocess.run(
        [*program, command, "--root", str(project)],
        check=True,
        capture_output=True,
        cwd=project,
        env=_env(),
        timeout=600,
    )
    wall = time.perf_counter() - start
    CPU.setdefault(f"{project.name} {command}{' (cli)' if cli else ''}", []).append(
        round(_children_cpu() - before, 3)
    )
    return wall


# CPU seconds (user + sys) of each timed child: on a shared machine the wall times above vary
# with other work; these show what the run itself cost. Reported beside the wall times.
CPU: dict[str, list[float]] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def real_project(where: Path) -> Path | None:
    """A project over the carnet-de-bord schema and its frontend operations (in place)."""
    if not (REAL / "schema.graphql").is_file():
        return None
    project = where / "cdb"
    project.mkdir(parents=True, exist_ok=True)
    (project / "codegen.toml").write_text(
        _PROJECT.format(
            package="cdb_client",
            schema=(REAL / "schema.graphql").as_posix(),
            queries=(REAL / "operations").as_posix(),
        )
    )
    return project


def synthetic_project(where: Path) -> tuple[Path, int]:
    sys.path.insert(0, str(BENCH))
    try:
        import synth_schema
    finally:
        sys.path.remove(str(BENCH))
    tables = synth_schema.tables_for(SYNTH_KB)
    return synth_schema.write_project(where / "synth", tables), tables


def _operations(queries: Path) -> int:
    from graphql import OperationDefinitionNode, parse

    text = "\n".join(p.read_text() for p in sorted(queries.rglob("*.graphql")))
    return sum(isinstance(d, OperationDefinitionNode) for d in parse(text).definitions)


def _lines(package: Path) -> int:
    return sum(len(p.read_text().splitlines()) for p in package.rglob("*.py"))


def first_call_ms(base: str, package_root: Path, runs: int = 7) -> dict[str, float]:
    env = _env()
    scripts = {"generated": _FIRST_CALL_GENERATED, "bundled": _FIRST_CALL_BUNDLED}
    samples: dict[str, list[float]] = {name: [] for name in scripts}
    for round_ in range(runs + 1):  # the first round warms the bytecode caches
        for name, script in scripts.items():
            out = subprocess.run(
                [sys.executable, "-c", script, str(package_root), base],
                check=True,
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
            ).stdout
            if round_:
                samples[name].append(float(out))
    return {name: statistics.median(values) * 1000 for name, values in samples.items()}


def measure(base: str | None, runs: int = 3) -> dict[str, Any]:
    """All the figures above (``base``: the canned server's URL; None skips the import)."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="dxtra-scale-") as tmp:
        work = Path(tmp)
        real = real_project(work)
        if real is None:
            out["note"] = f"{REAL} absent: the 578 KB figures were not measured"
        else:
            out["real_generate_seconds"] = [_codegen(real, "generate") for _ in range(runs)]
            # `dxtra-typed check` (validation + freshness) as users run it, and the codegen
            # check alone (make check-generated).
            out["real_check_seconds"] = [_codegen(real, "check", cli=True) for _ in range(runs + 2)]
            out["real_check_generated_seconds"] = [_codegen(real, "check") for _ in range(runs + 2)]
            package = real / "cdb_client"
            out["real_lines"] = _lines(package)
            out["real_operations"] = _operations(REAL / "operations")
            out["real_schema_kb"] = round((REAL / "schema.graphql").stat().st_size / 1024)
            if base is not None:
                out["first_call_ms"] = first_call_ms(base, real)
        synth, tables = synthetic_project(work)
        out["synthetic_tables"] = tables
        out["synthetic_schema_kb"] = round((synth / "schema.graphql").stat().st_size / 1024)
        out["synthetic_generate_seconds"] = [_codegen(synth, "generate") for _ in range(2)]
        out["synthetic_lines"] = _lines(synth / "synth_client")
        out["synthetic_operations"] = _operations(synth / "queries")
    out["cpu_seconds"] = dict(CPU)
    CPU.clear()
    return out


def targets(scale: dict[str, Any]) -> dict[str, float]:
    found: dict[str, float] = {
        "p5_synthetic_4mb_seconds": round(statistics.median(scale["synthetic_generate_seconds"]), 2)
    }
    if "real_generate_seconds" in scale:
        found["p5_real_578kb_seconds"] = round(statistics.median(scale["real_generate_seconds"]), 2)
        found["check_unchanged_seconds"] = round(statistics.median(scale["real_check_seconds"]), 3)
        found["generated_lines_per_op_578kb"] = round(
            scale["real_lines"] / scale["real_operations"], 1
        )
    if "first_call_ms" in scale:
        calls = scale["first_call_ms"]
        found["import_first_call_ratio_578kb"] = round(calls["generated"] / calls["bundled"], 3)
    return found


@contextlib.contextmanager
def _canned() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "canned_server.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        yield f"http://127.0.0.1:{int(proc.stdout.readline())}"
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> int:
    with _canned() as base:
        scale = measure(base)
    print(json.dumps({**targets(scale), "codegen_scale": scale}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
