"""The session a client holds: a JWT, when it stops being accepted, and the refresh token.

Its own module, below both ``_auth`` (which renews it) and ``_token_store`` (which shares it
between processes), so that neither has to import the other (see ARCHITECTURE.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from dxtra_typed._secret import Secret


@dataclass(frozen=True)
class AccessToken:
    """A JWT and when it stops being accepted. The repr shows no token."""

    token: Secret
    issued_at: float
    expires_at: float
    refresh_token: Secret | None = None
