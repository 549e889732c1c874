"""The token renewal flow itself, driven by hand: its rules tested once, in one place.

``_TokenCacheBase._renewal`` is the whole renewal (single-flight re-check, the shared store's
protocol, refresh-then-PAT fallback, retries, keep-serving after a failure) written as a
generator of effects. Here each effect is answered from a script instead of a network, a
sleep or a thread, so a rule is checked without the sync and async drivers, which the
sandbox-backed tests (test_resilience, test_token_store, tests/fleet) exercise.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from dxtra_typed import (
    APIConnectionError,
    AuthenticationError,
    FileTokenStore,
    InternalServerError,
)
from dxtra_typed._access_token import AccessToken
from dxtra_typed._auth import (
    RENEWAL_BACKOFF_SECONDS,
    _Effect,
    _Flow,
    _Send,
    _Sleep,
    _StoreCall,
    _TokenCacheBase,
)
from dxtra_typed._retry import RetryPolicy
from dxtra_typed._secret import Secret

AUTH = "http://127.0.0.1:1"
PAT = Secret("3d1f5a7e-0c8b-4e5f-a1b2-c3d4e5f60718")
NOW = 1_900_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def _jwt(exp: float) -> str:
    return jwt.encode({"exp": int(exp), "sub": "x"}, "k" * 32, algorithm="HS256")


def _session(access: str, refresh: str, *, wrapped: bool) -> dict[str, Any]:
    session = {"accessToken": access, "accessTokenExpiresIn": 900, "refreshToken": refresh}
    return {"session": session} if wrapped else session


def _answer(request: httpx.Request, status: int, body: object) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), request=request)


def _ending(seconds: float, refresh: str | None = None) -> AccessToken:
    """A token issued 15 minutes ago that expires in ``seconds`` (so already due for renewal
    when that is under a minute)."""
    return AccessToken(
        Secret(_jwt(NOW + seconds)),
        issued_at=NOW - 900,
        expires_at=NOW + seconds,
        refresh_token=Secret(refresh) if refresh else None,
    )


Answer = Callable[[_Effect], Any]


def drive(flow: _Flow[Secret], answer: Answer) -> tuple[list[_Effect], Secret]:
    """Run ``flow`` to its end, each effect answered by ``answer`` (whose exception is thrown
    into the flow, as the drivers do). The effects seen, and what the flow returned."""
    seen: list[_Effect] = []
    advance: Callable[[Any], _Effect] = flow.send
    result: Any = None
    while True:
        try:
            effect = advance(result)
        except StopIteration as stop:
            return seen, stop.value
        seen.append(effect)
        try:
            result, advance = answer(effect), flow.send
        except BaseException as exc:
            result, advance = exc, flow.throw


def _what(effects: list[_Effect]) -> list[str]:
    """Effects as words: ``send /v1/token``, ``sleep``, ``store load``."""
    words = []
    for effect in effects:
        if isinstance(effect, _Send):
            words.append(f"send {effect.request.url.path}")
        elif isinstance(effect, _Sleep):
            words.append("sleep")
        else:
            words.append(f"store {effect.op}")
    return words


def _cache(clock: Clock, **kw: Any) -> _TokenCacheBase:
    cache = _TokenCacheBase(AUTH, PAT, clock=clock, **kw)
    cache._random = lambda: 0.5
    return cache


def test_a_fresh_token_is_served_without_an_effect() -> None:
    """The re-check under the lock: a waiter finds the token the lock's holder renewed."""
    cache = _cache(Clock())
    held = cache._store(_ending(600))
    effects, token = drive(cache._renewal(), lambda effect: pytest.fail(f"{effect} performed"))
    assert effects == [] and token is held
    assert cache.exchanges == 0


