"""`dxtra-typed call OPERATION [--var name=value ...] [--role R] [--json]`: try an operation.

Runs any generated operation through `DxtraClient.from_env()` (DXTRA_API_KEY, DXTRA_AUTH_URL,
DXTRA_API_URL, DXTRA_ROLE) and prints the result as a table (a list of rows: one column per
field; one object: field/value lines) or, with `--json`, as JSON. `--list` shows every
operation with the first sentence of its generated docstring.

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
import inspect
import json
import re
import sys
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

EXIT_OK, EXIT_API_ERROR, EXIT_USAGE = 0, 1, 2

_RUNS = re.compile(r"Runs the GraphQL (query|mutation|subscription) `(\w+)`")
_ROLE = re.compile(r"Role: written for `(\w+)`")


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
    parser.add_argument("--role", help="X-Hasura-Role for this call (default DXTRA_ROLE or user)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--list", action="store_true", help="list the operations and exit")
    parser.set_defaults(run=run)


# -- the operations of the generated client ---------------------------------------------------


class Operation:
    def __init__(self, method: str, function: Callable[..., Any]) -> None:
        self.method = method
        self.function = function
        doc = inspect.getdoc(function) or ""
        runs = _RUNS.search(" ".join(doc.split()))
        self.kind = runs.group(1) if runs else "query"
        self.name = runs.group(2) if runs else "".join(p.title() for p in method.split("_"))
        role = _ROLE.search(" ".join(doc.split()))
        self.role = role.group(1) if role else None
        first = " ".join(doc.split("\n\n", 1)[0].split())
        if first.startswith("Runs the GraphQL"):
            first = ""
        sentence = re.split(r"(?<=\.)\s+(?=[A-Z])", first, maxsplit=1)[0]
        self.summary = sentence if len(sentence) <= 100 else sentence[:99].rsplit(" ", 1)[0] + "…"


def operations() -> dict[str, Operation]:
    """Every generated operation method of the sync client, by method name (sorted)."""
    from dxtra_generated.client import DxtraGeneratedClient

    found: dict[str, Operation] = {}
    for name, value in sorted(vars(DxtraGeneratedClient).items()):
        if name.startswith("_") or name.startswith("iter_") or not callable(value):
            continue
        found[name] = Operation(name, value)
    return found


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
    hints = typing.get_type_hints(op.function)
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
        if python_name not in params:
            known = ", ".join(params) or "none"
            raise UsageError(f"--var {name}: {op.name} has no such variable (variables: {known})")
        adapter: TypeAdapter[Any] = TypeAdapter(_without_unset(hints[python_name]))
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
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
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
    from pydantic import BaseModel

    def dump(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json", by_alias=True)
        if isinstance(value, list):
            return [dump(v) for v in value]
        return value

    return json.dumps(dump(result), indent=2, ensure_ascii=False)


# -- the command --------------------------------------------------------------------------------


def _err(message: str) -> None:
    print(f"dxtra-typed call: {message}", file=sys.stderr, flush=True)


def _list(ops: dict[str, Operation]) -> str:
    rows = [
        [op.name, op.method, op.kind + (f", role {op.role}" if op.role else ""), op.summary]
        for op in sorted(ops.values(), key=lambda o: o.name)
    ]
    return _grid(["operation", "method", "kind", "what it does"], rows)


def run(args: argparse.Namespace) -> int:
    from dxtra_typed._errors import DxtraError

    ops = operations()
    if args.list:
        print(_list(ops))
        return EXIT_OK
    if not args.operation:
        _err("name an OPERATION (or use --list)")
        return EXIT_USAGE
    try:
        op = find_operation(args.operation, ops)
        variables = parse_variables(op, args.var)
    except UsageError as exc:
        _err(str(exc))
        return EXIT_USAGE
    from dxtra_typed import DxtraClient

    try:
        with DxtraClient.from_env(**({"role": args.role} if args.role else {})) as client:
            result = getattr(client, op.method)(**variables)
    except DxtraError as exc:
        message = " ".join(str(exc).split())
        _err(f"{type(exc).__name__}: {message}")
        return EXIT_API_ERROR
    print(render_json(result) if args.json else render_table(result))
    return EXIT_OK
