"""A small scripted Hasura-like WebSocket server for the subscription client tests.

It speaks both subprotocols (``graphql-transport-ws`` and legacy ``graphql-ws``), serves one
streaming "table" (``rows``, cursor column ``seq``) and one live query over it, and can misbehave
on demand: a ping before the ack, dropping the socket after N messages, closing for JWT
expiry, or sending a scripted message instead of data.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

STREAM_FIELD = "dataSubjectsRightsRequestsStream"
LIVE_FIELD = "dataSubjectsRightsRequests"


@dataclass
class FakeHasura:
    subprotocols: tuple[str, ...] = ("graphql-transport-ws", "graphql-ws")
    ping_before_ack: bool = True
    drop_after: int | None = None
    """Abort the TCP connection after this many data messages on one socket."""
    expire_after: int | None = None
    """Close with a JWT-expired close after this many data messages on one socket."""
    script: list[dict[str, Any]] | None = None
    """Sent (as is) instead of serving the subscription; "{id}" in strings is replaced."""
    raw_script: list[str] | None = None
    refuse_with: object = None
    """Answer connection_init with connection_error carrying this payload."""
    forbid_connections: tuple[int, ...] = ()
    """Connections (1-based) whose connection_init is refused as Hasura refuses it on
    graphql-transport-ws: a keep-alive ping, then close 4403 with a JSON reason at once."""
    row_fields: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    inits: list[dict[str, Any]] = field(default_factory=list)
    chosen: list[str | None] = field(default_factory=list)
    subscribes: list[dict[str, Any]] = field(default_factory=list)
    client_messages: list[dict[str, Any]] = field(default_factory=list)
    close_codes: list[int | None] = field(default_factory=list)
    sent_data: int = 0
    connections: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    server: Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/v1/graphql"

    def add_rows(self, count: int) -> None:
        start = len(self.rows)
        for seq in range(start + 1, start + count + 1):
            self.rows.append({"seq": seq, **self.row_fields, "id": f"row-{seq}"})
        self.changed.set()

    async def _recv(self, ws: ServerConnection) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await ws.recv())
        self.client_messages.append(message)
        return message

    async def handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        self.chosen.append(ws.subprotocol)
        legacy = ws.subprotocol == "graphql-ws"
        try:
            init = await self._recv(ws)
            assert init["type"] == "connection_init"
            self.inits.append(init.get("payload") or {})
            if self.connections in self.forbid_connections and not legacy:
                await ws.send(json.dumps({"type": "ping", "payload": {"message": "keepalive"}}))
                await ws.close(4403, '{"server_error_msg":"4403: Forbidden"}')
                return
            if self.refuse_with is not None:
                message = {"type": "connection_error", "payload": self.refuse_with}
                await ws.send(json.dumps(message))
                await ws.close(1011)
                return
            if self.ping_before_ack and not legacy:
                await ws.send(json.dumps({"type": "ping"}))
                pong = await self._recv(ws)
                assert pong["type"] == "pong", pong
            await ws.send(json.dumps({"type": "connection_ack"}))
            if legacy:
                await ws.send(json.dumps({"type": "ka"}))
            sub = await self._recv(ws)
            assert sub["type"] == ("start" if legacy else "subscribe"), sub
            self.subscribes.append(sub["payload"])
            sub_id = sub["id"]
            if self.raw_script is not None:
                for text in self.raw_script:
                    await ws.send(text.replace("{id}", sub_id))
                await self._drain(ws)
                return
            if self.script is not None:
                for message in self.script:
                    await ws.send(json.dumps(message).replace("{id}", sub_id))
                await self._drain(ws)
                return
            await self._serve(ws, sub_id, sub["payload"], legacy)
        except ConnectionClosed:
            pass
        finally:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ws.wait_closed(), 2)
            self.close_codes.append(ws.close_code)

    async def _drain(self, ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await self._recv(ws)

    async def _serve(
        self, ws: ServerConnection, sub_id: str, payload: dict[str, Any], legacy: bool
    ) -> None:
        variables = payload.get("variables") or {}
        cursor = variables.get("cursor")
        batch = int(variables.get("batchSize") or 100)
        after = int(cursor[0]["initial_value"]["seq"]) if cursor else None
        sent_here = 0
        kind = "data" if legacy else "next"
        listener = asyncio.ensure_future(self._client_done(ws))
        try:
            while not listener.done():
                if after is not None:
                    pending = [r for r in self.rows if r["seq"] > after][:batch]
                    data = {STREAM_FIELD: pending}
                else:
                    pending = list(self.rows)
                    data = {LIVE_FIELD: pending}
                self.changed.clear()
                if pending or after is None:
                    if self.drop_after is not None and sent_here >= self.drop_after:
                        ws.transport.abort()
                        return
                    if self.expire_after is not None and sent_here >= self.expire_after:
                        await ws.close(4400, "Could not verify JWT: JWTExpired")
                        return
                    message = {"id": sub_id, "type": kind, "payload": {"data": data}}
                    await ws.send(json.dumps(message))
                    sent_here += 1
                    self.sent_data += 1
                    if after is not None:
                        after = pending[-1]["seq"]
                    if after is not None and len(pending) == batch:
                        continue  # more may be waiting
                changed = asyncio.ensure_future(self.changed.wait())
                await asyncio.wait({changed, listener}, return_when=asyncio.FIRST_COMPLETED)
                changed.cancel()
        finally:
            listener.cancel()

    async def _client_done(self, ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                message = await self._recv(ws)
                if message["type"] in ("complete", "stop", "connection_terminate"):
                    return


@contextlib.asynccontextmanager
async def fake_hasura(**options: Any) -> AsyncIterator[FakeHasura]:
    fake = FakeHasura(**options)
    async with serve(
        fake.handler,
        "127.0.0.1",
        0,
        subprotocols=[Subprotocol(p) for p in fake.subprotocols],
        compression=None,  # so big test payloads really are big on the wire
    ) as server:
        fake.server = server
        yield fake
