"""Per-call options and results are typed: a misspelt option, a role Dxtra does not have, or a
misspelt result field is a type error (what mypy sees, an editor's completion engine sees)."""

from __future__ import annotations

from typing import assert_type

from dxtra_typed import DxtraClient


def titles(client: DxtraClient) -> list[str]:
    return [c.title for c in client.data_controllers()]


def with_options(client: DxtraClient) -> list[str]:
    rows = client.data_controllers(timeout=5.0, max_retries=0, role="me", headers={"X-A": "b"})
    return [c.title for c in rows]


def rejected(client: DxtraClient) -> None:
    client.data_controllers(timout=5)  # type: ignore[call-arg]
    client.data_controllers(role="admin")  # type: ignore[arg-type]
    for c in client.data_controllers():
        assert_type(c.title, str)
        _ = c.titel  # type: ignore[attr-defined]
