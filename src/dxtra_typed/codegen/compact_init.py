"""ariadne-codegen plugin: the lazy package ``__init__`` names each export once, not three times.

ariadne-codegen's lazy ``__init__`` (``lazy_imports``) spells every exported name three times,
one line each: in the ``if TYPE_CHECKING:`` imports, as a ``_LAZY_IMPORTS`` entry and in
``__all__``. On a Hasura schema the exports are mostly the input types and enums a ``where``
variable reaches: 600 names and 1,819 lines for the 578 KB real schema's 30 operations, 5,100
names and 15,400 lines at 4 MB. Every name stays importable from the package root (users'
imports keep working); what changes is the bookkeeping:

- the ``TYPE_CHECKING`` imports become ``from .m import Name as Name``, one statement per
  module (an explicit re-export for mypy --strict and pyright; ruff's import sorting would
  split every aliased name into its own statement, so this layout is written here);
- ``__all__`` stays a literal list (mypy reads it for ``from pkg import *``), several names
  to a line, each module's names together;
- ``_LAZY_IMPORTS`` (name → module) is built from ``__all__`` and one ``<module>:<count>``
  entry per module (the names of each module being consecutive in ``__all__``), so each name
  is spelt once in the file (issue 21: 313 → a dozen lines on the 578 KB schema).

Runs on the formatted text (``generate_init_code``): the wrapped string literals have no AST
form. The result is stable under ruff format.
"""

from __future__ import annotations

import ast
import json
import re

from ariadne_codegen.plugins.base import Plugin

_WIDTH = 88
_ENTRY = re.compile(r'^    "(?P<name>[A-Za-z_][A-Za-z0-9_]*)": "(?P<module>\.[A-Za-z0-9_.]+)",$')


INPUTS = ".input_types"


class CompactInitPlugin(Plugin):
    def generate_inputs_code(self, generated_code: str) -> str:
        """An ``__all__`` for input_types.py: its classes and aliases (not what it imports),
        so ``from <package>.input_types import *`` (dxtra_typed.types) takes only them."""
        tree = ast.parse(generated_code)
        names = sorted(
            {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
            | {
                target.id
                for node in tree.body
                if isinstance(node, ast.Assign)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
        )
        public = [n for n in names if not n.startswith("_")]
        listed = _packed([json.dumps(name) + "," for name in public])
        return generated_code.rstrip("\n") + "\n\n__all__ = [\n" + "\n".join(listed) + "\n]\n"

    def generate_init_code(self, generated_code: str) -> str:
        lines = generated_code.splitlines()
        try:
            guard = lines.index("if TYPE_CHECKING:")
            start = lines.index("_LAZY_IMPORTS = {")
            end = lines.index("}", start)
            all_start = lines.index("__all__ = [")
            all_end = lines.index("]", all_start)
        except ValueError:
            return generated_code  # not the lazy layout this plugin knows: leave it
        by_module: dict[str, list[str]] = {}
        for line in lines[start + 1 : end]:
            match = _ENTRY.match(line)
            if match is None:
                return generated_code
            by_module.setdefault(match["module"], []).append(match["name"])
        exported = sorted(name for names in by_module.values() for name in names)
        listed = [line.strip().strip(",").strip('"') for line in lines[all_start + 1 : all_end]]
        guard_end = next(
            (i for i in range(guard + 1, start) if lines[i] and not lines[i].startswith(" ")),
            start,
        )
        if sorted(listed) != exported or _imported(lines[guard:guard_end]) != set(exported):
            return generated_code  # exports from elsewhere too: keep ariadne's layout
        # Input types stay in `<package>.input_types` (its own __all__, below): the closure of
        # Hasura's *_bool_exp / *_insert_input a `where` variable reaches was a third of the
        # root's exports and of __init__'s lines (540 of 1,478 on the 578 KB schema).
        by_module.pop(INPUTS, None)
        exported = sorted(name for names in by_module.values() for name in names)
        imports = ["if TYPE_CHECKING:"]
        for module_name in sorted(by_module):
            names = sorted(by_module[module_name])
            one_line = f"    from {module_name} import " + ", ".join(f"{n} as {n}" for n in names)
            if len(one_line) <= _WIDTH:
                imports.append(one_line)
            else:
                # One line, not one per name: for type checkers only, and __all__ (below)
                # says which of the module's names the package exports.
                imports.append(f"    from {module_name} import *  # noqa: F403")
        # __all__ lists each module's names together (modules and names sorted), so the lazy
        # table only needs how many consecutive names each module has.
        grouped = [n for module_name in sorted(by_module) for n in sorted(by_module[module_name])]
        runs = [f"{module_name}:{len(by_module[module_name])}" for module_name in sorted(by_module)]
        chunks = _wrapped(runs, indent=4)
        modules = [f"_MODULES = {chunks[0]}"]
        if len(chunks) > 1 or len(modules[0]) > _WIDTH:
            modules = ["_MODULES = (", *(f"    {chunk}" for chunk in chunks), ")"]
        table = [
            "# Where each name of __all__ lives: <module>:<count> per run of consecutive names.",
            *modules,
            '_RUNS = [entry.split(":") for entry in _MODULES.split()]',
            "_LAZY_IMPORTS = dict(zip(__all__, [m for m, n in _RUNS for _ in range(int(n))]))",
        ]
        compact = [
            *lines[:guard],
            *imports,
            *lines[guard_end:start],
            "__all__ = [",
            *_packed([json.dumps(name) + "," for name in grouped]),
            "]",
            *table,
            *lines[end + 1 : all_start],
            *lines[all_end + 1 :],
        ]
        return "\n".join(compact) + "\n"


def _packed(items: list[str]) -> list[str]:
    """``items`` several to a line (a literal list all the same, as mypy needs ``__all__``)."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 1 + len(item) <= _WIDTH:
            lines[-1] += " " + item
        else:
            lines.append("    " + item)
    return lines


def _imported(block: list[str]) -> set[str]:
    """The names a formatted ``if TYPE_CHECKING:`` block of ``from . import`` lines imports."""
    try:
        tree = ast.parse("\n".join(block))
    except SyntaxError:
        return set()
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }


def _wrapped(names: list[str], indent: int = 12) -> list[str]:
    """String literals of space-separated names, each line within ``_WIDTH``."""
    room = _WIDTH - indent - 2  # indentation and quotes
    chunks: list[str] = []
    current = ""
    for name in names:
        if current and len(current) + 1 + len(name) > room:
            chunks.append(current + " ")
            current = name
        else:
            current = f"{current} {name}" if current else name
    chunks.append(current)
    return [json.dumps(chunk) for chunk in chunks]