def test_a_refused_refresh_falls_back_to_the_pat() -> None:
    cache = _cache(Clock())
    cache._store(_ending(30, refresh="refresh-1"))
    renewed = _jwt(NOW + 900)

    def answer(effect: _Effect) -> Any:
        assert isinstance(effect, _Send)
        body = json.loads(effect.request.content)
        if effect.request.url.path == "/v1/token":
            assert body == {"refreshToken": "refresh-1"}
            return _answer(effect.request, 401, {"error": "invalid-refresh-token"})
        assert body == {"personalAccessToken": PAT.reveal()}
        return _answer(effect.request, 200, _session(renewed, "refresh-2", wrapped=True))

    effects, token = drive(cache._renewal(), answer)
    assert _what(effects) == ["send /v1/token", "send /v1/signin/pat"]  # a 401 is not retried
    assert token.reveal() == renewed and cache._fresh() == token
    assert (cache.refreshes, cache.signins) == (1, 1)
    assert cache._refresh_token == Secret("refresh-2")


def test_a_refresh_that_never_left_is_retried_and_one_that_may_have_is_not() -> None:
    """A refresh token rotates when used: resent only if it provably never reached the
    server; after a dropped connection the flow signs in instead of spending it twice."""
    cache = _cache(Clock())
    cache._store(_ending(30, refresh="refresh-1"))
    renewed = _jwt(NOW + 900)
    refreshes = iter(
        [
            httpx.ConnectError("refused"),  # never sent: retried
            httpx.RemoteProtocolError("dropped"),  # may have been used: not retried
        ]
    )

    def answer(effect: _Effect) -> Any:
        if isinstance(effect, _Sleep):
            return None
        assert isinstance(effect, _Send)
        if effect.request.url.path == "/v1/token":
            return next(refreshes)
        return _answer(effect.request, 200, _session(renewed, "refresh-2", wrapped=True))

    effects, token = drive(cache._renewal(), answer)
    assert _what(effects) == ["send /v1/token", "sleep", "send /v1/token", "send /v1/signin/pat"]
    assert token.reveal() == renewed
    assert (cache.refreshes, cache.signins) == (1, 1)


def test_a_failed_renewal_keeps_serving_a_still_valid_token_for_a_while() -> None:
    clock = Clock()
    cache = _cache(clock, policy=RetryPolicy(max_retries=2))
    current = cache._store(_ending(30))

    def answer(effect: _Effect) -> Any:
        if isinstance(effect, _Sleep):
            assert effect.seconds > 0
            return None
        assert isinstance(effect, _Send)
        return _answer(effect.request, 503, {"error": "unavailable"})

    effects, token = drive(cache._renewal(), answer)
    assert _what(effects) == ["send /v1/signin/pat", "sleep"] * 2 + ["send /v1/signin/pat"]
    assert token is current
    # Served without a new attempt until the backoff ends, then renewed again.
    clock.now += RENEWAL_BACKOFF_SECONDS - 0.01
    assert cache._fresh() is current
    clock.now += 0.01
    assert cache._fresh() is None
    effects, _ = drive(cache._renewal(), answer)
    assert _what(effects)[0] == "send /v1/signin/pat"


@pytest.mark.parametrize(
    ("remaining", "status", "error"),
    [
        (30, 401, AuthenticationError),  # a refused key is never papered over
        (-1, 503, InternalServerError),  # an expired token is not served
    ],
)
def test_a_failed_renewal_is_raised_when_the_token_may_not_be_served(
    remaining: float, status: int, error: type[Exception]
) -> None:
    cache = _cache(Clock(), policy=RetryPolicy(max_retries=0))
    cache._store(_ending(remaining))

    def answer(effect: _Effect) -> Any:
        assert isinstance(effect, _Send)
        return _answer(effect.request, status, {"error": "no"})

    with pytest.raises(error) as raised:
        drive(cache._renewal(), answer)
    assert PAT.reveal() not in str(raised.value)
    assert cache._fresh() is None


def test_a_transport_failure_without_a_token_is_raised() -> None:
    cache = _cache(Clock(), policy=RetryPolicy(max_retries=0))

    def answer(effect: _Effect) -> Any:
        assert isinstance(effect, _Send)
        return httpx.ConnectError("refused")

    with pytest.raises(APIConnectionError, match="could not reach the auth service"):
        drive(cache._renewal(), answer)
    assert cache.signins == 1


# --- with a shared store --------------------------------------------------------------------


