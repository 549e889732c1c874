"""The generate stamp: what a generated package was made from, and what it contained.

``generate`` writes ``_codegen_stamp.json`` into the package, last: a digest of every input
(the schema file, each operation file, the project's settings, the code generator itself —
dxtra_typed's codegen sources and templates, and the versions of ariadne-codegen, graphql-core
and the formatters it runs) and a digest of every file it wrote. ``check`` recomputes both from
disk; when they all match, the package is what ``generate`` would write again, without running
it (a full run over a 578 KB schema costs seconds; the stamp costs milliseconds). When any
differs — an input changed, an output was edited or deleted, a file was added, the stamp is
missing or unreadable — ``check`` falls back to the full regenerate-and-diff, so the fast path
can only ever say "fresh" when a full run would say so too.

Everything in the stamp is relative and content-based (no absolute path, no clock): a fresh
clone produces the same stamp, and the stamp itself is compared by the full check like any
other generated file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, Final

STAMP_FILE: Final = "_codegen_stamp.json"
# Files and folders of a package that are not codegen's output.
SKIP: Final = frozenset({"__pycache__", STAMP_FILE})
# Distributions whose version changes what generate writes.
_TOOLS: Final = ("ariadne-codegen", "graphql-core", "ruff")
_CODEGEN_DIR: Final = Path(__file__).resolve().parent
_GRAPHQL_SUFFIXES: Final = (".graphql", ".graphqls", ".gql")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree(folder: Path, suffixes: tuple[str, ...] | None = None) -> dict[str, str]:
    """``relative/posix/path -> sha256`` for the files under ``folder`` (skipping SKIP)."""
    if folder.is_file():
        return {folder.name: _digest(folder.read_bytes())}
    if not folder.is_dir():
        return {}
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if SKIP.intersection(relative.parts) or not path.is_file():
            continue
        if suffixes is not None and path.suffix not in suffixes:
            continue
        out[relative.as_posix()] = _digest(path.read_bytes())
    return out


def _versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in _TOOLS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def generator_digest() -> str:
    """One digest of the code generator: dxtra_typed's codegen modules and templates."""
    files = _tree(_CODEGEN_DIR, (".py",))
    return _digest(json.dumps(files, sort_keys=True).encode())


def inputs(schema: Path, queries: Path, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Everything generate reads, as digests. ``settings``: the project's table and its
    [tool.ariadne-codegen] extras (JSON-serialisable, as read from TOML)."""
    return {
        "schema": _tree(schema, _GRAPHQL_SUFFIXES)
        if schema.is_dir()
        else _digest(schema.read_bytes()),
        "operations": _tree(queries, _GRAPHQL_SUFFIXES),
        "settings": _digest(json.dumps(settings, sort_keys=True, default=str).encode()),
        "generator": generator_digest(),
        "tools": _versions(),
    }


def outputs(package: Path) -> dict[str, str]:
    return _tree(package)


def render(stamp_inputs: Mapping[str, Any], package: Path) -> str:
    stamp = {"inputs": stamp_inputs, "outputs": outputs(package)}
    return json.dumps(stamp, indent=1, sort_keys=True) + "\n"


def write(stamp_inputs: Mapping[str, Any], package: Path) -> None:
    (package / STAMP_FILE).write_text(render(stamp_inputs, package), encoding="utf-8")


def why_not_fresh(stamp_inputs: Mapping[str, Any], package: Path) -> list[str]:
    """Empty when ``package`` carries a stamp for exactly these inputs and its files are the
    ones that stamp lists; else the reasons (for the log), e.g. ``["operations changed"]``."""
    try:
        stamp = json.loads((package / STAMP_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ["no stamp"]
    except (OSError, ValueError) as exc:
        return [f"unreadable stamp ({exc})"]
    if not isinstance(stamp, dict):
        return ["unreadable stamp"]
    recorded = stamp.get("inputs", {})
    reasons = [
        f"{key} changed"
        for key in stamp_inputs
        if not isinstance(recorded, dict) or recorded.get(key) != stamp_inputs[key]
    ]
    if stamp.get("outputs") != outputs(package):
        reasons.append("generated files differ from what generate wrote")
    return reasons
