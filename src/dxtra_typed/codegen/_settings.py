"""A dxtra-typed project's settings: where its schema, operations and generated package live.

One short table, ``[tool.dxtra-typed]``, in ``codegen.toml`` (what ``dxtra-typed init`` writes)
or in ``pyproject.toml``::

    [tool.dxtra-typed]
    package = "acme_dxtra"            # import name of the generated package (required)
    package_path = "."                # folder the package is written into
    schema = "schema/schema.graphql"
    queries = "queries"
    client = "Client"                 # the sync client class
    async_client = "AsyncClient"      # its async twin

    [tool.dxtra-typed.scalars]        # optional: a scalar's Python type (see SCALARS)
    bigint = "str"

Everything else ariadne-codegen needs (the base-client templates and plugins found inside the
installed dxtra_typed, Hasura's scalars, the two runs) is derived here, so a project's file
never holds a path into this package and a new dxtra-typed version brings its plugins with it.
Other ariadne-codegen settings may go in ``[tool.ariadne-codegen]`` of the same file (extra
scalars; plugins, run after ours); the keys derived here are refused there, naming the key to
use instead. Reads TOML only: ``call`` uses this without the codegen extra.
"""

from __future__ import annotations

import copy
import keyword
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from dxtra_typed.codegen._errors import NoProjectError, SchemaToolError

CONFIG_FILE: Final = "codegen.toml"
TABLE: Final = "dxtra-typed"
TEMPLATES: Final = Path(__file__).parent / "templates"
# graphql-core validation rules skipped unless [tool.ariadne-codegen] skip_validation_rules says.
DEFAULT_SKIP_RULES: Final = ("NoUnusedFragments",)

# Run in this order: ShorterResults first (later plugins see its return types).
PLUGINS: Final = (
    # `client.data_controllers()` returns the list itself, not a wrapper with one attribute.
    "ariadne_codegen.contrib.shorter_results.ShorterResultsPlugin",
    # Every GraphQL name → a distinct, valid Python name (names.py; README "Names").
    "dxtra_typed.codegen.naming.NamesPlugin",
    # Typed per-call options, in-base-client validation, class docstrings.
    "dxtra_typed.codegen.plugins.DxtraClientPlugin",
    # Arguments checked against their types before anything is sent (strict; lazy validators).
    "dxtra_typed.codegen.validation.ArgumentValidationPlugin",
    # Docstrings from queries/ comments and schema descriptions.
    "dxtra_typed.codegen.docstrings.DocstringsPlugin",
    # iter_<name>() keyset pagers for queries with $after/$limit.
    "dxtra_typed.codegen.pagination.PaginationPlugin",
    # Models built on first use: defer_build=True and no model_rebuild() at import.
    "dxtra_typed.codegen.deferred.DeferredBuildPlugin",
    # OPERATIONS: each method's operation name, kind and role, as data (`dxtra-typed call`).
    "dxtra_typed.codegen.operations.OperationTablePlugin",
    # Each operation's document once, compact, in _documents.py (both clients refer to it).
    "dxtra_typed.codegen.documents.SharedDocumentsPlugin",
    # `lazy_imports` (below): result and input classes imported inside the methods that use
    # them, annotations as forward references. Named here, after every plugin that writes
    # methods (ariadne-codegen would append it last anyway), so the next one can follow it.
    "ariadne_codegen.contrib.client_forward_refs.ClientForwardRefsPlugin",
    # ...then its method imports go below the docstrings, UnsetType plain again (see lazy.py).
    "dxtra_typed.codegen.lazy.LazyImportsTidyPlugin",
    # ...then each method body as one `self.execute_typed(...)` call of the runtime.
    "dxtra_typed.codegen.documents.OneCallBodyPlugin",
    # The lazy __init__ names each export once (`X as X`), not three times.
    "dxtra_typed.codegen.compact_init.CompactInitPlugin",
    # Hasura's look-alike inputs (*_comparison_exp, *_on_conflict, ...): one generic class each.
    "dxtra_typed.codegen.shared_inputs.SharedInputShapesPlugin",
)

