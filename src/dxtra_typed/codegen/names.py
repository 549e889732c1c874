"""GraphQL names → Python names: the one rule set (README "Names"), pure functions only.

A GraphQL name may be anything matching ``[_A-Za-z][_0-9A-Za-z]*``; a schema may hold ``User``
beside ``user``, ``companyId`` beside ``company_id``, Hasura's ``_not`` beside a column ``not``,
an enum value ``title`` (a ``str`` method) or ``from`` (a keyword). Snake-casing alone maps such
names onto one Python name, and then one field's data silently replaces the other's. The rules:

1. **Base name.** Fields and variables: ariadne-codegen's snake_case (``companyId`` →
   ``company_id``; leading underscores go, ``_not`` → ``not``); enum members keep the GraphQL
   spelling. A name that is not usable as is gets one ``_`` appended: keywords (``from_``),
   builtin type names (``type_``, ``list_``, as ariadne-codegen always did), pydantic
   ``BaseModel`` attributes and names the model module binds (``json_``, ``schema_``,
   ``date_`` beside ``from datetime import date``) for model fields, ``str`` attributes
   for enum members (``title_``, ``count_``, ``format_``), the reserved per-call
   option names and method locals for variables (``role_``, ``timeout_``, ``query_``).
   Soft keywords (``match``, ``case``) are valid identifiers everywhere and stay.
2. **Distinct within a namespace.** Names that share a base inside one namespace (an object
   or input type's fields and the aliases selected on it, an enum's members, an operation's
   variables, the operations of a package) are ranked: the GraphQL name equal to the base
   first (``user`` before ``User``, ``company_id`` before ``companyId``), then names already
   in snake_case (``json`` before ``Json``), then by code point (``_not`` before ``not``, so
   Hasura's operators keep ``not_``/``and_``/``or_`` in every ``_bool_exp``). The first
   keeps the base; the next get ``<base>_2``, ``<base>_3``... (trailing ``_`` dropped before
   the number: ``not_2``), skipping any name already taken. The GraphQL name stays on the
   wire through the field's alias (models) or the variables dict (methods). Field names
   depend on the schema type, never on which fields a selection happens to pick, so adding a
   field to a query renames nothing already there (an alias only avoids its siblings).
3. **Deterministic.** The reserved sets are literals here (not read from the installed
   pydantic), so the same schema and operations give the same names everywhere.
"""

from __future__ import annotations

import builtins
import functools
import keyword
import re
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Final

# `dir(pydantic.BaseModel)` public names (pydantic 2.x), frozen: generated names must not
# change with the installed pydantic version.
PYDANTIC_RESERVED: Final = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "from_orm",
        "json",
        "model_computed_fields",
        "model_config",
        "model_construct",
        "model_copy",
        "model_dump",
        "model_dump_json",
        "model_extra",
        "model_fields",
        "model_fields_set",
        "model_json_schema",
        "model_parametrized_name",
        "model_post_init",
        "model_rebuild",
        "model_validate",
        "model_validate_json",
        "model_validate_strings",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
    }
)

# Builtin names that are types: ariadne-codegen has always escaped these (`type_`, `list_`,
# and for enum members also `Exception_`...), and existing names depend on it. The lower-case
# ones, plus every builtin exception and warning class (Python 3.11), frozen as above.
BUILTIN_TYPES: Final = frozenset(
    [
        "bool",
        "bytearray",
        "bytes",
        "classmethod",
        "complex",
        "dict",
        "enumerate",
        "filter",
        "float",
        "frozenset",
        "int",
        "list",
        "map",
        "memoryview",
        "object",
        "property",
        "range",
        "reversed",
        "set",
        "slice",
        "staticmethod",
        "str",
        "super",
        "tuple",
        "type",
        "zip",
        "BaseException",
        "BaseExceptionGroup",
        "Exception",
        "ExceptionGroup",
        "GeneratorExit",
        "KeyboardInterrupt",
        "SystemExit",
        "StopIteration",
        "StopAsyncIteration",
    ]
) | frozenset(name for name in dir(builtins) if name.endswith(("Error", "Warning")))

# Attributes of `str`: a `class E(str, Enum)` member spelt like one fails mypy --strict
# (`title = "title"` redefines str.title). Enum's own `name`/`value` are fine as members
# (Python ≥ 3.11, and mypy accepts them), so they stay as ariadne-codegen always named them.
STR_ATTRIBUTES: Final = frozenset(n for n in dir(str) if not n.startswith("__"))

CALL_OPTIONS: Final = frozenset({"timeout", "max_retries", "role", "headers"})
"""Today's per-call options (``CallOptions``)."""

SUBSCRIBE_OPTIONS: Final = frozenset({"role", "headers", "max_reconnects"})
"""Today's subscription options (``SubscribeOptions``)."""

RESERVED_OPTION_NAMES: Final = (
    CALL_OPTIONS
    | SUBSCRIBE_OPTIONS
    | frozenset(
        {
            # A per-call option added later may only take a name from this set (a test holds
            # CallOptions and SubscribeOptions to it): a variable spelt like one is renamed
            # (`role` → `role_`) already today, so adding the option renames no one's argument.
            # Kept to names no schema is likely to use for a variable: each one renames some.
            "deadline",
            "extensions",
            "idempotency_key",
            "on_retry",
            "retries",
            "retry",
            "retry_policy",
            "trace",
            "tracing",
            "transport",
        }
    )
)
"""Every name an option has or may ever have: never the Python name of a variable."""

METHOD_LOCALS: Final = frozenset(
    {
        # Names a generated method body binds or calls before it has read every argument
        # (`query = gql(...)` comes before `variables = {"query": query}`), and the pager's
        # own names (`iter_*` takes `page_size`, defines `page`, binds `result`).
        "self",
        "kwargs",
        "query",
        "variables",
        "gql",
        "aclosing",
        "events",
        "page_size",
        "page",
        "result",
    }
)


