"""The generated methods are declared, typed methods: mypy rejects a misspelt result field.

This is the proof behind "IDE completion": what mypy sees, an editor's completion engine sees.
"""

from __future__ import annotations

import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path

from ariadne_codegen.utils import str_to_pascal_case
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    parse,
)
from pydantic import BaseModel

ROOT = Path(__file__).parents[1]
QUERIES = ROOT / "queries"

GOOD = """
from dxtra_typed import DxtraClient

def titles(client: DxtraClient) -> list[str]:
    return [c.title for c in client.data_controllers()]
"""


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "snippet.py"
    path.write_text(source)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            str(path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_per_call_options_are_typed(tmp_path: Path) -> None:
    good = GOOD.replace(
        "client.data_controllers()",
        "client.data_controllers(timeout=5.0, max_retries=0, role='me', headers={'X-A': 'b'})",
    )
    assert _mypy(tmp_path, good).returncode == 0
    bad = _mypy(
        tmp_path, GOOD.replace("client.data_controllers()", "client.data_controllers(timout=5)")
    )
    assert bad.returncode == 1 and '"timout"' in bad.stdout
    wrong_role = _mypy(
        tmp_path, GOOD.replace("client.data_controllers()", "client.data_controllers(role='admin')")
    )
    assert wrong_role.returncode == 1


def test_correct_field_type_checks_and_misspelt_field_fails(tmp_path: Path) -> None:
    ok = _mypy(tmp_path, GOOD)
    assert ok.returncode == 0, ok.stdout
    bad = _mypy(tmp_path, GOOD.replace("c.title", "c.titel"))
    assert bad.returncode == 1
    assert 'has no attribute "titel"' in bad.stdout


def _spreads(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> set[str]:
    """The fragments a selection spreads, directly or through other fragments."""
    found: set[str] = set()
    for selection in selection_set.selections:
        if isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            found |= {name} | _spreads(fragments[name].selection_set, fragments)
    return found


def _spreading_selections(
    fragments: dict[str, FragmentDefinitionNode], operation: OperationDefinitionNode
) -> Iterator[tuple[tuple[str, ...], set[str]]]:
    """(path of response keys, fragments spread there) for every selection of ``operation``."""
    stack: list[tuple[tuple[str, ...], SelectionSetNode]] = [((), operation.selection_set)]
    while stack:
        path, selection_set = stack.pop()
        spread = _spreads(selection_set, fragments)
        if spread and path:
            yield path, spread
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode) and selection.selection_set is not None:
                key = (selection.alias or selection.name).value
                stack.append(((*path, key), selection.selection_set))


def _model_at(result: type[BaseModel], path: tuple[str, ...]) -> type[BaseModel]:
    """The generated class of the selection at ``path`` (response keys) below ``result``."""
    model = result
    for key in path:
        model.model_rebuild()  # generated models are built on first use (DeferredBuildPlugin)
        field = next(f for n, f in model.model_fields.items() if (f.alias or n) == key)
        candidates = [field.annotation]
        while candidates:
            annotation = candidates.pop()
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                model = annotation
                break
            candidates.extend(typing.get_args(annotation))
    return model


def test_a_fragment_type_accepts_the_results_of_every_operation_spreading_it(
    tmp_path: Path,
) -> None:
    """Acceptance of issue 16: `def f(x: Fragment)` takes every row that spreads Fragment.

    The spreads are read from queries/ (so a new operation is covered without editing this
    test), each is mapped to the class codegen made for that selection, and mypy checks one
    call per (fragment, class). A class that does not spread the fragment must be refused:
    that call carries a `type: ignore[arg-type]`, which --strict reports if it is not needed.
    """
    import dxtra_typed.types as types_module

    document = parse(Source("\n".join(p.read_text() for p in sorted(QUERIES.glob("*.graphql")))))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    pairs: set[tuple[str, str]] = set()
    for name, fragment in fragments.items():
        pairs |= {(f, name) for f in _spreads(fragment.selection_set, fragments)}
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode) or operation.name is None:
            continue
        result = getattr(types_module, str_to_pascal_case(operation.name.value))
        for path, spread in _spreading_selections(fragments, operation):
            model = _model_at(result, path)
            pairs |= {(f, model.__name__) for f in spread}
    assert {f for f, _ in pairs} == set(fragments)  # every fragment is used somewhere
    assert len(pairs) >= 20
    for fragment_name, class_name in pairs:
        assert issubclass(getattr(types_module, class_name), getattr(types_module, fragment_name))
    names = sorted(
        {n for pair in pairs for n in pair} | {"ProcessingActivitiesDataProcessingActivities"}
    )
    lines = [f"from dxtra_typed.types import {', '.join(names)}", ""]
    for fragment_name in sorted(fragments):
        lines += [f"def use_{fragment_name}(x: {fragment_name}) -> None: ...", ""]
    lines.append("def check(")
    lines += [f"    {c.lower()}: {c}," for c in sorted({c for _, c in pairs})]
    lines.append("    other: ProcessingActivitiesDataProcessingActivities,")
    lines.append(") -> None:")
    lines += [f"    use_{f}({c.lower()})" for f, c in sorted(pairs)]
    lines.append("    use_DataControllerSummary(other)  # type: ignore[arg-type]")
    snippet = "\n".join(lines) + "\n"
    result = _mypy(tmp_path, snippet)
    assert result.returncode == 0, result.stdout + snippet


def test_the_lazy_generated_package_still_types_its_names(tmp_path: Path) -> None:
    # The package __init__ is lazy (PEP 562) with its __getattr__ hidden from type
    # checkers: a real name keeps its class type, a misspelt one is still an error.
    source = (
        "from dxtra_generated import DataControllersDataControllers\n"
        "from dxtra_generated import DataControllersDataControlers\n"
        "def title(row: DataControllersDataControllers) -> str:\n"
        "    return row.title\n"
    )
    result = _mypy(tmp_path, source)
    assert result.returncode == 1
    assert '"DataControllersDataControlers"' in result.stdout
    assert result.stdout.count("error:") == 1, result.stdout
