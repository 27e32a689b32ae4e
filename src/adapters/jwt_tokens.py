"""Access tokens as HS256 JWTs (PyJWT)."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import jwt

from gemini_core.errors import Unauthorized
from gemini_core.ports import IssuedToken, TokenClaims

_REQUIRED = ["sub", "exp", "iat", "iss", "aud", "ver"]


class JwtTokenIssuer:
    """Signs and checks access tokens.

    The algorithm is pinned: a token with ``alg: none`` or any other
    algorithm is refused, as is a wrong issuer or audience or a missing claim.
    ``ver`` carries the user's token version, checked against the stored
    one on every request, so revocation needs no token list. ``amr`` and
    ``auth_time`` (OpenID Connect's names) say how and when the holder last
    proved who they are.
    """

    ALGORITHM = "HS256"

    def __init__(
        self,
        secret: str,
        *,
        ttl_seconds: int,
        issuer: str = "gemini-clone",
        audience: str = "gemini-clone-api",
        now: Callable[[], float] = time.time,
        remember: int = 10_000,
    ) -> None:
        self._secret = secret
        self._ttl = ttl_seconds
        self._issuer = issuer
        self._audience = audience
        self._now = now
        self._remember = remember
        self._verified: OrderedDict[str, tuple[TokenClaims, float]] = OrderedDict()

    def issue(
        self,
        user_id: uuid.UUID,
        token_version: int,
        *,
        auth_methods: tuple[str, ...] = (),
        auth_time: datetime | None = None,
    ) -> IssuedToken:
        issued_at = int(self._now())
        claims: dict[str, Any] = {
            "sub": str(user_id),
            "iat": issued_at,
            "exp": issued_at + self._ttl,
            "iss": self._issuer,
            "aud": self._audience,
            "ver": token_version,
        }
        if auth_methods:
            claims["amr"] = list(auth_methods)
        if auth_time is not None:
            claims["auth_time"] = int(auth_time.timestamp())
        token = jwt.encode(claims, self._secret, algorithm=self.ALGORITHM)
        return IssuedToken(access_token=token, expires_in=self._ttl)

    def verify(self, token: str) -> TokenClaims:
        # A token's signature and claims never change, so a token verified
        # once is remembered until it expires: clients send the same token on
        # every request, and decoding it was a measurable share of a cached
        # read. Revocation is not affected: the token version is checked
        # against the user on every request by the caller.
        remembered = self._verified.get(token)
        if remembered is not None:
            claims, expires_at = remembered
            if self._now() < expires_at:
                return claims
            del self._verified[token]
        claims, expires_at = self._decode(token)
        if len(self._verified) >= self._remember:
            self._verified.popitem(last=False)
        self._verified[token] = (claims, expires_at)
        return claims

    def _decode(self, token: str) -> tuple[TokenClaims, float]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self.ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": _REQUIRED},
            )
            version = claims["ver"]
            if not _is_int(version):
                raise Unauthorized("the access token is invalid")
            return (
                TokenClaims(
                    user_id=uuid.UUID(claims["sub"]),
                    token_version=version,
                    expires_at=datetime.fromtimestamp(claims["exp"], UTC),
                    **_authentication(claims),
                ),
                float(claims["exp"]),
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized("the access token is invalid or expired") from exc


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _authentication(claims: dict[str, Any]) -> dict[str, Any]:
    """``amr`` and ``auth_time`` as the claims' fields; absent ones prove nothing."""
    methods = claims.get("amr", [])
    auth_time = claims.get("auth_time")
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        raise Unauthorized("the access token is invalid")
    if auth_time is not None and not _is_int(auth_time):
        raise Unauthorized("the access token is invalid")
    return {
        "auth_methods": tuple(methods),
        "auth_time": None if auth_time is None else datetime.fromtimestamp(auth_time, UTC),
    }
