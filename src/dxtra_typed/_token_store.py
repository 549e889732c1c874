"""The token store interface: where a session is kept and how its renewal is made single-flight.

By default there is no store: each client keeps its JWT in its own memory and renews it under
an in-process lock (``_auth``). A store is a second level shared by many processes (one host:
``FileTokenStore``; many hosts: ``RedisTokenStore``). Every client keeps a private copy of the
session and reads the store only when that copy needs renewing; the renewal itself runs under
the store's cross-process lock, where the holder re-reads the store, and only if nobody renewed
meanwhile exchanges (the fleet's newest refresh token, or the PAT) and writes the result back.
So N processes cause one exchange, and a refresh token is spent by exactly one of them.
This base knows none of its implementations; ``_store_choice`` picks one from the settings.

What is stored is sealed (``_sealing``): unreadable without the PAT, which is never stored.
A store that fails (disk, network, a corrupt or foreign entry) degrades to in-process
behaviour with a warning: the cache is an optimisation, never a reason for a call to fail.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING

from dxtra_typed._access_token import AccessToken
from dxtra_typed._logging import logger
from dxtra_typed._secret import Secret

if TYPE_CHECKING:
    from dxtra_typed._sealing import Sealer

Release = Callable[[], None]


class TokenSlot(ABC):
    """One session's place in a shared store, bound to one (PAT, auth URL).

    ``load``/``save`` never raise: a missing, corrupt, foreign or unreachable entry reads as
    None and a failed write is logged. ``acquire`` blocks until this caller holds the renewal
    lock (or the store is unreachable, then it proceeds without) and returns the release.
    Methods block; the async cache calls them in a worker thread.
    """

    def __init__(self, sealer: Sealer, clock: Callable[[], float]) -> None:
        self._sealer = sealer
        self._clock = clock

    @property
    def entry_id(self) -> str:
        """The entry's public name: derived from the PAT, reveals nothing about it."""
        return self._sealer.entry_id

    def load(self) -> AccessToken | None:
        try:
            blob = self._read()
        except Exception as exc:
            _degraded("read", exc)
            return None
        session = self._sealer.open(blob)
        if session is None:
            if blob:
                logger.info("ignoring a token-store entry that does not open with this key")
            return None
        return AccessToken(
            token=Secret(session.access_token),
            issued_at=session.issued_at,
            expires_at=session.expires_at,
            refresh_token=Secret(session.refresh_token) if session.refresh_token else None,
        )

    def save(self, token: AccessToken) -> None:
        from dxtra_typed._sealing import SealedSession

        ttl = token.expires_at - self._clock()
        if ttl <= 0:
            return
        refresh = token.refresh_token.reveal() if token.refresh_token is not None else None
        blob = self._sealer.seal(
            SealedSession(token.token.reveal(), token.issued_at, token.expires_at, refresh)
        )
        try:
            self._write(blob, ttl)
        except Exception as exc:
            _degraded("write", exc)

    def acquire(self) -> Release:
        try:
            return self._lock()
        except Exception as exc:
            _degraded("lock", exc)
            return _nothing

    @abstractmethod
    def _read(self) -> bytes | None: ...

    @abstractmethod
    def _write(self, blob: bytes, ttl: float) -> None: ...

    @abstractmethod
    def _lock(self) -> Release: ...


class TokenStore(ABC):
    """Where clients of many processes keep one shared, sealed session per (PAT, auth URL)."""

    @abstractmethod
    def open(
        self, auth_url: str, api_key: Secret, *, clock: Callable[[], float] | None = None
    ) -> TokenSlot:
        """The slot for this key and auth service (called once per client)."""


def _nothing() -> None:
    return None


def _degraded(what: str, exc: Exception) -> None:
    # The type only: a driver's message may carry a URL with a password in it.
    logger.warning(
        "token store %s failed (%s); carrying on with this process's own token",
        what,
        type(exc).__name__,
    )
