"""Run ariadne-codegen twice into one package, and check that generated/ is fresh.

ariadne-codegen produces one client per run (sync *or* async). Running it twice into the same
package, with only the client settings changed, yields both clients over one shared set of
model modules: the second run rewrites them byte for byte identically. The package folder is
emptied first so an operation removed from queries/ leaves no stale module behind.

Subscriptions: ariadne-codegen refuses them in a sync client (``NotSupported``). The sync run
still sees every operation, so every shared module (result types, input_types.py,
fragments.py, enums.py, ``__init__``) comes out byte for byte as in the async run; only its
client class gets no subscription method, nor imports for one
(``_sync_client_skips_subscriptions``). Dropping the
operations instead would make the sync run rewrite input_types.py and ``__init__`` without the
subscriptions' inputs and models.
"""

from __future__ import annotations

import contextlib
import difflib
import io
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dxtra_typed.codegen._settings import load_settings

_SKIP = {"__pycache__"}


@contextlib.contextmanager
def _sync_client_skips_subscriptions() -> Iterator[None]:
    """While active, ariadne-codegen's client generator adds no method for a subscription.

    It still generates the operation's arguments, to learn the input types the operation uses;
    those are kept aside (the sync client must not import them) and handed to the package
    generator, so input_types.py comes out exactly as in the async run. Scoped to one run and
    always restored.
    """
    from ariadne_codegen.client_generators.client import ClientGenerator
    from ariadne_codegen.client_generators.package import PackageGenerator
    from graphql import OperationDefinitionNode, OperationType

    original_add = ClientGenerator.add_method
    original_inputs = PackageGenerator._get_used_inputs
    aside: list[str] = []

    def add_method(
        self: ClientGenerator, definition: OperationDefinitionNode, *args: Any, **kwargs: Any
    ) -> None:
        if definition.operation != OperationType.SUBSCRIPTION:
            original_add(self, definition, *args, **kwargs)
            return
        used = self.arguments_generator.get_used_inputs()
        kept = len(used)
        self.arguments_generator.generate(definition.variable_definitions)
        aside.extend(used[kept:])
        del used[kept:]

    def get_used_inputs(self: PackageGenerator) -> list[str]:
        return [*original_inputs(self), *aside]

    ClientGenerator.add_method = add_method  # type: ignore[method-assign]
    PackageGenerator._get_used_inputs = get_used_inputs  # type: ignore[method-assign]
    try:
        yield
    finally:
        ClientGenerator.add_method = original_add  # type: ignore[method-assign]
        PackageGenerator._get_used_inputs = original_inputs  # type: ignore[method-assign]


def generate(root: Path, config_path: Path | None = None, out_root: Path | None = None) -> Path:
    """Regenerate the project's package under ``out_root`` (default: ``root``); return its
    folder. The settings come from ``load_settings(root, config_path)``."""
    from ariadne_codegen import main as codegen_main  # build-time only dependency

    client: Callable[[dict[str, Any]], None] = codegen_main.client

    settings = load_settings(root, config_path)
    target = settings.package_dir(out_root)
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for run in settings.ariadne_configs(out_root):
        sync_run = not run["tool"]["ariadne-codegen"]["async_client"]
        # ariadne-codegen reports on stdout (keep ours to one line) and reads paths from cwd.
        with contextlib.ExitStack() as stack:
            stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
            stack.enter_context(contextlib.chdir(root))
            if sync_run:
                stack.enter_context(_sync_client_skips_subscriptions())
            client(run)
    (target / "py.typed").write_text("")
    return target


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not _SKIP.intersection(p.relative_to(folder).parts)
    }


def diff_packages(committed: Path, fresh: Path) -> list[str]:
    """Human-readable differences between two generated package folders (empty: identical)."""
    old, new = (_files(committed) if committed.exists() else {}), _files(fresh)
    problems: list[str] = []
    for name in sorted(old.keys() - new.keys()):
        problems.append(f"stale file (codegen no longer writes it): {name}")
    for name in sorted(new.keys() - old.keys()):
        problems.append(f"missing file (codegen writes it): {name}")
    for name in sorted(old.keys() & new.keys()):
        if old[name] != new[name]:
            diff = difflib.unified_diff(
                old[name].splitlines(),
                new[name].splitlines(),
                f"committed/{name}",
                f"regenerated/{name}",
                lineterm="",
                n=1,
            )
            problems.append("\n".join(list(diff)[:40]))
    return problems


def changed_files(committed: Path, fresh: Path) -> list[str]:
    """One line per file that differs: ``client.py: 3 line(s) added, 1 removed``."""
    old, new = (_files(committed) if committed.exists() else {}), _files(fresh)
    lines = [
        f"{name}: stale (codegen no longer writes it)" for name in sorted(old.keys() - new.keys())
    ]
    lines += [f"{name}: missing (codegen writes it)" for name in sorted(new.keys() - old.keys())]
    for name in sorted(old.keys() & new.keys()):
        if old[name] != new[name]:
            diff = list(difflib.ndiff(old[name].splitlines(), new[name].splitlines()))
            added = sum(1 for line in diff if line.startswith("+ "))
            removed = sum(1 for line in diff if line.startswith("- "))
            lines.append(f"{name}: {added} line(s) added, {removed} removed")
    return lines


def _regenerate_hint(root: Path) -> str:
    """``dxtra-typed generate``, and ``make generate`` only where a Makefile has that target
    (this repository): a user's project has no Makefile of ours."""
    makefile = root / "Makefile"
    has_target = makefile.is_file() and "\ngenerate:" in "\n" + makefile.read_text("utf-8")
    return "`dxtra-typed generate`" + (" (here: `make generate`)" if has_target else "")


def check(root: Path, config_path: Path | None = None, *, show_diff: bool = True) -> int:
    """Exit status 0 when the generated package matches a fresh run over the schema and
    operations, else 1. ``show_diff``: the differences as a unified diff (this repository's
    ``make check-generated``); else one line per file (``dxtra-typed check``, whose user
    wants to know *that* the package is stale, not read generated code)."""
    settings = load_settings(root, config_path)
    shown = f"{settings.package_path.rstrip('/')}/{settings.package}".removeprefix("./")
    with tempfile.TemporaryDirectory(prefix="dxtra-codegen-") as tmp:
        fresh = generate(root, config_path, out_root=Path(tmp))
        problems = diff_packages(settings.package_dir(), fresh)
        listed = problems if show_diff else changed_files(settings.package_dir(), fresh)
    if problems:
        for problem in listed:
            print(problem if show_diff else f"  {problem}", file=sys.stderr)
        print(
            f"check-generated: {shown} is stale ({len(problems)} difference(s)); "
            f"run {_regenerate_hint(root)} and commit the result.",
            file=sys.stderr,
        )
        return 1
    print(f"check-generated: {shown} matches {settings.schema} + {settings.queries}")
    return 0
