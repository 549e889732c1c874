"""`dxtra-typed init [DIR] [--package NAME] [--with-examples]`: set up a project of your own.

Writes, and never overwrites (an existing file is named, exit 2, nothing written):

- ``codegen.toml``: the ``[tool.dxtra-typed]`` settings (package, paths, client names);
- ``queries/example.graphql``: one commented operation (``--with-examples``: the bundled
  operations instead, as a starting point);
- ``schema/schema.graphql``: pulled from the API as ``DXTRA_ROLE`` (default ``user``) when
  ``DXTRA_API_KEY`` is set, else the bundled reconstruction of Dxtra's schema;
- ``pyproject.toml`` (only when the folder has none; else a note says what to add): pytest's
  ``pythonpath = ["."]``, so plain ``pytest`` imports the generated package from tests in
  ``tests/`` (it sits in the project folder, not installed), and the generated package
  excluded from ruff and pyright/basedpyright, whose rule sets are the user's, not codegen's
  (it passes ``mypy --strict``; basedpyright's standard mode warned ~40 times on it, ruff with
  ``UP,E501`` ~70 times).

The generated package is named after the folder (``acme-reports`` → ``acme_reports_dxtra``)
unless ``--package`` says otherwise, so it imports beside the bundled ``dxtra_generated``.
"""

from __future__ import annotations

import argparse
import keyword
import os
import re
import sys
from pathlib import Path
from typing import Any

from ._schema import EXIT_ERROR, EXIT_OK

RESERVED_PACKAGES = frozenset({"dxtra_typed", "dxtra_generated"})

EXAMPLE = """\
# Your operations, written by hand: edit this one or add more .graphql files in this folder.
# The comment block right above an operation becomes the generated method's docstring; a
# `# role: <name>` line in that block says which X-Hasura-Role runs it (default: user).
# `dxtra-typed generate` turns this one into `client.controller_contacts(limit=...)`.

# Each data controller's contact address, A to Z.
query ControllerContacts($limit: Int = 20) {
  dataControllers(order_by: [{ title: asc }], limit: $limit) {
    id
    title
    contactEmail
  }
}
"""


SETTINGS = """\
# dxtra-typed project settings (written by `dxtra-typed init`; see the README, "Your own
# operations"). `dxtra-typed generate` compiles the operations in `queries` against `schema`
# into the package `package` (written into `package_path`); `check`, `schema pull|diff` and
# `call` read the same table. Other ariadne-codegen settings (extra scalars, plugins) may go in
# a [tool.ariadne-codegen] table below.

[tool.dxtra-typed]
package = "{package}"
package_path = "."
schema = "schema/schema.graphql"
queries = "queries"
client = "Client"
async_client = "AsyncClient"
"""


TOOLS = """\
# Written by `dxtra-typed init` for the tools you run in this folder.
# pytest: tests under tests/ import the generated package `{package}` from this folder.
[tool.pytest.ini_options]
pythonpath = ["."]

# The generated package follows codegen's style, not your linters' rules: leave it out.
[tool.ruff]
extend-exclude = ["{package}"]

[tool.pyright]  # pyright and basedpyright
exclude = ["{package}", "**/node_modules", "**/__pycache__", "**/.*"]
"""


def register(subcommands: Any) -> None:
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "init",
        help="set up a project of your own: codegen.toml, queries/, schema/",
        description=(
            "Create codegen.toml, queries/example.graphql and schema/schema.graphql in DIR "
            "(pulled when DXTRA_API_KEY is set, else the bundled schema). Never overwrites a "
            "file: exit 2 naming it."
        ),
    )
    parser.add_argument("dir", nargs="?", type=Path, default=Path("."), metavar="DIR")
    parser.add_argument(
        "--package",
        default=None,
        help="import name of the generated package (default: from the folder name + _dxtra)",
    )
    parser.add_argument(
        "--with-examples",
        action="store_true",
        help="copy the bundled operations into queries/ instead of the one example",
    )
    parser.set_defaults(run=run)


def suggested_package(folder: Path) -> str:
    """``acme-reports`` → ``acme_reports_dxtra`` (a valid identifier, never a bare keyword)."""
    slug = re.sub(r"\W+", "_", folder.resolve().name.lower()).strip("_")
    if not slug or slug[0].isdigit():
        slug = f"my_{slug}".rstrip("_")
    return f"{slug}_dxtra"


def bundled_files() -> tuple[Path, Path]:
    """The bundled schema file and operations folder: package data in an installed wheel
    (pyproject's force-include), the clone's own files in a development (editable) install."""
    here = Path(__file__).resolve().parents[1]
    packaged = here / "_bundled"
    if packaged.is_dir():
        return packaged / "schema.graphql", packaged / "queries"
    clone = here.parents[1]
    return clone / "schema" / "schema.graphql", clone / "queries"


def _err(message: str) -> None:
    print(f"dxtra-typed init: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    root: Path = args.dir
    package = args.package or suggested_package(root)
    if not package.isidentifier() or keyword.iskeyword(package):
        _err(f"--package {package!r} is not a Python identifier")
        return EXIT_ERROR
    if package in RESERVED_PACKAGES:
        _err(f"--package {package!r} would shadow dxtra-typed's own package; pick another name")
        return EXIT_ERROR
    bundled_schema, bundled_queries = bundled_files()
    # Paths relative to the project folder → contents (None: pulled from the API).
    files: dict[str, str | None] = {"codegen.toml": SETTINGS.format(package=package)}
    if args.with_examples:
        for source in sorted(bundled_queries.glob("*.graphql")):
            files[f"queries/{source.name}"] = source.read_text(encoding="utf-8")
    else:
        files["queries/example.graphql"] = EXAMPLE
    tools_note = None
    if (root / "pyproject.toml").exists():
        tools_note = (
            "init: pyproject.toml exists and was left as it is; for plain `pytest` to import "
            f'{package}, add [tool.pytest.ini_options] pythonpath = ["."] (and exclude '
            f"{package}/ from your linters)"
        )
    else:
        files["pyproject.toml"] = TOOLS.format(package=package)
    schema_name = "schema/schema.graphql"
    pull = bool(os.environ.get("DXTRA_API_KEY"))
    files[schema_name] = None if pull else bundled_schema.read_text("utf-8")

    existing = [root / name for name in files if (root / name).exists()]
    if existing:
        names = ", ".join(str(p) for p in existing)
        _err(f"{names} already exist{'s' if len(existing) == 1 else ''}; nothing written")
        return EXIT_ERROR

    if pull:
        from dxtra_typed._extras import missing_extra_message

        message = missing_extra_message("codegen", "init (pulling the schema)")
        if message is not None:
            _err(message)
            return EXIT_ERROR
        from ._schema import pull_schema

        code = pull_schema(os.environ.get("DXTRA_ROLE") or None, root / schema_name, "init")
        if code != EXIT_OK:
            return code
        origin = "pulled from DXTRA_API_URL"
    else:
        origin = (
            "the bundled reconstruction; set DXTRA_API_KEY and run `dxtra-typed schema pull` "
            "for the live one"
        )
    for name, text in files.items():
        if text is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
            fh.write(text)
    shown = [name for name in files if name != schema_name]
    print(f"init: wrote {', '.join(shown)} and {schema_name} ({origin})")
    if tools_note is not None:
        print(tools_note)
    print(
        f"init: next: `dxtra-typed generate` writes the package {package}/ "
        f"(from {package}.client import Client; from {package}.async_client import AsyncClient)"
    )
    return EXIT_OK
