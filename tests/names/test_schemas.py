"""Real Hasura schemas and the hazard schema, compiled as a user would and checked whole.

Projects: the two public schemas in ``<repo>/../shared/realschemas`` with all their operations
(carnet-de-bord's two operation folders are two projects: one operation name is in both),
``hazards/`` here (every naming hazard of issue 21, odd scalars) and bench/synth_schema.py's
output at 20 tables with every hazard on. Each is generated into a temporary folder, then:
``check`` finds it fresh; ONE ``mypy --strict`` run over all the packages reports nothing;
every operation passes the field-integrity check (tests/support/field_integrity.py).
Without ``shared/realschemas`` the real ones skip (fail under CI=true).
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dxtra_typed.codegen._driver import check, generate
from dxtra_typed.codegen._settings import UnknownScalarWarning

from ..support.canned import Reply, Seen, canned, session_reply
from ..support.field_integrity import check_package

pytestmark = pytest.mark.slow

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "realschemas"
HAZARDS = Path(__file__).resolve().parent / "hazards"
BENCH = Path(__file__).resolve().parents[2] / "bench"
SYNTH_TABLES = 20  # modest: the hazards sit on the first tables; size is bench/'s business


@dataclass(frozen=True)
class Project:
    package: str
    schema: Path
    operations: Path
    synthetic: bool = False

    @property
    def real(self) -> bool:
        return self.schema.is_relative_to(REAL)

    def written(self, where: Path) -> Project:
        """This project with its sources on disk: the synthetic one is rendered into
        ``where`` first (deterministic, so every run checks the same schema)."""
        if not self.synthetic:
            return self
        sys.path.insert(0, str(BENCH))
        try:
            import synth_schema
        finally:
            sys.path.remove(str(BENCH))
        out = synth_schema.write_project(where / "synth_src", SYNTH_TABLES, hazards=True)
        return Project(self.package, out / "schema.graphql", out / "queries", synthetic=True)

    def document(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.operations.rglob("*.graphql")))


PROJECTS = {
    p.package: p
    for p in (
        Project("hazards_gen", HAZARDS / "schema.graphql", HAZARDS / "operations"),
        Project(
            "nhost_demo_gen",
            REAL / "nhost-sdk-demo" / "schema.graphql",
            REAL / "nhost-sdk-demo" / "operations",
        ),
        Project(
            "carnet_de_bord_gen",
            REAL / "carnet-de-bord" / "schema.graphql",
            REAL / "carnet-de-bord" / "operations",
        ),
        Project(
            "carnet_de_bord_backend_gen",
            REAL / "carnet-de-bord" / "schema.graphql",
            REAL / "carnet-de-bord" / "operations_python_backend",
        ),
        # Paths filled in by Project.written (the sources are rendered per run).
        Project("synth_hazards_gen", Path("schema.graphql"), Path("queries"), synthetic=True),
    )
}


def _available(project: Project) -> None:
    if project.real and not REAL.is_dir():
        message = f"{REAL} is missing (the real Hasura schemas live beside the repository)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Generated:
    roots: dict[str, Path]
    warned: dict[str, list[str]]
    mypy: str
    projects: dict[str, Project]  # as written (the synthetic one's real paths)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, mypy_cache_dir: Path) -> Generated:
    """Every available project generated once per session, and one mypy --strict run over all
    of them. Under xdist the first worker to get here generates into the session's shared
    temporary folder while any other waits on a lock, then reads the same result: the
    generation and the mypy run are ~10 s of CPU that every worker used to repeat."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return _generate(tmp_path_factory.mktemp("schemas"), mypy_cache_dir)
    import fcntl  # xdist runs here only on POSIX CI; a lone process needs no lock

    shared = tmp_path_factory.getbasetemp().parent / "schemas-shared"
    shared.mkdir(exist_ok=True)
    result = shared / "generated.json"
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result.exists():
            done = _generate(shared / "projects", mypy_cache_dir)
            result.write_text(json.dumps(_dumped(done)))
        return _loaded(json.loads(result.read_text()))


def _dumped(done: Generated) -> dict[str, Any]:
    return {
        "roots": {k: str(v) for k, v in done.roots.items()},
        "warned": done.warned,
        "mypy": done.mypy,
        "projects": {
            k: [str(p.schema), str(p.operations), p.synthetic] for k, p in done.projects.items()
        },
    }


def _loaded(data: dict[str, Any]) -> Generated:
    return Generated(
        {k: Path(v) for k, v in data["roots"].items()},
        data["warned"],
        data["mypy"],
        {k: Project(k, Path(a), Path(b), c) for k, (a, b, c) in data["projects"].items()},
    )


