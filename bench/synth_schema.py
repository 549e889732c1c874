"""A deterministic Hasura-v2-shaped schema of any size, with operations against it.

For the bench (``p5_synthetic_4mb_seconds``) and for tests: the real schemas users pull are
far bigger than ours, and a generator lets us dial the size (Hasura renders about 12 KB of SDL
per table) without keeping megabytes of SDL in the repo. Every table gets what Hasura v2.31+
renders for it: the object type with object and array relationships (each array relationship
with its ``_aggregate`` twin), ``_aggregate`` / ``_aggregate_fields`` / ``_avg_fields`` and the
other numeric aggregates with their ``_order_by`` inputs, ``_bool_exp`` (with
``_aggregate_bool_exp`` for array relationships), ``_order_by``, ``_insert_input``,
``_obj_rel_insert_input`` / ``_arr_rel_insert_input``, ``_on_conflict``, ``_constraint``,
``_select_column``, ``_update_column``, ``_set_input``, ``_inc_input``, the jsonb ``_append``
family, ``_updates``, ``_mutation_response``, ``_stream_cursor_input``, and its root fields
(``T``, ``T_aggregate``, ``T_by_pk``, ``T_stream``, ``insert_T``, ``insert_T_one``,
``update_T``, ``update_T_by_pk``, ``update_T_many``, ``delete_T``, ``delete_T_by_pk``). Every
table has object relationships to two earlier tables, so (as in real schemas) one table's
``_bool_exp`` reaches most of the schema. Plus: enum tables (``T_enum`` and its comparison
input), two Actions with their own input and output types, and two tables with Nhost's
camelCase root names (``usersAggregate``, ``insertUser``, ``attachmentsStream``...).

``hazards=True`` adds the naming and typing traps seen in real schemas (issue 21): keyword
columns (``from``, ``in``, ``not``, ``pass``, ``and``, ``or``), an enum value ``from``,
columns that shadow ``str`` methods (``title``, ``count``, ``index``, ``format``), fields that
snake_case alike (``User``/``user``, ``companyId``/``company_id``), types that differ only in
style (``MarketingSource``/``marketing_source``, ``Json``/``json``), Postgres scalars
(``ltree``, ``lquery``, ``bytea``, ``bigint``, ``_text``, ``float8``, ``geography``,
``interval``, ``inet``, ``smallint``), variables named like per-call options (``$role``,
``$timeout``, ``$headers``, ``$maxRetries``) and an operation named like its root field.

Usage::

    python bench/synth_schema.py OUT_DIR [--tables N | --kilobytes K] [--hazards]

writes ``OUT_DIR/schema.graphql``, ``OUT_DIR/queries/operations.graphql`` and a
``OUT_DIR/codegen.toml`` for package ``synth_client``. Importable: ``render(tables, hazards=)``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

_WORDS = [
    "account",
    "company",
    "contact",
    "address",
    "invoice",
    "payment",
    "order",
    "product",
    "supplier",
    "shipment",
    "warehouse",
    "employee",
    "department",
    "project",
    "task",
    "comment",
    "document",
    "invoice_line",
    "notebook",
    "appointment",
    "structure",
    "deployment",
    "professional",
    "beneficiary",
    "orientation",
    "target",
    "focus",
    "situation",
    "contract",
    "campaign",
    "lead",
    "opportunity",
    "ticket",
    "subscription",
    "plan",
    "region",
    "country",
    "currency",
    "tax",
    "discount",
    "review",
    "rating",
    "category",
    "tag",
    "session",
    "device",
]
_NUMERIC = ("Int", "numeric", "float8", "bigint", "smallint")
# Scalars with max/min aggregates (Hasura: ordered types).
_ORDERED = {"Int", "numeric", "float8", "bigint", "smallint", "String", "timestamptz", "uuid"}
_ORDERED |= {"date", "citext", "interval", "inet", "ltree"}
_ENUM_VALUES = ("draft", "active", "suspended", "archived", "deleted")
_NHOST = {"users": "user", "attachments": "attachment"}  # table -> singular root name


@dataclass
class Column:
    name: str
    scalar: str
    required: bool = False


@dataclass
class Table:
    name: str
    columns: list[Column]
    objects: dict[str, str] = field(default_factory=dict)  # relationship -> table
    arrays: dict[str, str] = field(default_factory=dict)
    nhost: bool = False

    @property
    def numeric(self) -> list[Column]:
        return [c for c in self.columns if c.scalar in _NUMERIC]

    @property
    def ordered(self) -> list[Column]:
        return [c for c in self.columns if c.scalar in _ORDERED]

    @property
    def booleans(self) -> list[Column]:
        return [c for c in self.columns if c.scalar == "Boolean"]

    @property
    def jsonb(self) -> list[Column]:
        return [c for c in self.columns if c.scalar == "jsonb"]


def table_names(count: int) -> list[str]:
    names = ["users", "attachments"]
    index = 0
    while len(names) < count:
        word = _WORDS[index % len(_WORDS)]
        names.append(word if index < len(_WORDS) else f"{word}_{index // len(_WORDS)}")
        index += 1
    return names[:count]


def build_tables(count: int, hazards: bool) -> list[Table]:
    # The hazards sit on tables 2..6 (below), so a hazard schema has at least seven tables.
    names = table_names(max(count, 7 if hazards else 3))
    tables: list[Table] = []
    for i, name in enumerate(names):
        # As in real schemas: numeric columns (and so the avg/sum/stddev... aggregates) on
        # some tables only, jsonb on a third, booleans on half.
        columns = [
            Column("id", "uuid", True),
            Column("created_at", "timestamptz", True),
            Column("updated_at", "timestamptz", True),
            Column("name", "String", True),
            Column("description", "String"),
            Column("status", "status_enum", True),
        ]
        if i % 4 == 1:
            columns += [Column("position", "Int"), Column("amount", "numeric")]
        if i % 3 == 0:
            columns.append(Column("metadata", "jsonb"))
        if i % 2 == 0:
            columns.append(Column("is_active", "Boolean", True))
        if i % 5 == 0:
            columns.append(Column("valid_from", "date"))
        table = Table(name, columns, nhost=name in _NHOST)
        for step in (1, 3):
            if i - step >= 0:
                other = names[i - step]
                table.columns.append(Column(f"{other}_id", "uuid"))
                table.objects[other if other not in table.objects else f"{other}_{step}"] = other
        tables.append(table)
    by_name = {t.name: t for t in tables}
    for table in tables:
        for relationship, other in table.objects.items():
            by_name[other].arrays[f"{table.name}s_by_{relationship}"] = table.name
    if hazards:
        _add_hazards(tables)
    return tables


def _add_hazards(tables: list[Table]) -> None:
    tables[2].columns += [Column(n, "String") for n in ("from", "in", "not", "pass")]
    tables[3].columns += [Column(n, "Boolean") for n in ("and", "or", "not")]
    tables[4].columns += [Column(n, "String") for n in ("title", "count", "index", "format")]
    tables[5].columns += [
        Column("User", "String"),
        Column("user", "String"),
        Column("companyId", "uuid"),
        Column("company_id", "uuid"),
    ]
    tables[6].columns += [
        Column("path", "ltree"),
        Column("path_query", "lquery"),
        Column("blob", "bytea"),
        Column("big", "bigint"),
        Column("labels", "_text"),
        Column("ratio", "float8"),
        Column("location", "geography"),
        Column("duration", "interval"),
        Column("ip", "inet"),
        Column("small", "smallint"),
        Column("settings", "Json"),
        Column("raw", "json"),
    ]
    tables.append(
        Table("marketing_source", [Column("id", "uuid", True), Column("name", "String", True)])
    )


# --- rendering ---------------------------------------------------------------------------


def _doc(text: str, indent: str = "") -> str:
    if len(text) > 70 or '"' in text:
        return f'{indent}"""\n{indent}{text}\n{indent}"""\n'
    return f'{indent}"""{text}"""\n'


def _block(kind: str, name: str, lines: list[str], doc: str | None = None) -> str:
    head = _doc(doc) if doc else ""
    return head + f"{kind} {name} {{\n" + "".join(f"  {line}\n" for line in lines) + "}\n"


def _select_args(target: str) -> str:
    return (
        "(\n"
        '    """distinct select on columns"""\n'
        f"    distinct_on: [{target}_select_column!]\n\n"
        '    """limit the number of rows returned"""\n'
        "    limit: Int\n\n"
        '    """skip the first n rows. Use only with order_by"""\n'
        "    offset: Int\n\n"
        '    """sort the rows by one or more columns"""\n'
        f"    order_by: [{target}_order_by!]\n\n"
        '    """filter the rows returned"""\n'
        f"    where: {target}_bool_exp\n"
        "  )"
    )


_STATS = ("stddev", "stddev_pop", "stddev_samp", "var_pop", "var_samp", "variance")
_STAT_DOC = {
    "avg": "aggregate avg on columns",
    "stddev": "aggregate stddev on columns",
    "stddev_pop": "aggregate stddev_pop on columns",
    "stddev_samp": "aggregate stddev_samp on columns",
    "sum": "aggregate sum on columns",
    "var_pop": "aggregate var_pop on columns",
    "var_samp": "aggregate var_samp on columns",
    "variance": "aggregate variance on columns",
    "max": "aggregate max on columns",
    "min": "aggregate min on columns",
}


def _col_type(column: Column, force_optional: bool = False) -> str:
    return column.scalar + ("!" if column.required and not force_optional else "")


def render_table(t: Table) -> str:
    n = t.name
    out: list[str] = []
    fields: list[str] = []
    columns = {c.name: c for c in t.columns}
    entries: list[tuple[str, str]] = [(c.name, _col_type(c)) for c in t.columns]
    for rel, other in t.objects.items():
        entries.append((rel, f"{other}"))
    entries.sort()
    for name, typ in entries:
        if name in t.objects:
            fields.append(f'"""An object relationship"""\n  {name}: {typ}')
        else:
            fields.append(f"{name}: {typ}")
    for rel, other in sorted(t.arrays.items()):
        fields.append(f'"""An array relationship"""\n  {rel}{_select_args(other)}: [{other}!]!')
        fields.append(
            f'"""An aggregate relationship"""\n  {rel}_aggregate{_select_args(other)}: '
            f"{other}_aggregate!"
        )
    out.append(_block("type", n, fields, f'columns and relationships of "{n}"'))
    out.append(
        _block(
            "type",
            f"{n}_aggregate",
            [f"aggregate: {n}_aggregate_fields", f"nodes: [{n}!]!"],
            f'aggregated selection of "{n}"',
        )
    )
    agg_bool = [f"count: {n}_aggregate_bool_exp_count"]
    if t.booleans:
        agg_bool = [
            f"bool_and: {n}_aggregate_bool_exp_bool_and",
            f"bool_or: {n}_aggregate_bool_exp_bool_or",
            *agg_bool,
        ]
    out.append(_block("input", f"{n}_aggregate_bool_exp", agg_bool))
    for kind in ("bool_and", "bool_or") if t.booleans else ():
        out.append(
            _block(
                "input",
                f"{n}_aggregate_bool_exp_{kind}",
                [
                    f"arguments: {n}_select_column_{n}_aggregate_bool_exp_{kind}"
                    "_arguments_columns!",
                    "distinct: Boolean",
                    f"filter: {n}_bool_exp",
                    "predicate: Boolean_comparison_exp!",
                ],
            )
        )
    out.append(
        _block(
            "input",
            f"{n}_aggregate_bool_exp_count",
            [
                f"arguments: [{n}_select_column!]",
                "distinct: Boolean",
                f"filter: {n}_bool_exp",
                "predicate: Int_comparison_exp!",
            ],
        )
    )
    stats = [s for s in ("avg", *_STATS[:3], "sum", *_STATS[3:]) if t.numeric]
    agg_fields = [f"count(columns: [{n}_select_column!], distinct: Boolean): Int!"]
    for stat in sorted([*stats, "max", "min"]):
        agg_fields.append(f"{stat}: {n}_{stat}_fields")
    out.append(_block("type", f"{n}_aggregate_fields", agg_fields, f'aggregate fields of "{n}"'))
    agg_order = ["count: order_by"] + [
        f"{stat}: {n}_{stat}_order_by" for stat in sorted([*stats, "max", "min"])
    ]
    out.append(
        _block(
            "input",
            f"{n}_aggregate_order_by",
            sorted(agg_order),
            f'order by aggregate values of table "{n}"',
        )
    )
    for c in t.jsonb:
        out.append(
            _block(
                "input",
                f"{n}_append_input",
                [f"{c.name}: jsonb"],
                "append existing jsonb value of filtered columns with new jsonb value",
            )
        )
        break
    out.append(
        _block(
            "input",
            f"{n}_arr_rel_insert_input",
            [
                f"data: [{n}_insert_input!]!",
                f'\n  """upsert condition"""\n  on_conflict: {n}_on_conflict',
            ],
            f'input type for inserting array relation for remote table "{n}"',
        )
    )
    for stat in stats:
        number = "Float" if stat != "sum" else None
        out.append(
            _block(
                "type",
                f"{n}_{stat}_fields",
                [f"{c.name}: {number or c.scalar}" for c in t.numeric],
                _STAT_DOC[stat],
            )
        )
        out.append(
            _block(
                "input",
                f"{n}_{stat}_order_by",
                [f"{c.name}: order_by" for c in t.numeric],
                f'order by {stat}() on columns of table "{n}"',
            )
        )
    bool_fields = [
        f"_and: [{n}_bool_exp!]",
        f"_not: {n}_bool_exp",
        f"_or: [{n}_bool_exp!]",
    ]
    bool_entries = [(c.name, f"{_comparison(c.scalar)}") for c in t.columns]
    bool_entries += [(rel, f"{other}_bool_exp") for rel, other in t.objects.items()]
    for rel, other in t.arrays.items():
        bool_entries += [
            (rel, f"{other}_bool_exp"),
            (f"{rel}_aggregate", f"{other}_aggregate_bool_exp"),
        ]
    bool_fields += [f"{name}: {typ}" for name, typ in sorted(bool_entries)]
    out.append(
        _block(
            "input",
            f"{n}_bool_exp",
            bool_fields,
            f'Boolean expression to filter rows from the table "{n}". All fields are '
            "combined with a logical 'AND'.",
        )
    )
    out.append(
        _block(
            "enum",
            f"{n}_constraint",
            [f'"""\n  unique or primary key constraint on columns "id"\n  """\n  {n}_pkey'],
            f'unique or primary key constraints on table "{n}"',
        )
    )
    for c in t.jsonb:
        for suffix, typ, doc in (
            ("delete_at_path", "[String!]", "delete the field or element with specified path"),
            ("delete_elem", "Int", "delete the array element with specified index"),
            ("delete_key", "String", "delete key/value pair or string element"),
            ("prepend", "jsonb", "prepend existing jsonb value of filtered columns"),
        ):
            out.append(_block("input", f"{n}_{suffix}_input", [f"{c.name}: {typ}"], doc))
        break
    if t.numeric:
        out.append(
            _block(
                "input",
                f"{n}_inc_input",
                [f"{c.name}: {c.scalar}" for c in t.numeric],
                f'input type for incrementing numeric columns in table "{n}"',
            )
        )
    insert = [(c.name, c.scalar) for c in t.columns]
    insert += [(rel, f"{other}_obj_rel_insert_input") for rel, other in t.objects.items()]
    insert += [(rel, f"{other}_arr_rel_insert_input") for rel, other in t.arrays.items()]
    out.append(
        _block(
            "input",
            f"{n}_insert_input",
            [f"{a}: {b}" for a, b in sorted(insert)],
            f'input type for inserting data into table "{n}"',
        )
    )
    for stat in ("max", "min"):
        out.append(
            _block(
                "type",
                f"{n}_{stat}_fields",
                [f"{c.name}: {c.scalar}" for c in t.ordered],
                _STAT_DOC[stat],
            )
        )
        out.append(
            _block(
                "input",
                f"{n}_{stat}_order_by",
                [f"{c.name}: order_by" for c in t.ordered],
                f'order by {stat}() on columns of table "{n}"',
            )
        )
    out.append(
        _block(
            "type",
            f"{n}_mutation_response",
            [
                '"""number of rows affected by the mutation"""\n  affected_rows: Int!',
                f'\n  """data from the rows affected by the mutation"""\n  returning: [{n}!]!',
            ],
            f'response of any mutation on the table "{n}"',
        )
    )
    out.append(
        _block(
            "input",
            f"{n}_obj_rel_insert_input",
            [
                f"data: {n}_insert_input!",
                f'\n  """upsert condition"""\n  on_conflict: {n}_on_conflict',
            ],
            f'input type for inserting object relation for remote table "{n}"',
        )
    )
    out.append(
        _block(
            "input",
            f"{n}_on_conflict",
            [
                f"constraint: {n}_constraint!",
                f"update_columns: [{n}_update_column!]! = []",
                f"where: {n}_bool_exp",
            ],
            f'on_conflict condition type for table "{n}"',
        )
    )
    order = [(c.name, "order_by") for c in t.columns]
    order += [(rel, f"{other}_order_by") for rel, other in t.objects.items()]
    order += [(f"{rel}_aggregate", f"{o}_aggregate_order_by") for rel, o in t.arrays.items()]
    out.append(
        _block(
            "input",
            f"{n}_order_by",
            [f"{a}: {b}" for a, b in sorted(order)],
            f'Ordering options when selecting data from "{n}".',
        )
    )
    out.append(
        _block(
            "input",
            f"{n}_pk_columns_input",
            ["id: uuid!"],
            f"primary key columns input for table: {n}",
        )
    )
    if t.jsonb:
        out.append(
            _block(
                "input",
                f"{n}_prepend_jsonb_input",
                [f"{t.jsonb[0].name}: jsonb"],
                "prepend existing jsonb value of filtered columns with new jsonb value",
            )
        )
    names = sorted(columns)
    out.append(
        _block(
            "enum",
            f"{n}_select_column",
            [f'"""column name"""\n  {c}\n' for c in names],
            f'select columns of table "{n}"',
        )
    )
    for kind, doc in (("bool_and", "bool_and"), ("bool_or", "bool_or")) if t.booleans else ():
        out.append(
            _block(
                "enum",
                f"{n}_select_column_{n}_aggregate_bool_exp_{kind}_arguments_columns",
                [f'"""column name"""\n  {c.name}\n' for c in t.booleans],
                f'select "{n}_aggregate_bool_exp_{doc}_arguments_columns" columns of table "{n}"',
            )
        )
    out.append(
        _block(
            "input",
            f"{n}_set_input",
            [f"{c.name}: {c.scalar}" for c in t.columns],
            f'input type for updating data in table "{n}"',
        )
    )
    out.append(
        _block(
            "input",
            f"{n}_stream_cursor_input",
            [
                '"""Stream column input with initial value"""\n'
                f"  initial_value: {n}_stream_cursor_value_input!",
                '\n  """cursor ordering"""\n  ordering: cursor_ordering',
            ],
            f'Streaming cursor of the table "{n}"',
        )
    )
    out.append(
        _block(
            "input",
            f"{n}_stream_cursor_value_input",
            [f"{c.name}: {c.scalar}" for c in t.columns],
            "Initial value of the column from where the streaming should start",
        )
    )
    out.append(
        _block(
            "enum",
            f"{n}_update_column",
            [f'"""column name"""\n  {c}\n' for c in names],
            f'update columns of table "{n}"',
        )
    )
    updates = [
        f'"""sets the columns of the filtered rows to the given values"""\n  _set: {n}_set_input',
        f'\n  """filter the rows which have to be updated"""\n  where: {n}_bool_exp!',
    ]
    if t.numeric:
        updates.insert(
            0,
            f'"""increments the numeric columns with given value of the filtered '
            f'values"""\n  _inc: {n}_inc_input\n',
        )
    out.append(_block("input", f"{n}_updates", updates))
    return "\n".join(out)


