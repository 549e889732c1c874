"""Find import cycles among the modules under src/, and imports that break ARCHITECTURE.md.

Every ``import`` counts, at module level or inside a function (a cycle that only closes at
call time still means neither module can be understood, tested or moved without the other),
and so do imports under ``if TYPE_CHECKING:`` (a type-only cycle still ties the modules'
designs together). ``from pkg import
name`` is an edge to ``pkg.name`` when that is a module, else to ``pkg``. A package importing
its own submodules (``__init__`` re-exports) is an edge like any other. The same check runs
again between the folders (codegen/, schema_tools/, sandbox/, cli/ and the top-level modules).

Usage: ``python tools/check_import_cycles.py [--graph]``; exit 1 on a cycle or a broken rule.
tests/test_architecture.py runs it.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
COUNT_TYPE_ONLY = True

# Cycles known and owned by another branch: each entry must say who removes it.
# None today: the sandbox's _app <-> _ws cycle went with issue 22's _session module.
KNOWN_CYCLES: frozenset[frozenset[str]] = frozenset()

# ARCHITECTURE.md's parts, by module-name prefix (longest prefix wins), and what each part may
# never import. A part not listed under a part's "never" may be imported by it.
PARTS: dict[str, str] = {
    "dxtra_typed": "runtime",
    "dxtra_typed.runtime": "contract",
    "dxtra_typed._token_store": "extension point",
    "dxtra_typed._file_store": "extension point",
    "dxtra_typed._redis_store": "extension point",
    "dxtra_typed._sealing": "extension point",
    "dxtra_typed.codegen": "build time",
    "dxtra_typed.schema_tools": "build time",
    "dxtra_typed.sandbox": "development server",
    "dxtra_typed.cli": "cli",
    "dxtra_typed.pytest_plugin": "cli",
    "dxtra_typed.__main__": "cli",
    "dxtra_typed.sandbox.__main__": "cli",
    "dxtra_typed.codegen.__main__": "cli",
}
NEVER: dict[str, frozenset[str]] = {
    "runtime": frozenset({"build time", "development server", "cli"}),
    "contract": frozenset({"build time", "development server", "cli"}),
    "extension point": frozenset({"build time", "development server", "cli"}),
    "build time": frozenset({"development server", "cli"}),
    "development server": frozenset({"build time", "cli"}),
    "cli": frozenset(),
}
# Imports that cross a "never" on purpose, each with its reason.
ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        # `schema pull` recognises the sandbox's reconstructed schema (and then writes its
        # header); it imports the renderer lazily, only when graphql-core is installed.
        ("dxtra_typed.schema_tools._pull", "dxtra_typed.sandbox._sdl"),
    }
)
# The token-store base must know none of its implementations.
BASE_KNOWS_NO_IMPLEMENTATION = ("dxtra_typed._token_store", ("_file_store", "_redis_store"))


def module_name(path: Path) -> str:
    return module_name_under(SRC, path)


def module_name_under(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py")) if "templates" not in p.parts}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test) and not COUNT_TYPE_ONLY:
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(name: str, path: Path, known: Iterable[str]) -> set[str]:
    """The modules under src/ that ``name`` imports."""
    known = set(known)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = []
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.append(sub if sub in known else base)
        for target in targets:
            while target and target not in known:  # `import a.b.c` of a non-module c
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(name, path, mods) for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


SUBPACKAGES = ("codegen", "schema_tools", "sandbox", "cli")
ENTRY_POINTS = ("dxtra_typed.pytest_plugin",)


def package_graph(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """The same imports between the parts' folders: ``dxtra_typed.codegen`` for everything
    under codegen/, ``dxtra_typed`` for the modules at the top. Two folders importing each
    other is a cycle even when no two modules do."""

    def folder(name: str) -> str:
        if name.endswith(".__main__") or name in ENTRY_POINTS:
            return name  # an entry point: run, never imported
        parts = name.split(".")
        return ".".join(parts[:2]) if len(parts) > 1 and parts[1] in SUBPACKAGES else parts[0]

    folders: dict[str, set[str]] = {}
    for source, targets in edges.items():
        here = folder(source)
        folders.setdefault(here, set()).update(folder(t) for t in targets if folder(t) != here)
    return folders


def part_of(name: str) -> str:
    best = max((p for p in PARTS if name == p or name.startswith(p + ".")), key=len)
    return PARTS[best]


def broken_rules(edges: dict[str, set[str]]) -> list[str]:
    problems = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            if (source, target) in ALLOWED:
                continue
            src_part, dst_part = part_of(source), part_of(target)
            if dst_part in NEVER[src_part]:
                problems.append(f"{source} ({src_part}) imports {target} ({dst_part})")
    base, implementations = BASE_KNOWS_NO_IMPLEMENTATION
    for target in sorted(edges.get(base, ())):
        if target.rpartition(".")[2] in implementations:
            problems.append(f"{base} (the extension point's base) imports {target}")
    return problems


def main(argv: list[str]) -> int:
    edges = graph()
    if "--graph" in argv:
        for source, targets in sorted(edges.items()):
            print(source, "->", ", ".join(sorted(targets)))
    status = 0
    for component in cycles(edges) + cycles(package_graph(edges)):
        known = frozenset(component) in KNOWN_CYCLES
        print(
            ("known cycle (owned elsewhere): " if known else "import cycle: ")
            + " <-> ".join(component)
        )
        status |= 0 if known else 1
    for problem in broken_rules(edges):
        print("ARCHITECTURE.md:", problem)
        status = 1
    if status == 0:
        print(
            f"{len(edges)} modules: no import cycle"
            + (" (but the known ones above)" if KNOWN_CYCLES else "")
            + ", every ARCHITECTURE.md rule holds"
        )
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
