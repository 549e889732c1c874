"""`dxtra-typed call OPERATION [--var name=value ...] [--role R] [--json]`: try an operation.

Runs any generated operation of the project in the current folder (or `--root`; its
settings say which package and classes), else of the bundled `DxtraClient`, through
`Client.from_env()` (DXTRA_API_KEY, DXTRA_AUTH_URL, DXTRA_API_URL, DXTRA_ROLE) and prints
the result as a table (a list of rows: one column per field; one object: field/value lines)
or, with `--json`, as JSON. Both name fields as the
GraphQL schema and queries/ do (`createdAt`, not `created_at`), so the JSON is the API's own
shape. `--list` shows every operation with the first sentence of the comment above it in
queries/.

The role is `--role`, else the operation's own `# role:` (as `--list` shows it), else
DXTRA_ROLE, else `user`. Subscriptions run on the async client and print one line per event
(`--json`: one compact JSON document; a table: one row per streamed row, or the whole result
of a live query) until Ctrl-C or `--max N` events.

Variables are converted with pydantic through the method's own parameter annotations, so
`--var controllerId=...` becomes a `uuid.UUID`, `--var limit=10` an `int`, `--var dueDate=...`
a `datetime.date`, and an input object is given as JSON (`--var 'status={"_eq": "submitted"}'`).
Exit codes: 0 done, 1 the API or the client reported an error (one line on stderr),
2 the command line is wrong (unknown operation or variable, a value that does not convert:
the pydantic reason on one line).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dxtra_typed._validation import lenient_ids, type_hints

if TYPE_CHECKING:
    from dxtra_typed._config import Role
    from dxtra_typed._operation_info import OperationInfo

EXIT_OK, EXIT_API_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake on the command line (exit 2)."""


def register(subcommands: Any) -> None:
    parser: argparse.ArgumentParser = subcommands.add_parser(
        "call",
        help="run one generated operation with DXTRA_* credentials and print the result",
        description=(
            "Run one operation of the generated client (by operation name, e.g. "
            "DataControllers, or method name, e.g. data_controllers) with the credentials in "
            "DXTRA_API_KEY / DXTRA_AUTH_URL / DXTRA_API_URL / DXTRA_ROLE. Exit codes: 0 done, "
            "1 API or client error, 2 bad command line or variable."
        ),
    )
    parser.add_argument("operation", nargs="?", help="operation or method name")
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable (GraphQL or Python name); JSON for input objects; repeatable",
    )
    parser.add_argument(
        "--role",
        help="X-Hasura-Role for this call (default: the operation's `# role:`, else "
        "DXTRA_ROLE, else user)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the result as JSON (fields named as in GraphQL, like the table)",
    )
    parser.add_argument(
        "--max",
        type=_positive_int,
        default=None,
        metavar="N",
        help="subscriptions: stop after N events (default: run until Ctrl-C)",
    )
    parser.add_argument("--list", action="store_true", help="list the operations and exit")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="project folder whose generated client to use (default: current directory; "
        "without a project there, the bundled operations)",
    )
    parser.add_argument(
        "--config", type=Path, default=None, help="default: ROOT/codegen.toml or pyproject.toml"
    )
    parser.set_defaults(run=run)


def _import_class(module_name: str, name: str, where: str) -> type[Any]:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(
            f"cannot import {module_name} from {where} ({exc}); run `dxtra-typed generate` first"
        ) from None
    found = getattr(module, name, None)
    if not isinstance(found, type):
        raise UsageError(f"{module_name} has no class {name}; run `dxtra-typed generate` again")
    return found