def _comparison(scalar: str) -> str:
    return f"{scalar}_comparison_exp"


def _root_names(t: Table) -> dict[str, str]:
    n = t.name
    if t.nhost:
        one = _NHOST[n]
        cap = n[0].upper() + n[1:]
        one_cap = one[0].upper() + one[1:]
        return {
            "select": n,
            "by_pk": one,
            "aggregate": f"{n}Aggregate",
            "stream": f"{n}Stream",
            "insert": f"insert{cap}",
            "insert_one": f"insert{one_cap}",
            "update": f"update{cap}",
            "update_by_pk": f"update{one_cap}",
            "update_many": f"update{cap}Many",
            "delete": f"delete{cap}",
            "delete_by_pk": f"delete{one_cap}",
        }
    return {
        "select": n,
        "by_pk": f"{n}_by_pk",
        "aggregate": f"{n}_aggregate",
        "stream": f"{n}_stream",
        "insert": f"insert_{n}",
        "insert_one": f"insert_{n}_one",
        "update": f"update_{n}",
        "update_by_pk": f"update_{n}_by_pk",
        "update_many": f"update_{n}_many",
        "delete": f"delete_{n}",
        "delete_by_pk": f"delete_{n}_by_pk",
    }


def _query_fields(t: Table, stream: bool) -> list[str]:
    r, n = _root_names(t), t.name
    fields = [
        f'"""\n  fetch data from the table: "{n}"\n  """\n  '
        f"{r['select']}{_select_args(n)}: [{n}!]!",
        f'"""\n  fetch aggregated fields from the table: "{n}"\n  """\n  '
        f"{r['aggregate']}{_select_args(n)}: {n}_aggregate!",
        f'"""fetch data from the table: "{n}" using primary key columns"""\n  '
        f"{r['by_pk']}(id: uuid!): {n}",
    ]
    if stream:
        fields.append(
            f'"""\n  fetch data from the table in a streaming manner: "{n}"\n  """\n  '
            f'{r["stream"]}(\n    """maximum number of rows returned in a single batch"""\n'
            "    batch_size: Int!\n\n"
            '    """cursor to stream the results returned by the query"""\n'
            f"    cursor: [{n}_stream_cursor_input]!\n\n"
            '    """filter the rows returned"""\n'
            f"    where: {n}_bool_exp\n  ): [{n}!]!"
        )
    return fields


