"""ariadne-codegen plugin: Hasura's look-alike input types share one generic class each.

A ``where`` variable reaches, through Hasura's ``_bool_exp`` graph, dozens of tables, and for
each of them the same handful of input shapes with only the table's own types changed::

    class account_on_conflict(BaseModel):
        constraint: account_constraint
        update_columns: list[account_update_column] = Field(default_factory=lambda: [])
        where: Optional["account_bool_exp"] = None

    class notebook_on_conflict(BaseModel):   # ... and 35 more

On the 578 KB real schema's 30 operations these families (``*_comparison_exp``,
``*_on_conflict``, ``*_obj_rel_insert_input``, ``*_arr_rel_insert_input``,
``*_aggregate_bool_exp`` and its ``_count`` / ``_bool_and`` / ``_bool_or``, and
``*_aggregate_order_by`` and ``*_stream_cursor_input`` where those are reached) and the
identical twins (below) are 147 of the 240 input classes. Each family becomes one generic
class, and each member a one-line alias of it::

    class _OnConflict(BaseModel, Generic[_P0, _P1, _P2]):
        constraint: _P0
        update_columns: list[_P1] = Field(default_factory=lambda: [])
        where: Optional[_P2] = None

    account_on_conflict = _OnConflict[account_constraint, account_update_column, "account_bool_exp"]

The alias keeps the name, the fields, their aliases and defaults, and every type: mypy and
editors see ``account_on_conflict(constraint=..., update_columns=[...], where=...)`` exactly
as before (a generic alias is callable and usable as an annotation), and pydantic validates
and serialises it the same (a parametrised generic model). What is lost is the per-table class
docstring (Hasura boilerplate such as "on_conflict condition type for table ...").

Safe by construction: a member is aliased only when its class body, with its own parameters
replaced by type variables, is identical (AST) to the family's shared body; anything else
(an extra field, another default, a different docstring on a field) stays a class.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass

from ariadne_codegen.plugins.base import Plugin
from graphql import ExecutableDefinitionNode, FragmentDefinitionNode

# The type variable names (shared by every generic class; a TypeVar may serve many).
_PARAM = "_P{}"


@dataclass(frozen=True)
class _Family:
    generic: str  # the shared class's name
    pattern: re.Pattern[str]  # matches a member's name; group "t" is the table / scalar
    # How to find the member's parameters: name suffixes on the table, or (None) the type of
    # the ``eq`` field (the comparison expressions' scalar).
    suffixes: tuple[str, ...] | None


def _family(generic: str, name_suffix: str, suffixes: tuple[str, ...] | None) -> _Family:
    """A family whose members are named ``<t><name_suffix>``."""
    return _Family(generic, re.compile(rf"^(?P<t>.+){re.escape(name_suffix)}$"), suffixes)


_FAMILIES = (
    _family("_ComparisonExp", "_comparison_exp", None),
    _family("_OnConflict", "_on_conflict", ("_constraint", "_update_column", "_bool_exp")),
    _family("_ObjRelInsertInput", "_obj_rel_insert_input", ("_insert_input", "_on_conflict")),
    _family("_ArrRelInsertInput", "_arr_rel_insert_input", ("_insert_input", "_on_conflict")),
    _family("_AggregateBoolExpCount", "_aggregate_bool_exp_count", ("_select_column", "_bool_exp")),
    _family("_AggregateBoolExp", "_aggregate_bool_exp", ("_aggregate_bool_exp_count",)),
    _family("_AggregateOrderBy", "_aggregate_order_by", ("_max_order_by", "_min_order_by")),
    _family("_StreamCursorInput", "_stream_cursor_input", ("_stream_cursor_value_input",)),
    _family(
        "_AggregateBoolExpBoolAnd",
        "_aggregate_bool_exp_bool_and",
        ("_select_column_{t}_aggregate_bool_exp_bool_and_arguments_columns", "_bool_exp"),
    ),
    _family(
        "_AggregateBoolExpBoolOr",
        "_aggregate_bool_exp_bool_or",
        ("_select_column_{t}_aggregate_bool_exp_bool_or_arguments_columns", "_bool_exp"),
    ),
)


def _is_doc(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _body(class_def: ast.ClassDef) -> list[ast.stmt]:
    """The class body without its docstring."""
    body = list(class_def.body)
    return body[1:] if body and _is_doc(body[0]) else body


def _eq_type(class_def: ast.ClassDef) -> ast.expr | None:
    """``X`` in ``eq: Optional[X] = ...`` (a comparison expression's scalar)."""
    for statement in class_def.body:
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.target.id == "eq"
            and isinstance(statement.annotation, ast.Subscript)
            and isinstance(statement.annotation.value, ast.Name)
            and statement.annotation.value.id == "Optional"
        ):
            # Re-parsed: ariadne-codegen builds its nodes without ``ctx``, which ast.dump shows.
            return ast.parse(ast.unparse(statement.annotation.slice), mode="eval").body
    return None


