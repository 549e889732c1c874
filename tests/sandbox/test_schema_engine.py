"""The schema-driven sandbox on a small Hasura-style schema whose root fields are spelled unlike
Hasura's defaults (tests/sandbox/data/mini_hasura.graphql): inference by shape, query and
mutation semantics, lossless values on the wire, seeds and their errors, roles, canned Actions,
and live/stream subscriptions over both WebSocket protocols.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import build_schema, introspection_from_schema

from dxtra_typed._errors import ConfigurationError
from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._engine import Session
from dxtra_typed.sandbox._hasura_engine import SchemaEngine
from dxtra_typed.sandbox._hasura_seed import SeedError, generated_id
from dxtra_typed.sandbox._schema_sandbox import build_engine
from tests.sandbox.test_websocket import LEGACY, TWS, open_socket, recv_data, send
from tests.support.processes import read_exports, reap, start

MINI = Path(__file__).parent / "data" / "mini_hasura.graphql"
DXTRA = Path(sys.executable).parent / "dxtra-typed"
USER = Session("user", "u-1")

OWNER_A = "00000000-0000-4000-8000-00000000000a"
OWNER_B = "00000000-0000-4000-8000-00000000000b"
SEED: dict[str, Any] = {
    "owners": [{"id": OWNER_A, "name": "Ann"}, {"id": OWNER_B, "name": "Bob"}],
    "pets": [
        {"name": "Rex", "kind": "dog", "weight": "30.5", "ownerId": OWNER_A, "tags": {"a": 1}},
        {"name": "Tom", "kind": "cat", "weight": "4.25", "ownerId": OWNER_A},
        {"name": "Fido", "kind": "dog", "weight": None, "ownerId": OWNER_B},
        {"name": "Zed", "kind": "cat", "weight": "12345678901234567.89"},
    ],
}


def run(engine: SchemaEngine, query: str, session: Session = USER, **variables: Any) -> Any:
    answer = engine.execute({"query": query, "variables": variables}, session)
    assert isinstance(answer, dict)
    return answer


def data(engine: SchemaEngine, query: str, **variables: Any) -> Any:
    answer = run(engine, query, **variables)
    assert "errors" not in answer, answer
    return answer["data"]


@pytest.fixture
def engine() -> SchemaEngine:
    return build_engine(MINI, seed=SEED)


def test_root_fields_are_recognised_by_shape_not_spelling(engine: SchemaEngine) -> None:
    kinds = {n: r.kind for n, r in engine.models[None].roots["mutation"].items()}
    assert kinds == {
        "addAnimals": "insert",
        "addAnimal": "insert_one",
        "addOwners": "insert",
        "changeAnimals": "update",
        "changeAnimal": "update_by_pk",
        "changeAnimalsMany": "update_many",
        "removeAnimals": "delete",
        "removeAnimal": "delete_by_pk",
    }
    assert engine.models[None].roots["subscription"]["animalsStream"].kind == "stream"
    assert engine.tables["owners"].relationships["pets"].join == ("id", "ownerId")
    assert engine.tables["pets"].relationships["owner"].join == ("ownerId", "id")


def test_where_order_by_limit_offset_distinct_on(engine: SchemaEngine) -> None:
    q = """query($w: pets_bool_exp, $o: [pets_order_by!], $l: Int, $off: Int,
                 $d: [pets_select_column!]) {
      animals(where: $w, order_by: $o, limit: $l, offset: $off, distinct_on: $d) { name }
    }"""

    def names(**v: Any) -> list[str]:
        return [r["name"] for r in data(engine, q, **v)["animals"]]

    assert names(o=[{"name": "asc"}]) == ["Fido", "Rex", "Tom", "Zed"]
    assert names(w={"kind": {"_eq": "dog"}}, o=[{"name": "desc"}]) == ["Rex", "Fido"]
    # Postgres puts nulls last ascending, first descending
    assert names(o=[{"weight": "asc"}]) == ["Tom", "Rex", "Zed", "Fido"]
    assert names(o=[{"weight": "desc"}]) == ["Fido", "Zed", "Rex", "Tom"]
    assert names(o=[{"weight": "desc_nulls_last"}], l=1) == ["Zed"]
    assert names(o=[{"name": "asc"}], l=2, off=1) == ["Rex", "Tom"]
    assert names(o=[{"kind": "asc"}, {"name": "asc"}], d=["kind"]) == ["Tom", "Fido"]
    mismatch = run(engine, q, o=[{"name": "asc"}], d=["kind"])
    assert mismatch["errors"][0]["message"] == (
        '"distinct_on" columns must match initial "order_by" columns'
    )
    assert names(w={"owner": {"name": {"_eq": "Ann"}}}, o=[{"name": "asc"}]) == ["Rex", "Tom"]
    assert names(w={"_or": [{"name": {"_like": "F%"}}, {"name": {"_ilike": "%ZE%"}}]}) == [
        "Fido",
        "Zed",
    ]
    assert names(w={"_not": {"ownerId": {"_is_null": True}}}, o=[{"name": "asc"}]) == [
        "Fido",
        "Rex",
        "Tom",
    ]
    assert names(w={"tags": {"_contains": {"a": 1}}}) == ["Rex"]
    assert names(w={"weight": {"_gt": "12345678901234567.88"}}) == ["Zed"]
    # Hasura ignores a null operand
    assert len(names(w={"name": {"_eq": None}})) == 4
    assert names(o=[{"owner": {"name": "desc"}}, {"name": "asc"}]) == [
        "Zed",
        "Fido",
        "Rex",
        "Tom",
    ]


def test_by_pk_aggregate_and_relationships_both_ways(engine: SchemaEngine) -> None:
    got = data(
        engine,
        """{
          animalsAggregate(where: {kind: {_eq: cat}}) {
            aggregate { count sum { weight } max { weight name } min { name } avg { weight } }
            nodes { name }
          }
          owners(order_by: [{name: asc}]) {
            name
            pets(order_by: [{name: asc}]) { name owner { name } }
            pets_aggregate { aggregate { count(columns: [kind], distinct: true) } }
          }
        }""",
    )
    agg = got["animalsAggregate"]["aggregate"]
    assert agg["count"] == 2
    assert agg["sum"]["weight"] == Decimal("12345678901234572.14")
    assert agg["max"] == {"weight": Decimal("12345678901234567.89"), "name": "Zed"}
    assert agg["min"] == {"name": "Tom"}
    assert [n["name"] for n in got["animalsAggregate"]["nodes"]] == ["Tom", "Zed"]
    ann, bob = got["owners"]
    assert [(p["name"], p["owner"]["name"]) for p in ann["pets"]] == [
        ("Rex", "Ann"),
        ("Tom", "Ann"),
    ]
    assert ann["pets_aggregate"]["aggregate"]["count"] == 2
    by_heaviest = data(
        engine,
        "{ owners(order_by: [{pets_aggregate: {max: {weight: desc_nulls_last}}}]) { name } }",
    )
    assert [o["name"] for o in by_heaviest["owners"]] == ["Ann", "Bob"]  # Bob's only pet: null
    by_count = data(engine, "{ owners(order_by: [{pets_aggregate: {count: asc}}]) { name } }")
    assert [o["name"] for o in by_count["owners"]] == ["Bob", "Ann"]
    assert bob["pets_aggregate"]["aggregate"]["count"] == 1
    rex_id = data(engine, '{ animals(where: {name: {_eq: "Rex"}}) { id } }')["animals"][0]["id"]
    one = data(engine, 'query($id: uuid!) { animal(id: $id) { name tags(path: "a") } }', id=rex_id)
    assert one == {"animal": {"name": "Rex", "tags": 1}}


def test_inserts_nested_on_conflict_and_returning(engine: SchemaEngine) -> None:
    owner = data(
        engine,
        """mutation { addOwners(objects: [{name: "Cy", pets: {data: [{name: "Kit", kind: cat}]}}])
           { affected_rows returning { id name pets { name ownerId } } } }""",
    )["addOwners"]
    assert owner["affected_rows"] == 1
    cy = owner["returning"][0]
    assert cy["pets"] == [{"name": "Kit", "ownerId": cy["id"]}]
    pet = data(
        engine,
        """mutation { addAnimal(object: {name: "Pup", kind: dog, owner: {data: {name: "Di"}}})
           { id name owner { name } createdAt } }""",
    )["addAnimal"]
    assert pet["owner"] == {"name": "Di"}
    duplicate = run(
        engine,
        'mutation($id: uuid!) { addAnimal(object: {id: $id, name: "Again", kind: dog}) { id } }',
        id=pet["id"],
    )
    assert duplicate["errors"][0]["extensions"]["code"] == "constraint-violation"
    assert "pets_pkey" in duplicate["errors"][0]["message"]
    upserted = data(
        engine,
        """mutation($id: uuid!) {
          addAnimals(objects: [{id: $id, name: "Pup 2", kind: dog}],
                     on_conflict: {constraint: pets_pkey, update_columns: [name]})
          { affected_rows returning { name } } }""",
        id=pet["id"],
    )["addAnimals"]
    assert upserted == {"affected_rows": 1, "returning": [{"name": "Pup 2"}]}
    ignored = data(
        engine,
        """mutation($id: uuid!) {
          addAnimals(objects: [{id: $id, name: "Pup 3", kind: dog}],
                     on_conflict: {constraint: pets_pkey, update_columns: []})
          { affected_rows } }""",
        id=pet["id"],
    )["addAnimals"]
    assert ignored == {"affected_rows": 0}


def test_updates_deletes_and_all_or_nothing_mutations(engine: SchemaEngine) -> None:
    changed = data(
        engine,
        """mutation {
          changeAnimals(where: {kind: {_eq: dog}}, _inc: {weight: "0.5"}, _set: {tags: {b: 2}})
          { affected_rows returning { name weight tags } }
        }""",
    )["changeAnimals"]
    assert changed["affected_rows"] == 2
    assert {r["name"]: r["weight"] for r in changed["returning"]} == {
        "Rex": Decimal("31.0"),
        "Fido": None,
    }
    many = data(
        engine,
        """mutation { changeAnimalsMany(updates: [
            {where: {name: {_eq: "Tom"}}, _set: {name: "Thomas"}},
            {where: {kind: {_eq: dog}}, _set: {weight: 1}}
          ]) { affected_rows } }""",
    )["changeAnimalsMany"]
    assert many == [{"affected_rows": 1}, {"affected_rows": 2}]
    removed = data(
        engine, 'mutation { removeAnimals(where: {name: {_eq: "Thomas"}}) { affected_rows } }'
    )
    assert removed == {"removeAnimals": {"affected_rows": 1}}
    # The second root field fails: the first one's insert is rolled back with it.
    failed = run(
        engine,
        """mutation { addAnimal(object: {name: "Ghost", kind: cat}) { id }
          bad: addAnimal(object: {name: "Bad", kind: cat, born: "not a date"}) { id } }""",
    )
    assert failed["errors"][0]["extensions"]["code"] == "data-exception"
    assert "date" in failed["errors"][0]["message"]
    assert data(engine, '{ animals(where: {name: {_in: ["Ghost", "Bad"]}}) { id } }') == {
        "animals": []
    }
    failed = run(
        engine,
        """mutation { changeAnimals(where: {}, _set: {name: "Same"}) { affected_rows }
          removeAnimals(where: {}) { affected_rows }
          bad: addAnimal(object: {name: "Bad", kind: cat, big: "many"}) { id } }""",
    )
    assert failed["errors"][0]["extensions"]["code"] == "data-exception"
    names = data(engine, "{ animals(order_by: [{name: asc}]) { name } }")["animals"]
    assert [n["name"] for n in names] == ["Fido", "Rex", "Zed"]


def test_an_action_names_itself_and_canned_answers_serve_it() -> None:
    answer = run(build_engine(MINI), '{ hello(name: "x") { greeting } }')
    (error,) = answer["errors"]
    assert '"hello"' in error["message"] and "Action" in error["message"]
    assert error["extensions"] == {"code": "not-supported", "path": "$.selectionSet.hello"}
    canned = build_engine(MINI, canned={"hello": {"greeting": "hi"}})
    assert data(canned, '{ hello(name: "x") { greeting } }') == {"hello": {"greeting": "hi"}}


def test_generated_rows_are_deterministic_and_joined() -> None:
    first, second = build_engine(MINI, seed_rows=3), build_engine(MINI, seed_rows=3)
    q = "{ owners(order_by: [{name: asc}]) { id name pets { name owner { id } } } }"
    got = data(first, q)
    assert got == data(second, q)
    assert len(got["owners"]) == 3
    assert {o["id"] for o in got["owners"]} == {generated_id("owners", i) for i in range(3)}
    for owner in got["owners"]:
        assert owner["pets"] and all(p["owner"]["id"] == owner["id"] for p in owner["pets"])


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ({"animals": []}, "unknown table 'animals'"),
        ({"pets": [{"name": "a"}, {"nam": "b"}]}, "table 'pets' row 1: unknown column 'nam'"),
        ({"pets": [{"kind": "bird"}]}, "table 'pets' row 0 column 'kind'"),
        (
            {"pets": [{"id": "nope"}]},
            "table 'pets' row 0 column 'id': invalid input syntax for type uuid",
        ),
        ({"pets": [{"big": 1.5}]}, "table 'pets' row 0 column 'big'"),
        ({"pets": [{"name": None}]}, "table 'pets' row 0 column 'name': null in a non-null column"),
    ],
)
def test_a_seed_that_does_not_fit_names_table_row_and_column(seed: Any, message: str) -> None:
    with pytest.raises(SeedError, match=message.replace("(", r"\(")):
        build_engine(MINI, seed=seed)


def test_seed_permissions_filter_rows_per_role() -> None:
    seed = {**SEED, "_permissions": {"user": {"pets": {"ownerId": {"_eq": "X-Hasura-User-Id"}}}}}
    engine = build_engine(MINI, seed=seed)
    mine = Session("user", OWNER_A)
    got = engine.execute({"query": "{ animals(order_by: [{name: asc}]) { name } }"}, mine)
    assert got == {"data": {"animals": [{"name": "Rex"}, {"name": "Tom"}]}}
    other = engine.execute({"query": "{ animals { name } }"}, Session("admin", None))
    assert len(other["data"]["animals"]) == 4


def test_a_schema_per_role_and_introspection_json(tmp_path: Path) -> None:
    small = tmp_path / "small.json"
    sdl = (
        "type pets { id: Int! } input pets_bool_exp { id: Int } "
        "type query_root { pets(where: pets_bool_exp): [pets!]! } schema { query: query_root }"
    )
    small.write_text(json.dumps({"data": introspection_from_schema(build_schema(sdl))}))
    engine = build_engine({None: MINI, "viewer": small})
    viewer = engine.execute({"query": "{ animals { id } }"}, Session("viewer"))
    assert "animals" in viewer["errors"][0]["message"]
    assert engine.execute({"query": "{ pets { id } }"}, Session("viewer")) == {"data": {"pets": []}}
    assert "data" in engine.execute({"query": "{ animals { id } }"}, Session("user"))


def test_numeric_and_other_scalars_keep_their_json_forms_on_the_wire() -> None:
    with Sandbox(schema=MINI) as sb:
        token = sb.mint_token()
        body = (
            '{"query": "mutation($o: pets_insert_input!) { addAnimal(object: $o) '
            '{ weight big born createdAt tags id } }", "variables": {"o": {"name": "N", '
            '"kind": "cat", "weight": 12345678901234567.89, "big": 9007199254740993, '
            '"born": "2020-02-29", "tags": {"x": [1.5, null]}, '
            '"id": "AAAAAAAA-0000-4000-8000-000000000001"}}}'
        )
        raw = httpx.post(
            sb.api_url,
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        ).text
    assert '"weight":12345678901234567.89' in raw
    assert '"big":9007199254740993' in raw
    assert '"born":"2020-02-29"' in raw
    assert '"tags":{"x":[1.5,null]}' in raw
    assert '"id":"aaaaaaaa-0000-4000-8000-000000000001"' in raw
    created = json.loads(raw)["data"]["addAnimal"]["createdAt"]
    assert created.endswith("+00:00")


def test_sandbox_rejects_seed_without_schema_and_adds_rows() -> None:
    with pytest.raises(ConfigurationError):
        Sandbox(seed={"pets": []})
    sb = Sandbox(schema=MINI)
    sb.add_rows({"owners": [{"name": "Late"}]})
    assert data(sb.engine, "{ owners { name } }") == {"owners": [{"name": "Late"}]}  # type: ignore[arg-type]


@pytest.fixture
def mini_sandbox() -> Iterator[Sandbox]:
    with Sandbox(schema=MINI, seed=SEED) as sb:
        yield sb


STREAM = """subscription($after: timestamptz) {
  animalsStream(batch_size: 10, cursor: [{initial_value: {createdAt: $after}, ordering: ASC}])
  { name }
}"""


@pytest.mark.parametrize("protocol", [TWS, LEGACY])
async def test_stream_and_live_query_over_both_protocols(
    mini_sandbox: Sandbox, protocol: str
) -> None:
    ws = await open_socket(mini_sandbox, protocol)
    start, next_ = ("subscribe", "next") if protocol == TWS else ("start", "data")
    after = data(mini_sandbox.engine, "{ animalsAggregate { aggregate { max { createdAt } } } }")  # type: ignore[arg-type]
    latest = after["animalsAggregate"]["aggregate"]["max"]["createdAt"]
    try:
        await send(
            ws,
            {
                "type": start,
                "id": "s",
                "payload": {"query": STREAM, "variables": {"after": latest}},
            },
        )
        await send(
            ws,
            {
                "type": start,
                "id": "l",
                "payload": {
                    "query": "subscription { animals(order_by: [{name: asc}], limit: 1) { name } }"
                },
            },
        )
        live = await recv_data(ws)
        assert live["type"] == next_ and live["id"] == "l"
        assert live["payload"]["data"]["animals"] == [{"name": "Fido"}]
        names: list[str] = []
        for label in ("Ace", "Bea"):
            await asyncio.to_thread(_insert, mini_sandbox, label)
        deadline = asyncio.get_running_loop().time() + 5
        while len(names) < 2 and asyncio.get_running_loop().time() < deadline:
            message = await recv_data(ws)
            assert message["type"] == next_
            if message["id"] == "s":
                names += [r["name"] for r in message["payload"]["data"]["animalsStream"]]
            else:
                assert message["payload"]["data"]["animals"] == [{"name": "Ace"}]
        assert names == ["Ace", "Bea"]
    finally:
        await ws.close()


def _insert(sb: Sandbox, name: str) -> None:
    response = httpx.post(
        sb.api_url,
        json={
            "query": "mutation($n: String!) { addAnimal(object: {name: $n, kind: dog}) { id } }",
            "variables": {"n": name},
        },
        headers={"Authorization": f"Bearer {sb.mint_token()}"},
    )
    assert "errors" not in response.json()


@pytest.mark.parametrize(
    ("seed", "named"),
    [
        ('{"animals": []}', "unknown table 'animals'"),
        ('{"pets": [{"nam": "x"}]}', "row 0: unknown column 'nam'"),
        (
            '{"pets": [{"weight": "heavy"}]}',
            "row 0 column 'weight': invalid input syntax for type numeric",
        ),
    ],
)
def test_cli_seed_errors_exit_2_with_one_line(tmp_path: Path, seed: str, named: str) -> None:
    path = tmp_path / "seed.json"
    path.write_text(seed)
    result = subprocess.run(
        [str(DXTRA), "sandbox", "--schema", str(MINI), "--seed", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and named in lines[0] and str(path) in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed.json"]


def test_schema_flag_takes_one_file_or_role_files(tmp_path: Path) -> None:
    from dxtra_typed.cli._sandbox import _schema_source

    assert _schema_source([str(MINI)]) == MINI
    assert _schema_source([str(MINI), f"viewer={MINI}"]) == {None: MINI, "viewer": MINI}
    with pytest.raises(ConfigurationError, match="twice for role 'viewer'"):
        _schema_source([f"viewer={MINI}", f"viewer={MINI}"])


def test_a_yaml_seed_says_what_it_needs(tmp_path: Path) -> None:
    pytest.importorskip("graphql")
    try:
        import yaml  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        path = tmp_path / "seed.yaml"
        path.write_text("pets: []\n")
        with pytest.raises(SeedError, match="PyYAML"):
            build_engine(MINI, seed=path)
    else:  # pragma: no cover - depends on the environment
        path = tmp_path / "seed.yaml"
        path.write_text("pets:\n  - {name: Yam, kind: cat}\n")
        assert data(build_engine(MINI, seed=path), "{ animals { name } }") == {
            "animals": [{"name": "Yam"}]
        }


def _project(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "schema.graphql").write_text(MINI.read_text())
    (tmp_path / "seed.json").write_text(json.dumps(SEED))
    (tmp_path / "codegen.toml").write_text('[tool.dxtra-typed]\npackage = "mini"\n' + extra)
    return tmp_path


def test_in_a_project_the_sandbox_serves_its_schema_and_seed(tmp_path: Path) -> None:
    from dxtra_typed.cli._project_sandbox import project_sandbox

    project = _project(tmp_path, '\n[tool.dxtra-typed-sandbox]\nseed = "seed.json"\n')
    found = project_sandbox(project / "schema")  # from a sub-folder, too
    assert found is not None
    assert found.sandbox_options() == {
        "schema": project / "schema" / "schema.graphql",
        "seed": project / "seed.json",
        "canned": None,
        "seed_rows": 0,
    }
    proc = start([DXTRA, "sandbox"], cwd=project)
    try:
        exports = read_exports(proc)
        token = httpx.post(
            exports["DXTRA_AUTH_URL"] + "/v1/signin/pat",
            json={"personalAccessToken": exports["DXTRA_API_KEY"]},
        ).json()["session"]["accessToken"]
        answer = httpx.post(
            exports["DXTRA_API_URL"],
            json={"query": "{ animalsAggregate { aggregate { count } } }"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert answer == {"data": {"animalsAggregate": {"aggregate": {"count": 4}}}}
    finally:
        reap(proc)


def test_outside_a_project_or_on_the_bundled_schema_the_bundled_sandbox_serves(
    tmp_path: Path,
) -> None:
    from dxtra_typed.cli._project_sandbox import project_sandbox
    from dxtra_typed.sandbox._sdl import render_sdl

    assert project_sandbox(tmp_path) is None
    project = _project(tmp_path)
    (project / "schema" / "schema.graphql").write_text(render_sdl("user"))
    found = project_sandbox(project)
    assert found is not None and found.sandbox_options() == {}


def test_unknown_project_sandbox_keys_are_named(tmp_path: Path) -> None:
    from dxtra_typed.cli._project_sandbox import project_sandbox

    project = _project(tmp_path, "\n[tool.dxtra-typed-sandbox]\nsede = 'x'\n")
    with pytest.raises(ConfigurationError, match=r"unknown key.*sede"):
        project_sandbox(project)


def test_cli_options_in_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dxtra_typed.cli import build_parser
    from dxtra_typed.cli._sandbox import _schema_options

    project = _project(tmp_path, '\n[tool.dxtra-typed-sandbox]\nseed = "seed.json"\n')
    monkeypatch.chdir(project)

    def options(*argv: str) -> dict[str, Any]:
        return _schema_options(build_parser().parse_args(["sandbox", *argv]))

    schema = project / "schema" / "schema.graphql"
    assert options() == {"schema": schema, "seed": project / "seed.json", "seed_rows": 0}
    assert options("--bundled") == {}
    assert options("--seed-rows", "2")["seed_rows"] == 2
    assert options("--schema", str(MINI)) == {"schema": MINI}
    with pytest.raises(ConfigurationError, match="need --schema"):
        options("--bundled", "--canned", "c.json")
    with pytest.raises(ConfigurationError, match="--db"):
        options("--db", "x.db")
