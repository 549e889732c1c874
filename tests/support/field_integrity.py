"""Field integrity of a generated package: every selected field arrives under its own attribute.

For each operation of a document, build the response its selection asks for, with a distinct
value per field (graphql-core walks the selection against the schema: scalars by type, enums,
lists, inline fragments and spreads, aliases, ``__typename``), validate it with the operation's
generated result model, then walk the model and the response side by side: every response
key must be a field of the model (by alias) and hold the value sent for that key. Two fields
merged into one Python name, a field dropped, a nested class shared by two different
selections: each shows up as a problem naming the operation and the path.

Reusable on any schema + operations + generated package (the real schemas, the hazard schema,
a synthetic one)::

    report = check_package(schema_sdl, operations_text, "acme_generated")
    assert not report.problems, report.problems

The package must be importable (its folder on ``sys.path``). Values for scalars the table
below does not know are strings; pass ``scalar_values`` for a project that maps one otherwise.
From a shell, on a package generated elsewhere::

    python -m tests.support.field_integrity SCHEMA OPERATIONS PACKAGE_ROOT PACKAGE
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    is_abstract_type,
    parse,
)
from pydantic import BaseModel

_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

ScalarValue = Callable[[int], Any]

SCALAR_VALUES: dict[str, ScalarValue] = {
    "Int": lambda n: n,
    "Float": lambda n: Decimal(f"{n}.5"),
    "String": lambda n: f"s{n}",
    "ID": lambda n: f"id{n}",
    "Boolean": lambda n: n % 2 == 0,
    "uuid": lambda n: str(uuid.UUID(int=n)),
    "timestamptz": lambda n: (_EPOCH + dt.timedelta(seconds=n)).isoformat(),
    "timestamp": lambda n: (_EPOCH + dt.timedelta(seconds=n)).replace(tzinfo=None).isoformat(),
    "date": lambda n: (_EPOCH + dt.timedelta(days=n)).date().isoformat(),
    "time": lambda n: (_EPOCH + dt.timedelta(seconds=n)).time().isoformat(),
    "numeric": lambda n: Decimal(f"{n}.25"),
    "bigint": lambda n: 10**12 + n,
    "smallint": lambda n: n,
    "float8": lambda n: Decimal(f"{n}.5"),
    "jsonb": lambda n: {"n": n},
    "json": lambda n: {"n": n},
    "geography": lambda n: {"type": "Point", "coordinates": [n, n]},
    "geometry": lambda n: {"type": "Point", "coordinates": [n, n]},
}


@dataclass
class Report:
    operations: int = 0
    values: int = 0
    problems: list[str] = field(default_factory=list)


def check_package(
    schema: GraphQLSchema | str,
    operations: str,
    package: str,
    scalar_values: Mapping[str, ScalarValue] | None = None,
) -> Report:
    """Check every named operation of ``operations`` against ``package``'s models."""
    built = build_schema(schema) if isinstance(schema, str) else schema
    document = parse(operations)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    client = importlib.import_module(f"{package}.client")
    by_name = {info.name: method for method, info in client.OPERATIONS.items()}
    async_client = importlib.import_module(f"{package}.async_client")
    by_name.update({info.name: m for m, info in async_client.OPERATIONS.items()})
    values = {**SCALAR_VALUES, **(scalar_values or {})}
    report = Report()
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode) or definition.name is None:
            continue
        name = definition.name.value
        root = built.get_root_type(definition.operation)
        assert root is not None, name
        builder = _Builder(built, fragments, values)
        response = builder.selection(definition.selection_set, root)
        method = by_name.get(name)
        if method is None:
            report.problems.append(f"{name}: no client method lists this operation")
            continue
        module = importlib.import_module(f"{package}.{method}")
        model: type[BaseModel] = getattr(module, _pascal(name))
        report.operations += 1
        wire = response  # already as the client parses JSON: numbers with a fraction as Decimal
        try:
            instance = model.model_validate(wire)
        except Exception as exc:  # a model that refuses a correct response is a problem
            report.problems.append(f"{name}: a correct response does not validate: {exc}")
            continue
        report.values += _compare(instance, wire, name, report.problems)
    return report


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


