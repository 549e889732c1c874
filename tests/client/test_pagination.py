"""Keyset pagination: generated iter_<name> pagers, sync and async, against a 10,000-row controller.

`Sandbox(seed_rows=30000)` spreads generated data subjects round-robin over three controllers,
so the first controller the default user sees holds just over 10,000 of them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, build_schema, parse

from dxtra_typed import AsyncDxtraClient, ConfigurationError, DxtraClient
from dxtra_typed._http_backends import HttpBackend
from dxtra_typed._pagination import FIRST_ID, AsyncKeysetPager, KeysetPager, Page
from dxtra_typed.codegen.pagination import PaginationError, paged_operation
from dxtra_typed.sandbox import Sandbox

ROOT = Path(__file__).parents[2]
INSERT = (
    "mutation InsertSubject($o: dataSubjects_insert_input!) "
    "{ insertDataSubject(object: $o) { id } }"
)


@pytest.fixture(scope="module")
def big() -> Iterator[Sandbox]:
    with Sandbox(seed_rows=30000) as sb:
        yield sb


def _client(sb: Sandbox) -> DxtraClient:
    return DxtraClient(api_key=sb.pat, auth_url=sb.auth_url, api_url=sb.api_url)


def _insert(client: DxtraClient, controller_id: uuid.UUID, subject_id: uuid.UUID) -> None:
    variables = {"o": {"id": str(subject_id), "dataControllerId": str(controller_id)}}
    response = client.execute(query=INSERT, operation_name="InsertSubject", variables=variables)
    assert response.json()["data"]["insertDataSubject"]["id"] == str(subject_id)


@pytest.mark.slow
def test_10000_rows_each_exactly_once(big: Sandbox) -> None:
    with _client(big) as client:
        cid = client.data_controllers()[0].id
        expected = client.data_subjects_count(controller_id=cid).aggregate
        assert expected is not None and expected.count >= 10_000
        pager = client.iter_data_subjects(controller_id=cid, page_size=500)
        ids = [subject.id for subject in pager]
    assert len(ids) == len(set(ids)) == expected.count == pager.total
    assert ids == sorted(ids)
    assert pager.pages == expected.count // 500 + 1


@pytest.mark.slow
def test_concurrent_inserts_neither_repeat_nor_lose_a_row(big: Sandbox) -> None:
    """Rows inserted behind and ahead of the cursor while paging: the rows that existed at
    the start come exactly once, new ones at most once. (Offset paging newest-first would
    repeat a row for every insert.)"""
    with _client(big) as client, _client(big) as writer:
        cid = client.data_controllers()[0].id
        before = {s.id for s in client.iter_data_subjects(controller_id=cid, page_size=5000)}
        pager = client.iter_data_subjects(controller_id=cid, page_size=500)
        seen: list[uuid.UUID] = []
        for n, page in enumerate(pager.by_page()):
            seen.extend(s.id for s in page)
            cursor = page[-1].id.int if page else 0
            # one row just behind the cursor, one just ahead, one at the very end
            for new in (cursor - 1 - n, cursor + 1 + n, 2**128 - 1 - n):
                if 0 < new < 2**128:
                    _insert(writer, cid, uuid.UUID(int=new))
        # and a writer thread inserting random ids while a second pass pages
        stop = threading.Event()

        def write() -> None:
            while not stop.is_set():
                _insert(writer, cid, uuid.uuid4())

        thread = threading.Thread(target=write)
        thread.start()
        try:
            second = [s.id for s in client.iter_data_subjects(controller_id=cid, page_size=500)]
        finally:
            stop.set()
            thread.join()
    assert len(seen) == len(set(seen)) and before <= set(seen)
    assert len(second) == len(set(second)) and before <= set(second)


@pytest.mark.slow
async def test_async_twin_pages_the_same_rows(big: Sandbox, http_backend: HttpBackend) -> None:
    async with AsyncDxtraClient(
        api_key=big.pat, auth_url=big.auth_url, api_url=big.api_url, http_backend=http_backend
    ) as client:
        cid = (await client.data_controllers())[0].id
        pager = client.iter_data_subjects(controller_id=cid, page_size=500)
        ids = [subject.id async for subject in pager]
        requests = [r async for r in client.iter_rights_requests(controller_id=cid, page_size=1000)]
        pages = [p async for p in client.iter_data_subjects(controller_id=cid).by_page()]
    assert len(ids) == len(set(ids)) == pager.total and len(ids) >= 10_000
    assert [r.id for r in requests] == sorted({r.id for r in requests}) and requests
    assert sum(map(len, pages)) >= len(ids) and all(len(p) <= 500 for p in pages)


def test_resume_after_and_validation() -> None:
    rows = [type("R", (), {"id": uuid.UUID(int=i)})() for i in range(1, 8)]
    calls: list[tuple[uuid.UUID, int]] = []

    def fetch(after: uuid.UUID, limit: int) -> Page[Any]:
        calls.append((after, limit))
        return [r for r in rows if r.id > after][:limit], len(rows)

    assert [r.id.int for r in KeysetPager(fetch, page_size=3)] == list(range(1, 8))
    assert calls == [(FIRST_ID, 3), (uuid.UUID(int=3), 3), (uuid.UUID(int=6), 3)]
    assert [r.id.int for r in KeysetPager(fetch, page_size=3, after=uuid.UUID(int=5))] == [6, 7]
    for bad in (0, -1, True):
        with pytest.raises(ValueError, match="page_size"):
            KeysetPager(fetch, page_size=bad)
    backwards = KeysetPager(lambda after, limit: (rows[:limit], None), page_size=2)
    with pytest.raises(ConfigurationError, match="order by id"):
        list(backwards)


async def test_async_pager_with_a_plain_fetch() -> None:
    rows = [type("R", (), {"id": uuid.UUID(int=i)})() for i in range(1, 6)]

    async def fetch(after: uuid.UUID, limit: int) -> Page[Any]:
        return [r for r in rows if r.id > after][:limit], None

    pager = AsyncKeysetPager(fetch, page_size=2)
    assert [r.id.int async for r in pager] == [1, 2, 3, 4, 5] and pager.total is None


def test_half_paged_operation_fails_codegen_with_the_reason() -> None:
    schema = build_schema((ROOT / "schema" / "schema.graphql").read_text())
    document = parse(
        "query P($after: uuid, $limit: Int) {"
        " dataSubjects(order_by: [{createdAt: desc}], limit: $limit) { id } }"
    )
    (definition,) = (d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    with pytest.raises(PaginationError, match=r"filter `id: \{_gt: \$after\}`, order_by") as info:
        paged_operation(schema, definition, "p")
    # The wheel ships no docs/: point at what a user has, the README's section.
    assert "docs/design.md" not in str(info.value) and '"Pagination"' in str(info.value)