def _mutation_fields(t: Table) -> list[str]:
    r, n = _root_names(t), t.name
    inc = f"\n    _inc: {n}_inc_input\n" if t.numeric else ""
    return [
        f'"""\n  delete data from the table: "{n}"\n  """\n  {r["delete"]}(\n'
        f'    """filter the rows which have to be deleted"""\n    where: {n}_bool_exp!\n'
        f"  ): {n}_mutation_response",
        f'"""\n  delete single row from the table: "{n}"\n  """\n  '
        f"{r['delete_by_pk']}(id: uuid!): {n}",
        f'"""\n  insert data into the table: "{n}"\n  """\n  {r["insert"]}(\n'
        f'    """the rows to be inserted"""\n    objects: [{n}_insert_input!]!\n\n'
        f'    """upsert condition"""\n    on_conflict: {n}_on_conflict\n'
        f"  ): {n}_mutation_response",
        f'"""\n  insert a single row into the table: "{n}"\n  """\n  {r["insert_one"]}(\n'
        f'    """the row to be inserted"""\n    object: {n}_insert_input!\n\n'
        f'    """upsert condition"""\n    on_conflict: {n}_on_conflict\n  ): {n}',
        f'"""\n  update data of the table: "{n}"\n  """\n  {r["update"]}({inc}\n'
        f'    """sets the columns of the filtered rows to the given values"""\n'
        f"    _set: {n}_set_input\n\n"
        f'    """filter the rows which have to be updated"""\n    where: {n}_bool_exp!\n'
        f"  ): {n}_mutation_response",
        f'"""\n  update single row of the table: "{n}"\n  """\n  {r["update_by_pk"]}({inc}\n'
        f"    _set: {n}_set_input\n    pk_columns: {n}_pk_columns_input!\n  ): {n}",
        f'"""\n  update multiples rows of table: "{n}"\n  """\n  {r["update_many"]}(\n'
        f'    """updates to execute, in order"""\n    updates: [{n}_updates!]!\n'
        f"  ): [{n}_mutation_response]",
    ]