class _Builder:
    """A response for one selection, one distinct value per leaf (a running counter)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        values: Mapping[str, ScalarValue],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.values = values
        self.counter = 0

    def _fields(
        self, selection_set: SelectionSetNode, concrete: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        found: dict[str, list[FieldNode]] = {}
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                found.setdefault(key, []).append(selection)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = selection.selection_set
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                continue
            if condition is None or self._applies(condition.name.value, concrete):
                for key, nodes in self._fields(inner, concrete).items():
                    found.setdefault(key, []).extend(nodes)
        return found

    def _applies(self, condition: str, concrete: GraphQLObjectType) -> bool:
        target = self.schema.get_type(condition)
        if target is None:
            return False
        if target is concrete:
            return True
        return is_abstract_type(target) and self.schema.is_sub_type(target, concrete)  # type: ignore[arg-type]

    def selection(self, selection_set: SelectionSetNode, parent: Any) -> dict[str, Any]:
        concrete = parent
        if is_abstract_type(parent):
            concrete = sorted(self.schema.get_possible_types(parent), key=lambda t: t.name)[0]
        result: dict[str, Any] = {}
        if is_abstract_type(parent):
            result["__typename"] = concrete.name
        for key, nodes in self._fields(selection_set, concrete).items():
            name = nodes[0].name.value
            if name == "__typename":
                result[key] = concrete.name
                continue
            field_type = concrete.fields[name].type
            merged = [s for n in nodes if n.selection_set for s in n.selection_set.selections]
            result[key] = self.value(field_type, SelectionSetNode(selections=tuple(merged)))
        return result

    def value(self, field_type: GraphQLOutputType, selection_set: SelectionSetNode) -> Any:
        if isinstance(field_type, GraphQLNonNull):
            return self.value(field_type.of_type, selection_set)
        if isinstance(field_type, GraphQLList):
            return [self.value(field_type.of_type, selection_set)]
        self.counter += 1
        if isinstance(field_type, GraphQLEnumType):
            members = list(field_type.values)
            return members[self.counter % len(members)]
        if isinstance(field_type, GraphQLScalarType):
            make = self.values.get(field_type.name)
            if make is None and field_type.name.startswith("_"):
                return [f"a{self.counter}"]  # a Postgres array
            return make(self.counter) if make else f"x{self.counter}"
        return self.selection(selection_set, field_type)


def _canon(value: Any) -> Any:
    """One comparable form for a value sent and the value a model holds."""
    if isinstance(value, enum.Enum):
        return _canon(value.value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str):
        return value.replace("+00:00", "Z")
    if isinstance(value, uuid.UUID):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


def _compare(instance: Any, wire: Any, path: str, problems: list[str]) -> int:
    if isinstance(wire, list):
        if not isinstance(instance, list) or len(instance) != len(wire):
            problems.append(f"{path}: expected a list of {len(wire)}, found {instance!r}")
            return 0
        return sum(
            _compare(i, w, f"{path}[{n}]", problems)
            for n, (i, w) in enumerate(zip(instance, wire, strict=True))
        )
    if isinstance(wire, dict) and isinstance(instance, BaseModel):
        fields = type(instance).model_fields
        by_key = {(info.alias or name): name for name, info in fields.items()}
        count = 0
        for key, sent in wire.items():
            attribute = by_key.get(key)
            if attribute is None:
                problems.append(f"{path}.{key}: no field of {type(instance).__name__} has it")
                continue
            count += _compare(getattr(instance, attribute), sent, f"{path}.{key}", problems)
        return count
    if _canon(instance) != _canon(wire):
        problems.append(f"{path}: sent {wire!r}, the model holds {instance!r}")
    return 1


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.support.field_integrity SCHEMA OPERATIONS PACKAGE_ROOT PACKAGE``:
    check a package generated elsewhere (e.g. from bench's synthetic schema)."""
    import argparse
    import sys
    from pathlib import Path

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("schema", type=Path, help="the SDL file")
    parser.add_argument("operations", type=Path, help="a .graphql file or a folder of them")
    parser.add_argument("package_root", type=Path, help="the folder holding the package")
    parser.add_argument("package", help="the generated package's import name")
    args = parser.parse_args(argv)
    files = (
        sorted(args.operations.rglob("*.graphql"))
        if args.operations.is_dir()
        else [args.operations]
    )
    sys.path.insert(0, str(args.package_root.resolve()))
    report = check_package(
        args.schema.read_text(encoding="utf-8"),
        "\n".join(f.read_text(encoding="utf-8") for f in files),
        args.package,
    )
    for problem in report.problems:
        print(problem)
    print(
        f"{report.operations} operations, {report.values} values, {len(report.problems)} problems"
    )
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
