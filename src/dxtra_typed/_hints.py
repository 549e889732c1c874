"""The evaluated annotations of a generated client method.

The generated clients use ariadne-codegen's ``lazy_imports``: result and input classes are
imported only for type checkers (``if TYPE_CHECKING:``) and appear in method signatures as
forward references (``"DataSubjectDataSubject"``), so importing a client defines no model
class. Plain ``typing.get_type_hints`` on such a method raises NameError; this evaluates the
references against the generated package instead (its lazy ``__init__`` imports each module
on first use), for argument validation and ``dxtra-typed call``.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any


class _PackageNames(Mapping[str, Any]):
    """Names of a generated package, imported on lookup (``eval`` locals may be any mapping)."""

    def __init__(self, package: str) -> None:
        self._package = package

    def __getitem__(self, name: str) -> Any:
        # The package's exports, then base_model (UnsetType is not re-exported), then
        # input_types (the root does not re-export the input types: issue 21).
        for module in (
            self._package,
            f"{self._package}.base_model",
            f"{self._package}.input_types",
        ):
            try:
                return getattr(importlib.import_module(module), name)
            except (AttributeError, ImportError):
                continue
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def type_hints(func: Callable[..., Any], *, include_extras: bool = False) -> dict[str, Any]:
    """``typing.get_type_hints(func)``, with forward references to generated classes resolved."""
    module = sys.modules.get(inspect.unwrap(func).__module__)
    package = getattr(module, "__package__", None)
    localns = _PackageNames(package) if package else None
    return typing.get_type_hints(func, localns=localns, include_extras=include_extras)
