"""What a GraphQL response amounts to: typed data, or the typed error it means.

Pure (no I/O, no retries): ``parse_response`` turns one ``httpx.Response`` into the result
type or raises; the request loop in ``_base_client`` decides whether to send again before it
gets here. Kept apart from the loop as openai-python keeps ``_response.py``: the fast path
(``_envelope``, ``_interop.gc_paused``) and the reference parser change for reasons of their own.
"""

from __future__ import annotations

import functools
import time
from typing import Any, Final

import httpx
from pydantic import BaseModel, ValidationError, create_model

from dxtra_typed._errors import (
    GraphQLErrorDetail,
    InvalidResponseError,
    make_graphql_error,
    status_error_class,
    status_remedy,
)
from dxtra_typed._interop import GC_PAUSE_BYTES, gc_paused
from dxtra_typed._wire import loads_exact, result_mismatch
from dxtra_typed.scalars import _plain_numbers

# The request extension that names the operation (set by ``_base_client``), so an error raised
# for a response says which call it answers.
OPERATION_EXTENSION: Final = "dxtra_operation"

__all__ = ["OPERATION_EXTENSION", "parse_response", "parse_response_slow"]


class _Envelope(BaseModel):
    """``{data, errors}`` of a response, validated straight from the bytes (one per result
    type, subclassed with ``data`` typed; ``extensions`` and other keys are ignored)."""

    errors: Any = None


# Validators that may see a different Python value in JSON mode than after our lossless
# json.loads (a float where the slow path hands them a Decimal): their output could differ.
_INPUT_SENSITIVE: Final = frozenset({"function-before", "function-plain", "function-wrap"})
_JSON_VALUE_REF: Final = "pydantic.types.JsonValue:"


def _fast_path_exact(schema: Any, seen: set[int]) -> bool:
    """True when validating JSON bytes gives what ``model_validate(json.loads(...,
    parse_float=Decimal))`` gives for every strictly valid body.

    pydantic-core's JSON parser reads a number into a ``Decimal`` field through a float
    (12345678901234567.89 → 12345678901234568, 10.00 → 10.0) and into an ``Any`` field as a
    float, so result types with ``numeric`` (Decimal) or untyped (Any) fields keep the lossless
    path. The ``jsonb`` scalar is safe: its validator turns the slow path's Decimals into the
    floats the JSON parser produces anyway.
    """
    if isinstance(schema, list):
        return all(_fast_path_exact(item, seen) for item in schema)
    if not isinstance(schema, dict) or id(schema) in seen:
        return True
    seen.add(id(schema))
    kind = schema.get("type")
    if kind in ("decimal", "any"):
        return False
    json_value = str(schema.get("ref") or schema.get("schema_ref")).startswith(_JSON_VALUE_REF)
    if json_value:
        # Its definition is fine; a use of it is fine only behind _plain_numbers (below).
        return kind == "json-or-python"
    if kind in _INPUT_SENSITIVE:
        function = schema.get("function")
        inner = function.get("function") if isinstance(function, dict) else None
        return inner is _plain_numbers  # the jsonb scalar: JsonValue behind _plain_numbers
    return all(_fast_path_exact(value, seen) for value in schema.values())


@functools.cache
def _envelope(result_type: type[BaseModel]) -> type[_Envelope] | None:
    """The envelope model for ``result_type`` (built once), or None when it needs the slow
    path.

    The generated models are built on first use (``defer_build``), and an unbuilt model's
    ``__pydantic_core_schema__`` is a placeholder with nothing to inspect: it would pass as
    exact and send ``numeric`` results down the lossy path. So the model is built first.
    """
    if not result_type.__pydantic_complete__:
        result_type.model_rebuild()
    schema = result_type.__pydantic_core_schema__
    if not isinstance(schema, dict) or not _fast_path_exact(schema, set()):
        return None
    return create_model(
        f"{result_type.__name__}Envelope",
        __base__=_Envelope,
        __module__=__name__,
        data=(result_type, ...),
    )


