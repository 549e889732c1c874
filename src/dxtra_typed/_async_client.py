"""AsyncDxtraClient: the generated async client for the bundled operations (queries/).

Like ``DxtraClient``, it is the generated class itself; its base
(``_base_client.AsyncBaseClient``) adds configuration, auth, retries and subscriptions.
"""

from __future__ import annotations

from dxtra_generated.async_client import AsyncDxtraClient

__all__ = ["AsyncDxtraClient"]
