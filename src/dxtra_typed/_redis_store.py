"""RedisTokenStore: one sealed session per (PAT, auth URL) in Redis, shared across hosts.

The entry is a plain Redis string that expires with the JWT inside it (``SET ... PX``), so an
idle fleet leaves nothing behind. Renewal is single-flight through a Redis lock with a lease
(redis-py's ``Lock``: ``SET NX PX`` plus a compare-and-delete script on release): a holder that
dies stops blocking the others when its lease runs out. The lease is longer than a renewal
takes (timeouts and retries included); if one ever outlives it, a second process may renew
too, which costs one more exchange, never a failure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from dxtra_typed._errors import ConfigurationError
from dxtra_typed._extras import require_extra
from dxtra_typed._logging import logger
from dxtra_typed._secret import Secret
from dxtra_typed._token_store import Release, TokenSlot, TokenStore

if TYPE_CHECKING:
    import redis

    from dxtra_typed._sealing import Sealer

DEFAULT_PREFIX: Final = "dxtra-typed:"
DEFAULT_LEASE: Final = 60.0


class RedisTokenStore(TokenStore):
    """A token cache shared by processes on many hosts: ``DxtraClient(token_store=
    RedisTokenStore("redis://cache:6379/0"))`` or ``DXTRA_TOKEN_CACHE=redis://cache:6379/0``.

    ``client`` is a URL or a sync ``redis.Redis`` (also used by the async client, from a worker
    thread). Keys are ``<prefix>session:<id>`` and ``<prefix>lock:<id>``, where the id is derived
    from the PAT and reveals nothing about it. Needs the ``redis`` extra.
    """

    def __init__(
        self,
        client: str | redis.Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        lease: float = DEFAULT_LEASE,
    ) -> None:
        require_extra("redis", "RedisTokenStore")
        import redis as redis_lib

        if lease <= 0:
            raise ConfigurationError(f"lease must be a positive number of seconds, got {lease!r}")
        if isinstance(client, str):
            try:
                client = redis_lib.Redis.from_url(client)
            except ValueError as exc:
                # redis-py's message names the scheme problem, not the URL (which may hold a
                # password).
                raise ConfigurationError(f"RedisTokenStore: not a Redis URL ({exc})") from None
        elif not isinstance(client, redis_lib.Redis):
            raise ConfigurationError(
                "RedisTokenStore needs a redis:// URL or a redis.Redis, "
                f"got {type(client).__name__}"
            )
        if client.connection_pool.connection_kwargs.get("decode_responses"):
            raise ConfigurationError(
                "RedisTokenStore needs a redis.Redis without decode_responses=True: "
                "the stored entry is binary"
            )
        self.redis: redis.Redis = client
        self.prefix = prefix
        self.lease = lease

    def __repr__(self) -> str:
        return f"RedisTokenStore(prefix={self.prefix!r})"

    def open(
        self, auth_url: str, api_key: Secret, *, clock: Callable[[], float] | None = None
    ) -> TokenSlot:
        from dxtra_typed._sealing import Sealer

        return _RedisSlot(self, Sealer(api_key, auth_url), clock or time.time)

    def session_key(self, entry_id: str) -> str:
        return f"{self.prefix}session:{entry_id}"

    def lock_key(self, entry_id: str) -> str:
        return f"{self.prefix}lock:{entry_id}"


class _RedisSlot(TokenSlot):
    def __init__(self, store: RedisTokenStore, sealer: Sealer, clock: Callable[[], float]) -> None:
        super().__init__(sealer, clock)
        self._store = store

    def _read(self) -> bytes | None:
        value: Any = self._store.redis.get(self._store.session_key(self.entry_id))
        return value if isinstance(value, bytes) else None

    def _write(self, blob: bytes, ttl: float) -> None:
        millis = max(1, int(ttl * 1000))
        self._store.redis.set(self._store.session_key(self.entry_id), blob, px=millis)

    def _lock(self) -> Release:
        from redis.exceptions import LockError

        # A Lock object per acquisition, so its token need not live in thread-local storage:
        # the async client acquires and releases from different worker threads.
        lock = self._store.redis.lock(
            self._store.lock_key(self.entry_id),
            timeout=self._store.lease,
            sleep=0.05,
            blocking=True,
            blocking_timeout=None,
            thread_local=False,
        )
        lock.acquire()

        def release() -> None:
            try:
                lock.release()
            except LockError:
                logger.warning("token store lock lease ran out before the renewal finished")
            except Exception as exc:
                logger.warning("token store unlock failed (%s)", type(exc).__name__)

        return release
