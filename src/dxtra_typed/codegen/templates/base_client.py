"""Base class of the generated sync client.

ariadne-codegen copies this file verbatim into every generated package (the bundled
dxtra_generated and each user's own). It stays a thin shim: the whole client (constructor,
from_env, auth, retries, typed errors, with_options) lives in dxtra_typed, imported through
dxtra_typed.runtime (the public contract for generated code), where it is hand-written, tested
and typed against httpx (which also sidesteps ariadne-codegen #463, whose HttpClient protocol
does not accept a real httpx client under mypy --strict). Each package hands the base its own
UNSET, so two generated packages work side by side.
"""

from dxtra_typed.runtime import SyncBaseClient

from .base_model import UNSET


class DxtraBaseClient(SyncBaseClient):
    """Transport, error mapping and JSON handling for every generated sync method."""

    _unset = UNSET
