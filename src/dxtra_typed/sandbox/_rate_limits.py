"""hasura-auth's rate limits, opt-in: ``Sandbox(rate_limits="nhost")``, ``--rate-limits nhost``.

Taken from the Go service (nhost/hasura-auth ``go/middleware/ratelimit/rate_limit.go`` and
``sliding_window.go``, now nhost/nhost ``services/auth/go/middleware/ratelimit/``; defaults from
``go/cmd/serve.go``). It is a gin middleware in front of every auth route, keyed by the client
IP, and each limit is a *sliding-window estimate* (lua-resty-global-throttle's algorithm), not a
token bucket: a request is allowed while ``floor(previous_window_count / window *
time_left_in_window) + current_window_count < limit``, windows aligned to the Unix epoch, and
only allowed requests are counted. So after a burst the allowance comes back gradually, about
one request per ``window / limit`` as the previous window's weight decays.

Order, as upstream: the global limit first (every route; a refusal ends there), then the
route's own limit (sign-in and anything ending in ``/verify`` or ``/otp``: brute force; sign-up;
e-mail and SMS senders). A refusal is ``AbortWithStatus(429)``: status 429, an empty body, no
``Retry-After`` and no content type. Paths are matched after the API prefix (``/v1``) is cut.
Hasura's ``/v1/graphql`` is not the auth service and is never limited.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

API_PREFIX: Final = "/v1"
GRAPHQL_PATH: Final = "/v1/graphql"
PRESETS: Final = ("nhost",)

_EMAIL_PATHS: Final = frozenset(
    {
        "/elevate/otp/email",
        "/signin/passwordless/email",
        "/signin/otp/email",
        "/signup/passwordless/email",
        "/signup/otp/email",
        "/user/email/change",
        "/user/password/reset",
    }
)
_SMS_PATHS: Final = frozenset({"/signin/passwordless/sms", "/signup/passwordless/sms"})


def _brute_force(path: str) -> bool:
    return (
        path.startswith(("/signin", "/elevate"))
        or path.endswith(("/verify", "/otp"))
        or path in ("/oauth2/authorize", "/oauth2/login")
    )


@dataclass(frozen=True)
class Limit:
    """One of hasura-auth's limits: ``limit`` requests per ``window`` seconds per client IP."""

    name: str
    limit: int
    window: float
    applies: Callable[[str], bool]


def nhost_limits() -> tuple[Limit, ...]:
    """hasura-auth's defaults (``AUTH_RATE_LIMIT_*``), in the order the middleware checks them."""
    return (
        Limit("global", 100, 60.0, lambda path: True),
        Limit("email", 10, 3600.0, lambda path: path in _EMAIL_PATHS),
        Limit("sms", 10, 3600.0, lambda path: path in _SMS_PATHS),
        Limit("brute-force", 10, 300.0, _brute_force),
        Limit("signups", 10, 300.0, lambda path: path.startswith("/signup")),
    )


class SlidingWindow:
    """Upstream's ``SlidingWindow.Allow`` over an in-memory store, on an injectable clock."""

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and a positive window")
        self.limit = limit
        self.window_ms = int(window * 1000)
        self._counts: dict[tuple[int, str], int] = {}

    def allow(self, key: str, now: float) -> bool:
        now_ms = int(now * 1000)
        index = now_ms // self.window_ms
        remaining = self.window_ms - now_ms % self.window_ms
        count = self._counts.get((index, key), 0)
        previous = min(self._counts.get((index - 1, key), 0), self.limit) / self.window_ms
        # The estimate is never negative, so this also refuses a full current window (upstream
        # checks that first, and re-checks after its store's increment; under the lock a
        # counted request is always within the limit).
        if math.floor(previous * remaining) + count >= self.limit:
            return False
        self._prune(index)
        self._counts[(index, key)] = count + 1
        return True

    def _prune(self, index: int) -> None:
        # Upstream's entries expire after two windows.
        if len(self._counts) > 1024:
            self._counts = {k: v for k, v in self._counts.items() if k[0] >= index - 1}


class RateLimiter:
    """The sandbox's rate limiting: counts per client IP, and what it refused.

    ``refused`` counts 429s by limit name; ``clients`` counts HTTP requests (GraphQL included)
    by client IP, so a test can check that two loopback addresses really were two clients.
    """

    def __init__(
        self, limits: tuple[Limit, ...], *, clock: Callable[[], float] = time.time
    ) -> None:
        self.limits = limits
        self.clock = clock
        self._windows = {limit.name: SlidingWindow(limit.limit, limit.window) for limit in limits}
        self._lock = threading.Lock()
        self.refused: Counter[str] = Counter()
        self.clients: Counter[str] = Counter()

    @classmethod
    def preset(cls, name: str, *, clock: Callable[[], float] = time.time) -> RateLimiter:
        if name != "nhost":
            raise ValueError(f"unknown rate-limit preset {name!r} (known: {', '.join(PRESETS)})")
        return cls(nhost_limits(), clock=clock)

    def __repr__(self) -> str:
        return f"RateLimiter(refused={dict(self.refused)})"

    def check(self, path: str, client: str) -> str | None:
        """The name of the limit that refuses this request, or None (and count it)."""
        route = path.removeprefix(API_PREFIX)
        with self._lock:
            now = self.clock()
            for limit in self.limits:
                if limit.applies(route) and not self._windows[limit.name].allow(client, now):
                    self.refused[limit.name] += 1
                    return limit.name
        return None

    def reset(self) -> None:
        with self._lock:
            self._windows = {lim.name: SlidingWindow(lim.limit, lim.window) for lim in self.limits}
            self.refused.clear()
            self.clients.clear()

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """ASGI middleware in front of the auth routes."""

        async def limited(scope: Scope, receive: Receive, send: Send) -> None:
            client = scope.get("client")
            address = client[0] if client else ""
            if scope["type"] == "http":
                with self._lock:
                    self.clients[address] += 1
            if (
                scope["type"] == "http"
                and scope["path"] != GRAPHQL_PATH
                and self.check(scope["path"], address) is not None
            ):
                # gin's AbortWithStatus(429): no body, so Go sends Content-Length: 0.
                await send(
                    {
                        "type": "http.response.start",
                        "status": 429,
                        "headers": [(b"content-length", b"0")],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
            await app(scope, receive, send)

        return limited
