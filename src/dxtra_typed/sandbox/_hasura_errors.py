"""Hasura's error answers: the exception resolvers raise, the ``{"errors": [...]}`` body, and
the translation of graphql-core's messages into Hasura's words, codes and JSON paths.

Its own module so that matching a Hasura error message is one place to look (tests/sandbox/
conformance compares these bodies with what Hasura v2 answers), apart from the engine that
decides *when* to raise them.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
)

_log = logging.getLogger("dxtra_typed.sandbox")
_P = ParamSpec("_P")
_T = TypeVar("_T")


class HasuraError(Exception):
    """A request error in Hasura's terms: message, ``extensions.code`` and JSON path."""

    def __init__(self, message: str, code: str, path: str = "$") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.path = path


def uniqueness_violation(constraint: str, path: str) -> HasuraError:
    """Postgres's unique-constraint error as Hasura passes it on (both engines raise it)."""
    return HasuraError(
        f'Uniqueness violation. duplicate key value violates unique constraint "{constraint}"',
        "constraint-violation",
        path,
    )


def error_body(message: str, code: str, path: str = "$") -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"path": path, "code": code}}]}


UNEXPECTED: dict[str, Any] = {
    "errors": [
        {"extensions": {"path": "$", "code": "unexpected"}, "message": "database query error"}
    ]
}


def never_raises(
    method: Callable[_P, _T],
) -> Callable[_P, _T | dict[str, Any]]:
    """The engine's entry points answer every request: whatever goes wrong inside becomes
    Hasura's ``unexpected`` error body (logged), and a document nested past Python's recursion
    limit a ``validation-failed`` one, as the fronts (HTTP, WebSocket) must always reply."""

    @functools.wraps(method)
    def guarded(*args: _P.args, **kwargs: _P.kwargs) -> _T | dict[str, Any]:
        try:
            return method(*args, **kwargs)
        except RecursionError:
            return error_body("the query is nested too deeply", "validation-failed")
        except Exception:
            _log.exception("sandbox engine failed")
            return copy.deepcopy(UNEXPECTED)

    return guarded


def translate_execution(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    if isinstance(original, HasuraError):
        return error_body(original.message, original.code, original.path)
    if original is not None:
        # Hasura never shows internals; the traceback goes to the sandbox's log instead.
        _log.error("sandbox resolver failed", exc_info=original)
        return copy.deepcopy(UNEXPECTED)
    return translate_variables(error.message)


_VAR_NOT_PROVIDED = re.compile(r"Variable '\$(\w+)' of required type '[^']+' was not provided\.")
_VAR_NULL = re.compile(r"Variable '\$(\w+)' of non-null type '[^']+' must not be null\.")


def translate_variables(message: str) -> dict[str, Any]:
    m = _VAR_NOT_PROVIDED.match(message) or _VAR_NULL.match(message)
    if m:
        return error_body(
            f'expecting a value for non-nullable variable: "{m.group(1)}"', "validation-failed"
        )
    return error_body(message, "validation-failed")


_UNKNOWN_FIELD = re.compile(r"Cannot query field '(\w+)' on type '(\w+)'\.")
_UNKNOWN_INPUT_FIELD = re.compile(r"Field '(\w+)' is not defined by type '(\w+)'\.")
_UNKNOWN_ARG = re.compile(r"Unknown argument '(\w+)' on field '\w+\.(\w+)'\.")
_MISSING_ARG = re.compile(r"Field '(\w+)' argument '(\w+)' of type '[^']+' is required")


def translate_validation(error: GraphQLError, document: DocumentNode) -> dict[str, Any]:
    message = error.message
    node = error.nodes[0] if error.nodes else None
    path = node_path(document, node) if node is not None else "$"
    if m := _UNKNOWN_FIELD.match(message):
        return error_body(
            f"field '{m.group(1)}' not found in type: '{m.group(2)}'", "validation-failed", path
        )
    if m := _UNKNOWN_INPUT_FIELD.match(message):
        return error_body(
            f"field '{m.group(1)}' not found in type: '{m.group(2)}'", "validation-failed", path
        )
    if m := _UNKNOWN_ARG.match(message):
        return error_body(
            f"'{m.group(2)}' has no argument named '{m.group(1)}'", "validation-failed", path
        )
    if m := _MISSING_ARG.match(message):
        return error_body(f"missing required field '{m.group(2)}'", "validation-failed", path)
    return error_body(message, "validation-failed", path)


def node_path(document: DocumentNode, target: Node) -> str:
    """Hasura's JSON path to a field (`$.selectionSet.a.selectionSet.b`), found by identity."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }

    def walk(sel_set: SelectionSetNode | None, prefix: str, seen: frozenset[str]) -> str | None:
        if sel_set is None:
            return None
        for sel in sel_set.selections:
            if isinstance(sel, FieldNode):
                here = f"{prefix}.selectionSet.{sel.name.value}"
                if sel is target:
                    return here
                if any(a is target or a.value is target for a in sel.arguments or ()):
                    return f"{here}.args"
                found = walk(sel.selection_set, here, seen)
            elif isinstance(sel, InlineFragmentNode):
                found = walk(sel.selection_set, prefix, seen)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                frag = fragments.get(sel.name.value)
                found = walk(frag.selection_set, prefix, seen | {sel.name.value}) if frag else None
            else:
                found = None
            if found is not None:
                return found
        return None

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            found = walk(definition.selection_set, "$", frozenset())
            if found is not None:
                return found
    return "$"
