"""Canary over the shared token stores: what lands in the file or in Redis is no secret.

A planted PAT signs in, renews after its JWT is refused, and a wrong PAT is tried against the
same store. Then every byte the store holds (the session file and its lock file; every Redis key
under the prefix, names and values) is searched for the PAT, for anything shaped like a JWT,
and for the exact JWT and refresh token the store holds sealed (read back with the right PAT,
which also proves the search is not vacuous). The wrong PAT opens nothing.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from dxtra_typed import DxtraClient, DxtraError, FileTokenStore, RedisTokenStore, TokenStore
from dxtra_typed._secret import Secret
from dxtra_typed.sandbox import Sandbox

CANARY = "ca11ab1e-5ec2-4e75-8e75-00000000ca12"
WRONG = "0ddba110-5ec2-4e75-8e75-0000000000fe"
JWT_SHAPE = re.compile(rb"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+")


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(pat=CANARY) as sandbox:
        yield sandbox


def _store_bytes(store: TokenStore) -> bytes:
    """Everything the store keeps, names included."""
    if isinstance(store, FileTokenStore):
        paths = [store.path, store.lock_path]
        return b"\n".join(p.name.encode() + b"\n" + p.read_bytes() for p in paths)
    assert isinstance(store, RedisTokenStore)
    chunks = []
    for key in store.redis.scan_iter(match=store.prefix + "*"):
        value = store.redis.get(key)
        chunks += [key, value if isinstance(value, bytes) else b""]
    assert chunks, "the Redis store holds nothing: the check below would prove nothing"
    return b"\n".join(chunks)


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_store_holds_no_secret_in_clear(
    kind: str,
    sb: Sandbox,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DXTRA_LOG", "debug")
    caplog.set_level(logging.DEBUG)
    store: TokenStore
    if kind == "file":
        store = FileTokenStore(tmp_path / "dxtra-token")
    else:
        url = request.getfixturevalue("redis_url")
        store = RedisTokenStore(redis.Redis.from_url(url), prefix=f"canary-{uuid.uuid4()}:")
    settings: dict[str, Any] = {
        "auth_url": sb.auth_url,
        "api_url": sb.api_url,
        "env": {},
        "token_store": store,
    }
    texts: list[str] = [repr(store)]
    with DxtraClient(api_key=CANARY, **settings) as client:
        client.data_controllers()
        sb.expire_tokens()
        client.data_controllers()  # refused, renewed through the store
        texts.append(repr(client._tokens))
    with (
        DxtraClient(api_key=WRONG, **settings) as wrong,
        pytest.raises(DxtraError) as refused,
    ):
        wrong.data_controllers()
    texts += [str(refused.value), repr(refused.value)]
    assert sb.stats.token_refresh == 1  # the renewal did go through the store

    slot = store.open(sb.auth_url, Secret(CANARY))
    stored = slot.load()
    assert stored is not None and stored.refresh_token is not None
    assert JWT_SHAPE.fullmatch(stored.token.reveal().encode())  # the checks are not vacuous
    texts.append(repr(slot))

    raw = _store_bytes(store)
    for secret in (CANARY, WRONG, stored.token.reveal(), stored.refresh_token.reveal()):
        assert secret.encode() not in raw
    assert not JWT_SHAPE.search(raw)
    assert store.open(sb.auth_url, Secret(WRONG)).load() is None  # a wrong PAT opens nothing

    texts += [r.getMessage() for r in caplog.records]
    blob = "\n".join(texts)
    for secret in (CANARY, WRONG, stored.token.reveal(), stored.refresh_token.reveal()):
        assert secret not in blob
    assert not JWT_SHAPE.search(blob.encode())