_COMPARISON_OPS = ("_eq", "_gt", "_gte", "_lt", "_lte", "_neq")
_STRING_OPS = (
    ("_ilike", "does the column match the given case-insensitive pattern"),
    ("_iregex", "does the column match the given POSIX regular expression, case insensitive"),
    ("_like", "does the column match the given pattern"),
    ("_nilike", "does the column NOT match the given case-insensitive pattern"),
    ("_niregex", "does the column NOT match the given POSIX regular expression, case insensitive"),
    ("_nlike", "does the column NOT match the given pattern"),
    ("_nregex", "does the column NOT match the given POSIX regular expression, case sensitive"),
    ("_nsimilar", "does the column NOT match the given SQL regular expression"),
    ("_regex", "does the column match the given POSIX regular expression, case sensitive"),
    ("_similar", "does the column match the given SQL regular expression"),
)
_BUILTIN = {"String", "Int", "Float", "Boolean", "ID"}


def render_comparison(scalar: str) -> str:
    lines = [f"{op}: {scalar}" for op in _COMPARISON_OPS]
    lines += [f"_in: [{scalar}!]", "_is_null: Boolean", f"_nin: [{scalar}!]"]
    if scalar in ("String", "citext"):
        lines += [f'\n  """{doc}"""\n  {op}: String' for op, doc in _STRING_OPS]
    if scalar == "jsonb":
        lines += [
            '\n  """is the column contained in the given json value"""\n  _contained_in: jsonb',
            '\n  """does the column contain the given json value at the top level"""\n'
            "  _contains: jsonb",
            '\n  """does the string exist as a top-level key in the column"""\n  _has_key: String',
            '\n  """do all of these strings exist as top-level keys in the column"""\n'
            "  _has_keys_all: [String!]",
        ]
    return _block(
        "input",
        _comparison(scalar),
        sorted(lines, key=lambda x: x.strip().split('"""')[-1].strip()),
        f'Boolean expression to compare columns of type "{scalar}". All fields are combined '
        "with logical 'AND'.",
    )


