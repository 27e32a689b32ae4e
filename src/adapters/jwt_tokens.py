"""Access tokens as HS256 JWTs (PyJWT)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import jwt

from gemini_core.errors import Unauthorized
from gemini_core.ports import IssuedToken, TokenClaims

_REQUIRED = ["sub", "exp", "iat", "iss", "aud", "ver"]


class JwtTokenIssuer:
    """Signs and checks access tokens.

    The algorithm is pinned: a token with ``alg: none`` or any other
    algorithm is refused, as is a wrong issuer or audience or a missing claim.
    ``ver`` carries the user's token version, checked against the stored
    one on every request, so revocation needs no token list.
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
    ) -> None:
        self._secret = secret
        self._ttl = ttl_seconds
        self._issuer = issuer
        self._audience = audience
        self._now = now

    def issue(self, user_id: uuid.UUID, token_version: int) -> IssuedToken:
        issued_at = int(self._now())
        claims = {
            "sub": str(user_id),
            "iat": issued_at,
            "exp": issued_at + self._ttl,
            "iss": self._issuer,
            "aud": self._audience,
            "ver": token_version,
        }
        token = jwt.encode(claims, self._secret, algorithm=self.ALGORITHM)
        return IssuedToken(access_token=token, expires_in=self._ttl)

    def verify(self, token: str) -> TokenClaims:
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
            if not isinstance(version, int) or isinstance(version, bool):
                raise Unauthorized("the access token is invalid")
            return TokenClaims(user_id=uuid.UUID(claims["sub"]), token_version=version)
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise Unauthorized("the access token is invalid or expired") from exc
