"""Fragment types accept every row that spreads them: the pairs are read from queries/ and
must all be calls in tests/static_typing/fragments.py, which `make typecheck` checks.

The other type promises (typed per-call options, a misspelt field rejected, the lazy generated
package) are static files in tests/static_typing/, checked by the same mypy pass.
"""

from __future__ import annotations

import re
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


FRAGMENTS_FILE = Path(__file__).parent / "static_typing" / "fragments.py"


def fragment_pairs() -> set[tuple[str, str]]:
    """(fragment, generated class) for every selection that spreads the fragment, directly or
    through other fragments, read from queries/ (so a new operation is covered by regenerating
    the static file, which the test below demands)."""
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
    return pairs


def fragments_source(pairs: set[tuple[str, str]]) -> str:
    """tests/static_typing/fragments.py for ``pairs`` (ruff-formatted): one call per pair, and
    one call with a class that does not spread the fragment, which must be refused."""
    other = "ProcessingActivitiesDataProcessingActivities"
    names = sorted({n for pair in pairs for n in pair} | {other})
    lines = [
        '"""Acceptance of issue 16: `def f(x: Fragment)` takes every row that spreads Fragment.',
        "",
        "Written by tests/test_typing.py (fragments_source), checked by `make typecheck`; the test",
        "fails when queries/ spread a fragment somewhere this file does not call it with.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from dxtra_typed.types import (",
        *(f"    {n}," for n in names),
        ")",
        "",
    ]
    for fragment_name in sorted({f for f, _ in pairs}):
        lines += ["", f"def use_{fragment_name}(x: {fragment_name}) -> None: ...", ""]
    classes = sorted({c for _, c in pairs})
    lines += ["", "def check("]
    lines += [f"    r{i}: {c}," for i, c in enumerate(classes)]
    lines += [f"    other: {other},", ") -> None:"]
    lines += [f"    use_{f}(r{classes.index(c)})" for f, c in sorted(pairs)]
    lines.append("    use_DataControllerSummary(other)  # type: ignore[arg-type]")
    return "\n".join(lines) + "\n"


def test_a_fragment_type_accepts_the_results_of_every_operation_spreading_it() -> None:
    """Acceptance of issue 16, checked statically: every (fragment, class) pair from queries/
    is a call in tests/static_typing/fragments.py, which `make typecheck` checks (its refused
    call carries a `type: ignore[arg-type]`, which --strict reports if it is not needed)."""
    import dxtra_typed.types as types_module

    pairs = fragment_pairs()
    assert len(pairs) >= 20
    for fragment_name, class_name in pairs:
        assert issubclass(getattr(types_module, class_name), getattr(types_module, fragment_name))
    text = FRAGMENTS_FILE.read_text()
    params = dict(re.findall(r"^    (r\d+): (\w+),$", text, re.M))
    called = {(f, params.get(p)) for f, p in re.findall(r"^    use_(\w+)\((r\d+)\)$", text, re.M)}
    assert called == pairs, (
        "tests/static_typing/fragments.py is stale; rewrite it with:\n"
        "  .venv/bin/python -c 'from tests.test_typing import *; "
        'print(fragments_source(fragment_pairs()), end="")\' > tests/static_typing/fragments.py'
    )
