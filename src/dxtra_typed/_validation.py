"""Check a generated method's arguments against its annotations before anything is sent.

mypy catches a wrong argument in typed code; this catches it everywhere else (untyped callers,
values from JSON or a CLI): ``client.data_subject(id="not-a-uuid")`` raises
``InvalidArgumentError`` naming ``id``, instead of travelling to the server and coming back as
a ``data-exception``. Validation is strict — the value must already be of the annotated type
(``True`` is not an ``int``, ``"12"`` is not an ``int``, a ``str`` is not a ``UUID``), exactly
what the signature promises — and per-call options are checked too (``timout=`` is refused).
The pydantic validator is built on first call, not at import, so a large client imports fast.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar, cast

from pydantic import ConfigDict, ValidationError, validate_call

from dxtra_typed._errors import InvalidArgumentError
from dxtra_typed._hints import type_hints

F = TypeVar("F", bound=Callable[..., Any])

_CONFIG = ConfigDict(strict=True, arbitrary_types_allowed=True)


# pydantic names the member of a union each error is about; for an optional argument
# (``int | None | UnsetType``) that adds ``.int`` and an error about the UNSET sentinel, which
# is a default marker nobody passes. Both are noise in a message about the argument.
_UNSET_BRANCH = "is-instance[UnsetType]"
_SCALAR_BRANCHES = frozenset({"int", "str", "bool", "float", "decimal", "uuid", "datetime", "date"})


def _relevant(errors: list[Any]) -> list[Any]:
    kept = [e for e in errors if _UNSET_BRANCH not in map(str, e["loc"])]
    if not kept:
        return errors
    per_argument = Counter(e["loc"][0] if e["loc"] else None for e in kept)
    tidy = []
    for error in kept:
        loc = tuple(error["loc"])
        if len(loc) >= 2 and per_argument[loc[0]] == 1 and loc[1] in _SCALAR_BRANCHES:
            error = {**error, "loc": (loc[0], *loc[2:])}  # the one branch left: no tag needed
        tidy.append(error)
    return tidy


def _describe(exc: ValidationError, func: Callable[..., Any]) -> str:
    names = [name for name in inspect.signature(func).parameters if name != "self"]
    problems = []
    errors = _relevant(list(exc.errors(include_url=False, include_input=False)))
    for error in errors[:3]:
        loc = list(error["loc"])
        if loc and isinstance(loc[0], int):
            # Positional arguments are reported by index, counting `self`.
            index = loc[0] - 1
            loc[0] = names[index] if 0 <= index < len(names) else f"argument {loc[0]}"
        where = str(loc[0]) if loc else "arguments"
        detail = ".".join(str(part) for part in loc[1:] if not str(part).startswith("function"))
        problems.append(f"{where}{'.' + detail if detail else ''}: {error['msg']}")
    more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
    return f"{func.__name__}: " + "; ".join(problems) + more


def _resolved(func: Callable[..., Any]) -> Callable[..., Any]:
    """A twin of ``func`` (same code) whose annotations are evaluated, for pydantic.

    Generated signatures name generated classes as forward references (``lazy_imports``)
    that the client module defines only for type checkers; pydantic would look for them in
    its globals. The twin leaves ``func`` itself untouched (``help()`` shows the same text).
    """
    twin = types.FunctionType(
        func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__
    )
    twin.__kwdefaults__ = func.__kwdefaults__
    twin.__qualname__ = func.__qualname__
    twin.__module__ = func.__module__
    twin.__annotations__ = type_hints(func, include_extras=True)
    return twin


def validated(func: F) -> F:
    """Decorate a generated client method so its arguments are validated before it runs."""
    checker: Callable[..., Any] | None = None

    def check(*args: Any, **kwargs: Any) -> Any:
        nonlocal checker
        if checker is None:
            checker = validate_call(config=_CONFIG)(_resolved(func))
        try:
            return checker(*args, **kwargs)
        except ValidationError as exc:
            # Only errors about *these* arguments; anything the body raises passes through.
            if exc.title not in (func.__name__, func.__qualname__):
                raise
            raise InvalidArgumentError(_describe(exc, func)) from None

    return cast(F, functools.wraps(func)(check))
