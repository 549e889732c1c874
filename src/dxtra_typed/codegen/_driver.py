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
import copy
import difflib
import io
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

_SKIP = {"__pycache__"}


def load_config(config_path: Path) -> dict[str, Any]:
    with config_path.open("rb") as fh:
        return tomllib.load(fh)


def _run_configs(config: dict[str, Any], out_root: Path) -> list[dict[str, Any]]:
    """The two ariadne-codegen config dicts (async first, then sync).

    Input paths stay relative to the project folder (ariadne-codegen writes ``queries_path``
    into every file header, so an absolute path would differ between clones); only the output
    folder moves, for ``check``.
    """
    base = copy.deepcopy(config)
    section = base["tool"]["ariadne-codegen"]
    section["target_package_path"] = str(out_root / section["target_package_path"])
    sync = copy.deepcopy(base)
    sync["tool"]["ariadne-codegen"].update(
        config.get("tool", {}).get("dxtra-typed", {}).get("sync", {})
    )
    return [base, sync]


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


def package_dir(config: dict[str, Any], root: Path) -> Path:
    section = config["tool"]["ariadne-codegen"]
    return root / str(section["target_package_path"]) / str(section["target_package_name"])


def generate(root: Path, config_path: Path, out_root: Path | None = None) -> Path:
    """Regenerate the package under ``out_root`` (default: ``root``); return its folder."""
    from ariadne_codegen import main as codegen_main  # build-time only dependency

    client: Callable[[dict[str, Any]], None] = codegen_main.client

    config = load_config(config_path)
    out_root = out_root or root
    target = package_dir(config, out_root)
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for run in _run_configs(config, out_root.resolve()):
        sync_run = not run["tool"]["ariadne-codegen"].get("async_client", True)
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


def check(root: Path, config_path: Path) -> int:
    """Exit status 0 when generated/ matches a fresh run over schema/ + queries/, else 1."""
    config = load_config(config_path)
    with tempfile.TemporaryDirectory(prefix="dxtra-codegen-") as tmp:
        fresh = generate(root, config_path, out_root=Path(tmp))
        problems = diff_packages(package_dir(config, root), fresh)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(
            f"check-generated: generated/ is stale ({len(problems)} difference(s)); "
            "run `make generate` and commit the result.",
            file=sys.stderr,
        )
        return 1
    print("check-generated: generated/ matches schema/ + queries/")
    return 0
