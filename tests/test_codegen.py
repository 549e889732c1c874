"""generated/ is written only by codegen, and a stale generated/ is caught."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dxtra_typed.codegen._driver import check, diff_packages, generate

ROOT = Path(__file__).parents[1]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of everything codegen reads and writes.

    src/ comes along because ruff (run by ariadne-codegen from the project folder) sorts
    ``dxtra_typed`` imports as first-party only where it can see that package.
    """
    for name in ("schema", "queries", "generated", "src"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "codegen.toml", tmp_path / "codegen.toml")
    return tmp_path


def test_committed_generated_package_is_fresh(project: Path) -> None:
    assert check(project, project / "codegen.toml") == 0


def test_editing_a_query_without_regenerating_fails_the_check(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = project / "queries" / "data_subjects.graphql"
    text = query.read_text()
    edited = text.replace(
        "    ...DataSubjectSummary\n", "    ...DataSubjectSummary\n    updatedAt\n", 1
    )
    assert edited != text
    query.write_text(edited)
    assert check(project, project / "codegen.toml") == 1
    err = capsys.readouterr().err
    # A user's project (no Makefile of ours): only the command that works there.
    assert "data_subjects.py" in err and "run `dxtra-typed generate` and commit" in err
    assert "make generate" not in err
    shutil.copy(ROOT / "Makefile", project / "Makefile")  # this repository: both
    assert check(project, project / "codegen.toml") == 1
    assert "`dxtra-typed generate` (here: `make generate`)" in capsys.readouterr().err


def test_a_hand_edit_or_stray_file_in_generated_fails_the_check(project: Path) -> None:
    package = project / "generated" / "dxtra_generated"
    (package / "client.py").write_text((package / "client.py").read_text() + "\n# tweak\n")
    (package / "extra.py").write_text("")
    assert check(project, project / "codegen.toml") == 1


def test_sync_and_async_clients_share_one_set_of_models(project: Path, tmp_path: Path) -> None:
    package = generate(project, project / "codegen.toml", out_root=tmp_path / "out")
    assert diff_packages(project / "generated" / "dxtra_generated", package) == []
    client = (package / "client.py").read_text()
    async_client = (package / "async_client.py").read_text()
    assert "class DxtraClient(DxtraBaseClient)" in client
    assert "class AsyncDxtraClient(AsyncDxtraBaseClient)" in async_client
    # Both import their result types from the same per-operation modules.
    assert "from .data_controllers import" in client
    assert "from .data_controllers import" in async_client
    from typing import get_args

    from dxtra_generated.async_client import AsyncDxtraClient
    from dxtra_generated.client import DxtraClient

    from dxtra_typed._validation import type_hints

    sync_result = type_hints(DxtraClient.data_subject)["return"]
    async_result = type_hints(AsyncDxtraClient.data_subject)["return"]
    # The very same model class inside Optional[...] (the Optional objects themselves come
    # from typing's bounded cache, so they are equal but need not be identical).
    assert sync_result == async_result
    (sync_model,) = (a for a in get_args(sync_result) if a is not type(None))
    (async_model,) = (a for a in get_args(async_result) if a is not type(None))
    assert sync_model is async_model


_COLD_MODELS = """
import importlib, inspect, pkgutil
import dxtra_generated
from dxtra_generated.base_model import BaseModel
models = {
    cls
    for info in pkgutil.iter_modules(dxtra_generated.__path__)
    for _, cls in inspect.getmembers(importlib.import_module("dxtra_generated." + info.name))
    if inspect.isclass(cls) and issubclass(cls, BaseModel) and cls is not BaseModel
}
# A generic class shared by look-alike inputs (shared_inputs.py) is built when first
# parametrised, at import; its parametrisations (the input types) are deferred as the rest.
generic = {cls for cls in models if cls.__pydantic_generic_metadata__["parameters"]}
built = sorted(cls.__name__ for cls in models - generic if cls.__pydantic_complete__)
assert not built, f"built at import: {built}"
for cls in models:
    cls.model_rebuild()  # every forward reference resolves from the model's own module
    assert cls.__pydantic_complete__, cls
print(len(models))
"""


def test_generated_models_are_built_on_first_use_not_at_import() -> None:
    """DeferredBuildPlugin: defer_build in the base model and no module-level model_rebuild()
    (which would build at import); every model still resolves its forward references."""
    package = ROOT / "generated" / "dxtra_generated"
    rebuilds = [
        f"{path.name}:{number}"
        for path in sorted(package.glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ".model_rebuild(" in line
    ]
    assert rebuilds == []
    assert "defer_build=True" in (package / "base_model.py").read_text()
    run = subprocess.run(
        [sys.executable, "-c", _COLD_MODELS], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) > 40


def test_operations_table_lists_every_operation_with_kind_name_and_role() -> None:
    """OperationTablePlugin: the facts `dxtra-typed call` needs, as data in each client module."""
    from dxtra_generated import async_client, client
    from graphql import OperationDefinitionNode, Source, parse

    from dxtra_typed.codegen.docstrings import comment_above, split_role

    expected: dict[str, tuple[str, str, str | None]] = {}
    for path in sorted((ROOT / "queries").glob("*.graphql")):
        for definition in parse(Source(path.read_text())).definitions:
            if isinstance(definition, OperationDefinitionNode) and definition.name:
                role = split_role(comment_above(definition))[1]
                name = definition.name.value
                method = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
                expected[method] = (name, definition.operation.value, role)
    assert len(expected) >= 20
    every = {m: (i.name, i.kind, i.role) for m, i in async_client.OPERATIONS.items()}
    assert every == expected
    sync = {m: (i.name, i.kind, i.role) for m, i in client.OPERATIONS.items()}
    assert sync == {m: facts for m, facts in expected.items() if facts[1] != "subscription"}
    for method in every:
        assert callable(getattr(async_client.AsyncDxtraClient, method))
    assert async_client.OPERATIONS["public_data_controllers"].role == "anonymous"
