"""DxtraClient: the generated sync client for the bundled operations (queries/).

Every generated client is a whole Dxtra client (its base, ``_base_client.SyncBaseClient``,
holds configuration, auth, retries and typed errors), so ``DxtraClient`` is simply the class
ariadne-codegen writes for this package's operations, as a user's ``Client`` is for theirs.
"""

from __future__ import annotations

from dxtra_generated.client import DxtraClient

__all__ = ["DxtraClient"]