def parse_response(response: httpx.Response, result_type: type[BaseModel] | None = None) -> Any:
    """``data`` of a GraphQL response (validated into ``result_type`` when given), or the
    typed error the response amounts to.

    Fast path: a 2xx body is validated from its bytes into ``{data: result_type, errors}`` in
    one pass of pydantic-core, in strict mode (JSON types only: no float for an int, no string
    for a bool), for result types where that is exact (``_fast_path_exact``). Anything else
    (an error, a body of the wrong shape, partial data, a lax coercion, invalid JSON) goes
    through ``parse_response_slow``, so results and errors are the slow path's.
    """
    if result_type is not None and 200 <= response.status_code <= 299:
        envelope = _envelope(result_type)
        if envelope is not None:
            content = response.content
            try:
                if len(content) < GC_PAUSE_BYTES:
                    parsed = envelope.model_validate_json(content, strict=True)
                else:
                    with gc_paused():
                        parsed = envelope.model_validate_json(content, strict=True)
            except ValidationError:
                pass
            else:
                if not parsed.errors:
                    return parsed.data  # type: ignore[attr-defined]
    return parse_response_slow(response, result_type)


def public_response(response: httpx.Response, content: bytes | None = None) -> httpx.Response:
    """``response`` for an exception to carry: status, headers and body as received (or
    ``content``, e.g. redacted), its request reduced to method and URL (no Authorization
    header, no request body: an exchange's body is the API key). Built only for an error."""
    headers = httpx.Headers(response.headers)
    headers.pop("content-encoding", None)  # the content below is already decoded
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=response.content if content is None else content,
        request=httpx.Request(response.request.method, response.request.url),
        extensions={"http_version": response.extensions.get("http_version", b"HTTP/1.1")},
    )


def wait_hint(response: httpx.Response) -> str:
    """`` (Retry-After: 120 s, in .retry_after)`` for a 429 that says how long to wait."""
    if response.status_code != 429:
        return ""
    from dxtra_typed._retry import parse_retry_after

    seconds = parse_retry_after(response.headers, time.time())
    return "" if seconds is None else f" (Retry-After: {seconds:g} s, in .retry_after)"


def parse_response_slow(
    response: httpx.Response, result_type: type[BaseModel] | None = None
) -> Any:
    """The reference parser: ``json.loads(parse_float=Decimal)``, then checks, then
    ``model_validate``. Every error the client raises for a response is raised here."""
    operation = response.request.extensions.get(OPERATION_EXTENSION)
    operation = operation if isinstance(operation, str) else None
    what = operation or "request"
    request_id = response.headers.get("x-request-id")
    status = response.status_code
    if not 200 <= status <= 299:
        try:
            body: Any = loads_exact(response.content)
        except (ValueError, RecursionError):
            body = response.text
        detail = ""
        if isinstance(body, dict):
            errors = body.get("errors")
            if isinstance(errors, list) and errors:
                detail = GraphQLErrorDetail.from_dict(errors[0]).message
            elif isinstance(body.get("message"), str):
                detail = body["message"]
            elif isinstance(body.get("error"), str):
                detail = body["error"]
        remedy = status_remedy(status)
        message = f"{what}: HTTP {status} from {response.url}"
        message += f" ({detail})" if detail else ""
        message += f"; {remedy}{wait_hint(response)}" if remedy else ""
        raise status_error_class(status)(
            message,
            status_code=status,
            body=body,
            request_id=request_id,
            response=public_response(response),
        )
    try:
        body = loads_exact(response.content)
    except (ValueError, RecursionError):
        raise InvalidResponseError(
            f"{what}: HTTP {status} from {response.url} is not JSON "
            f"(content-type {response.headers.get('content-type', 'none')})",
            status_code=status,
            body=response.text[:500],
        ) from None
    if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
        raise InvalidResponseError(
            f"{what}: the response from {response.url} has neither 'data' nor 'errors'",
            status_code=status,
            body=response.text[:500],
        )
    data = body.get("data")
    errors = body.get("errors")
    if errors:
        raw = errors if isinstance(errors, list) else [errors]
        typed: Any = None
        if result_type is not None and isinstance(data, dict):
            try:
                typed = result_type.model_validate(data)
            except ValidationError:
                typed = None  # partial data that does not fit the model stays raw only
        raise make_graphql_error(
            [GraphQLErrorDetail.from_dict(e) for e in raw],
            data=data if isinstance(data, dict) else None,
            typed_data=typed,
            operation=operation,
            status_code=status,
            body=body,
            request_id=request_id,
            response=public_response(response),
        )
    if not isinstance(data, dict):
        raise InvalidResponseError(
            f"{what}: 'data' in the response from {response.url} is not an object",
            status_code=status,
            body=response.text[:500],
        )
    if result_type is None:
        return data
    try:
        return result_type.model_validate(data)
    except ValidationError as exc:
        raise result_mismatch(
            what, "the response", exc, status_code=status, body=response.text[:500]
        ) from None
