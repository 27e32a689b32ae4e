"""The limit on password guesses per mobile number."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from gemini_core.errors import InvalidCredentials, RateLimited, ServiceUnavailable, WrongPassword
from gemini_core.phone import mask_mobile
from gemini_core.ports import RateLimiter

logger = logging.getLogger(__name__)

LOGIN_FAILURES_PER_WINDOW = 10
LOGIN_FAILURE_WINDOW_SECONDS = 900


class LoginAttempts:
    """At most ``LOGIN_FAILURES_PER_WINDOW`` wrong passwords per number in a
    window, whichever route checks them (login, change-password).

    Each check reserves its attempt *before* the password is compared, in one
    atomic step of the limiter, so concurrent guesses can never outrun the
    count: past the limit a guess is refused without being evaluated.
    """

    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter

    @contextlib.asynccontextmanager
    async def attempt(self, mobile: str) -> AsyncIterator[None]:
        """One password check of ``mobile``. It stays counted only when the
        block says the password was wrong (``InvalidCredentials`` or
        ``WrongPassword``); a success or any other error gives it back."""
        key = f"login-fail:{mobile}"
        wait = await self._limiter.hit(key, LOGIN_FAILURES_PER_WINDOW, LOGIN_FAILURE_WINDOW_SECONDS)
        if wait is not None:
            raise RateLimited(
                "too many failed password attempts, try again later", retry_after=wait
            )
        try:
            yield
        except (InvalidCredentials, WrongPassword):
            raise
        except BaseException:
            await self._give_back(key, mobile)
            raise
        await self._give_back(key, mobile)

    async def _give_back(self, key: str, mobile: str) -> None:
        try:
            await self._limiter.release(key)
        except ServiceUnavailable:
            # Erring on the strict side: the attempt stays counted.
            logger.warning("a password attempt of %s was not given back", mask_mobile(mobile))