def _generate(base: Path, mypy_cache_dir: Path) -> Generated:
    base.mkdir(exist_ok=True)
    roots: dict[str, Path] = {}
    warned: dict[str, list[str]] = {}
    projects: dict[str, Project] = {}
    for project in PROJECTS.values():
        if project.real and not REAL.is_dir():
            continue
        project = projects[project.package] = project.written(base)
        root = base / project.package
        root.mkdir()
        (root / "codegen.toml").write_text(
            "[tool.dxtra-typed]\n"
            f'package = "{project.package}"\n'
            f"schema = {json.dumps(str(project.schema))}\n"
            f"queries = {json.dumps(str(project.operations))}\n"
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnknownScalarWarning)
            generate(root)
        warned[project.package] = [str(w.message) for w in caught]
        roots[project.package] = root
    mypy = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-version",
            "3.11",
            "--cache-dir",
            str(mypy_cache_dir),
            *[arg for package in roots for arg in ("-p", package)],
        ],
        cwd=base,  # no project config: plain --strict
        env={**os.environ, "MYPYPATH": os.pathsep.join(str(r) for r in roots.values())},
        capture_output=True,
        text=True,
        timeout=600,
    )
    return Generated(roots, warned, mypy.stdout + mypy.stderr, projects)


@pytest.fixture
def importable(generated: Generated) -> Iterator[None]:
    """The generated packages importable for one test, and forgotten after it."""
    paths = [str(root) for root in generated.roots.values()]
    sys.path[:0] = paths
    try:
        yield
    finally:
        del sys.path[: len(paths)]
        for name in [m for m in sys.modules if m.split(".")[0] in generated.roots]:
            del sys.modules[name]


