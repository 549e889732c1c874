"""Run ariadne-codegen twice into one package, and check that generated/ is fresh.

ariadne-codegen produces one client per run (sync *or* async). Running it twice into the same
package, with only the client settings changed, yields both clients over one shared set of
model modules: the second run would rewrite them byte for byte identically, so it writes only
its client, its base client and ``__init__`` (``_lean``). Both runs share one parsed schema and
one parsed, validated set of operations (``load_schema``, ``_Operations``). The package folder
is emptied first so an operation removed from queries/ leaves no stale module behind, and
generate leaves a stamp of its inputs and outputs there (``_stamp``) so ``check`` need not
regenerate when nothing changed.

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
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxtra_typed.codegen import _stamp
from dxtra_typed.codegen._settings import Settings, load_settings

if TYPE_CHECKING:
    from graphql import GraphQLSchema

# Not compared by the full check: __pycache__, and the stamp (a cache of digests whose tool
# versions may differ between two machines that write the same code).
_SKIP = _stamp.SKIP


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


class _Unused:
    """Stands in for an ariadne-codegen generator whose output this run never writes: built
    for nothing, it would still walk the whole schema (see ``_lean``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass


# PackageGenerator steps that write the shared model modules (and tell the package
# __init__ what they export); the sync run replays their exports instead of running them.
_SHARED_STEPS = (
    "_generate_input_types",
    "_build_fragments_module",
    "_generate_result_types",
    "_generate_fragments",
    "_generate_enums",
)


class _SharedModels:
    """What the first run's shared steps exported, for the second run's ``__init__``."""

    def __init__(self) -> None:
        self.exports: dict[str, list[tuple[list[str], str, int]]] = {}

    def recording(self, step: str, original: Any) -> Any:
        exports = self.exports.setdefault(step, [])

        def run(generator: Any) -> None:
            init = generator.init_generator
            add_import = init.add_import

            def record(names: list[str], from_: str, level: int = 0) -> None:
                exports.append((list(names), from_, level))
                add_import(names, from_, level)

            init.add_import = record
            try:
                original(generator)
            finally:
                del init.add_import

        return run

    def replaying(self, step: str) -> Any:
        exports = self.exports.get(step, [])

        def run(generator: Any) -> None:
            for names, from_, level in exports:
                generator.init_generator.add_import(names, from_, level)

        return run


@contextlib.contextmanager
def _lean(config: dict[str, Any], shared: _SharedModels, *, second: bool) -> Iterator[None]:
    """Skip the ariadne-codegen work whose output a run does not keep. Scoped, restored.

    - Without ``enable_custom_operations`` (our default) ariadne-codegen still builds its
      custom-operation generators, each walking every object type and root field of the
      schema (a third of a run on a 4 MB schema); they are never used.
    - The second (sync) run writes model modules byte for byte identical to the first run's
      (the design of this driver; ``test_sync_and_async_clients_share_one_set_of_models``),
      so it builds and writes only its client, the copied base client and ``__init__`` (which
      names that run's client), replaying the first run's exports into the ``__init__``: no
      input types (whose generator parses every input type of the schema up front), result
      modules, fragments or enums a second time.
    """
    from ariadne_codegen.client_generators import package

    section = config["tool"]["ariadne-codegen"]
    saved: dict[tuple[Any, str], Any] = {}

    def swap(owner: Any, name: str, value: Any) -> None:
        saved[(owner, name)] = getattr(owner, name)
        setattr(owner, name, value)

    try:
        if not section.get("enable_custom_operations", False):
            for name in ("CustomFieldsGenerator", "CustomFieldsTypingGenerator"):
                swap(package, name, _Unused)
            swap(package, "CustomOperationGenerator", _Unused)
        for step in _SHARED_STEPS:
            original = getattr(package.PackageGenerator, step)
            swap(
                package.PackageGenerator,
                step,
                shared.replaying(step) if second else shared.recording(step, original),
            )
        if second:
            swap(package, "InputTypesGenerator", _Unused)
        yield
    finally:
        for (owner, name), value in saved.items():
            setattr(owner, name, value)


def load_schema(path: Path) -> GraphQLSchema:
    """Parse and build the schema file once, as ariadne-codegen does (``assume_valid``; the
    second and later runs reuse the object). A syntax error names the file, as ariadne-codegen's
    own reader does."""
    from ariadne_codegen.exceptions import InvalidGraphqlSyntax
    from graphql import GraphQLSyntaxError, build_ast_schema, parse

    if path.is_dir():  # ariadne-codegen's rule: every .graphql/.graphqls/.gql file, sorted
        from ariadne_codegen.schema import walk_graphql_files

        text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(walk_graphql_files(path)))
    else:
        text = path.read_text(encoding="utf-8")
    try:
        document = parse(text, no_location=True)
    except GraphQLSyntaxError as exc:
        raise InvalidGraphqlSyntax(f"Invalid graphql syntax in file {path}") from exc
    return build_ast_schema(document, assume_valid=True)


