"""iterate_blocking: any async iterable consumed from sync code, through a bounded queue on a
worker thread's event loop (tests/client/test_subscriptions.py runs it over a real socket)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from dxtra_typed import APIConnectionError, ConfigurationError
from dxtra_typed._blocking import iterate_blocking


def test_iterate_blocking_consumes_from_sync_code() -> None:
    async def numbers() -> AsyncIterator[int]:
        for n in range(100):
            yield n
            await asyncio.sleep(0)

    with iterate_blocking(numbers(), max_buffer=4) as it:
        assert list(it) == list(range(100))


def test_iterate_blocking_close_early_stops_the_producer() -> None:
    stopped: list[bool] = []

    async def forever() -> AsyncIterator[int]:
        n = 0
        try:
            while True:
                yield n
                n += 1
                await asyncio.sleep(0.001)
        finally:
            stopped.append(True)

    with iterate_blocking(forever(), max_buffer=2) as it:
        first = [next(it) for _ in range(5)]
    assert first == [0, 1, 2, 3, 4]
    assert stopped == [True]


def test_iterate_blocking_reraises_errors() -> None:
    async def failing() -> AsyncIterator[int]:
        yield 1
        raise APIConnectionError("gone")

    it = iterate_blocking(failing())
    assert next(it) == 1
    with pytest.raises(APIConnectionError, match="gone"):
        next(it)


def test_iterate_blocking_refuses_an_empty_buffer() -> None:
    async def nothing() -> AsyncIterator[int]:
        return
        yield

    with pytest.raises(ConfigurationError, match="max_buffer"):
        iterate_blocking(nothing(), max_buffer=0)