def render_enum_table(values: tuple[str, ...], hazards: bool) -> str:
    members = [*values, *(("from",) if hazards else ())]
    out = [
        _block("enum", "status_enum", [f'"""{v.title()}"""\n  {v}\n' for v in members]),
        _block(
            "input",
            "status_enum_comparison_exp",
            [
                "_eq: status_enum",
                "_in: [status_enum!]",
                "_is_null: Boolean",
                "_neq: status_enum",
                "_nin: [status_enum!]",
            ],
            'Boolean expression to compare columns of type "status_enum". All fields are '
            "combined with logical 'AND'.",
        ),
    ]
    return "\n".join(out)


def _actions(hazards: bool) -> tuple[list[str], str]:
    """Two Hasura Actions (custom mutations with their own input and output types)."""
    fields = [
        '"""Build a report for a period (an Action)"""\n  '
        "createReport(input: CreateReportInput!): CreateReportOutput",
        '"""Send a notification (an Action)"""\n  '
        "sendNotification(accountId: uuid!, message: String!): SendNotificationOutput",
    ]
    types = [
        _block(
            "input",
            "CreateReportInput",
            ["from: date!" if hazards else "start: date!", "until: date!", "format: String"],
        ),
        _block(
            "type",
            "CreateReportOutput",
            ["reportId: uuid!", "url: String!", "rows: Int!"],
        ),
        _block("type", "SendNotificationOutput", ["delivered: Boolean!", "id: uuid!"]),
    ]
    if hazards:
        fields.append('"""Sources of a campaign"""\n  marketingSources: [MarketingSource!]!')
        types.append(_block("type", "MarketingSource", ["label: String!", "weight: Int"]))
    return fields, "\n".join(types)


