"""Base class of the generated sync client.

ariadne-codegen copies this file verbatim into generated/dxtra_generated/. It stays a thin
shim: all behaviour lives in dxtra_typed._base_client, where it is hand-written, tested and
typed against httpx (which also sidesteps ariadne-codegen #463, whose HttpClient protocol does
not accept a real httpx client under mypy --strict).
"""

from dxtra_typed._base_client import SyncBaseClient

from .base_model import UNSET


class DxtraBaseClient(SyncBaseClient):
    """Transport, error mapping and JSON handling for every generated sync method."""

    _unset = UNSET
