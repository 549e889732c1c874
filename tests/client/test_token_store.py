"""The shared token stores in one process: sealing, files and Redis keys, bad entries, settings.

The many-process behaviour (single-flight across processes, the sign-in limit) is in
tests/fleet; the canary over the stores' bytes is in tests/security/test_store_hygiene.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis

from dxtra_typed import (
    AsyncDxtraClient,
    ConfigurationError,
    DxtraClient,
    FileTokenStore,
    RedisTokenStore,
    TokenStore,
)
from dxtra_typed._access_token import AccessToken
from dxtra_typed._sealing import SealedSession, Sealer
from dxtra_typed._secret import Secret
from dxtra_typed._token_store import Release, TokenSlot
from dxtra_typed.pytest_plugin import sandbox_settings
from dxtra_typed.sandbox import Sandbox

from .conftest import ClientFactory, closed_port, resolve

AUTH = "https://auth.example"
SESSION = SealedSession("header.payload.signature", 1000.0, 4600.0, str(uuid.uuid4()))


def _pat() -> Secret:
    return Secret(str(uuid.uuid4()))


# --- sealing --------------------------------------------------------------------------------


def test_a_sealed_session_opens_with_its_pat_only() -> None:
    pat = _pat()
    blob = Sealer(pat, AUTH).seal(SESSION)
    assert Sealer(pat, AUTH).open(blob) == SESSION
    assert Sealer(_pat(), AUTH).open(blob) is None  # another (or a rotated) PAT
    assert Sealer(pat, "https://auth.other").open(blob) is None  # another auth service
    assert Sealer(pat, AUTH).seal(SESSION) != blob  # a fresh nonce each time


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1],
        lambda b: b[:10],
        lambda b: b[:20] + bytes([b[20] ^ 1]) + b[21:],
        lambda b: b"DXT2" + b[4:],
        lambda b: b"",
        lambda b: os.urandom(len(b)),
        lambda b: json.dumps({"a": "x"}).encode(),
    ],
    ids=["truncated-tag", "truncated", "flipped-bit", "other-version", "empty", "noise", "json"],
)
def test_a_damaged_entry_opens_as_nothing(damage: Any) -> None:
    pat = _pat()
    assert Sealer(pat, AUTH).open(damage(Sealer(pat, AUTH).seal(SESSION))) is None


def test_the_entry_name_reveals_nothing_and_follows_the_pat() -> None:
    pat = _pat()
    one, again, other = Sealer(pat, AUTH), Sealer(pat, AUTH), Sealer(_pat(), AUTH)
    assert one.entry_id == again.entry_id != other.entry_id
    assert len(one.entry_id) == 32 and pat.reveal() not in one.entry_id
    assert pat.reveal() not in repr(one) and "payload" not in repr(SESSION)


# --- the file store -------------------------------------------------------------------------


@pytest.fixture
def sb() -> Any:
    with Sandbox() as sandbox:
        yield sandbox


def _settings(sb: Sandbox, **extra: Any) -> dict[str, Any]:
    return {**sandbox_settings(sb), **extra}


async def test_clients_sharing_a_file_store_sign_in_once(
    make_client: ClientFactory, sb: Sandbox, tmp_path: Path
) -> None:
    store = FileTokenStore(tmp_path / "tokens" / "dxtra")
    for _ in range(3):  # three clients, each with its own in-memory cache
        client = make_client(sb, token_store=store)
        assert await resolve(client.data_controllers())
    assert sb.stats.signin_pat == 1
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.lock_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize(
    "content",
    [b"not a session", b"DXT1" + bytes(range(7, 87)), b""],  # fixed bytes: xdist workers agree
    ids=["text", "sealed-looking", "empty"],
)
def test_a_corrupt_file_is_ignored_and_replaced(
    sb: Sandbox, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "dxtra-token"
    path.write_bytes(content)
    store = FileTokenStore(path)
    with DxtraClient(**_settings(sb, token_store=store)) as client:
        assert client.data_controllers()
    assert sb.stats.signin_pat == 1
    stored = store.open(sb.auth_url, Secret(sb.pat)).load()
    assert stored is not None and stored.refresh_token is not None


def test_rotating_the_pat_makes_the_old_entry_unreadable(sb: Sandbox, tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "dxtra-token")
    with DxtraClient(**_settings(sb, token_store=store)) as client:
        client.data_controllers()
    new_pat = sb.add_pat()
    with DxtraClient(**_settings(sb, api_key=new_pat, token_store=store)) as client:
        client.data_controllers()  # the old entry is foreign to the new key: sign in again
    assert sb.stats.signin_pat == 2
    assert store.open(sb.auth_url, Secret(sb.pat)).load() is None
    assert store.open(sb.auth_url, Secret(new_pat)).load() is not None


def test_dxtra_token_cache_picks_the_store(sb: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "from-env"
    env = {"DXTRA_API_KEY": sb.pat, "DXTRA_AUTH_URL": sb.auth_url, "DXTRA_API_URL": sb.api_url}
    with DxtraClient.from_env(env={**env, "DXTRA_TOKEN_CACHE": str(path)}) as client:
        client.data_controllers()
    assert path.exists()
    with DxtraClient.from_env(env=env) as client:
        assert client._tokens is not None and client._tokens._slot is None
    # A tokenless role has no token to share: the setting is not even looked at.
    with DxtraClient.from_env(
        env={**env, "DXTRA_ROLE": "anonymous", "DXTRA_TOKEN_CACHE": "redis://[bad"}
    ) as client:
        assert client.public_data_controllers()


def test_settings_are_checked_before_any_request(tmp_path: Path) -> None:
    common = {"api_key": str(uuid.uuid4()), "env": {}}
    with pytest.raises(ConfigurationError, match="token_store must be"):
        DxtraClient(**common, token_store="/tmp/x")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="is a directory"):
        FileTokenStore(tmp_path)
    with pytest.raises(ConfigurationError, match="needs a file path"):
        FileTokenStore("")
    with pytest.raises(ConfigurationError, match="not a Redis URL"):
        RedisTokenStore("http://not-redis")
    with pytest.raises(ConfigurationError, match="decode_responses"):
        RedisTokenStore(redis.Redis(decode_responses=True))
    with pytest.raises(ConfigurationError, match="lease"):
        RedisTokenStore("redis://127.0.0.1:1/0", lease=0)
    with pytest.raises(ConfigurationError, match=r"needs a redis:// URL or a redis\.Redis"):
        RedisTokenStore(42)  # type: ignore[arg-type]
    assert isinstance(FileTokenStore(tmp_path / "x"), TokenStore)


def test_an_expired_session_is_not_written(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "dxtra-token")
    slot = store.open(AUTH, _pat())
    slot.save(AccessToken(Secret("a.b.c"), time.time() - 20, time.time() - 10, None))
    assert not store.path.exists() and slot.load() is None


def test_the_default_client_loads_no_store_code() -> None:
    """Nothing changes for a user who does nothing: no store, not even its imports."""
    code = (
        "import sys\n"
        "from dxtra_typed import DxtraClient\n"
        "c = DxtraClient(api_key='x', env={})\n"
        "assert c._tokens._slot is None\n"
        "names = ('cryptography', 'redis', 'dxtra_typed._sealing', 'dxtra_typed._file_store')\n"
        "print(sorted(m for m in sys.modules if m.startswith(names)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


class _WatchedFileStore(FileTokenStore):
    """Says when one of its slots starts waiting for the renewal lock."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.waiting = threading.Event()

    def open(self, *args: Any, **kwargs: Any) -> TokenSlot:
        slot = super().open(*args, **kwargs)
        take = slot._lock

        def lock() -> Release:
            self.waiting.set()
            return take()

        slot._lock = lock  # type: ignore[method-assign]
        return slot