# Hasura / Postgres scalars → Python types (README "Numbers and scalars"; docs/design.md says
# why each). A project overrides any of them in [tool.dxtra-typed.scalars].
_JSON: Final = {"type": "dxtra_typed.scalars.JSON"}
_STR: Final = {"type": "str"}
SCALARS: Final[dict[str, dict[str, str]]] = {
    "uuid": {"type": "uuid.UUID"},
    "timestamptz": {"type": "datetime.datetime"},
    "timestamp": {"type": "datetime.datetime"},
    "date": {"type": "datetime.date"},
    "time": {"type": "datetime.time"},
    # Postgres writes "12:00:00+02" (no minutes in the offset), which datetime.time refuses.
    "timetz": _STR,
    "numeric": {"type": "decimal.Decimal"},
    "bigint": {"type": "int"},
    "smallint": {"type": "int"},
    "int2": {"type": "int"},
    "int4": {"type": "int"},
    "int8": {"type": "int"},
    "float4": {"type": "float"},
    "float8": {"type": "float"},
    "real": {"type": "float"},
    "citext": _STR,
    "text": _STR,
    "bpchar": _STR,
    "varchar": _STR,
    "name": _STR,
    # Postgres text forms with no exact Python twin: kept as the server writes them.
    "interval": _STR,  # "1 day 02:00:00" (not ISO 8601)
    "money": _STR,  # locale-formatted "$1,000.00"
    "bytea": _STR,  # "\\x0102..." (hex)
    "ltree": _STR,
    "lquery": _STR,
    "ltxtquery": _STR,
    "inet": _STR,  # "10.0.0.1/24" is not an ipaddress.IPv4Address
    "cidr": _STR,
    "macaddr": _STR,
    "macaddr8": _STR,
    "tsvector": _STR,
    "tsquery": _STR,
    "jsonb": _JSON,
    "json": _JSON,
    "geography": _JSON,  # GeoJSON objects
    "geometry": _JSON,
}
# A Postgres array type: Hasura names it after the element type with a leading underscore.
ARRAY_SCALAR: Final = {"type": "dxtra_typed.scalars.PgArray"}
# Any other custom scalar: its JSON value passed through as is, typed, with a warning.
PASSTHROUGH_SCALAR: Final = _JSON
_BUILTIN_SCALARS: Final = frozenset({"String", "Int", "Float", "Boolean", "ID"})
_SCALAR_KEYS: Final = frozenset({"type", "parse", "serialize"})


class UnknownScalarWarning(UserWarning):
    """A schema scalar with no Python type: generated as a JSON pass-through."""


def schema_scalars(schema: Path) -> list[str]:
    """The custom scalars an SDL file (or folder of them) declares, without building it.

    A line scan: ``scalar <name>`` at the start of a line. A match inside a description
    only adds a mapping that nothing uses.
    """
    files = (
        sorted(p for p in schema.rglob("*") if p.suffix in (".graphql", ".graphqls", ".gql"))
        if schema.is_dir()
        else [schema]
    )
    found: set[str] = set()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue  # ariadne-codegen reports a missing schema with its own message
        found.update(_SCALAR_LINE.findall(text))
    return sorted(found - _BUILTIN_SCALARS)


_SCALAR_LINE: Final = re.compile(r"^[ \t]*scalar[ \t]+([_A-Za-z][_0-9A-Za-z]*)", re.MULTILINE)