@pytest.mark.parametrize("package", PROJECTS)
def test_generated_package_is_fresh_by_check(
    generated: Generated, package: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _available(PROJECTS[package])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownScalarWarning)
        assert check(generated.roots[package]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("package", PROJECTS)
def test_mypy_strict_is_clean(generated: Generated, package: str) -> None:
    _available(PROJECTS[package])
    assert f"{package}" in " ".join(generated.roots)
    mine = [line for line in generated.mypy.splitlines() if f"{package}/" in line]
    assert not mine, "\n".join(mine)
    assert "Success: no issues found" in generated.mypy, generated.mypy[-3000:]


@pytest.mark.parametrize("package", PROJECTS)
@pytest.mark.usefixtures("importable")
def test_every_selected_field_arrives_under_its_own_attribute(
    generated: Generated, package: str
) -> None:
    _available(PROJECTS[package])
    project = generated.projects[package]
    document = project.document()
    report = check_package(project.schema.read_text(), document, package)
    assert not report.problems, "\n".join(report.problems)
    assert report.operations == document.count("query ") + document.count("mutation ") + (
        document.count("subscription ")
    )
    assert report.values >= report.operations


def test_only_unknown_scalars_are_warned_about(generated: Generated) -> None:
    assert generated.warned["hazards_gen"] == [
        "scalar 'acme_money' (in "
        f"{HAZARDS / 'schema.graphql'}) has no Python type: its values pass through as JSON "
        "(dxtra_typed.scalars.JSON). Give it one in [tool.dxtra-typed.scalars], "
        'e.g. acme_money = "str"'
    ]
    # The synthetic schema's `Json` (beside Postgres' `json`) is a custom scalar: warned.
    assert [m.split(" (in ")[0] for m in generated.warned["synth_hazards_gen"]] == ["scalar 'Json'"]
    for package, messages in generated.warned.items():
        if package not in ("hazards_gen", "synth_hazards_gen"):
            assert messages == [], package


@pytest.mark.usefixtures("importable")
def test_hazard_names(generated: Generated) -> None:
    from hazards_gen.blocks import BlocksBlock  # type: ignore[import-not-found]
    from hazards_gen.enums import block_update_column  # type: ignore[import-not-found]
    from hazards_gen.input_types import block_bool_exp  # type: ignore[import-not-found]

    aliases = {name: f.alias or name for name, f in BlocksBlock.model_fields.items()}
    assert aliases["user"] == "user" and aliases["user_2"] == "User"
    assert aliases["company_id"] == "company_id" and aliases["company_id_2"] == "companyId"
    assert aliases["json_"] == "json" and aliases["json_2"] == "Json"
    assert aliases["marketing_source_2"] == "MarketingSource"
    assert aliases["from_"] == "from" and aliases["pass_"] == "pass"
    assert aliases["title"] == "title" and aliases["title_2"] == "Title"  # an alias, beside
    bool_exp = {name: f.alias for name, f in block_bool_exp.model_fields.items()}
    assert (bool_exp["not_"], bool_exp["not_2"]) == ("_not", "not")
    # `title` shadows str.title; the schema also has a value `title_`, which keeps its name.
    assert block_update_column.title_2.value == "title"
    assert block_update_column.title_.value == "title_"
    assert block_update_column.count_.value == "count"
    assert block_update_column("format") is block_update_column.format_
    assert block_bool_exp(not_2={"_eq": True}).model_dump(by_alias=True, exclude_none=True) == {
        "not": {"_eq": True}
    }


@pytest.mark.usefixtures("importable")
def test_a_variable_named_like_an_option_is_renamed_and_both_reach_the_server(
    generated: Generated,
) -> None:
    """``mutation deanonymizeUser($userId: uuid!, $role: String!)``: the variable is
    ``role_``, the per-call option stays ``role``, and each goes where it belongs."""
    from hazards_gen.client import Client  # type: ignore[import-not-found]

    assert hasattr(Client, "close_") and Client.close is not Client.close_  # `query close`
    parameters = inspect.signature(Client.deanonymize_user).parameters
    assert list(parameters) == ["self", "user_id", "role_", "kwargs"]
    assert list(inspect.signature(Client.set_options).parameters)[1:-1] == [
        "timeout_",
        "headers_",
        "max_retries_",
        "query_",
        "kwargs_",
    ]

    def graphql(seen: Seen) -> Reply:
        return Reply(body={"data": {"deanonymizeUser": True}})

    routes = {"/v1/signin/pat": lambda _: session_reply(), "/v1/graphql": graphql}
    user_id = uuid.uuid4()
    with canned(routes) as server:
        client: Any = Client(
            api_key=str(uuid.uuid4()), auth_url=server.url, api_url=server.url + "/v1/graphql"
        )
        with client:
            assert client.deanonymize_user(user_id=user_id, role_="editor", role="user") is True
            sent = [s for s in server.seen if s.path == "/v1/graphql"][-1]
    assert json.loads(sent.body)["variables"] == {"userId": str(user_id), "role": "editor"}
    assert {k.lower(): v for k, v in sent.headers.items()}["x-hasura-role"] == "user"


@pytest.mark.usefixtures("importable")
def test_call_maps_a_renamed_variable_by_its_graphql_name(generated: Generated) -> None:
    """``dxtra-typed call deanonymizeUser --var role=editor`` fills the argument ``role_``."""
    from hazards_gen import client as module  # type: ignore[import-not-found]

    from dxtra_typed.cli._call import Operation, parse_variables

    op = Operation(module.OPERATIONS["deanonymize_user"], module.Client.deanonymize_user)
    values = parse_variables(op, [f"userId={uuid.UUID(int=1)}", "role=editor"])
    assert values == {"user_id": uuid.UUID(int=1), "role_": "editor"}


@pytest.mark.parametrize(
    "document",
    [
        "query users { users { id } }\nquery Users { users { title } }\n",
        "query A { users { ...userFields ...UserFields } }\n"
        "fragment userFields on block { id }\nfragment UserFields on block { title }\n",
        "query blockId { users { ...BlockId } }\nfragment BlockId on block { id }\n",
        # Two nested classes meeting by name across levels: A + BC and AB + C.
        "query nested { users { a { bC { x } } aB { c { y } } } }\n",
        # One field twice with different sub-selections: ariadne-codegen keeps one class.
        "query merged { users { id } ... on query_root { users { title } } }\n",
    ],
)
def test_class_names_differing_only_in_case_are_refused(tmp_path: Path, document: str) -> None:
    from dxtra_typed.codegen.naming import NameCollisionError

    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "a.graphql").write_text(document)
    (tmp_path / "codegen.toml").write_text(
        '[tool.dxtra-typed]\npackage = "clash"\nqueries = "queries"\n'
        f"schema = {json.dumps(str(HAZARDS / 'schema.graphql'))}\n"
    )
    with (
        warnings.catch_warnings(),
        pytest.raises(
            NameCollisionError,
            match=r"differ only in case|would share the result|select one field twice",
        ),
    ):
        warnings.simplefilter("ignore", UnknownScalarWarning)
        generate(tmp_path)


@pytest.mark.usefixtures("importable")
def test_the_checker_runs_from_a_shell_too(
    generated: Generated, capsys: pytest.CaptureFixture[str]
) -> None:
    from ..support import field_integrity

    root = generated.roots["hazards_gen"]
    argv = [str(HAZARDS / "schema.graphql"), str(HAZARDS / "operations"), str(root)]
    try:
        assert field_integrity.main([*argv, "hazards_gen"]) == 0
    finally:
        sys.path.remove(str(root.resolve()))
    assert capsys.readouterr().out.endswith(" values, 0 problems\n")
