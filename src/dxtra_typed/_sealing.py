"""Sealing a session for a shared token store: AES-GCM under a key derived from the PAT.

Why: a file or a Redis key is readable by more than the process that wrote it (backups, other
users of the Redis, a misconfigured volume). What is stored must be useless without the PAT,
which every process of the fleet already holds and which is never stored itself. A PAT is a
random UUID (122 bits), so HKDF is enough: there is no password to stretch.

Two independent HKDF outputs come from (PAT, auth URL): the AES-256 key, and the entry's
public name (a Redis key, an id inside the file). Rotating the PAT changes both, so old
entries are simply never found or never open. The entry name is bound into the GCM tag as
associated data, so a blob copied under another name does not open either.

Pure functions only (no I/O); ``cryptography`` is imported here, and this module is imported
only by the shared stores, so the default in-memory client never loads it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dxtra_typed._secret import Secret

MAGIC: Final = b"DXT1"
_SALT: Final = b"dxtra-typed token store v1"
_NONCE_BYTES: Final = 12


@dataclass(frozen=True)
class SealedSession:
    """What a store keeps, before sealing: the JWT, its times and the refresh token."""

    access_token: str
    issued_at: float
    expires_at: float
    refresh_token: str | None

    def __repr__(self) -> str:
        return f"SealedSession(expires_at={self.expires_at!r})"


class Sealer:
    """Seals and opens the one entry that belongs to (PAT, auth URL)."""

    __slots__ = ("_aead", "entry_id")

    def __init__(self, api_key: Secret, auth_url: str) -> None:
        material = api_key.reveal().encode()
        key = _derive(material, b"aes-256-gcm key|" + auth_url.encode(), 32)
        self.entry_id: str = _derive(material, b"entry id|" + auth_url.encode(), 16).hex()
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return f"Sealer(entry_id={self.entry_id!r})"

    def seal(self, session: SealedSession) -> bytes:
        plain = json.dumps(
            {
                "a": session.access_token,
                "i": session.issued_at,
                "e": session.expires_at,
                "r": session.refresh_token,
            },
            separators=(",", ":"),
        ).encode()
        nonce = os.urandom(_NONCE_BYTES)
        return MAGIC + nonce + self._aead.encrypt(nonce, plain, self._aad())

    def open(self, blob: bytes | None) -> SealedSession | None:
        """The session, or None for anything that is not ours and intact: missing, corrupt,
        truncated, sealed under another PAT or another name. Never raises."""
        if not blob or not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + _NONCE_BYTES + 16:
            return None
        nonce = blob[len(MAGIC) : len(MAGIC) + _NONCE_BYTES]
        try:
            plain = self._aead.decrypt(nonce, blob[len(MAGIC) + _NONCE_BYTES :], self._aad())
            data = json.loads(plain)
        except (InvalidTag, ValueError):
            return None
        return _session_from(data)

    def _aad(self) -> bytes:
        return MAGIC + self.entry_id.encode()


def _derive(material: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT, info=info).derive(material)


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _session_from(data: object) -> SealedSession | None:
    if not isinstance(data, dict):
        return None
    access, refresh = data.get("a"), data.get("r")
    issued, expires = _number(data.get("i")), _number(data.get("e"))
    if not isinstance(access, str) or not access or issued is None or expires is None:
        return None
    if refresh is not None and not (isinstance(refresh, str) and refresh):
        return None
    return SealedSession(access, issued, expires, refresh)