def scalar_types(
    declared: list[str], overrides: dict[str, dict[str, str]]
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The scalar mapping (the table, the project's overrides on top, then each other
    declared scalar), and the declared names that fell back to the pass-through.

    A declared scalar the table does not know is ``_<known>`` (a Postgres array) or else
    passed through as JSON.
    """
    mapping = {name: dict(spec) for name, spec in SCALARS.items()}
    mapping.update({name: dict(spec) for name, spec in overrides.items()})
    unknown: list[str] = []
    for name in declared:
        if name in mapping:
            continue
        if name.startswith("_") and (name[1:] in SCALARS or name[1:] in _ARRAY_ELEMENTS):
            mapping[name] = dict(ARRAY_SCALAR)
        else:
            mapping[name] = dict(PASSTHROUGH_SCALAR)
            unknown.append(name)
    return mapping, unknown


# Element types Hasura arrays are named after that are GraphQL builtins here (`_int4`, `_bool`).
_ARRAY_ELEMENTS: Final = frozenset({"bool", "boolean", "uuid", "int", "integer", "float"})


# ariadne-codegen settings shared by both runs.
_COMMON: Final[dict[str, Any]] = {
    "include_comments": "stable",
    "convert_to_snake_case": True,
    # Only the inputs and enums the operations use: a Hasura schema has hundreds.
    "include_all_inputs": False,
    "include_all_enums": False,
    "multipart_uploads": False,
    # A nullable field missing from a response validates as None (schema evolution tolerance).
    "default_optional_fields_to_none": True,
    # Import cost: a lazy (PEP 562) package __init__ and a client module that imports no
    # generated class at import time; each method imports its result class on first call.
    "lazy_imports": True,
}

# Keys this module derives; a project sets them through [tool.dxtra-typed] instead.
_DERIVED: Final = {
    "schema_path": "schema",
    "queries_path": "queries",
    "target_package_name": "package",
    "target_package_path": "package_path",
    "client_name": "client / async_client",
    "client_file_name": None,
    "base_client_name": None,
    "base_client_file_path": None,
    "async_client": None,
}
_KEYS: Final = ("package", "package_path", "schema", "queries", "client", "async_client")


@dataclass(frozen=True)
class Settings:
    root: Path
    config_path: Path
    package: str
    package_path: str = "."
    schema: str = "schema/schema.graphql"
    queries: str = "queries"
    client: str = "Client"
    async_client: str = "AsyncClient"
    ariadne: dict[str, Any] = field(default_factory=dict)
    scalars: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def schema_path(self) -> Path:
        return self.root / self.schema

    @property
    def queries_path(self) -> Path:
        return self.root / self.queries

    @property
    def import_root(self) -> Path:
        """The folder to put on ``sys.path`` to import the generated package."""
        return (self.root / self.package_path).resolve()

    def package_dir(self, out_root: Path | None = None) -> Path:
        return (out_root or self.root) / self.package_path / self.package

    @property
    def skip_rules(self) -> tuple[str, ...]:
        skip = self.ariadne.get("skip_validation_rules", DEFAULT_SKIP_RULES)
        return tuple(str(s) for s in skip)

    def ariadne_configs(
        self, out_root: Path | None = None, *, warn: bool = True
    ) -> list[dict[str, Any]]:
        """The two ariadne-codegen config dicts: the async client, then the sync one.

        Every scalar the schema declares gets a Python type (``scalar_types``); one that none
        of the tables knows is passed through as JSON and named in an
        ``UnknownScalarWarning`` (``warn=False``: silently).

        Input paths stay relative to the project folder (ariadne-codegen writes
        ``queries_path`` into every file header, so an absolute path would differ between
        checkouts); the templates are absolute paths into the installed package (only their
        contents are copied).
        """
        extra = copy.deepcopy(self.ariadne)
        plugins = [*PLUGINS, *extra.pop("plugins", [])]
        ariadne_scalars = extra.pop("scalars", {})
        mapped, unknown = scalar_types(schema_scalars(self.schema_path), self.scalars)
        scalars = {**mapped, **ariadne_scalars}
        unknown = [name for name in unknown if name not in ariadne_scalars]
        for name in unknown if warn else ():
            warnings.warn(
                f"scalar {name!r} (in {self.schema}) has no Python type: its values pass "
                "through as JSON (dxtra_typed.scalars.JSON). Give it one in "
                f'[tool.{TABLE}.scalars], e.g. {name} = "str"',
                UnknownScalarWarning,
                stacklevel=2,
            )
        base: dict[str, Any] = {
            **_COMMON,
            **extra,
            "schema_path": self.schema,
            "queries_path": self.queries,
            "target_package_name": self.package,
            "target_package_path": str((out_root or self.root).resolve() / self.package_path),
            "plugins": plugins,
            "scalars": scalars,
        }
        async_run = {
            **base,
            "client_name": self.async_client,
            "client_file_name": "async_client",
            "base_client_name": "AsyncDxtraBaseClient",
            "base_client_file_path": str(TEMPLATES / "async_base_client.py"),
            "async_client": True,
        }
        sync_run = {
            **base,
            "client_name": self.client,
            "client_file_name": "client",
            "base_client_name": "DxtraBaseClient",
            "base_client_file_path": str(TEMPLATES / "base_client.py"),
            "async_client": False,
        }
        table = self.table()
        return [{"tool": {"ariadne-codegen": run, TABLE: table}} for run in (async_run, sync_run)]

    def table(self) -> dict[str, str]:
        return {key: getattr(self, key) for key in _KEYS}


def _identifier(value: Any, key: str, where: Path) -> str:
    if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value):
        raise SchemaToolError(
            f"{where}: [tool.{TABLE}] {key} must be a Python identifier, got {value!r}"
        )
    return value


def settings_from_table(
    root: Path, config_path: Path, table: dict[str, Any], ariadne: dict[str, Any]
) -> Settings:
    unknown = sorted(set(table) - set(_KEYS) - {"scalars"})
    if unknown:
        raise SchemaToolError(
            f"{config_path}: unknown key(s) in [tool.{TABLE}]: {', '.join(unknown)} "
            f"(known: {', '.join(_KEYS)}, scalars)"
        )
    if "package" not in table:
        raise SchemaToolError(
            f'{config_path}: [tool.{TABLE}] needs package = "<import name of the generated '
            'package>"'
        )
    for key in ("package_path", "schema", "queries"):
        if key in table and not isinstance(table[key], str):
            raise SchemaToolError(f"{config_path}: [tool.{TABLE}] {key} must be a string")
    for key, use in _DERIVED.items():
        if key in ariadne:
            instead = f"set {use} in [tool.{TABLE}]" if use else "dxtra-typed sets it"
            raise SchemaToolError(
                f"{config_path}: [tool.ariadne-codegen] {key} is not used: {instead}"
            )
    client = _identifier(table.get("client", "Client"), "client", config_path)
    values: dict[str, Any] = {k: v for k, v in table.items() if k in _KEYS}
    values["package"] = _identifier(table["package"], "package", config_path)
    values["client"] = client
    values["async_client"] = _identifier(
        table.get("async_client", f"Async{client}"), "async_client", config_path
    )
    scalars = _scalar_overrides(table.get("scalars", {}), config_path)
    return Settings(
        root=root, config_path=config_path, ariadne=dict(ariadne), scalars=scalars, **values
    )


def _scalar_overrides(table: Any, where: Path) -> dict[str, dict[str, str]]:
    """``[tool.dxtra-typed.scalars]``: ``name = "module.Type"`` or
    ``name = { type = "...", parse = "...", serialize = "..." }`` (ariadne-codegen's form)."""
    if not isinstance(table, dict):
        raise SchemaToolError(f"{where}: [tool.{TABLE}.scalars] must be a table")
    overrides: dict[str, dict[str, str]] = {}
    for name, value in table.items():
        spec = {"type": value} if isinstance(value, str) else value
        if (
            not isinstance(spec, dict)
            or "type" not in spec
            or set(spec) - _SCALAR_KEYS
            or not all(isinstance(v, str) and v for v in spec.values())
        ):
            raise SchemaToolError(
                f"{where}: [tool.{TABLE}.scalars] {name}: expected a type's import path "
                f'("module.Type", or "str") or a table with type and optionally parse and '
                f"serialize, got {value!r}"
            )
        overrides[name] = dict(spec)
    return overrides


def load_settings(root: Path, config_path: Path | None = None) -> Settings:
    """The project at ``root``: ``config_path``, else ``root/codegen.toml``, else a
    ``[tool.dxtra-typed]`` table in ``root/pyproject.toml``."""
    candidates = [config_path] if config_path else [root / CONFIG_FILE, root / "pyproject.toml"]
    for path in candidates:
        try:
            with path.open("rb") as fh:
                document = tomllib.load(fh)
        except FileNotFoundError:
            if config_path is not None:
                raise SchemaToolError(f"cannot read {path}: no such file") from None
            continue
        except OSError as exc:
            raise SchemaToolError(f"cannot read {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SchemaToolError(f"{path}: {exc}") from None
        tool = document.get("tool", {})
        table = tool.get(TABLE)
        if table is None:
            if path.name == "pyproject.toml" and config_path is None:
                continue
            raise SchemaToolError(
                f"{path}: no [tool.{TABLE}] table (run `dxtra-typed init` to create a project)"
            )
        if not isinstance(table, dict):
            raise SchemaToolError(f"{path}: [tool.{TABLE}] must be a table")
        return settings_from_table(root, path, table, dict(tool.get("ariadne-codegen", {})))
    raise NoProjectError(
        f"no dxtra-typed project in {root}: no {CONFIG_FILE} (nor [tool.{TABLE}] in "
        "pyproject.toml); run `dxtra-typed init` there, or pass --root/--config"
    )