async def test_a_cancelled_wait_for_the_lock_still_releases_it(sb: Sandbox, tmp_path: Path) -> None:
    store = _WatchedFileStore(tmp_path / "dxtra-token")
    holder = FileTokenStore(store.path).open(sb.auth_url, Secret(sb.pat))
    release = holder.acquire()  # another process is renewing
    async with AsyncDxtraClient(**_settings(sb, token_store=store)) as client:
        task = asyncio.create_task(client.data_controllers())
        assert await asyncio.to_thread(store.waiting.wait, 30)  # blocked on the lock
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release()
        # The cancelled waiter takes the lock in its thread, then lets it go at once.
        again = await asyncio.wait_for(asyncio.to_thread(holder.acquire), timeout=30)
        again()
        assert await client.data_controllers()  # and the client still works
        assert sb.stats.signin_pat == 1


# --- the Redis store ------------------------------------------------------------------------


def test_the_redis_entry_expires_with_the_token(redis_url: str) -> None:
    with Sandbox(access_token_ttl=30) as sb:
        store = RedisTokenStore(redis_url, prefix=f"test-{uuid.uuid4()}:")
        with DxtraClient(**_settings(sb, token_store=store)) as client:
            client.data_controllers()
        entry_id = store.open(sb.auth_url, Secret(sb.pat)).entry_id
        ttl_ms = store.redis.pttl(store.session_key(entry_id))
        assert isinstance(ttl_ms, int) and 0 < ttl_ms <= 30_000
        assert store.redis.exists(store.lock_key(entry_id)) == 0  # released
        with DxtraClient(**_settings(sb, token_store=store)) as client:
            client.data_controllers()
        assert sb.stats.signin_pat == 1


async def test_async_clients_share_the_redis_store(
    sb: Sandbox, redis_url: str, make_client: ClientFactory
) -> None:
    store = RedisTokenStore(redis.Redis.from_url(redis_url), prefix=f"test-{uuid.uuid4()}:")
    clients = [make_client(sb, token_store=store) for _ in range(4)]
    for client in clients:
        assert await resolve(client.data_controllers())
    assert sb.stats.signin_pat == 1


async def test_an_unreachable_redis_degrades_to_this_process(
    make_client: ClientFactory, sb: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="dxtra_typed")
    url = f"redis://:hunter2-password@127.0.0.1:{closed_port()}/0"
    client = make_client(sb, token_store=RedisTokenStore(url))
    assert await resolve(client.data_controllers())
    assert await resolve(client.data_controllers())
    assert sb.stats.signin_pat == 1  # this process's own cache still works
    messages = [r.getMessage() for r in caplog.records]
    assert any("token store" in m and "ConnectionError" in m for m in messages), messages
    assert not any("hunter2" in m for m in messages)
