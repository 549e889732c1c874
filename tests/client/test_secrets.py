"""Canary: neither the PAT nor any JWT shows up in logs, reprs, errors or output.

Every logger is turned up to DEBUG (httpx and httpcore included), the client is driven through
success, refusal, a bad key and a token replay, and everything a crash reporter or a log
shipper could see is searched for the secrets.
"""

from __future__ import annotations

import logging
import time
import traceback

import pytest

from dxtra_typed import AsyncDxtraClient, DxtraClient, DxtraError
from dxtra_typed.sandbox import Sandbox

CANARY_PAT = "ca11ab1e-0000-4000-8000-00000000ca11"
WRONG_PAT = "0ddba11-0000-4000-8000-0000000000ff".replace("0ddba11", "0ddba110")


def _texts_of(exc: BaseException) -> list[str]:
    texts = [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(exc))]
    for attr in ("body", "errors", "data", "message"):
        texts.append(repr(getattr(exc, attr, None)))
    return texts


async def test_no_secret_in_logs_reprs_errors_or_output(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    jwts: list[str] = []
    offset = [0.0]
    with Sandbox(pat=CANARY_PAT, clock=lambda: time.time() + offset[0]) as sb:
        common = {"auth_url": sb.auth_url, "api_url": sb.api_url, "env": {}}
        with DxtraClient(api_key=CANARY_PAT, **common) as client:  # type: ignore[arg-type]
            client.data_controllers()
            offset[0] = 7200.0  # the server now rejects the JWT: refresh and replay
            client.data_controllers()
            seen += [repr(client), str(client), repr(client.config), repr(client._auth)]
            assert client._tokens is not None and client._tokens._token is not None
            jwts.append(client._tokens._token.token.reveal())
            seen.append(repr(client._tokens._token))
        with (
            DxtraClient(api_key=CANARY_PAT, role="dataSubject", **common) as denied_client,  # type: ignore[arg-type]
            pytest.raises(DxtraError) as denied,
        ):
            denied_client.data_controllers()
        seen += _texts_of(denied.value)
        async with AsyncDxtraClient(api_key=CANARY_PAT, **common) as aclient:  # type: ignore[arg-type]
            await aclient.data_controllers()
            assert aclient._tokens is not None and aclient._tokens._token is not None
            jwts.append(aclient._tokens._token.token.reveal())
            seen += [repr(aclient), repr(aclient.config)]
        with DxtraClient(api_key=WRONG_PAT, **common) as bad, pytest.raises(DxtraError) as refused:  # type: ignore[arg-type]
            bad.data_controllers()
        seen += _texts_of(refused.value)
        async with AsyncDxtraClient(api_key=WRONG_PAT, **common) as abad:  # type: ignore[arg-type]
            with pytest.raises(DxtraError) as arefused:
                await abad.data_controllers()
        seen += _texts_of(arefused.value)
        malformed_key = f"{CANARY_PAT}-tail"
        with (
            DxtraClient(api_key=malformed_key, **common) as odd,  # type: ignore[arg-type]
            pytest.raises(DxtraError) as malformed,
        ):
            odd.data_controllers()
        seen += _texts_of(malformed.value)
        seen += [repr(r) for r in sb.requests.snapshot()]

    for record in caplog.records:
        seen += [record.getMessage(), repr(record.args), record.exc_text or ""]
    captured = capsys.readouterr()
    seen += [captured.out, captured.err]

    assert caplog.records, "DEBUG logging produced nothing: the canary would prove nothing"
    assert len(jwts) == 2 and all(jwts)
    blob = "\n".join(seen)
    for secret in (CANARY_PAT, WRONG_PAT, *jwts):
        assert secret not in blob
    # Not vacuous: the canary key really was exchanged (and the wrong one refused), and the
    # JWTs really were issued, so every path above carried the secrets.
    assert sb.stats.signin_pat >= 4 and sb.stats.token_refresh >= 1