def render(tables: int = 18, *, hazards: bool = False) -> str:
    """The SDL of a Hasura schema with ``tables`` tables (plus one with ``hazards``)."""
    model = build_tables(tables, hazards)
    scalars = sorted({c.scalar for t in model for c in t.columns} - _BUILTIN - {"status_enum"})
    comparisons = sorted({c.scalar for t in model for c in t.columns} - {"status_enum"})
    comparisons = sorted(set(comparisons) | {"Int", "Boolean", "String"})
    parts = [
        '"""\nThis file is autogenerated, do not edit it!\n"""\n',
        "schema {\n  query: query_root\n  mutation: mutation_root\n"
        "  subscription: subscription_root\n}\n",
        '"""whether this query should be cached (Hasura Cloud only)"""\n'
        'directive @cached(\n  """measured in seconds"""\n  ttl: Int! = 60\n\n'
        '  """refresh the cache entry"""\n  refresh: Boolean! = false\n) on QUERY\n',
    ]
    parts += [f"scalar {s}\n" for s in scalars]
    parts += [render_comparison(s) for s in comparisons]
    parts.append(
        _block(
            "enum",
            "cursor_ordering",
            [
                '"""ascending ordering of the cursor"""\n  ASC\n',
                '"""descending ordering of the cursor"""\n  DESC\n',
            ],
            "ordering argument of a cursor",
        )
    )
    parts.append(
        _block(
            "enum",
            "order_by",
            [
                f'"""{doc}"""\n  {v}\n'
                for v, doc in (
                    ("asc", "in ascending order, nulls last"),
                    ("asc_nulls_first", "in ascending order, nulls first"),
                    ("asc_nulls_last", "in ascending order, nulls last"),
                    ("desc", "in descending order, nulls first"),
                    ("desc_nulls_first", "in descending order, nulls first"),
                    ("desc_nulls_last", "in descending order, nulls last"),
                )
            ],
            "column ordering options",
        )
    )
    parts.append(render_enum_table(_ENUM_VALUES, hazards))
    action_fields, action_types = _actions(hazards)
    parts.append(action_types)
    parts += [render_table(t) for t in model]
    query = [f for t in model for f in _query_fields(t, stream=False)]
    subscription = [f for t in model for f in _query_fields(t, stream=True)]
    mutation = [f for t in model for f in _mutation_fields(t)]
    parts.append(_block("type", "query_root", [*query, *action_fields[2:]]))
    parts.append(_block("type", "mutation_root", [*action_fields[:2], *mutation]))
    parts.append(_block("type", "subscription_root", subscription))
    return "\n".join(parts)


