"""dxtra-typed: a typed Python client for Dxtra's privacy-compliance GraphQL API.

    from dxtra_typed import DxtraClient
    with DxtraClient.from_env() as client:
        for controller in client.data_controllers():
            print(controller.title)

The names below load on first use (PEP 562). That keeps ``import dxtra_typed`` cheap, and lets
the build-time tools (``dxtra_typed.codegen``) and the sandbox (``dxtra_typed.sandbox``) run
without importing the generated client, which they may be about to rewrite and which the
sandbox must never depend on.

``DxtraClient`` and ``AsyncDxtraClient`` are the classes ariadne-codegen writes for the bundled
operations (queries/) into ``dxtra_generated``, as a user's ``Client`` is for theirs: every
generated client is a whole Dxtra client, its base (``_base_client``) holding configuration,
auth, retries, typed errors and subscriptions. They are loaded from there on first use only, so
a sync program never imports the async client.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from dxtra_typed._version import __version__

if TYPE_CHECKING:
    from dxtra_generated.async_client import AsyncDxtraClient
    from dxtra_generated.client import DxtraClient

    from dxtra_typed._blocking import iterate_blocking
    from dxtra_typed._config import Role
    from dxtra_typed._errors import (
        AccessDeniedError,
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        AuthenticationBadRequestError,
        AuthenticationError,
        AuthenticationStatusError,
        BadRequestError,
        ConfigurationError,
        ConstraintViolationError,
        DxtraError,
        GraphQLError,
        GraphQLErrorDetail,
        InternalServerError,
        InvalidArgumentError,
        InvalidJWTError,
        InvalidResponseError,
        MissingExtraError,
        NotFoundError,
        PermissionDeniedError,
        PermissionDeniedStatusError,
        RateLimitError,
        ValidationFailedError,
    )
    from dxtra_typed._file_store import FileTokenStore
    from dxtra_typed._http_backends import HttpBackend
    from dxtra_typed._pagination import AsyncKeysetPager, KeysetPager
    from dxtra_typed._redis_store import RedisTokenStore
    from dxtra_typed._subscription_iter import Subscription
    from dxtra_typed._subscriptions import (
        SubscribeOptions,
        SubscriptionProtocolError,
        SubscriptionSettings,
    )
    from dxtra_typed._telemetry import TelemetrySettings
    from dxtra_typed._token_store import TokenStore

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AccessDeniedError",
    "AsyncDxtraClient",
    "AsyncKeysetPager",
    "AuthenticationBadRequestError",
    "AuthenticationError",
    "AuthenticationStatusError",
    "BadRequestError",
    "ConfigurationError",
    "ConstraintViolationError",
    "DxtraClient",
    "DxtraError",
    "FileTokenStore",
    "GraphQLError",
    "GraphQLErrorDetail",
    "HttpBackend",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidJWTError",
    "InvalidResponseError",
    "KeysetPager",
    "MissingExtraError",
    "NotFoundError",
    "PermissionDeniedError",
    "PermissionDeniedStatusError",
    "RateLimitError",
    "RedisTokenStore",
    "Role",
    "SubscribeOptions",
    "Subscription",
    "SubscriptionProtocolError",
    "SubscriptionSettings",
    "TelemetrySettings",
    "TokenStore",
    "ValidationFailedError",
    "__version__",
    "iterate_blocking",
]

_WHERE: dict[str, str] = {
    "DxtraClient": "dxtra_generated.client",
    "AsyncDxtraClient": "dxtra_generated.async_client",
    "Role": "dxtra_typed._config",
    "HttpBackend": "dxtra_typed._http_backends",
    "KeysetPager": "dxtra_typed._pagination",
    "AsyncKeysetPager": "dxtra_typed._pagination",
    "SubscribeOptions": "dxtra_typed._subscriptions",
    "Subscription": "dxtra_typed._subscription_iter",
    "SubscriptionProtocolError": "dxtra_typed._subscriptions",
    "SubscriptionSettings": "dxtra_typed._subscriptions",
    "iterate_blocking": "dxtra_typed._blocking",
    "FileTokenStore": "dxtra_typed._file_store",
    "RedisTokenStore": "dxtra_typed._redis_store",
    "TokenStore": "dxtra_typed._token_store",
    "TelemetrySettings": "dxtra_typed._telemetry",
}
_WHERE.update(
    (name, "dxtra_typed._errors")
    for name in __all__
    if name not in _WHERE and name != "__version__"
)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'dxtra_typed' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