def _run(config: dict[str, Any], schema: GraphQLSchema, operations: _Operations) -> None:
    """One ariadne-codegen client run over an already built schema (its ``main.client``
    without reading the schema and operations again)."""
    from ariadne_codegen.client_generators.package import get_package_generator
    from ariadne_codegen.config import get_client_settings
    from ariadne_codegen.plugins.explorer import get_plugins_types
    from ariadne_codegen.plugins.manager import PluginManager
    from graphql import assert_valid_schema

    settings = get_client_settings(config)
    plugin_manager = PluginManager(
        schema=schema, config_dict=config, plugins_types=get_plugins_types(settings.plugins)
    )
    schema = plugin_manager.process_schema(schema)
    assert_valid_schema(schema)  # cached on the schema object after the first run
    queries, fragments = operations.definitions(schema, settings)
    generator = get_package_generator(
        schema=schema, fragments=fragments, settings=settings, plugin_manager=plugin_manager
    )
    for query in queries:
        generator.add_operation(query)
    generator.generate()


class _Operations:
    """The project's operations, parsed and validated once for both runs."""

    def __init__(self) -> None:
        self._key: tuple[int, str, tuple[str, ...]] | None = None
        self._found: tuple[list[Any], list[Any]] = ([], [])

    def definitions(self, schema: GraphQLSchema, settings: Any) -> tuple[list[Any], list[Any]]:
        from ariadne_codegen.schema import (
            filter_fragments_definitions,
            filter_operations_definitions,
            get_graphql_queries,
        )
        from ariadne_codegen.settings import get_validation_rule

        if not settings.queries_path:
            return [], []
        key = (id(schema), settings.queries_path, tuple(settings.skip_validation_rules))
        if key != self._key:
            found = get_graphql_queries(
                settings.queries_path,
                schema,
                [get_validation_rule(e) for e in settings.skip_validation_rules],
            )
            self._found = (
                filter_operations_definitions(found),
                filter_fragments_definitions(found),
            )
            self._key = key
        return self._found


def generate(
    root: Path,
    config_path: Path | None = None,
    out_root: Path | None = None,
    *,
    schema: GraphQLSchema | None = None,
) -> Path:
    """Regenerate the project's package under ``out_root`` (default: ``root``); return its
    folder. The settings come from ``load_settings(root, config_path)``.

    The schema is parsed and built ONCE (or not at all when the caller passes the one it
    built), and the operations parsed and validated once: both ariadne-codegen runs share
    them. Each ``ariadne_codegen.main.client`` run would read and parse the schema twice
    (a syntax check, then the build): four parses of the same file per generate.
    """
    from ariadne_codegen.schema import add_mixin_directive_to_schema

    settings = load_settings(root, config_path)
    target = settings.package_dir(out_root)
    if schema is None:
        schema = load_schema(settings.schema_path)
    schema = add_mixin_directive_to_schema(schema)
    stamp_inputs = _stamp.inputs(settings.schema_path, settings.queries_path, _stamped(settings))
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    operations = _Operations()
    shared = _SharedModels()
    for run in settings.ariadne_configs(out_root):
        sync_run = not run["tool"]["ariadne-codegen"]["async_client"]
        # ariadne-codegen reports on stdout (keep ours to one line) and reads paths from cwd.
        with contextlib.ExitStack() as stack:
            stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
            stack.enter_context(contextlib.chdir(root))
            if sync_run:
                stack.enter_context(_sync_client_skips_subscriptions())
            stack.enter_context(_lean(run, shared, second=sync_run))
            _run(run, schema, operations)
    (target / "py.typed").write_text("")
    _stamp.write(stamp_inputs, target)
    return target


def _stamped(settings: Settings) -> dict[str, Any]:
    """The settings that change what generate writes (not where the project lives)."""
    return {"table": settings.table(), "ariadne": settings.ariadne}


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


def unchanged_since_generate(root: Path, config_path: Path | None = None) -> bool:
    """True when the package's stamp records exactly today's inputs and files: what generate
    last wrote (having validated the operations against the schema) is still what it would
    write. Cheap: digests only, no schema parse."""
    settings = load_settings(root, config_path)
    stamp_inputs = _stamp.inputs(settings.schema_path, settings.queries_path, _stamped(settings))
    return not _stamp.why_not_fresh(stamp_inputs, settings.package_dir())


def check(
    root: Path, config_path: Path | None = None, *, show_diff: bool = True, full: bool = False
) -> int:
    """Exit status 0 when the generated package matches a fresh run over the schema and
    operations, else 1. ``show_diff``: the differences as a unified diff (this repository's
    ``make check-generated``); else one line per file (``dxtra-typed check``, whose user
    wants to know *that* the package is stale, not read generated code).

    Fast path: when the package's stamp (see ``_stamp``) records exactly today's inputs and
    its files are exactly those the stamp lists, a fresh run would write the same bytes, so
    nothing is generated. Anything else (or ``full=True``) regenerates into a temporary folder
    and diffs, as before.
    """
    settings = load_settings(root, config_path)
    shown = f"{settings.package_path.rstrip('/')}/{settings.package}".removeprefix("./")
    committed = settings.package_dir()
    if not full and unchanged_since_generate(root, config_path):
        print(
            f"check-generated: {shown} matches {settings.schema} + {settings.queries} "
            "(inputs and files unchanged since generate)"
        )
        return 0
    with tempfile.TemporaryDirectory(prefix="dxtra-codegen-") as tmp:
        fresh = generate(root, config_path, out_root=Path(tmp))
        problems = diff_packages(committed, fresh)
        listed = problems if show_diff else changed_files(committed, fresh)
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
