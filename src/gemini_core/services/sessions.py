"""What a login hands out: the session, the signup in progress, and the
principal a token speaks for."""

from __future__ import annotations

from datetime import datetime

import msgspec

from gemini_core.model import User
from gemini_core.services.otp_codes import OtpIssued

# Authentication methods stamped into tokens (RFC 8176 names).
BY_CODE = "otp"
BY_PASSWORD = "pwd"
# How recent a code login must be to set a first password.
FIRST_PASSWORD_PROOF_SECONDS = 600


class Session(msgspec.Struct, frozen=True):
    """A successful login: the access token, its lifetime in seconds, and
    the user it speaks for."""

    access_token: str
    expires_in: int
    user: User


class SignupStarted(msgspec.Struct, frozen=True):
    """An unconfirmed account and the code sent to confirm it."""

    user: User
    code: OtpIssued


class Principal(msgspec.Struct, frozen=True):
    """The user a token speaks for, how and when they last proved it, and
    when the token expires (None: never said)."""

    user: User
    auth_methods: tuple[str, ...] = ()
    auth_time: datetime | None = None
    expires_at: datetime | None = None
