"""`from_env` overrides are typed like the constructor's keywords."""

from __future__ import annotations

from dxtra_typed import AsyncDxtraClient, DxtraClient


def accepted() -> None:
    DxtraClient.from_env(timeout=3.0, role="me", max_retries=1, api_key="k")
    AsyncDxtraClient.from_env({}, ws=None, http_client=None, http_backend="httpx")


def rejected() -> None:
    DxtraClient.from_env(timout=3)  # type: ignore[call-arg]
    DxtraClient.from_env(role="admin")  # type: ignore[arg-type]
    AsyncDxtraClient.from_env(max_retries="3")  # type: ignore[arg-type]