class _Substitute(ast.NodeTransformer):
    """Replace each parameter (a name, a forward-ref string or a whole expression) by its
    type variable, inside annotations only."""

    def __init__(self, params: list[ast.expr]) -> None:
        self.by_dump = {ast.dump(p): _PARAM.format(i) for i, p in enumerate(params)}
        self.by_name: dict[str, str] = {}
        for i, p in enumerate(params):
            if isinstance(p, ast.Constant) and isinstance(p.value, str):
                self.by_name[p.value] = _PARAM.format(i)

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.expr):
            found = self.by_dump.get(ast.dump(node))
            if found is None and isinstance(node, ast.Name):
                found = self.by_name.get(node.id)
            if found is None and isinstance(node, ast.Constant) and isinstance(node.value, str):
                found = self.by_name.get(node.value)
            if found is not None:
                return ast.Name(id=found, ctx=ast.Load())
        return super().generic_visit(node)


def _template(body: list[ast.stmt], params: list[ast.expr]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for statement in body:
        copy = ast.parse(ast.unparse(statement)).body[0]
        if isinstance(copy, ast.AnnAssign):
            copy.annotation = _Substitute(params).visit(copy.annotation)
        out.append(copy)
    return out


def _dump(body: list[ast.stmt]) -> str:
    return "\n".join(ast.dump(statement) for statement in body)


class SharedInputShapesPlugin(Plugin):
    def generate_inputs_module(self, module: ast.Module) -> ast.Module:
        _star_enums(module)
        classes = {n.name: n for n in module.body if isinstance(n, ast.ClassDef)}
        defined = set(classes)
        taken = defined | {
            alias.asname or alias.name
            for n in module.body
            if isinstance(n, ast.ImportFrom)
            for alias in n.names
        }
        aliases: dict[str, ast.Assign] = {}
        generics: list[ast.ClassDef] = []
        width = 0
        for family in _FAMILIES:
            if family.generic in taken:
                continue
            members: dict[str, tuple[list[ast.expr], str, list[ast.stmt]]] = {}
            for name, class_def in classes.items():
                match = family.pattern.match(name)
                if match is None or name in aliases:
                    continue
                params = self._params(family, match["t"], class_def, defined)
                if params is None:
                    continue
                body = _template(_body(class_def), params)
                dump = _dump(body)
                if all(f"'{_PARAM.format(i)}'" in dump for i in range(len(params))):
                    members[name] = (params, dump, body)  # every parameter was found
            counts = Counter(dump for _, dump, _ in members.values())
            if not counts:
                continue
            shared, count = counts.most_common(1)[0]
            if count < 2:
                continue
            body = next(b for _, dump, b in members.values() if dump == shared)
            arity = len(next(p for p, dump, _ in members.values() if dump == shared))
            width = max(width, arity)
            generics.append(_generic_class(family.generic, body, arity))
            for name, (params, dump, _) in members.items():
                if dump == shared:
                    aliases[name] = _alias(name, family.generic, params)
        aliases.update(_twins(classes, aliases))
        bool_exps = _self_referencing(classes, aliases, taken)
        if bool_exps:
            generics.insert(0, _bool_exp_base())
            _import(module, "typing", ["Self"])
        if not aliases and not bool_exps:
            return module
        new_body: list[ast.stmt] = []
        inserted = False
        for statement in module.body:
            if isinstance(statement, ast.ClassDef) and not inserted:
                new_body += [*_preamble(width), *generics]
                inserted = True
            if isinstance(statement, ast.ClassDef) and statement.name in aliases:
                new_body.append(aliases[statement.name])
            elif not _rebuilds(statement, aliases):
                new_body.append(statement)
        module.body = new_body
        _import(module, "typing", ["Generic", "TypeVar"])
        return module

    def generate_result_types_module(
        self, module: ast.Module, operation_definition: ExecutableDefinitionNode
    ) -> ast.Module:
        _star_imports(module, ("enums", "fragments"))
        return _result_twins(_plain_none_defaults(module))

    def generate_fragments_module(
        self, module: ast.Module, fragments_definitions: dict[str, FragmentDefinitionNode]
    ) -> ast.Module:
        _star_imports(module, ("enums",))
        return _result_twins(_plain_none_defaults(module))

    def generate_result_types_code(self, generated_code: str) -> str:
        """The fragment classes a result module imports (ariadne-codegen adds that import
        after the module hook, one name a line) as one ``*`` line (see ``_star_imports``)."""
        return _FRAGMENTS_IMPORT.sub(_star_line, generated_code)

    def generate_enums_module(self, module: ast.Module) -> ast.Module:
        """Enums with the same members in the same order are one class: the first, and the
        others aliases of it (``account_update_column = account_select_column``). Hasura's
        ``_select_column`` and ``_update_column`` of a table usually list the same columns,
        as do its ``_bool_and``/``_bool_or`` argument columns. Every name stays; mypy and
        pyright treat an alias as the same type; ``is`` and ``==`` hold between their members."""
        classes = {n.name: n for n in module.body if isinstance(n, ast.ClassDef)}
        twins = _twins(classes, {})
        if twins:
            module.body = [
                twins[n.name] if isinstance(n, ast.ClassDef) and n.name in twins else n
                for n in module.body
            ]
        return module

    @staticmethod
    def _params(
        family: _Family, table: str, class_def: ast.ClassDef, defined: set[str]
    ) -> list[ast.expr] | None:
        if family.suffixes is None:
            found = _eq_type(class_def)
            return None if found is None else [found]
        params: list[ast.expr] = []
        for suffix in family.suffixes:
            name = table + suffix.format(t=table)
            # A class of this module: a forward reference (it may be defined further down).
            if name in defined:
                params.append(ast.Constant(value=name))
            else:
                params.append(ast.Name(id=name, ctx=ast.Load()))
        return params


# More enums than this and input_types.py imports them all with one `*` line, not one a line.
_STAR_ENUMS = 3


def _star_enums(module: ast.Module) -> None:
    """``from .enums import *`` for input_types.py's long list of enum imports (119 lines on
    the 578 KB schema): the same names (enums.py defines nothing else but imports ``Enum``),
    and input_types.py's ``__all__`` keeps them out of its own exports."""
    _star_imports(module, ("enums",))


_FRAGMENTS_IMPORT = re.compile(
    r"^from \.fragments import \(  # noqa: F401\n((?:    \w+,\n)+)\)$", re.MULTILINE
)


def _star_line(match: re.Match[str]) -> str:
    if match[1].count("\n") <= _STAR_ENUMS:
        return match[0]
    return "from .fragments import *  # noqa: F401, F403"


def _star_imports(module: ast.Module, modules: tuple[str, ...]) -> None:
    """``from .m import *`` instead of a list of more than ``_STAR_ENUMS`` names (one a line
    once formatted) from the package's own ``enums`` or ``fragments``, whose every public name
    is a generated class (or ``Enum``/``BaseModel``, which the importer has too)."""
    for statement in module.body:
        if (
            isinstance(statement, ast.ImportFrom)
            and statement.level == 1
            and statement.module in modules
            and len(statement.names) > _STAR_ENUMS
        ):
            statement.names = [ast.alias(name="*")]


def _twins(classes: dict[str, ast.ClassDef], taken: dict[str, ast.Assign]) -> dict[str, ast.Assign]:
    """Classes whose bodies are identical (the same fields, types, aliases and defaults; the
    class docstring aside) to an earlier class's: aliases of that first one. Hasura renders
    such twins for every table with numeric columns (``_avg_order_by``, ``_sum_order_by``,
    ``_stddev_order_by``... list the same columns) and ``_max_order_by``/``_min_order_by``."""
    first: dict[str, str] = {}
    twins: dict[str, ast.Assign] = {}
    for name, class_def in classes.items():  # module order: the first one stays a class
        if name in taken or not isinstance(class_def.bases[0], ast.Name):
            continue
        key = "".join(ast.dump(base) for base in class_def.bases) + _dump(_body(class_def))
        if key in first:
            twins[name] = ast.Assign(
                targets=[ast.Name(id=name, ctx=ast.Store())],
                value=ast.Name(id=first[key], ctx=ast.Load()),
                lineno=0,
            )
        else:
            first[key] = name
    return twins


_BOOL_EXP = "_BoolExp"
# The first three fields of every Hasura `_bool_exp` (its own type, `{t}`, nested).
_LOGIC = (
    'and_: Optional[list["{t}"]] = Field(alias="_and", default=None)',
    'not_: Optional["{t}"] = Field(alias="_not", default=None)',
    'or_: Optional[list["{t}"]] = Field(alias="_or", default=None)',
)


def _self_referencing(
    classes: dict[str, ast.ClassDef], aliases: dict[str, ast.Assign], taken: set[str]
) -> list[str]:
    """Hasura's ``_bool_exp`` classes start with ``_and``/``_not``/``_or`` of their own type:
    those three fields move to one base class typed with ``Self`` (three lines fewer per
    table; the same fields, aliases, defaults and order, and for mypy and pyright the same
    types: ``Self`` is the subclass). The classes that match get the base; returns them."""
    if _BOOL_EXP in taken:
        return []
    found: list[str] = []
    for name, class_def in classes.items():
        body = _body(class_def)
        if name in aliases or len(body) < 4 or len(class_def.bases) != 1:
            continue
        # Compared as source: ariadne-codegen spells a forward reference as a Name whose id
        # holds the quotes.
        expected = [line.format(t=name) for line in _LOGIC]
        if [ast.unparse(statement).replace("'", '"') for statement in body[:3]] != expected:
            continue
        for statement in body[:3]:
            class_def.body.remove(statement)
        class_def.bases = [ast.Name(id=_BOOL_EXP, ctx=ast.Load())]
        found.append(name)
    return found if len(found) > 1 else _undo(found, classes)


def _undo(found: list[str], classes: dict[str, ast.ClassDef]) -> list[str]:
    """One match alone is left as it was (a base class would save nothing)."""
    for name in found:
        class_def = classes[name]
        logic = [ast.parse(line.format(t=name)).body[0] for line in _LOGIC]
        at = 1 if _is_doc(class_def.body[0]) else 0
        class_def.body[at:at] = logic
        class_def.bases = [ast.Name(id="BaseModel", ctx=ast.Load())]
    return []


def _bool_exp_base() -> ast.ClassDef:
    source = f"class {_BOOL_EXP}(BaseModel):\n" + "".join(
        "    " + line.format(t="{t}").replace('"{t}"', "Self") + "\n" for line in _LOGIC
    )
    class_def = ast.parse(source).body[0]
    assert isinstance(class_def, ast.ClassDef)
    return class_def


def _plain_none_defaults(module: ast.Module) -> ast.Module:
    """``x: Optional[T] = Field(default=None)`` → ``x: Optional[T] = None``: the same field
    for pydantic, mypy and pyright, and one line where the long form wrapped to three."""
    for class_def in module.body:
        if not isinstance(class_def, ast.ClassDef):
            continue
        for statement in class_def.body:
            value = statement.value if isinstance(statement, ast.AnnAssign) else None
            if (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "Field"
                and not value.args
                and len(value.keywords) == 1
                and value.keywords[0].arg == "default"
                and isinstance(value.keywords[0].value, ast.Constant)
                and value.keywords[0].value.value is None
            ):
                assert isinstance(statement, ast.AnnAssign)
                statement.value = ast.Constant(value=None)
    return module


class _Renamed(ast.NodeTransformer):
    """References to twin classes, as their first class (ariadne-codegen spells a forward
    reference as a Name whose id holds the quotes)."""

    def __init__(self, first: dict[str, str]) -> None:
        self.first = first

    def visit_Name(self, node: ast.Name) -> ast.AST:
        quoted = node.id.startswith('"')
        bare = node.id.strip('"')
        if bare in self.first:
            target = self.first[bare]
            return ast.Name(id=f'"{target}"' if quoted else target)
        return node


def _result_twins(module: ast.Module) -> ast.Module:
    """Result classes of one module whose definitions are identical (bases, docstring, fields,
    field docstrings; references to twins counted as the same) are one class: the first, and
    the others aliases of it. ``sum { amount }`` selected on two relationships to the same
    table, or two ``aggregate { count }``, are the same shape; each name stays, and mypy and
    pyright treat the alias as the same type."""
    classes = [n for n in module.body if isinstance(n, ast.ClassDef)]
    first: dict[str, str] = {}
    while True:
        seen: dict[str, str] = {}
        found = False
        renamed = _Renamed(first)
        for class_def in classes:
            if class_def.name in first:
                continue
            copy = ast.ClassDef(
                name="",
                bases=class_def.bases,
                keywords=class_def.keywords,
                body=class_def.body,
                decorator_list=class_def.decorator_list,
            )
            key = ast.dump(renamed.visit(deepcopy(copy)))
            if key in seen:
                first[class_def.name] = seen[key]
                found = True
            else:
                seen[key] = class_def.name
        if not found:
            break
    if not first:
        return module
    module.body = [
        ast.Assign(
            targets=[ast.Name(id=n.name, ctx=ast.Store())],
            value=ast.Name(id=_root(first, n.name), ctx=ast.Load()),
            lineno=0,
        )
        if isinstance(n, ast.ClassDef) and n.name in first
        else n
        for n in module.body
    ]
    return module


def _root(first: dict[str, str], name: str) -> str:
    while name in first:
        name = first[name]
    return name


def _rebuilds(statement: ast.stmt, aliases: dict[str, ast.Assign]) -> bool:
    """``member.model_rebuild()`` of an aliased member (kept only by other plugin lists)."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return False
    func = statement.value.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in aliases
    )


def _preamble(width: int) -> list[ast.stmt]:
    return [
        ast.parse(f'{_PARAM.format(i)} = TypeVar("{_PARAM.format(i)}")').body[0]
        for i in range(width)
    ]


def _generic_class(name: str, body: list[ast.stmt], arity: int) -> ast.ClassDef:
    params: list[ast.expr] = [ast.Name(id=_PARAM.format(i), ctx=ast.Load()) for i in range(arity)]
    generic = ast.Subscript(
        value=ast.Name(id="Generic", ctx=ast.Load()),
        slice=ast.Tuple(elts=params, ctx=ast.Load()) if arity > 1 else params[0],
        ctx=ast.Load(),
    )
    class_def = ast.ClassDef(
        name=name,
        bases=[ast.Name(id="BaseModel", ctx=ast.Load()), generic],
        keywords=[],
        body=body,
        decorator_list=[],
    )
    class_def.type_params = []  # type: ignore[attr-defined,unused-ignore]  # Python 3.12+
    return class_def


def _alias(name: str, generic: str, params: list[ast.expr]) -> ast.Assign:
    value = ast.Subscript(
        value=ast.Name(id=generic, ctx=ast.Load()),
        slice=ast.Tuple(elts=params, ctx=ast.Load()) if len(params) > 1 else params[0],
        ctx=ast.Load(),
    )
    return ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value, lineno=0)


def _import(module: ast.Module, from_: str, names: list[str]) -> None:
    for statement in module.body:
        if isinstance(statement, ast.ImportFrom) and statement.module == from_:
            have = {a.name for a in statement.names}
            statement.names += [ast.alias(name=n) for n in names if n not in have]
            return
    module.body.insert(
        0, ast.ImportFrom(module=from_, names=[ast.alias(n) for n in names], level=0)
    )
