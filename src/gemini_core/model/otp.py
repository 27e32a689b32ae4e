"""One-time codes sent to a mobile number."""

from __future__ import annotations

import enum
from datetime import datetime

import msgspec

OTP_TTL_SECONDS = 300
OTP_MAX_WRONG_TRIES = 5


class OtpPurpose(enum.StrEnum):
    """What a code was sent for; a code is only ever accepted for its own
    purpose, so a login code resets no password."""

    LOGIN = "login"
    # Sent by a signup; the one code that confirms the signup's password.
    SIGNUP = "signup"
    RESET_PASSWORD = "reset_password"


class OtpChallenge(msgspec.Struct, frozen=True, kw_only=True):
    """An issued code, kept only as an HMAC of the code (never the code itself)."""

    purpose: OtpPurpose
    mobile_number: str
    code_hmac: str
    expires_at: datetime
    wrong_tries: int = 0

    @property
    def key(self) -> str:
        """Where the store keeps it: one live code per purpose and number."""
        return f"{self.purpose.value}:{self.mobile_number}"
