"""A tiny HTTP server on 127.0.0.1 that answers exactly what a test scripts.

The sandbox plays Dxtra faithfully; this plays the exact failure shapes a test needs (a body
Hasura would never send, a Retry-After date, a numeric literal with 17 significant digits),
over a real socket, with per-path counters.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict[str, Any] = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if isinstance(self.body, dict):
            return json.dumps(self.body).encode()
        return self.body.encode() if isinstance(self.body, str) else self.body


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Seen], Reply]


def session_reply(ttl: int = 3600, refresh: str = "r-1", *, bare: bool = False) -> Reply:
    """A Nhost /v1/signin/pat answer (or, ``bare``, a /v1/token one) with a fresh JWT."""
    now = int(time.time())
    token = jwt.encode({"sub": "u", "iat": now, "exp": now + ttl}, "k" * 32, algorithm="HS256")
    session = {"accessToken": token, "accessTokenExpiresIn": ttl, "refreshToken": refresh}
    return Reply(body=session if bare else {"session": session})


class CannedServer:
    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.counts: Counter[str] = Counter()
        self.seen: list[Seen] = []
        outer = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                seen = Seen(self.path, dict(self.headers.items()), self.rfile.read(length))
                outer.counts[self.path] += 1
                outer.seen.append(seen)
                handler = outer.routes.get(self.path)
                reply = handler(seen) if handler else Reply(404, {"error": "route-not-found"})
                payload = reply.encoded()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST  # same routing; a GET simply has no body

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> CannedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def canned(routes: dict[str, Handler]) -> Iterator[CannedServer]:
    with CannedServer(routes) as server:
        yield server