def client_classes(root: Path, config_path: Path | None = None) -> tuple[type[Any], type[Any]]:
    """The sync and async clients of the project at ``root`` (its generated package imported
    from the project's folder), or the bundled ones when there is no project there."""
    from dxtra_typed.codegen._settings import load_settings
    from dxtra_typed.schema_tools._errors import NoProjectError, SchemaToolError

    try:
        settings = load_settings(root, config_path)
    except NoProjectError:
        from dxtra_generated.async_client import AsyncDxtraClient
        from dxtra_generated.client import DxtraClient

        return DxtraClient, AsyncDxtraClient
    except SchemaToolError as exc:
        raise UsageError(str(exc)) from None
    where = str(settings.import_root)
    if where not in sys.path:
        sys.path.insert(0, where)
    package = settings.package
    return (
        _import_class(f"{package}.client", settings.client, where),
        _import_class(f"{package}.async_client", settings.async_client, where),
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


# -- the operations of the generated client ---------------------------------------------------


class Operation:
    """One generated operation: its facts from the codegen table, and the method to call."""

    def __init__(self, info: OperationInfo, function: Callable[..., Any]) -> None:
        self.method = info.method
        self.function = function
        self.kind = info.kind
        self.name = info.name
        self.role = info.role
        sentence = re.split(r"(?<=\.)\s+(?=[A-Z])", info.doc, maxsplit=1)[0]
        self.summary = sentence if len(sentence) <= 100 else sentence[:99].rsplit(" ", 1)[0] + "…"


def operations(
    clients: tuple[type[Any], type[Any]] | None = None,
) -> dict[str, Operation]:
    """Every generated operation method, by method name (sorted): queries and mutations of
    the sync client, subscriptions of the async one (the only client that has them).
    ``clients``: a project's (sync, async) classes; default the bundled ones.

    Their facts come from the ``OPERATIONS`` table codegen writes beside each client class
    (``OperationTablePlugin``), so the wording of the docstrings does not matter.
    """
    if clients is None:
        from dxtra_generated.async_client import AsyncDxtraClient
        from dxtra_generated.client import DxtraClient

        clients = (DxtraClient, AsyncDxtraClient)
    sync_class, async_class = clients
    table: dict[str, OperationInfo] = getattr(sys.modules[async_class.__module__], "OPERATIONS", {})
    return {
        method: Operation(
            info,
            getattr(async_class if info.kind == "subscription" else sync_class, method),
        )
        for method, info in sorted(table.items())
    }


def _key(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


def find_operation(name: str, ops: dict[str, Operation]) -> Operation:
    for op in ops.values():
        if _key(name) in (_key(op.method), _key(op.name)):
            return op
    choices = [op.name for op in ops.values()] + list(ops)
    close = difflib.get_close_matches(name, choices, n=1)
    hint = f"; did you mean {close[0]}?" if close else "; `dxtra-typed call --list` lists them"
    raise UsageError(f"unknown operation {name!r}{hint}")


# -- variables ----------------------------------------------------------------------------------


def _without_unset(annotation: Any) -> Any:
    """``Union[Optional[int], UnsetType]`` → ``Optional[int]`` (UNSET is 'not given')."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and args:
        kept = tuple(a for a in args if getattr(a, "__name__", "") != "UnsetType")
        if len(kept) != len(args):
            return typing.Union[kept]  # noqa: UP007  (built from a runtime tuple)
    return annotation


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def parse_variables(op: Operation, pairs: Sequence[str]) -> dict[str, Any]:
    """``["controllerId=…", "limit=5"]`` → keyword arguments typed for ``op``'s method."""
    from pydantic import TypeAdapter, ValidationError

    signature = inspect.signature(op.function)
    hints = type_hints(op.function)
    params = {
        name: p
        for name, p in signature.parameters.items()
        if name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD
    }
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--var {pair!r}: expected NAME=VALUE")
        python_name = name if name in params else _snake(name)
        if python_name not in params and f"{python_name}_" in params:
            python_name += "_"  # `$role` is the argument `role_` (README "Names")
        if python_name not in params:
            known = ", ".join(params) or "none"
            raise UsageError(f"--var {name}: {op.name} has no such variable (variables: {known})")
        adapter: TypeAdapter[Any] = TypeAdapter(lenient_ids(_without_unset(hints[python_name])))
        try:
            if raw == "null":
                value = adapter.validate_python(None)
            elif raw[:1] in "{[":
                value = adapter.validate_json(raw)
            else:
                value = adapter.validate_python(raw)
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in error["loc"])
            reason = error["msg"] + (f" at {where}" if where else "")
            raise UsageError(f"--var {name}={raw}: {reason}") from None
        values[python_name] = value
    missing = [
        n for n, p in params.items() if p.default is inspect.Parameter.empty and n not in values
    ]
    if missing:
        raise UsageError(f"{op.name} needs " + ", ".join(f"--var {n}=..." for n in missing))
    return values


# -- output -----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A result as JSON values, fields named as in GraphQL (the aliases): the table and
    ``--json`` show the same names."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def render_table(result: Any) -> str:
    plain = _plain(result)
    if plain is None:
        return "(none)"
    if isinstance(plain, list):
        if not plain:
            return "(no rows)"
        if all(isinstance(row, dict) for row in plain):
            columns: list[str] = []
            for row in plain:
                columns.extend(k for k in row if k not in columns)
            table = _grid(columns, [[_cell(row.get(c)) for c in columns] for row in plain])
            return f"{table}\n({len(plain)} row{'s' if len(plain) != 1 else ''})"
        return "\n".join(_cell(v) for v in plain)
    if isinstance(plain, dict):
        return _grid(["field", "value"], [[k, _cell(v)] for k, v in plain.items()])
    return _cell(plain)


def render_json(result: Any) -> str:
    return json.dumps(_plain(result), indent=2, ensure_ascii=False)


class EventPrinter:
    """One subscription event at a time: ``--json`` prints one compact JSON line per event;
    the table prints a streamed row as one row under a header printed once, and a live
    query's whole result (a list of rows) as a table per event."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.columns: list[str] | None = None
        self.widths: list[int] = []

    def render(self, event: Any) -> str:
        plain = _plain(event)
        if self.as_json:
            return json.dumps(plain, separators=(",", ":"), ensure_ascii=False)
        if not isinstance(plain, dict):
            return render_table(event) + "\n"
        cells = {c: _cell(v) for c, v in plain.items()}
        lines = []
        if self.columns is None:  # widths from the header and the first row
            self.columns = list(plain)
            self.widths = [max(len(c), len(cells[c])) for c in self.columns]
            lines.append(_row(self.columns, self.widths))
        lines.append(_row([cells.get(c, "") for c in self.columns], self.widths))
        return "\n".join(lines)


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


# -- the command --------------------------------------------------------------------------------


def _err(message: str) -> None:
    print(f"dxtra-typed call: {message}", file=sys.stderr, flush=True)


def _list(ops: dict[str, Operation]) -> str:
    rows = [
        [op.name, op.method, op.kind + (f", role {op.role}" if op.role else ""), op.summary]
        for op in sorted(ops.values(), key=lambda o: o.name)
    ]
    return _grid(["operation", "method", "kind", "what it does"], rows)


def choose_role(flag: str | None, declared: str | None) -> Role | None:
    """``--role``, else the role the operation declares (``# role:``); None leaves it to
    DXTRA_ROLE / the default. An invalid role is a command-line error."""
    from dxtra_typed._config import check_role
    from dxtra_typed._errors import ConfigurationError

    role = flag or declared
    if role is not None:
        try:
            check_role(role, "--role" if flag else "the operation's `# role:`")
        except ConfigurationError as exc:
            raise UsageError(exc.message) from None
    return typing.cast("Role | None", role)


def run(args: argparse.Namespace) -> int:
    from dxtra_typed._errors import DxtraError, MissingExtraError

    try:
        clients = client_classes((args.root or Path.cwd()).resolve(), args.config)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    ops = operations(clients)
    if args.list:
        print(_list(ops))
        return EXIT_OK
    if not args.operation:
        _err("name an OPERATION (or use --list)")
        return EXIT_USAGE
    try:
        op = find_operation(args.operation, ops)
        variables = parse_variables(op, args.var)
        role = choose_role(args.role, op.role)
        if args.max is not None and op.kind != "subscription":
            raise UsageError(f"--max applies to subscriptions; {op.name} is a {op.kind}")
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    try:
        if op.kind == "subscription":
            return run_subscription(clients[1], op.method, variables, role, args.json, args.max)
        result = run_operation(clients[0], op.method, variables, role)
    except MissingExtraError:
        raise  # one line and exit 2, by the command line's main
    except DxtraError as exc:
        message = " ".join(str(exc).split())
        _err(f"{type(exc).__name__}: {message}")
        return EXIT_API_ERROR
    print(render_json(result) if args.json else render_table(result))
    return EXIT_OK


def run_operation(
    client_class: type[Any], method: str, variables: dict[str, Any], role: Role | None
) -> Any:
    """One query or mutation through ``client_class.from_env()`` as ``role``.

    The role goes per call too: a generated method's own ``# role:`` beats the client's role
    (see README, "Which role a call runs as"), and ``--role`` must beat both."""
    with client_class.from_env(role=role) as client:
        return getattr(client, method)(**variables, **_per_call(role))


def _per_call(role: Role | None) -> dict[str, Any]:
    return {} if role is None else {"role": role}


def run_subscription(
    client_class: type[Any],
    method: str,
    variables: dict[str, Any],
    role: Role | None,
    as_json: bool,
    max_events: int | None,
) -> int:
    """Print each event of a subscription as it arrives, until ``max_events`` or Ctrl-C."""
    import asyncio
    from contextlib import aclosing

    from dxtra_typed._extras import missing_extra_message

    missing = missing_extra_message("subscriptions", f"{method} (a subscription)")
    if missing is not None:
        _err(missing)
        return EXIT_USAGE

    printer = EventPrinter(as_json)
    seen = 0

    async def consume() -> None:
        nonlocal seen
        async with (
            client_class.from_env(role=role) as client,
            aclosing(getattr(client, method)(**variables, **_per_call(role))) as events,
        ):
            async for event in events:
                print(printer.render(event), flush=True)
                seen += 1
                if max_events is not None and seen >= max_events:
                    return

    try:
        asyncio.run(consume())
    except KeyboardInterrupt:
        print(f"call: stopped after {seen} event(s)", file=sys.stderr, flush=True)
    return EXIT_OK
