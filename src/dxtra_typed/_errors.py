"""One exception tree for everything that can go wrong, and the pure maps that pick a class.

Why a tree of our own: callers catch by meaning (credentials wrong, role denied, server down)
rather than by where the failure was detected. A revoked PAT (HTTP 401 from the auth service)
and an expired JWT (HTTP 200 with ``extensions.code = "invalid-jwt"`` from Hasura) are both an
``AuthenticationError``; a role the token does not allow (Hasura ``access-denied``) and an HTTP
403 are both a ``PermissionDeniedError``.

    DxtraError
    ├── ConfigurationError            bad settings or environment, raised before any request
    ├── InvalidArgumentError          an operation's arguments of the wrong type, ditto
    ├── APIConnectionError            the request did not get a response
    │   └── APITimeoutError
    ├── InvalidResponseError          a response that is not GraphQL JSON
    └── APIError                      a response that says no
        ├── APIStatusError            by HTTP status: 400 401 403 404 429 5xx subclasses
        └── GraphQLError              `errors` in a GraphQL response, subclassed by extensions.code
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import httpx

PUBLIC_MODULE: Final = "dxtra_typed"


def publish_exceptions(namespace: Mapping[str, object]) -> None:
    """Give every exception class defined in the calling module (its ``globals()``) whose name
    has no leading underscore the package's name as its ``__module__``.

    Public exceptions then read ``dxtra_typed.X`` in tracebacks and reprs, as httpx's do: a
    traceback prints ``cls.__module__ + "." + cls.__qualname__``, and without this a user sees
    ``dxtra_typed._errors.ValidationFailedError`` and learns a private module's name, which a
    later release may rename. ``dxtra_typed.X`` resolves every name set here (the package's
    lazy ``__getattr__``), so pickling still works. Only exceptions: for other classes typing
    tools read ``sys.modules[cls.__module__]`` to resolve annotations, which this would break.
    Called at the end of this module and of ``_subscriptions``.
    """
    here = namespace["__name__"]
    for name, value in list(namespace.items()):
        if (
            isinstance(value, type)
            and issubclass(value, BaseException)
            and value.__module__ == here
            and not name.startswith("_")
        ):
            value.__module__ = PUBLIC_MODULE


# Remedies from Dxtra's authentication page, error table.
REMEDY_400 = "check that the API key was copied whole (PATs are UUIDs)"
REMEDY_401 = "regenerate the API key in the Dxtra dashboard (Developers → Create API Key)"
REMEDY_403 = "check the X-Hasura-Role: the role must be one the token allows"
REMEDY_429 = "slow down: back off exponentially and honour Retry-After"


class DxtraError(Exception):
    """Root of every error this library raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(DxtraError, ValueError):
    """Arguments or environment variables that cannot work; raised before any request."""


class InvalidArgumentError(DxtraError, TypeError):
    """An operation's arguments do not match its types; raised before any request is sent."""


class APIConnectionError(DxtraError):
    """No response was received (DNS, refused connection, TLS, dropped connection).

    ``outcome_unknown`` is True for a mutation whose request may have reached the server: it
    may or may not have been applied, and it was deliberately not sent again.
    """

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown


class APITimeoutError(APIConnectionError):
    """The request timed out before a complete response arrived."""


class InvalidResponseError(DxtraError):
    """A 2xx response whose body is not a GraphQL response (not JSON, no data/errors)."""

    def __init__(self, message: str, *, status_code: int, body: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class APIError(DxtraError):
    """A response that refused the request. ``status_code`` is the HTTP status as received.

    ``response`` is the HTTP response (``httpx.Response``: status, headers, body), as httpx's
    and the OpenAI SDK's status errors carry it; None for an error that came over a WebSocket.
    Its ``request`` keeps only the method and URL: the request's Authorization header and an
    exchange's API key stay out of the exception.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: object = None,
        request_id: str | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body
        self.request_id = request_id
        self.response = response


class APIStatusError(APIError):
    """A non-2xx HTTP status (from the GraphQL endpoint or the auth service)."""


class BadRequestError(APIStatusError):
    """HTTP 400."""


class AuthenticationError(APIError):
    """The credentials were refused: a bad or revoked PAT (401), or an invalid JWT."""


class PermissionDeniedError(APIError):
    """Authenticated, but not allowed: HTTP 403, or Hasura ``access-denied`` for the role."""


class NotFoundError(APIStatusError):
    """HTTP 404."""


class RateLimitError(APIStatusError):
    """HTTP 429. ``retry_after``: the seconds the server asked to wait (``Retry-After`` or
    ``retry-after-ms``), None when it did not say."""

    @property
    def retry_after(self) -> float | None:
        if self.response is None:
            return None
        from dxtra_typed._retry import parse_retry_after

        return parse_retry_after(self.response.headers, time.time())


class InternalServerError(APIStatusError):
    """HTTP 5xx."""


class AuthenticationStatusError(APIStatusError, AuthenticationError):
    """HTTP 401."""


class PermissionDeniedStatusError(APIStatusError, PermissionDeniedError):
    """HTTP 403."""


class AuthenticationBadRequestError(BadRequestError, AuthenticationError):
    """HTTP 400 from the auth service's PAT exchange.

    The exchange body holds nothing but the key, so a 400 means the key is malformed, or it
    is a rejected key that the server hides as ``invalid-request`` (Nhost's
    AUTH_CONCEAL_ERRORS). Either way it is a credential problem, hence also an
    AuthenticationError.
    """


@dataclass(frozen=True)
class GraphQLErrorDetail:
    """One entry of a GraphQL response's ``errors`` list."""

    message: str
    code: str | None = None
    path: str | list[str | int] | None = None
    extensions: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: object) -> GraphQLErrorDetail:
        if not isinstance(raw, Mapping):
            return cls(message=str(raw))
        extensions = raw.get("extensions")
        extensions = extensions if isinstance(extensions, Mapping) else {}
        code = extensions.get("code")
        # Hasura puts the path in extensions ("$.selectionSet.x"); the spec puts it top level.
        path = raw.get("path", extensions.get("path"))
        return cls(
            message=str(raw.get("message", "")),
            code=code if isinstance(code, str) else None,
            path=path if isinstance(path, (str, list)) else None,
            extensions=dict(extensions),
        )