@functools.lru_cache(maxsize=65536)
def snake_case(name: str) -> str:
    """ariadne-codegen's snake_case (kept byte for byte: the bundled names depend on it)."""
    words = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?=[A-Z][a-z]|\d|\W|_|$)|\d+", name)
    return "_".join(map(str.lower, words))


def pascal_case(name: str) -> str:
    """ariadne-codegen's PascalCase of a Python name (result class names are built with it)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _usable(candidate: str, *reserved: AbstractSet[str]) -> str:
    if not candidate:
        candidate = "underscore_named_field"
    if candidate[0].isdigit():
        candidate = "n" + candidate
    if keyword.iskeyword(candidate) or any(candidate in names for names in reserved):
        candidate += "_"
    return candidate


MODULE_NAMES: Final = frozenset({"date", "datetime", "time", "timedelta"})
"""Lower-case names a model module imports for its annotations (``from datetime import date``).

A field spelt like one (``date: Optional[date]``) rebinds it in the class body, and pydantic
then reads the next annotation naming it as the field's default: the field silently stops
validating. So model fields avoid these, and the project's scalar types and the schema's
enum and input class names (``names.field_base(n, module_names(...))``)."""


def module_names(scalar_types: Iterable[str], class_names: Iterable[str]) -> frozenset[str]:
    """Every name a generated model module may bind at module level: the fixed ones, the last
    part of each scalar type's import path, the enum and input class names."""
    return (
        MODULE_NAMES | {path.rpartition(".")[2] for path in scalar_types} | frozenset(class_names)
    )


_FIELD_RESERVED: Final = BUILTIN_TYPES | PYDANTIC_RESERVED
_VARIABLE_RESERVED: Final = BUILTIN_TYPES | RESERVED_OPTION_NAMES | METHOD_LOCALS


def field_base(name: str, module_level: AbstractSet[str] = MODULE_NAMES) -> str:
    """A model field's base name (rule 1): snake_case, escaped if unusable."""
    return _usable(snake_case(name), _FIELD_RESERVED, module_level)


def variable_base(name: str) -> str:
    """A method argument's base name: never an option name nor a method local."""
    return _usable(snake_case(name), _VARIABLE_RESERVED)


def method_base(name: str, reserved: Iterable[str] = ()) -> str:
    """A client method's base name: never a name the client class already has."""
    return _usable(snake_case(name), frozenset(reserved))


def enum_member_base(value: str) -> str:
    """An enum member's base name: the GraphQL value, unless a keyword, a ``str`` attribute,
    a builtin type name (ariadne-codegen's ``type_``) or sunder/dunder (which Enum reserves)."""
    candidate = value
    if keyword.iskeyword(candidate) or candidate in STR_ATTRIBUTES | BUILTIN_TYPES:
        return candidate + "_"
    if len(candidate) > 2 and candidate[0] == candidate[-1] == "_":
        return "m" + candidate  # `_sunder_` / `__dunder__` are never plain Enum members
    return candidate


def _rank(name: str, base: str) -> tuple[bool, bool, str]:
    # The GraphQL name equal to the base, then one already in snake_case (`json` before
    # `Json`; `_not` and `not` both count), then code point order (`_not` before `not`).
    return (name != base, snake_case(name) != name.lstrip("_"), name)


def _numbered(base: str, index: int) -> str:
    return f"{base.rstrip('_')}_{index}"


def assign(
    names: Iterable[str],
    base: Callable[[str], str],
    taken: Iterable[str] = (),
    *,
    pascal_distinct: bool = True,
) -> dict[str, str]:
    """Rule 2: each GraphQL name of one namespace → a distinct Python name.

    ``taken`` are Python names no member may get (e.g. a class's existing methods). With
    ``pascal_distinct`` (model fields: nested result classes are named after their PascalCase
    form) no two results nor a result and a taken name share a PascalCase form either.
    """
    bases = {name: base(name) for name in set(names)}
    blocked = set(taken)
    values = set(bases.values())
    if (
        len(values) == len(bases)
        and values.isdisjoint(blocked)
        and (
            not pascal_distinct
            or len({pascal_case(v) for v in values | blocked}) == len(values) + len(blocked)
        )
    ):
        return bases  # no two names share a base: the common case, nothing to rank
    unique = sorted(bases)
    groups: dict[str, list[str]] = {}
    for name in unique:
        groups.setdefault(bases[name], []).append(name)
    used: set[str] = set()
    used_pascal: set[str] = {pascal_case(name) for name in blocked} if pascal_distinct else set()
    everything = set(bases.values())
    result: dict[str, str] = {}
    for group_base in sorted(groups):
        members = sorted(groups[group_base], key=lambda n: _rank(n, group_base))
        index = 1
        for name in members:
            candidate = group_base
            while (
                candidate in blocked
                or candidate in used
                or pascal_case(candidate) in used_pascal
                or (candidate != group_base and candidate in everything)
            ):
                index += 1
                candidate = _numbered(group_base, index)
            result[name] = candidate
            used.add(candidate)
            if pascal_distinct:
                used_pascal.add(pascal_case(candidate))
    return result


def collisions(mapping: Mapping[str, str]) -> dict[str, list[str]]:
    """Python names that more than one GraphQL name maps to (empty for ``assign``'s output)."""
    seen: dict[str, list[str]] = {}
    for graphql_name, python_name in mapping.items():
        seen.setdefault(python_name, []).append(graphql_name)
    return {k: sorted(v) for k, v in seen.items() if len(v) > 1}
