"""A canned-response HTTP/1.1 server for the benchmarks: fixed bytes, no GraphQL execution.

Run as its own process (``python bench/canned_server.py``) so the server never competes with the
measured client for the GIL; it prints its port on stdout. Routes (any method):

- ``/v1/signin/pat``: a Nhost session with an (unsigned) JWT valid for an hour, after 20 ms
  (so a thundering herd of cold calls has time to pile up behind one exchange);
- ``/v1/stats``: ``{"signins": n, "requests": n}``;
- a path containing ``large``: ``{"data": {"dataSubjects": [...10,000 rows]}}``;
- anything else: the same with 3 rows.

Keep-alive (HTTP/1.1 default; ``Connection: close`` honoured) and TCP_NODELAY on the listening
socket (accepted sockets inherit it on Linux): without it every keep-alive response waits ~40 ms
for the client's delayed ACK.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import sys
import time
import uuid
from typing import Any

CONTROLLER_ID = "7b0c1d5e-0000-4000-8000-000000000001"


def rows(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.UUID(int=0x5EED0000000040008000000000000000 + i)),
            "did": f"did:dxtra:subject-{i:06d}",
            "createdAt": (
                f"2026-0{1 + i % 9}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:07.123456+00:00"
            ),
        }
        for i in range(n)
    ]


def body_for(n: int) -> bytes:
    return json.dumps({"data": {"dataSubjects": rows(n)}}, separators=(",", ":")).encode()


SMALL = body_for(3)
LARGE = body_for(10_000)


def _b64(part: dict[str, Any]) -> str:
    raw = json.dumps(part, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def session_body() -> bytes:
    now = int(time.time())
    claims = {"sub": "bench", "iat": now, "exp": now + 3600}
    token = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}.c2ln"
    session = {
        "session": {
            "accessToken": token,
            "accessTokenExpiresIn": 3600,
            "refreshToken": "bench-refresh",
        }
    }
    return json.dumps(session).encode()


def response(body: bytes, close: bool) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\n"
        "content-type: application/json; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\n"
        f"connection: {'close' if close else 'keep-alive'}\r\n\r\n"
    )
    return head.encode() + body


class Stats:
    signins = 0
    requests = 0


class Handler(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            lines = head.split("\r\n")
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:])
            }
            length = int(headers.get("content-length", "0"))
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            path = lines[0].split(" ")[1]
            close = headers.get("connection", "").lower() == "close"
            self.answer(path, close)
            if close:
                return

    def answer(self, path: str, close: bool) -> None:
        Stats.requests += 1
        if path.endswith("/v1/signin/pat"):
            Stats.signins += 1
            asyncio.get_running_loop().call_later(0.02, self.send, session_body(), close)
            return
        if path.endswith("/v1/stats"):
            stats = {"signins": Stats.signins, "requests": Stats.requests}
            self.send(json.dumps(stats).encode(), close)
            return
        self.send(LARGE if "large" in path else SMALL, close)

    def send(self, body: bytes, close: bool) -> None:
        if self.transport.is_closing():
            return
        self.transport.write(response(body, close))
        if close:
            self.transport.close()


async def serve() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    server = await asyncio.get_running_loop().create_server(Handler, sock=sock, backlog=2048)
    print(sock.getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        sys.exit(0)