class GraphQLError(APIError):
    """The response carried ``errors``.

    ``errors`` has every one; ``data`` is the partial data as received, and ``typed_data`` the
    same validated into the operation's result model when it fits (None otherwise).
    """

    def __init__(
        self,
        message: str,
        *,
        errors: Sequence[GraphQLErrorDetail],
        data: Mapping[str, Any] | None = None,
        typed_data: Any = None,
        status_code: int = 200,
        body: object = None,
        request_id: str | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(
            message, status_code=status_code, body=body, request_id=request_id, response=response
        )
        self.errors = list(errors)
        self.data = data
        self.typed_data = typed_data

    @property
    def code(self) -> str | None:
        """``extensions.code`` of the first error."""
        return self.errors[0].code if self.errors else None


class ValidationFailedError(GraphQLError):
    """Hasura ``validation-failed``: unknown field or argument, or one the role may not see."""


class ConstraintViolationError(GraphQLError):
    """Hasura ``constraint-violation``: uniqueness, not-null or foreign key."""


class AccessDeniedError(GraphQLError, PermissionDeniedError):
    """Hasura ``access-denied``: the requested role is not in the token's allowed roles."""


class InvalidJWTError(GraphQLError, AuthenticationError):
    """Hasura ``invalid-jwt`` / ``invalid-headers``: the JWT was rejected."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationStatusError,
    403: PermissionDeniedStatusError,
    404: NotFoundError,
    429: RateLimitError,
}

_STATUS_REMEDIES: dict[int, str] = {
    400: REMEDY_400,
    401: REMEDY_401,
    403: REMEDY_403,
    429: REMEDY_429,
}

_GRAPHQL_CLASSES: dict[str, type[GraphQLError]] = {
    "validation-failed": ValidationFailedError,
    "constraint-violation": ConstraintViolationError,
    "access-denied": AccessDeniedError,
    "invalid-jwt": InvalidJWTError,
    "invalid-headers": InvalidJWTError,
    "jwt-missing-role-claims": InvalidJWTError,
    "jwt-invalid-claims": InvalidJWTError,
}

_GRAPHQL_REMEDIES: dict[str, str] = {
    "access-denied": REMEDY_403,
    "invalid-jwt": "the client re-authenticates once on its own; if this persists, " + REMEDY_401,
}
REMEDY_UNKNOWN_FIELD = (
    "the field may be misspelt, gone from the API, or hidden from this role; pull the schema "
    "again and regenerate"
)
REMEDY_BAD_VALUE = "the server refused a value: check the arguments of this call"
# What Hasura and graphql-core say when the *document* names something the role's schema does
# not have; any other validation-failed (e.g. "expecting a non-negative value") is about a value.
_UNKNOWN_NAME_HINTS: Final = (
    "not found in type",
    "cannot query field",
    "unknown argument",
    "unknown type",
    "no such type",
    "has no argument",
    "is not defined",
)


def graphql_remedy(code: str | None, message: str) -> str | None:
    """The advice for a GraphQL error: regenerating only helps when the document names a field,
    argument or type the server's schema lacks, not when a value was refused."""
    if code == "validation-failed":
        lowered = message.lower()
        if any(hint in lowered for hint in _UNKNOWN_NAME_HINTS):
            return REMEDY_UNKNOWN_FIELD
        return REMEDY_BAD_VALUE
    return _GRAPHQL_REMEDIES.get(code or "")


def status_error_class(status_code: int) -> type[APIStatusError]:
    if status_code >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)


def status_remedy(status_code: int) -> str | None:
    return _STATUS_REMEDIES.get(status_code)


def graphql_error_class(code: str | None) -> type[GraphQLError]:
    return _GRAPHQL_CLASSES.get(code or "", GraphQLError)


def make_graphql_error(
    errors: Sequence[GraphQLErrorDetail],
    *,
    data: Mapping[str, Any] | None,
    operation: str | None,
    typed_data: Any = None,
    status_code: int = 200,
    body: object = None,
    request_id: str | None = None,
    response: httpx.Response | None = None,
) -> GraphQLError:
    """The typed error for a GraphQL ``errors`` list, chosen by the first error's code."""
    first = errors[0] if errors else GraphQLErrorDetail(message="unknown error")
    where = f"{operation}: " if operation else ""
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    code = f" [{first.code}]" if first.code else ""
    message = f"{where}{first.message}{code}{more}"
    remedy = graphql_remedy(first.code, first.message)
    if remedy:
        message += f"; {remedy}"
    return graphql_error_class(first.code)(
        message,
        errors=errors,
        data=data,
        typed_data=typed_data,
        status_code=status_code,
        body=body,
        request_id=request_id,
        response=response,
    )


class MissingExtraError(ConfigurationError):
    """A feature needs an optional extra that is not installed; the message says which and
    how to install it (``pip install "dxtra-typed[codegen]"``)."""

    def __init__(self, message: str, *, extra: str) -> None:
        super().__init__(message)
        self.extra = extra


publish_exceptions(globals())  # tracebacks read dxtra_typed.ValidationFailedError
