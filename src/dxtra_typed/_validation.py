"""Check a generated method's arguments against its annotations before anything is sent.

mypy catches a wrong argument in typed code; this catches it everywhere else (untyped callers,
values from JSON or a CLI): ``client.data_subject(id="not-a-uuid")`` raises
``InvalidArgumentError`` naming ``id``, instead of travelling to the server and coming back as
a ``data-exception``. Validation is strict — the value must already be of the annotated type
(``True`` is not an ``int``, ``"12"`` is not an ``int``, a ``str`` is not a ``UUID``), exactly
what the signature promises — and per-call options are checked too (``timout=`` is refused).
The pydantic validator is built on first call, not at import, so a large client imports fast.

The annotations it checks against are evaluated by ``type_hints`` (below), which
``dxtra-typed call`` uses too: generated signatures name generated classes as forward
references, which plain ``typing.get_type_hints`` cannot resolve.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import sys
import types
import typing
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, TypeVar, Unpack, cast
from uuid import UUID

from pydantic import BeforeValidator, ConfigDict, ValidationError, validate_call
from pydantic_core import PydanticCustomError

from dxtra_typed._errors import InvalidArgumentError

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


# The evaluated annotations of a generated client method. The generated clients use
# ariadne-codegen's ``lazy_imports``: result and input classes are imported only for type
# checkers (``if TYPE_CHECKING:``) and appear in method signatures as forward references
# (``"DataSubjectDataSubject"``), so importing a client defines no model class. Plain
# ``typing.get_type_hints`` on such a method raises NameError; ``type_hints`` evaluates the
# references against the generated package instead (its lazy ``__init__`` imports each module
# on first use), for argument validation and ``dxtra-typed call``.


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


def lenient_ids(hint: Any) -> Any:
    """``hint`` with every ``UUID`` (or ``UUID | str``) accepting a UUID or a UUID string,
    handed over as a ``UUID``.

    Ids arrive as strings (JSON, URLs, environment variables, the CLI); refusing
    ``data_subject(id="6f1c...")`` would make every caller write ``UUID(...)``, so generated
    signatures say ``Union[UUID, str]`` for a ``uuid`` argument. The string must still be a
    UUID: anything else (an int, bytes, ``"abc"``) is refused, naming the argument, and the
    method body always receives a ``UUID``.
    """
    if hint is UUID:
        return Annotated[UUID, BeforeValidator(_uuid_from_str)]
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(hint)
        if UUID in members:
            members = tuple(m for m in members if m is not str)
        if len(members) == 1:
            return lenient_ids(members[0])
        return typing.Union[tuple(lenient_ids(arg) for arg in members)]  # noqa: UP007
    if origin is list:
        (item,) = typing.get_args(hint)
        return list[lenient_ids(item)]  # type: ignore[misc]
    return hint


def _uuid_from_str(value: object) -> object:
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            raise PydanticCustomError(
                "uuid_parsing", "Input should be a UUID or a UUID string"
            ) from None
    return value


def _checker(func: Callable[..., Any]) -> Callable[..., Any]:
    twin = _resolved(func)
    twin.__annotations__ = {name: lenient_ids(hint) for name, hint in twin.__annotations__.items()}
    return validate_call(config=_CONFIG)(twin)


def _invalid(exc: ValidationError, func: Callable[..., Any]) -> InvalidArgumentError | None:
    """The typed error for ``exc`` if it is about ``func``'s own arguments, else None."""
    if exc.title not in (func.__name__, func.__qualname__):
        return None  # raised by the body (a response model, say): not ours to reword
    return InvalidArgumentError(_describe(exc, func))


class _Shown:
    """An annotation that ``inspect`` (so ``help()`` and IPython's ``?``) prints as written."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    def __repr__(self) -> str:
        return self._text


def _readable_signature(func: Callable[..., Any]) -> inspect.Signature:
    """``func``'s signature with ``**kwargs: Unpack[CallOptions]`` shown as that, not as
    Python's ``*<class 'dxtra_typed._options.CallOptions'>`` (the docstring's Args name the
    options). Built when the class is defined: a few microseconds a method."""
    signature = inspect.signature(func)
    params = []
    for param in signature.parameters.values():
        if param.kind is param.VAR_KEYWORD and typing.get_origin(param.annotation) is Unpack:
            (options,) = typing.get_args(param.annotation)
            param = param.replace(annotation=_Shown(f"Unpack[{options.__name__}]"))
        params.append(param)
    return signature.replace(parameters=params)


def validated(func: F) -> F:
    """Decorate a generated client method so its arguments are validated before it runs.

    A coroutine function gets an ``async def`` wrapper: pydantic (>= 2.10) validates a
    coroutine function's arguments only when the call is awaited, so the check must happen
    inside the awaited wrapper to be caught and reworded; and ``inspect.iscoroutinefunction``
    stays True for it (``create_autospec`` then makes awaitable mocks; tenacity and others pick
    their async path by that test). Async generator functions (subscriptions) and plain
    functions (pagers, the sync client) are validated at call time, before anything runs.
    """
    checker: Callable[..., Any] | None = None

    def check() -> Callable[..., Any]:
        nonlocal checker
        if checker is None:
            checker = _checker(func)
        return checker

    if inspect.iscoroutinefunction(func):

        async def call_async(*args: Any, **kwargs: Any) -> Any:
            try:
                return await check()(*args, **kwargs)
            except ValidationError as exc:
                error = _invalid(exc, func)
                if error is None:
                    raise
                raise error from None

        functools.update_wrapper(call_async, func)
        call_async.__signature__ = _readable_signature(func)  # type: ignore[attr-defined]
        return cast(F, call_async)

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return check()(*args, **kwargs)
        except ValidationError as exc:
            error = _invalid(exc, func)
            if error is None:
                raise
            raise error from None

    functools.update_wrapper(call, func)
    call.__signature__ = _readable_signature(func)  # type: ignore[attr-defined]
    return cast(F, call)