def _fields(t: Table) -> str:
    # Only columns the table has: the hazards' marketing_source has no status or created_at.
    have = {c.name for c in t.columns}
    names: list[str] = [n for n in ("id", "name", "status", "created_at") if n in have]
    names += [c.name for c in t.columns if c.name in ("amount", "metadata")]
    return "\n    ".join(names)


def render_operations(tables: int = 18, *, hazards: bool = False, per_table: int = 5) -> str:
    """About 30 operations, as a frontend would write them: ``where``/``order_by`` variables,
    aggregates, inserts with ``on_conflict``, updates, a stream subscription, Nhost roots."""
    model = build_tables(tables, hazards)
    picked = [t for t in model if not t.nhost][:: max(1, len(model) // per_table)][:per_table]
    ops: list[str] = []
    for t in picked:
        n = t.name
        cap = "".join(part.title() for part in n.split("_"))
        rel = next(iter(t.objects), None)
        nested = f"\n    {rel} {{\n      id\n      name\n    }}" if rel else ""
        ops.append(
            f"query List{cap}($where: {n}_bool_exp, $orderBy: [{n}_order_by!], $limit: Int) {{\n"
            f"  {n}(where: $where, order_by: $orderBy, limit: $limit) {{\n"
            f"    {_fields(t)}{nested}\n"
            "  }\n}\n"
        )
        # `amount`, else the first numeric column (a hazard table has bigint/float8/smallint
        # but no amount).
        summed = [c.name for c in t.numeric if c.name == "amount"] or [c.name for c in t.numeric]
        total = f"      sum {{\n        {summed[0]}\n      }}\n" if summed else ""
        ops.append(
            f"query Count{cap}($where: {n}_bool_exp) {{\n  {n}_aggregate(where: $where) {{\n"
            "    aggregate {\n      count\n      max {\n"
            f"        {'created_at' if 'created_at' in _fields(t) else 'name'}\n      }}\n"
            f"{total}    }}\n  }}\n}}\n"
        )
        ops.append(
            f"query Get{cap}($id: uuid!) {{\n  {n}_by_pk(id: $id) {{\n    {_fields(t)}\n  }}\n}}\n"
        )
        ops.append(
            f"mutation Insert{cap}($objects: [{n}_insert_input!]!, "
            f"$onConflict: {n}_on_conflict) {{\n"
            f"  insert_{n}(objects: $objects, on_conflict: $onConflict) {{\n"
            "    affected_rows\n    returning {\n      id\n    }\n  }\n}\n"
        )
        ops.append(
            f"mutation Update{cap}($id: uuid!, $set: {n}_set_input!) {{\n"
            f"  update_{n}_by_pk(pk_columns: {{id: $id}}, _set: $set) {{\n    id\n    name\n"
            "  }\n}\n"
        )
    first = picked[0].name
    cap = "".join(part.title() for part in first.split("_"))
    ops.append(
        f"subscription {cap}Stream($cursor: [{first}_stream_cursor_input]!, "
        "$batchSize: Int!) {\n"
        f"  {first}_stream(batch_size: $batchSize, cursor: $cursor) {{\n    id\n    name\n"
        "  }\n}\n"
    )
    ops.append(
        "query UsersCount {\n  usersAggregate {\n    aggregate {\n      count\n    }\n  }\n}\n"
    )
    ops.append(
        "mutation InsertUser($object: users_insert_input!) {\n  insertUser(object: $object) {\n"
        "    id\n  }\n}\n"
    )
    ops.append(
        "subscription AttachmentsStream($cursor: [attachments_stream_cursor_input]!) {\n"
        "  attachmentsStream(batch_size: 10, cursor: $cursor) {\n    id\n    name\n  }\n}\n"
    )
    ops.append(
        "mutation CreateReport($input: CreateReportInput!) {\n  createReport(input: $input) {\n"
        "    reportId\n    url\n  }\n}\n"
    )
    if hazards:
        ops += _hazard_operations(model)
    return "\n".join(ops)


def _hazard_operations(model: list[Table]) -> list[str]:
    keywords, logic, str_methods, alike, scalars = model[2:7]
    return [
        "query RoleOptions($role: String!, $timeout: Int, $headers: String, "
        "$maxRetries: Int) {\n"
        f"  {keywords.name}(where: {{name: {{_eq: $role}}, description: {{_eq: $headers}}}}, "
        "limit: $timeout, offset: $maxRetries) {\n    id\n  }\n}\n",
        "query users {\n  users {\n    id\n    name\n  }\n}\n",
        f"query Keywords {{\n  {keywords.name} {{\n    from\n    in\n    not\n    pass\n"
        "    status\n  }\n}\n",
        f"query Logic {{\n  {logic.name}("
        "where: {and: {_eq: true}, _and: [{or: {_eq: false}}]}) "
        "{\n    and\n    or\n    not\n  }\n}\n",
        f"query StrMethods($columns: [{str_methods.name}_select_column!]) {{\n"
        f"  {str_methods.name}(distinct_on: $columns) {{\n    title\n    count\n    index\n"
        "    format\n  }\n}\n",
        f"query Alike {{\n  {alike.name} {{\n    User\n    user\n    companyId\n    company_id\n"
        "  }\n}\n",
        f"query Scalars {{\n  {scalars.name} {{\n    path\n    path_query\n    blob\n    big\n"
        "    labels\n    ratio\n    location\n    duration\n    ip\n    small\n    settings\n"
        "    raw\n  }\n}\n",
        "query Sources {\n  marketingSources {\n    label\n  }\n  marketing_source {\n    id\n"
        "    name\n  }\n}\n",
    ]


def tables_for(kilobytes: float, hazards: bool = False) -> int:
    """The table count whose schema is closest to ``kilobytes`` KB of SDL (searched)."""
    per_table = len(render(20, hazards=hazards)) / 20 / 1024
    tables = max(3, round(kilobytes / per_table))
    for _ in range(4):
        size = len(render(tables, hazards=hazards)) / 1024
        tables = max(3, round(tables * kilobytes / size))
    return tables


CODEGEN_TOML = """[tool.dxtra-typed]
package = "synth_client"
package_path = "."
schema = "schema.graphql"
queries = "queries"
client = "SynthClient"
async_client = "AsyncSynthClient"
"""


def write_project(out: Path, tables: int, *, hazards: bool = False) -> Path:
    """A dxtra-typed project (codegen.toml, schema.graphql, queries/) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "queries").mkdir(exist_ok=True)
    (out / "schema.graphql").write_text(render(tables, hazards=hazards), encoding="utf-8")
    (out / "queries" / "operations.graphql").write_text(
        render_operations(tables, hazards=hazards), encoding="utf-8"
    )
    (out / "codegen.toml").write_text(CODEGEN_TOML, encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for schema.graphql, queries/, codegen.toml")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--tables", type=int, default=18)
    size.add_argument("--kilobytes", type=float, help="aim for this much SDL instead")
    parser.add_argument("--hazards", action="store_true", help="add the issue-21 naming traps")
    args = parser.parse_args(argv)
    tables = tables_for(args.kilobytes, args.hazards) if args.kilobytes else args.tables
    write_project(args.out, tables, hazards=args.hazards)
    kb = (args.out / "schema.graphql").stat().st_size / 1024
    print(f"{args.out}: {tables} tables, {kb:.0f} KB of SDL", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