def _shared(clock: Clock, tmp_path: Path) -> _TokenCacheBase:
    return _cache(clock, store=FileTokenStore(tmp_path / "dxtra-token"))


def _locked(tmp_path: Path) -> bool:
    """Does anyone hold the file store's renewal lock (asked without waiting for it)?"""
    fd = os.open(FileTokenStore(tmp_path / "dxtra-token").lock_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _store_then(send: Answer) -> Answer:
    """Store calls performed for real (a file store in tmp_path); sends answered by ``send``."""

    def answer(effect: _Effect) -> Any:
        return effect.call() if isinstance(effect, _StoreCall) else send(effect)

    return answer


def test_with_a_store_the_renewal_runs_under_its_lock_and_is_saved_for_the_others(
    tmp_path: Path,
) -> None:
    clock = Clock()
    cache = _shared(clock, tmp_path)
    renewed = _jwt(NOW + 900)

    def send(effect: _Effect) -> Any:
        assert isinstance(effect, _Send)
        assert _locked(tmp_path)
        return _answer(effect.request, 200, _session(renewed, "refresh-2", wrapped=True))

    effects, token = drive(cache._renewal(), _store_then(send))
    assert not _locked(tmp_path)
    assert _what(effects) == [
        "store load",  # adopt what another process stored (nothing)
        "store acquire",
        "store load",  # re-read under the lock: someone may have renewed meanwhile
        "send /v1/signin/pat",
        "store save",
        "store release",
    ]
    assert token.reveal() == renewed
    # Another process's cache adopts it from the store without an exchange.
    other = _shared(clock, tmp_path)
    effects, adopted = drive(other._renewal(), _store_then(lambda e: pytest.fail("sent")))
    assert _what(effects) == ["store load"] and adopted == token
    assert other.exchanges == 0 and other._refresh_token == Secret("refresh-2")


def test_with_a_store_the_refused_jwt_is_not_adopted_back_but_its_refresh_token_is(
    tmp_path: Path,
) -> None:
    clock = Clock()
    cache = _shared(clock, tmp_path)
    assert cache._slot is not None
    stored = _ending(600, refresh="refresh-1")
    cache._slot.save(stored)
    cache._drop(stored.token)  # the API refused it
    renewed = _jwt(NOW + 900)

    def send(effect: _Effect) -> Any:
        assert isinstance(effect, _Send) and effect.request.url.path == "/v1/token"
        assert json.loads(effect.request.content) == {"refreshToken": "refresh-1"}
        return _answer(effect.request, 200, _session(renewed, "refresh-2", wrapped=False))

    effects, token = drive(cache._renewal(), _store_then(send))
    assert _what(effects) == [
        "store load",
        "store acquire",
        "store load",
        "send /v1/token",
        "store save",
        "store release",
    ]
    assert token.reveal() == renewed and cache.refreshes == 1


def test_with_a_store_an_interrupted_renewal_still_releases_its_lock(tmp_path: Path) -> None:
    """A cancellation (or any exception) thrown in while the exchange is in flight: the flow
    asks for the release before the exception leaves it."""
    cache = _shared(Clock(), tmp_path)

    def send(effect: _Effect) -> Any:
        raise KeyboardInterrupt

    seen: list[_Effect] = []

    def answer(effect: _Effect) -> Any:
        seen.append(effect)
        return _store_then(send)(effect)

    with pytest.raises(KeyboardInterrupt):
        drive(cache._renewal(), answer)
    assert _what(seen)[-2:] == ["send /v1/signin/pat", "store release"]
    assert not _locked(tmp_path)


def test_with_a_store_a_failed_renewal_keeps_serving_and_saves_nothing(tmp_path: Path) -> None:
    cache = _shared(Clock(), tmp_path)
    cache._policy = RetryPolicy(max_retries=0)
    current = cache._store(_ending(30))

    def send(effect: _Effect) -> Any:
        assert isinstance(effect, _Send)
        return _answer(effect.request, 502, {"error": "bad gateway"})

    effects, token = drive(cache._renewal(), _store_then(send))
    assert token is current
    assert "store save" not in _what(effects) and _what(effects)[-1] == "store release"
    assert cache._slot is not None and cache._slot.load() is None
