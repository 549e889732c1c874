"""Access tokens as Nhost hasura-auth mints them and Hasura (JWT mode, HS256) checks them.

Minting and checking live together so the two halves of the sandbox can never disagree about the
secret, the issuer or the claims namespace. Time comes from an injected clock, and pyjwt's own
time checks are switched off, so tests can expire a token by moving the clock instead of
sleeping; the checks are redone here with zero skew, as Hasura does by default.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

CLAIMS_NAMESPACE = "https://hasura.io/jwt/claims"
ISSUER = "hasura-auth"
ALGORITHM = "HS256"
DEFAULT_ACCESS_TOKEN_TTL = 3600  # Dxtra documents 1 h (Nhost's own default is 900 s).

Clock = Callable[[], float]


@dataclass(frozen=True)
class Identity:
    """Who a token speaks for; the same facts Nhost copies from auth.users into the claims."""

    user_id: str
    default_role: str
    roles: tuple[str, ...]
    is_anonymous: bool = False

    @property
    def allowed_roles(self) -> list[str]:
        # Nhost puts the default role into the allowed roles even when it is not in `roles`.
        allowed = list(self.roles)
        if self.default_role not in allowed:
            allowed.append(self.default_role)
        return allowed


class TokenRejected(Exception):
    """A token Hasura would refuse; carries Hasura's error code and exact message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class VerifiedClaims:
    """The session facts Hasura reads from a verified token's claims namespace."""

    user_id: str | None
    default_role: str
    allowed_roles: tuple[str, ...]


class TokenIssuer:
    """One signing secret per sandbox, so tokens from one sandbox are forged in another."""

    def __init__(
        self,
        *,
        secret: bytes | None = None,
        access_token_ttl: int = DEFAULT_ACCESS_TOKEN_TTL,
        clock: Clock | None = None,
        issuer: str = ISSUER,
    ) -> None:
        # 32 bytes: pyjwt warns about shorter HMAC keys, and warnings are errors under pytest.
        self.secret = secret if secret is not None else secrets.token_bytes(32)
        self.access_token_ttl = access_token_ttl
        self.clock: Clock = clock if clock is not None else time.time
        self.issuer = issuer
        # Digests (never the tokens) of what mint() issued, so expire_issued() can retire them
        # without adding a claim Nhost does not issue.
        self._lock = threading.Lock()
        self._issued: dict[bytes, float] = {}
        self._expired: set[bytes] = set()

    def __repr__(self) -> str:
        return f"TokenIssuer(issuer={self.issuer!r}, access_token_ttl={self.access_token_ttl})"

    def claims_for(self, identity: Identity, *, ttl: int | None = None) -> dict[str, Any]:
        """The claim set Nhost would sign, exposed so tests can tamper with a copy."""
        iat = int(self.clock())
        return {
            "sub": identity.user_id,
            "iat": iat,
            "exp": iat + (self.access_token_ttl if ttl is None else ttl),
            "iss": self.issuer,
            CLAIMS_NAMESPACE: {
                "x-hasura-allowed-roles": identity.allowed_roles,
                "x-hasura-default-role": identity.default_role,
                "x-hasura-user-id": identity.user_id,
                "x-hasura-user-is-anonymous": "true" if identity.is_anonymous else "false",
            },
        }

    def sign(self, claims: Mapping[str, Any], *, secret: bytes | None = None) -> str:
        return jwt.encode(dict(claims), self.secret if secret is None else secret, ALGORITHM)

    def mint(self, identity: Identity, *, ttl: int | None = None) -> str:
        claims = self.claims_for(identity, ttl=ttl)
        token = self.sign(claims)
        with self._lock:
            if len(self._issued) >= 4096:
                # Tokens past `exp` are refused anyway; forgetting them bounds the memory.
                now = self.clock()
                self._issued = {d: exp for d, exp in self._issued.items() if exp >= now}
            digest = _digest(token)
            self._issued[digest] = claims["exp"]
            # Same claims in the same second sign to the same string (Nhost adds no jti): a
            # token issued again after expire_issued() is a new issue and valid again.
            self._expired.discard(digest)
        return token

    def expire_issued(self) -> int:
        """Make every token minted so far fail as `JWTExpired`; returns how many were live."""
        with self._lock:
            n = len(self._issued)
            self._expired.update(self._issued)
            self._issued.clear()
            return n

    def verify(self, token: str) -> VerifiedClaims:
        """Check a token in the order Hasura's jose does: structure, signature, exp, iss, claims."""
        claims = self._decode(token)
        exp = claims.get("exp")
        expired = isinstance(exp, int | float) and not isinstance(exp, bool) and self.clock() > exp
        if not expired:
            with self._lock:
                expired = _digest(token) in self._expired
        if expired:
            raise TokenRejected("invalid-jwt", "Could not verify JWT: JWTExpired")
        # jose only checks `iss` when the token carries one; Hasura is configured with our issuer.
        if "iss" in claims and claims["iss"] != self.issuer:
            raise TokenRejected("invalid-jwt", "Could not verify JWT: JWTNotInIssuer")
        return _session_claims(claims)

    def _decode(self, token: str) -> dict[str, Any]:
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenRejected(
                "invalid-jwt",
                "Could not verify JWT: JWSError (CompactDecodeError Invalid number of parts: "
                f"Expected 3 parts; got {len(parts)})",
            )
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise _malformed() from None
        if header.get("alg") != ALGORITHM:
            raise TokenRejected("invalid-jwt", "Could not verify JWT: JWSError NoUsableKeys")
        try:
            decoded: dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_iss": False,
                    "verify_aud": False,
                    "verify_sub": False,
                    "verify_jti": False,
                    "require": [],
                },
            )
        except jwt.InvalidSignatureError:
            raise TokenRejected(
                "invalid-jwt", "Could not verify JWT: JWSError JWSInvalidSignature"
            ) from None
        except (jwt.DecodeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError):
            raise _malformed() from None
        return decoded


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _malformed() -> TokenRejected:
    return TokenRejected(
        "invalid-jwt",
        'Could not verify JWT: JWSError (CompactDecodeError "Error in $: Failed reading: '
        'not a valid json value")',
    )


def _session_claims(claims: Mapping[str, Any]) -> VerifiedClaims:
    namespace = claims.get(CLAIMS_NAMESPACE)
    if not isinstance(namespace, Mapping):
        raise TokenRejected("jwt-invalid-claims", f"Claims key: '{CLAIMS_NAMESPACE}' not found")
    # Hasura treats session variable names case-insensitively.
    session = {str(k).lower(): v for k, v in namespace.items()}
    if "x-hasura-allowed-roles" not in session:
        raise TokenRejected(
            "jwt-missing-role-claims", "JWT claim does not contain x-hasura-allowed-roles"
        )
    allowed = session["x-hasura-allowed-roles"]
    if not _is_str_list(allowed):
        raise TokenRejected(
            "jwt-invalid-claims", "invalid x-hasura-allowed-roles; should be a list of roles"
        )
    if "x-hasura-default-role" not in session:
        raise TokenRejected(
            "jwt-missing-role-claims", "JWT claim does not contain x-hasura-default-role"
        )
    default = session["x-hasura-default-role"]
    if not isinstance(default, str):
        raise TokenRejected("jwt-invalid-claims", "invalid x-hasura-default-role; should be a role")
    user_id = session.get("x-hasura-user-id")
    return VerifiedClaims(
        user_id=user_id if isinstance(user_id, str) else None,
        default_role=default,
        allowed_roles=tuple(allowed),
    )


def _is_str_list(value: object) -> bool:
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and all(isinstance(v, str) for v in value)
    )
