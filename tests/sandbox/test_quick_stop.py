"""The sandbox's quick stop (`_uvicorn_server.QuickServer`) overrides two uvicorn methods and
reads its server state: fail loudly here when an uvicorn upgrade moves what it relies on."""

from __future__ import annotations

import inspect

import httpx
import uvicorn

from dxtra_typed.sandbox import Sandbox
from dxtra_typed.sandbox._uvicorn_server import QuickServer


def test_uvicorn_still_has_what_the_quick_stop_overrides_and_reads() -> None:
    for name in ("main_loop", "on_tick", "shutdown", "serve"):
        assert inspect.iscoroutinefunction(getattr(uvicorn.Server, name)), name
    with Sandbox() as sandbox:
        server = sandbox._server
        assert isinstance(server, QuickServer)
        assert {"should_exit", "force_exit", "server_state", "servers", "lifespan"} <= set(
            vars(server)
        )
        assert isinstance(server.server_state.connections, set)
        assert isinstance(server.server_state.tasks, set)


def test_a_stopped_sandbox_closed_its_keep_alive_connections_and_starts_again() -> None:
    sandbox = Sandbox().start()
    with httpx.Client() as http:
        url = f"{sandbox.auth_url.rstrip('/')}/healthz"
        assert http.get(url).status_code == 200  # a keep-alive connection stays open
        server = sandbox._server
        assert server is not None
        sandbox.stop()
        assert not server.server_state.connections and not server.server_state.tasks
        sandbox.start()
        try:
            assert http.get(f"{sandbox.auth_url.rstrip('/')}/healthz").status_code == 200
        finally:
            sandbox.stop()
