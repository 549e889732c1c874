"""Pagination helpers know the element type, sync and async; page_size is an int."""

from __future__ import annotations

from uuid import UUID

from dxtra_typed import AsyncDxtraClient, DxtraClient


def dids(client: DxtraClient, cid: UUID) -> list[str | None]:
    return [s.did for s in client.iter_data_subjects(controller_id=cid, page_size=500)]


async def adids(client: AsyncDxtraClient, cid: UUID) -> list[str | None]:
    return [s.did async for s in client.iter_data_subjects(controller_id=cid)]


def rejected(client: DxtraClient, cid: UUID) -> None:
    for s in client.iter_data_subjects(controller_id=cid):
        _ = s.didd  # type: ignore[attr-defined]
    client.iter_data_subjects(controller_id=cid, page_size="500")  # type: ignore[arg-type]
