"""Who a request is: Hasura's JWT-mode session resolution, shared by the HTTP and WebSocket
fronts (its own module, so neither front imports the other)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers

from ._hasura_errors import HasuraError
from ._tokens import TokenIssuer, TokenRejected

__all__ = [
    "ANONYMOUS_ROLE",
    "MISSING_AUTHORIZATION",
    "hasura_error_body",
    "resolve_session",
]

ANONYMOUS_ROLE = "anonymous"
MISSING_AUTHORIZATION = "Missing 'Authorization' or 'Cookie' header in JWT authentication mode"


def hasura_error_body(code: str, message: str) -> dict[str, Any]:
    return {"errors": [{"extensions": {"path": "$", "code": code}, "message": message}]}


def resolve_session(
    headers: Headers, issuer: TokenIssuer, unauthorized_role: str | None = ANONYMOUS_ROLE
) -> tuple[str, str | None]:
    """(role, user_id) for a request, or HasuraError with Hasura's code and message.

    Without an Authorization header Hasura (`Server/Auth/JWT.hs`, `withoutAuthZ`) runs the
    request as the unauthorized role, `URBPreDetermined`, so x-hasura-role is ignored; with no
    unauthorized role configured it refuses with `invalid-headers`.
    """
    authorization = headers.get("authorization")
    if authorization is None:
        if unauthorized_role is None:
            raise HasuraError(MISSING_AUTHORIZATION, "invalid-headers")
        return unauthorized_role, None
    parts = authorization.split(" ")
    if len(parts) != 2 or parts[0] != "Bearer":
        raise HasuraError("Malformed Authorization header", "invalid-headers")
    try:
        claims = issuer.verify(parts[1])
    except TokenRejected as exc:
        raise HasuraError(exc.message, exc.code) from None
    role = headers.get("x-hasura-role") or claims.default_role
    if role not in claims.allowed_roles:
        raise HasuraError("Your requested role is not in allowed roles", "access-denied")
    return role, claims.user_id
