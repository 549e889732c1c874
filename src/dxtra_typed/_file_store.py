"""FileTokenStore: one sealed session in a file, shared by the processes of one host.

Renewal is single-flight through ``flock`` on a lock file beside it (``<path>.lock``): the
kernel releases the lock when its holder exits or dies, so there is no lease to tune and no
stale lock to clean up. Both files are created with mode 0600 (the parent directory, when it
has to be made, 0700). The session file is replaced atomically (write a temporary file, then
``os.replace``), so a reader sees the old entry or the new one, never half of one.

One file holds one entry. Two API keys pointed at the same file both work, but each one's
sign-in replaces the other's entry (it does not open with the other key): give each key its
own file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from dxtra_typed._errors import ConfigurationError
from dxtra_typed._extras import require_extra
from dxtra_typed._secret import Secret
from dxtra_typed._token_store import Release, TokenSlot, TokenStore

if TYPE_CHECKING:
    from dxtra_typed._sealing import Sealer

_MAX_ENTRY_BYTES: Final = 64 * 1024


class FileTokenStore(TokenStore):
    """A token cache for the processes of one host: ``DxtraClient(token_store=FileTokenStore(
    "/run/myapp/dxtra-token"))`` or ``DXTRA_TOKEN_CACHE=/run/myapp/dxtra-token``.

    Needs the ``fleet`` extra (``cryptography``) and POSIX file locks.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        require_extra("fleet", "FileTokenStore")
        try:
            import fcntl  # noqa: F401
        except ImportError:  # pragma: no cover - Windows
            raise ConfigurationError("FileTokenStore needs POSIX file locks (fcntl)") from None
        raw = os.fspath(path)
        if not raw or raw.endswith(os.sep):
            raise ConfigurationError(f"FileTokenStore needs a file path, got {raw!r}")
        self.path = Path(raw).expanduser()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        if self.path.is_dir():
            raise ConfigurationError(f"FileTokenStore path {str(self.path)!r} is a directory")

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def open(
        self, auth_url: str, api_key: Secret, *, clock: Callable[[], float] | None = None
    ) -> TokenSlot:
        from dxtra_typed._sealing import Sealer

        return _FileSlot(self, Sealer(api_key, auth_url), clock or time.time)


class _FileSlot(TokenSlot):
    def __init__(self, store: FileTokenStore, sealer: Sealer, clock: Callable[[], float]) -> None:
        super().__init__(sealer, clock)
        self._store = store

    def _read(self) -> bytes | None:
        try:
            with open(self._store.path, "rb") as f:
                return f.read(_MAX_ENTRY_BYTES + 1)
        except FileNotFoundError:
            return None

    def _write(self, blob: bytes, ttl: float) -> None:
        path = self._store.path
        _make_parent(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _lock(self) -> Release:
        import fcntl

        path = self._store.lock_path
        _make_parent(path)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise

        def release() -> None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

        return release


def _make_parent(path: Path) -> None:
    parent = path.parent
    if not parent.exists():
        parent.mkdir(mode=0o700, parents=True, exist_ok=True)
