"""End to end, as a user meets it: a project made from the wheel (`init`, the shared Nhost
schema, two operations of its own, a seed file) whose own pytest suite uses the fixtures, sync
and async, against a sandbox serving the project's schema: no flag names the schema.

Marked `wheel` like tests/test_user_project.py, and on the same wheel venv (built once per
session); the project's pytest is installed into a venv of its own layered on top of it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .support.wheel import clean_env, from_index, layered_venv, pip_into, run

NHOST = Path(__file__).parents[1].parent / "shared" / "realschemas" / "nhost-sdk-demo"
pytestmark = pytest.mark.wheel

OPERATIONS = """\
# Movies of one genre, by title.
query MoviesOfGenre($genre: String!) {
  movies(where: { genre: { _eq: $genre } }, order_by: { title: asc }) {
    id
    title
    rating
  }
}

# Add a movie.
mutation AddMovie($title: String!, $genre: String!, $rating: numeric) {
  insert_movies_one(object: { title: $title, genre: $genre, rating: $rating }) {
    id
    title
  }
}
"""

SEED = """\
{
  "movies": [
    {"title": "Alien", "genre": "scifi", "rating": 12345678901234567.89},
    {"title": "Brazil", "genre": "scifi", "rating": 8.5},
    {"title": "Casablanca", "genre": "drama"}
  ]
}
"""

SUITE = """\
from decimal import Decimal

import pytest

from shop_dxtra.async_client import AsyncClient
from shop_dxtra.client import Client


def test_seeded_rows_sync(dxtra_client_factory):
    client = dxtra_client_factory(Client)
    movies = client.movies_of_genre(genre="scifi")
    assert [m.title for m in movies] == ["Alien", "Brazil"]
    assert movies[0].rating == Decimal("12345678901234567.89")


async def test_insert_then_query_async(async_dxtra_client_factory):
    client = async_dxtra_client_factory(AsyncClient)
    added = await client.add_movie(title="Dune", genre="scifi", rating=Decimal("7.25"))
    assert added is not None and added.title == "Dune"
    titles = [m.title for m in await client.movies_of_genre(genre="scifi")]
    assert titles == ["Alien", "Brazil", "Dune"]


@pytest.mark.dxtra_seed({"movies": [{"title": "Metropolis", "genre": "silent"}]})
def test_rows_of_its_own(fresh_dxtra_sandbox):
    from dxtra_typed.pytest_plugin import sandbox_settings

    with Client(**sandbox_settings(fresh_dxtra_sandbox)) as client:
        assert [m.title for m in client.movies_of_genre(genre="silent")] == ["Metropolis"]
        assert [m.title for m in client.movies_of_genre(genre="scifi")] == ["Alien", "Brazil"]
"""


def test_a_user_project_suite_runs_on_its_own_schema(wheel_venv: Path, tmp_path: Path) -> None:
    if not NHOST.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{NHOST} is missing: CI must check out shared/ beside the repo")
        pytest.skip(f"{NHOST} is not there")
    env = clean_env()
    # The project's pytest beside the wheel: in a venv on top of the shared one, which the
    # tests only read. Locally the dev venv's pytest is already there (the wheel venv's deps).
    with_pytest = layered_venv(wheel_venv, tmp_path / "venv")
    if from_index():
        pip = [*pip_into(with_pytest), "-q", "--disable-pip-version-check", "--no-compile"]
        run([*pip, "pytest==9.2.0", "pytest-asyncio==1.5.0"], tmp_path, env)
    work = tmp_path / "shop"
    work.mkdir()
    run([str(wheel_venv / "dxtra-typed"), "init", "--package", "shop_dxtra"], work, env)
    shutil.copyfile(NHOST / "schema.graphql", work / "schema" / "schema.graphql")
    for old in (work / "queries").glob("*.graphql"):
        old.unlink()
    (work / "queries" / "movies.graphql").write_text(OPERATIONS)
    (work / "sandbox").mkdir()
    (work / "sandbox" / "seed.json").write_text(SEED)
    with (work / "codegen.toml").open("a") as fh:
        fh.write('\n[tool.dxtra-typed-sandbox]\nseed = "sandbox/seed.json"\n')
    run([str(wheel_venv / "dxtra-typed"), "generate"], work, env)
    (work / "tests").mkdir()
    (work / "tests" / "test_movies.py").write_text(SUITE)
    (work / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    out = run(
        [str(with_pytest / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], work, env
    )
    assert "3 passed" in out
