"""The sandbox's table model: the one source of truth for the schema text, the store and the engine.

Everything the sandbox knows about Dxtra's data (tables, columns, relationships, per-role
permissions) lives here, so the reconstructed SDL and the engine that answers queries against it
cannot drift apart. Descriptions are written for users (they become hover text in generated
code), so provenance is data, not text in them: ``Column.inferred`` marks a column reconstructed
from Hasura/Nhost conventions or guessed; everything else is stated by Dxtra's public docs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# A Hasura boolean expression (the same JSON shape as a `where` argument). Permission filters
# use it too, with the string "X-Hasura-User-Id" standing for the session's user id, exactly as
# Hasura metadata writes it.
BoolExp = Mapping[str, Any]

USER_ID_VAR = "X-Hasura-User-Id"

# Scalars whose values can be ordered, so they get max/min aggregate fields.
COMPARABLE_SCALARS = frozenset(
    {"String", "citext", "uuid", "timestamptz", "date", "Int", "bigint", "numeric"}
)
NUMERIC_SCALARS = frozenset({"Int", "bigint", "numeric"})
TEXT_SCALARS = frozenset({"String", "citext"})


@dataclass(frozen=True)
class FilterOperator:
    """One operator of Hasura's ``<scalar>_comparison_exp`` inputs (``_eq``, ``_ilike``, ...).

    The one place an operator is defined: the SDL renders it into every comparison type it
    applies to, and the SQL compiler (``_sql``) compiles it by its ``kind``:

    - ``compare``: ``column <sql> operand`` (``sql`` is the SQL operator);
    - ``in``: ``column [NOT] IN (operands)``; ``is_null``: ``column IS [NOT] NULL``;
    - ``match``: a pattern test, ``sql`` naming the pattern language (like, similar, regex);
    - ``json``: the jsonb function ``sb_json_<sql>(column, operand)``, the other way round
      when ``swapped`` (``_contained_in``).
    """

    name: str
    kind: Literal["compare", "in", "is_null", "match", "json"]
    # Which comparison types have it: every scalar's, the text scalars', or only jsonb's.
    scalars: Literal["all", "text", "jsonb"] = "all"
    # The operand's GraphQL type; "$" stands for the column's own scalar.
    operand: str = "$"
    # Hasura's description of the input field ("" where Hasura shows none).
    description: str = ""
    sql: str = ""
    case_insensitive: bool = False
    negated: bool = False
    swapped: bool = False

    def applies_to(self, scalar: str) -> bool:
        if self.scalars == "text":
            return scalar in TEXT_SCALARS
        if self.scalars == "jsonb":
            return scalar == "jsonb"
        return True

    def operand_type(self, scalar: str) -> str:
        return self.operand.replace("$", scalar)


def _match(
    name: str, language: str, description: str, *, ci: bool = False, negated: bool = False
) -> FilterOperator:
    return FilterOperator(
        name, "match", "text", "$", description, language, case_insensitive=ci, negated=negated
    )


FILTER_OPERATORS: tuple[FilterOperator, ...] = (
    FilterOperator("_eq", "compare", sql="="),
    FilterOperator("_neq", "compare", sql="<>"),
    FilterOperator("_gt", "compare", sql=">"),
    FilterOperator("_gte", "compare", sql=">="),
    FilterOperator("_lt", "compare", sql="<"),
    FilterOperator("_lte", "compare", sql="<="),
    FilterOperator("_in", "in", operand="[$!]"),
    FilterOperator("_nin", "in", operand="[$!]", negated=True),
    FilterOperator("_is_null", "is_null", operand="Boolean"),
    _match("_like", "like", "does the column match the given pattern"),
    _match("_nlike", "like", "does the column NOT match the given pattern", negated=True),
    _match("_ilike", "like", "does the column match the given case-insensitive pattern", ci=True),
    _match(
        "_nilike",
        "like",
        "does the column NOT match the given case-insensitive pattern",
        ci=True,
        negated=True,
    ),
    _match("_similar", "similar", "does the column match the given SQL regular expression"),
    _match(
        "_nsimilar",
        "similar",
        "does the column NOT match the given SQL regular expression",
        negated=True,
    ),
    _match(
        "_regex",
        "regex",
        "does the column match the given POSIX regular expression, case sensitive",
    ),
    _match(
        "_nregex",
        "regex",
        "does the column NOT match the given POSIX regular expression, case sensitive",
        negated=True,
    ),
    _match(
        "_iregex",
        "regex",
        "does the column match the given POSIX regular expression, case insensitive",
        ci=True,
    ),
    _match(
        "_niregex",
        "regex",
        "does the column NOT match the given POSIX regular expression, case insensitive",
        ci=True,
        negated=True,
    ),
    FilterOperator(
        "_contains",
        "json",
        "jsonb",
        "jsonb",
        "does the column contain the given json value at the top level",
        "contains",
    ),
    FilterOperator(
        "_contained_in",
        "json",
        "jsonb",
        "jsonb",
        "is the column contained in the given json value",
        "contains",
        swapped=True,
    ),
    FilterOperator(
        "_has_key",
        "json",
        "jsonb",
        "String",
        "does the string exist as a top-level key in the column",
        "has_key",
    ),
    FilterOperator(
        "_has_keys_all",
        "json",
        "jsonb",
        "[String!]",
        "do all of these strings exist as top-level keys in the column",
        "has_keys_all",
    ),
    FilterOperator(
        "_has_keys_any",
        "json",
        "jsonb",
        "[String!]",
        "do any of these strings exist as top-level keys in the column",
        "has_keys_any",
    ),
)


@dataclass(frozen=True)
class Column:
    name: str
    db_name: str
    type: str
    description: str
    nullable: bool = False
    has_default: bool = False
    # Provenance, for maintainers (never rendered): True when the column or its description is
    # reconstructed from Hasura/Nhost conventions or guessed, False when Dxtra's docs state it.
    inferred: bool = False


@dataclass(frozen=True)
class Relationship:
    name: str
    kind: Literal["object", "array"]
    target: str
    # (local column, remote column) pairs, GraphQL names.
    mapping: tuple[tuple[str, str], ...]
    # For object relationships backed by a foreign key: its Postgres constraint name.
    fk_constraint: str | None = None


@dataclass(frozen=True)
class Permission:
    """What one role may do with one table (a simplified Hasura permission set).

    An empty `select` means no select permission at all: as in Hasura, the role then gets no
    query fields, no object type and no relationships to the table, and an insert permission
    yields only `insertXs(objects:) { affected_rows }` (no insert-one, no `returning`).
    """

    select: tuple[str, ...]
    filter: BoolExp = field(default_factory=dict)
    allow_aggregations: bool = False
    insert: tuple[str, ...] | None = None
    insert_check: BoolExp | None = None
    update: tuple[str, ...] | None = None
    # Post-update check; None means "the select filter", as Dxtra-style metadata usually does.
    update_check: BoolExp | None = None
    delete: bool = False

    @property
    def check(self) -> BoolExp:
        return self.insert_check if self.insert_check is not None else self.filter


@dataclass(frozen=True)
class Table:
    name: str  # GraphQL custom name (plural), also the object type name
    singular: str
    db_name: str
    schema: str
    description: str
    columns: tuple[Column, ...]
    relationships: tuple[Relationship, ...] = ()
    permissions: Mapping[str, Permission] = field(default_factory=dict)
    # Defaults applied on insert beyond id/createdAt/updatedAt (column name -> value).
    defaults: Mapping[str, Any] = field(default_factory=dict)

    @property
    def qualified_db_name(self) -> str:
        return self.db_name if self.schema == "public" else f"{self.schema}.{self.db_name}"

    @property
    def pkey(self) -> str:
        return f"{self.db_name}_pkey"

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    def relationship(self, name: str) -> Relationship | None:
        for rel in self.relationships:
            if rel.name == name:
                return rel
        return None

    @property
    def root_names(self) -> dict[str, str]:
        """Nhost's custom_root_fields for this table, keyed by Hasura's operation kind."""
        plural = self.name[0].upper() + self.name[1:]
        single = self.singular[0].upper() + self.singular[1:]
        return {
            "select": self.name,
            "select_by_pk": self.singular,
            "select_aggregate": f"{self.name}Aggregate",
            "select_stream": f"{self.name}Stream",
            "insert": f"insert{plural}",
            "insert_one": f"insert{single}",
            "update": f"update{plural}",
            "update_by_pk": f"update{single}",
            "delete": f"delete{plural}",
            "delete_by_pk": f"delete{single}",
        }


def _c(
    name: str,
    db: str,
    type_: str,
    desc: str,
    *,
    null: bool = False,
    default: bool = False,
    inferred: bool = False,
) -> Column:
    return Column(name, db, type_, desc, nullable=null, has_default=default, inferred=inferred)


def _id(what: str) -> Column:
    return _c("id", "id", "uuid", f"Primary key of the {what} (uuid).", default=True)


def _created() -> Column:
    return _c("createdAt", "created_at", "timestamptz", "When the row was created.", default=True)


def _updated() -> Column:
    return _c(
        "updatedAt",
        "updated_at",
        "timestamptz",
        "When the row was last updated (bumped on every update).",
        default=True,
    )


def _obj(name: str, target: str, local: str, fk: str) -> Relationship:
    return Relationship(name, "object", target, ((local, "id"),), fk_constraint=fk)


def _arr(name: str, target: str, remote: str) -> Relationship:
    return Relationship(name, "array", target, (("id", remote),))


_U = {"_eq": USER_ID_VAR}
# Rows of controllers the session user belongs to (the dashboard's data-controller scoping).
_MEMBER_OF_CONTROLLER: BoolExp = {"dataControllerUsers": {"userId": _U}}
_VIA_CONTROLLER: BoolExp = {"dataController": _MEMBER_OF_CONTROLLER}
_VIA_SUBJECT_CONTROLLER: BoolExp = {"dataSubject": _VIA_CONTROLLER}
_OWN_SUBJECT: BoolExp = {"dataSubject": {"userId": _U}}


def _all(cols: tuple[Column, ...], *excluding: str) -> tuple[str, ...]:
    return tuple(c.name for c in cols if c.name not in excluding)


_DC_COLS = (
    _id("data controller"),
    _c("title", "title", "String", 'Display name of the organisation, e.g. "My Organisation".'),
    _c(
        "did",
        "did",
        "String",
        "Decentralised identifier: `did:dep:` + 64 hex chars (SHA3-256 of the id).",
        null=True,
    ),
    _c(
        "contactEmail",
        "contact_email",
        "citext",
        "Privacy contact address of the organisation.",
        null=True,
        inferred=True,
    ),
    _c(
        "settings",
        "settings",
        "jsonb",
        "Free-form organisation settings (Transparency Center options and similar).",
        null=True,
        inferred=True,
    ),
    _created(),
    _updated(),
)

_DCU_COLS = (
    _id("membership"),
    _c("dataControllerId", "data_controller_id", "uuid", "The data controller."),
    _c("userId", "user_id", "uuid", "The Nhost auth user who is a team member."),
    _c(
        "role",
        "role",
        "String",
        "App-level team role in this data controller, e.g. owner, admin, member "
        "(not a Hasura role).",
    ),
    _created(),
)

_DS_COLS = (
    _id("data subject"),
    _c("did", "did", "String", "Decentralised identifier of the data subject.", null=True),
    _c("dataControllerId", "data_controller_id", "uuid", "The owning data controller."),
    _c(
        "userId",
        "user_id",
        "uuid",
        "The auth user of a data subject who signed in to the Transparency Center.",
        null=True,
        inferred=True,
    ),
    _c(
        "emailHash",
        "email_hash",
        "String",
        "Hash of the subject's email; the docs say identities are linked by hashes, never raw PII.",
        null=True,
        inferred=True,
    ),
    _created(),
    _updated(),
)

_CFV_COLS = (
    _id("consent value"),
    _c(
        "dataSubjectId", "data_subject_id", "uuid", "The data subject who consented.", inferred=True
    ),
    _c("formId", "form_id", "uuid", "The consent form the value was given on.", inferred=True),
    _c(
        "category",
        "category",
        "String",
        "Consent category: strictlyNecessary, analytics, marketing or functional.",
    ),
    _c("value", "value", "String", 'The consent value, e.g. "granted" or "denied".'),
    _created(),
    _updated(),
)

_PV_COLS = (
    _id("preference value"),
    _c("dataSubjectId", "data_subject_id", "uuid", "The data subject.", inferred=True),
    _c("key", "key", "String", 'Preference key, e.g. "newsletter".', inferred=True),
    _c("value", "value", "jsonb", "Preference value (any JSON).", null=True, inferred=True),
    _updated(),
)

_RR_COLS = (
    _id("rights request"),
    _c("dataSubjectId", "data_subject_id", "uuid", "The data subject making the request."),
    _c(
        "dataControllerId",
        "data_controller_id",
        "uuid",
        "The data controller asked.",
        inferred=True,
    ),
    _c(
        "requestType",
        "request_type",
        "String",
        "access, rectify, erasure, restrict, export, object or noSale.",
    ),
    _c(
        "status",
        "status",
        "String",
        'Workflow status; new requests start as "submitted".',
        default=True,
    ),
    _c("dueDate", "due_date", "date", "Statutory response deadline.", null=True, inferred=True),
    _c("notes", "notes", "String", "Internal notes of the privacy team.", null=True, inferred=True),
    _created(),
    _updated(),
)

_PA_COLS = (
    _id("processing activity"),
    _c("dataControllerId", "data_controller_id", "uuid", "The data controller.", inferred=True),
    _c("name", "name", "String", "Name of the processing activity.", inferred=True),
    _c("purpose", "purpose", "String", "Why the data is processed.", null=True, inferred=True),
    _c(
        "legalBasis",
        "legal_basis",
        "String",
        "consent, contract, legalObligation, vitalInterests, publicTask or legitimateInterests.",
    ),
    _c("isEssential", "is_essential", "Boolean", "Needed to deliver the service.", inferred=True),
    _c(
        "retentionDays",
        "retention_days",
        "Int",
        "Retention period in days.",
        null=True,
        inferred=True,
    ),
    _c(
        "recordCount",
        "record_count",
        "bigint",
        "Number of records processed (bigint: a JSON number).",
        null=True,
        inferred=True,
    ),
    _c(
        "riskScore",
        "risk_score",
        "numeric",
        "Risk score (numeric: a JSON number, may lose precision).",
        null=True,
        inferred=True,
    ),
    _created(),
)

_USER_COLS = (
    _id("user"),
    _c("displayName", "display_name", "String", "Nhost auth user's display name."),
    _c("email", "email", "citext", "Nhost auth user's email.", null=True),
    _c("defaultRole", "default_role", "String", "Default Hasura role of the user."),
    _c("metadata", "metadata", "jsonb", "Free-form user metadata.", null=True),
    _created(),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "dataControllers",
            "dataController",
            "data_controllers",
            "public",
            "Organisations that control personal data; a dashboard user sees only the "
            "ones they are a team member of.",
            _DC_COLS,
            (
                _arr("dataSubjects", "dataSubjects", "dataControllerId"),
                _arr("dataControllerUsers", "dataControllerUsers", "dataControllerId"),
                _arr("dataProcessingActivities", "dataProcessingActivities", "dataControllerId"),
                _arr(
                    "dataSubjectsRightsRequests", "dataSubjectsRightsRequests", "dataControllerId"
                ),
            ),
            {
                "user": Permission(_all(_DC_COLS), _MEMBER_OF_CONTROLLER, allow_aggregations=True),
                "dataSubject": Permission(("id", "title", "did"), {"dataSubjects": {"userId": _U}}),
                "anonymous": Permission(("id", "title", "did")),
            },
        ),
        Table(
            "dataControllerUsers",
            "dataControllerUser",
            "data_controller_users",
            "public",
            "Team membership: which auth user belongs to which data controller, and in "
            "which team role.",
            _DCU_COLS,
            (
                _obj(
                    "dataController",
                    "dataControllers",
                    "dataControllerId",
                    "data_controller_users_data_controller_id_fkey",
                ),
                _obj("user", "users", "userId", "data_controller_users_user_id_fkey"),
            ),
            {"user": Permission(_all(_DCU_COLS), _VIA_CONTROLLER, allow_aggregations=True)},
        ),
        Table(
            "dataSubjects",
            "dataSubject",
            "data_subjects",
            "public",
            "Individuals whose personal data a data controller processes.",
            _DS_COLS,
            (
                _obj(
                    "dataController",
                    "dataControllers",
                    "dataControllerId",
                    "data_subjects_data_controller_id_fkey",
                ),
                _arr("consentFormValues", "dataSubjectConsentFormValues", "dataSubjectId"),
                _arr("preferenceValues", "dataSubjectPreferenceValues", "dataSubjectId"),
                _arr("rightsRequests", "dataSubjectsRightsRequests", "dataSubjectId"),
            ),
            {
                "user": Permission(
                    _all(_DS_COLS),
                    _VIA_CONTROLLER,
                    allow_aggregations=True,
                    insert=("id", "did", "dataControllerId", "userId", "emailHash"),
                    update=("did", "dataControllerId", "userId", "emailHash"),
                    delete=True,
                ),
                "dataSubject": Permission(_all(_DS_COLS, "emailHash"), {"userId": _U}),
            },
        ),
        Table(
            "dataSubjectConsentFormValues",
            "dataSubjectConsentFormValue",
            "data_subject_consent_form_values",
            "public",
            "Consent given or refused by a data subject, one row per form category.",
            _CFV_COLS,
            (
                _obj(
                    "dataSubject",
                    "dataSubjects",
                    "dataSubjectId",
                    "data_subject_consent_form_values_data_subject_id_fkey",
                ),
            ),
            {
                "user": Permission(
                    _all(_CFV_COLS),
                    _VIA_SUBJECT_CONTROLLER,
                    allow_aggregations=True,
                    insert=("id", "dataSubjectId", "formId", "category", "value"),
                    update=("category", "value"),
                    delete=True,
                ),
                "dataSubject": Permission(_all(_CFV_COLS), _OWN_SUBJECT, update=("value",)),
            },
        ),
        Table(
            "dataSubjectPreferenceValues",
            "dataSubjectPreferenceValue",
            "data_subject_preference_values",
            "public",
            "Communication and privacy preferences of a data subject (key/value).",
            _PV_COLS,
            (
                _obj(
                    "dataSubject",
                    "dataSubjects",
                    "dataSubjectId",
                    "data_subject_preference_values_data_subject_id_fkey",
                ),
            ),
            {
                "user": Permission(
                    _all(_PV_COLS), _VIA_SUBJECT_CONTROLLER, allow_aggregations=True
                ),
                "dataSubject": Permission(_all(_PV_COLS), _OWN_SUBJECT),
            },
        ),
        Table(
            "dataSubjectsRightsRequests",
            "dataSubjectsRightsRequest",
            "data_subject_rights_requests",
            "public",
            "Privacy rights requests (DSARs) made by data subjects; the plural "
            '"Subjects" in the name is Dxtra\'s own.',
            _RR_COLS,
            (
                _obj(
                    "dataSubject",
                    "dataSubjects",
                    "dataSubjectId",
                    "data_subject_rights_requests_data_subject_id_fkey",
                ),
                _obj(
                    "dataController",
                    "dataControllers",
                    "dataControllerId",
                    "data_subject_rights_requests_data_controller_id_fkey",
                ),
            ),
            {
                "user": Permission(
                    _all(_RR_COLS),
                    _VIA_CONTROLLER,
                    allow_aggregations=True,
                    insert=(
                        "id",
                        "dataSubjectId",
                        "dataControllerId",
                        "requestType",
                        "status",
                        "dueDate",
                        "notes",
                    ),
                    update=("status", "dueDate", "notes"),
                    delete=True,
                ),
                "dataSubject": Permission(
                    _all(_RR_COLS, "notes"),
                    _OWN_SUBJECT,
                    insert=("dataSubjectId", "dataControllerId", "requestType"),
                ),
                # The public Transparency Center form: anyone may file a request, but only a
                # fresh one (status "submitted", the default) and without reading any back.
                "anonymous": Permission(
                    (),
                    insert=("dataSubjectId", "dataControllerId", "requestType", "status"),
                    insert_check={"status": {"_eq": "submitted"}},
                ),
            },
            defaults={"status": "submitted"},
        ),
        Table(
            "dataProcessingActivities",
            "dataProcessingActivity",
            "data_processing_activities",
            "public",
            "Records of processing activities (ROPA) of a data controller.",
            _PA_COLS,
            (
                _obj(
                    "dataController",
                    "dataControllers",
                    "dataControllerId",
                    "data_processing_activities_data_controller_id_fkey",
                ),
            ),
            {
                "user": Permission(
                    _all(_PA_COLS),
                    _VIA_CONTROLLER,
                    allow_aggregations=True,
                    insert=_all(_PA_COLS, "createdAt"),
                    update=_all(_PA_COLS, "id", "createdAt"),
                    delete=True,
                )
            },
            defaults={"isEssential": False},
        ),
        Table(
            "users",
            "user",
            "users",
            "auth",
            "Nhost auth users (auth.users); exposed to the `me` role for self-service.",
            _USER_COLS,
            (),
            {"me": Permission(_all(_USER_COLS), {"id": _U}, update=("displayName",))},
            defaults={"defaultRole": "user"},
        ),
    )
}

ROLES: tuple[str, ...] = ("user", "me", "dataSubject", "anonymous")


def permission(table: Table, role: str) -> Permission | None:
    return table.permissions.get(role)


def visible_tables(role: str) -> list[Table]:
    return [t for t in TABLES.values() if role in t.permissions]


def can_select(table: Table, role: str) -> bool:
    perm = table.permissions.get(role)
    return perm is not None and bool(perm.select)


def visible_relationships(table: Table, role: str) -> list[Relationship]:
    """Hasura shows a relationship to a role only if the role may select from its target."""
    return [r for r in table.relationships if can_select(TABLES[r.target], role)]
