"""dxtra-typed: a typed Python client for Dxtra's privacy-compliance GraphQL API.

    from dxtra_typed import DxtraClient
    with DxtraClient.from_env() as client:
        for controller in client.data_controllers():
            print(controller.title)
"""

from dxtra_typed._client import AsyncDxtraClient, DxtraClient
from dxtra_typed._config import Role
from dxtra_typed._errors import (
    AccessDeniedError,
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConstraintViolationError,
    DxtraError,
    GraphQLError,
    GraphQLErrorDetail,
    InternalServerError,
    InvalidJWTError,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ValidationFailedError,
)
from dxtra_typed._version import __version__

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AccessDeniedError",
    "AsyncDxtraClient",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConstraintViolationError",
    "DxtraClient",
    "DxtraError",
    "GraphQLError",
    "GraphQLErrorDetail",
    "InternalServerError",
    "InvalidJWTError",
    "InvalidResponseError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "Role",
    "ValidationFailedError",
    "__version__",
]
