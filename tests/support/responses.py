"""Hand-made httpx responses for the pure policy tests (no server, no transport)."""

from __future__ import annotations

import json

import httpx

from dxtra_typed._response import OPERATION_EXTENSION


def response(status: int, body: object, url: str = "http://127.0.0.1/v1/graphql") -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = httpx.Request("POST", url, extensions={OPERATION_EXTENSION: "Op"})
    return httpx.Response(status, content=content, request=request)
