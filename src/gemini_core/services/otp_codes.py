"""One-time codes: sent under a per-number limit, kept only as an HMAC,
accepted once."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

import msgspec

from gemini_core.errors import InvalidOtp, RateLimited
from gemini_core.model import OtpChallenge, OtpPurpose
from gemini_core.model.otp import OTP_MAX_WRONG_TRIES, OTP_TTL_SECONDS
from gemini_core.phone import mask_mobile
from gemini_core.ports import Clock, OtpAttempt, OtpSender, OtpStore, RateLimiter

logger = logging.getLogger(__name__)

OTP_SENDS_PER_WINDOW = 5
OTP_SEND_WINDOW_SECONDS = 600


class OtpIssued(msgspec.Struct, frozen=True):
    """A code was sent: how many seconds it stays valid, and the code
    itself only when the delivery hands it back to the caller."""

    expires_in: int
    # Only set when the delivery is the mock that echoes the code.
    otp: str | None = None


class OtpCodes:
    """Codes of every purpose for one number draw on one send allowance, so
    no route can be used to get around it. A code is checked against its
    own purpose only: a login code resets no password."""

    def __init__(
        self,
        *,
        store: OtpStore,
        sender: OtpSender,
        limiter: RateLimiter,
        clock: Clock,
        secret: bytes,
    ) -> None:
        self._store = store
        self._sender = sender
        self._limiter = limiter
        self._clock = clock
        self._secret = secret

    async def issue(self, mobile: str, purpose: OtpPurpose) -> OtpIssued:
        """``allow_send`` then ``send``: a new code for ``purpose``, or
        ``RateLimited`` (nothing sent) when the number's allowance is spent."""
        await self.allow_send(mobile)
        return await self.send(mobile, purpose)

    async def allow_send(self, mobile: str) -> None:
        """Count one send for ``mobile``; ``RateLimited`` when none is left."""
        wait = await self._limiter.hit(
            f"otp-send:{mobile}", OTP_SENDS_PER_WINDOW, OTP_SEND_WINDOW_SECONDS
        )
        if wait is not None:
            raise RateLimited(
                "too many codes sent to this number, try again later", retry_after=wait
            )

    async def send(self, mobile: str, purpose: OtpPurpose) -> OtpIssued:
        """Make and deliver a code (voiding the number's earlier one of this
        purpose); the send must have been allowed first."""
        code = f"{secrets.randbelow(1_000_000):06d}"
        challenge = OtpChallenge(
            purpose=purpose,
            mobile_number=mobile,
            code_hmac=self._code_hmac(purpose, mobile, code),
            expires_at=self._clock.now() + timedelta(seconds=OTP_TTL_SECONDS),
        )
        await self._store.put(challenge)
        await self._sender.deliver(mobile, code, purpose)
        logger.info("otp %s issued for %s", purpose.value, mask_mobile(mobile))
        return OtpIssued(expires_in=OTP_TTL_SECONDS, otp=code if self._sender.echoes_code else None)

    async def accept(self, mobile: str, purpose: OtpPurpose, code: str) -> bool:
        """Whether ``code`` is the live one, consuming it if so; a wrong code
        counts a try against it."""
        outcome = await self._store.attempt(
            f"{purpose.value}:{mobile}",
            self._code_hmac(purpose, mobile, code.strip()),
            self._clock.now(),
            OTP_MAX_WRONG_TRIES,
        )
        return outcome is OtpAttempt.ACCEPTED

    async def consume(self, mobile: str, purpose: OtpPurpose, code: str) -> None:
        """``accept``, raising ``InvalidOtp`` when the code is not the live one."""
        if not await self.accept(mobile, purpose, code):
            raise InvalidOtp()

    def _code_hmac(self, purpose: OtpPurpose, mobile: str, code: str) -> str:
        message = f"{purpose.value}:{mobile}:{code}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
