"""AuthService: signup, one-time codes, passwords and access tokens.

What it promises is written for people in docs/SECURITY.md ("Accounts"):
no password works for a number nobody has verified, a first password needs
a recent code login, and password guesses are limited per number however
concurrently they arrive.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from datetime import datetime, timedelta

from gemini_core.errors import (
    InvalidCredentials,
    InvalidOtp,
    MobileTaken,
    RecentCodeLoginRequired,
    SignupPending,
    Unauthorized,
    ValidationFailed,
    WrongPassword,
)
from gemini_core.model import OtpPurpose, User
from gemini_core.model.otp import OTP_TTL_SECONDS
from gemini_core.model.users import EMAIL_MAX, USER_NAME_MAX
from gemini_core.passwords import check_password
from gemini_core.ports import (
    Clock,
    OtpSender,
    OtpStore,
    PasswordHasher,
    PhoneNumbers,
    RateLimiter,
    TokenIssuer,
    UnitOfWork,
    UnitOfWorkFactory,
    UserCache,
)
from gemini_core.services.accounts import Accounts
from gemini_core.services.login_attempts import LoginAttempts
from gemini_core.services.otp_codes import OtpCodes, OtpIssued
from gemini_core.services.sessions import (
    BY_CODE,
    BY_PASSWORD,
    FIRST_PASSWORD_PROOF_SECONDS,
    Principal,
    Session,
    SignupStarted,
)
from gemini_core.services.user_records import UserRecords
from gemini_core.text import check_text

__all__ = ["AuthService", "OtpIssued", "Principal", "Session", "SignupStarted"]

logger = logging.getLogger(__name__)


class AuthService:
    """Everything that proves who a user is: signup, login by code or
    password, password changes and resets, and checking access tokens.
    Mobile numbers are accepted as people type them."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        phone_numbers: PhoneNumbers,
        otp_store: OtpStore,
        otp_sender: OtpSender,
        rate_limiter: RateLimiter,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        clock: Clock,
        otp_secret: bytes,
        user_cache: UserCache,
    ) -> None:
        self._uow = uow
        self._phones = phone_numbers
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._users = UserRecords(uow, user_cache)
        self._limiter = rate_limiter
        self._accounts = Accounts(uow, clock)
        self._attempts = LoginAttempts(rate_limiter)
        self._codes = OtpCodes(
            store=otp_store, sender=otp_sender, limiter=rate_limiter, clock=clock, secret=otp_secret
        )
        # Verified against when a login names an unknown number, so that an
        # unknown number costs the same time as a wrong password. Made on
        # first use with the current parameters, so it costs what a real one does.
        self._dummy_hash: str | None = None

    # -- accounts ---------------------------------------------------------

    async def signup(
        self,
        mobile_number: str,
        *,
        name: str | None = None,
        email: str | None = None,
        password: str | None = None,
    ) -> SignupStarted:
        """Start an account and send the code that confirms it. The password
        works only once that code is verified; until then a new signup of
        the number replaces this one. A verified number is ``MobileTaken``,
        and nothing about its account changes."""
        mobile = self._phones.canonical(mobile_number)
        if name is not None:
            check_text(name, "name", maximum=USER_NAME_MAX)
        if email is not None:
            check_text(email, "email", maximum=EMAIL_MAX)
        if password is not None:
            check_password(password)
        existing = await self._accounts.by_mobile(mobile)
        if existing is not None and existing.is_verified:
            raise MobileTaken()
        await self._hold_signup(mobile)
        await self._codes.allow_send(mobile)
        pending = await self._hasher.hash(password) if password is not None else None
        user = await self._accounts.start_signup(
            mobile, name=name, email=email, pending_password_hash=pending
        )
        return SignupStarted(user=user, code=await self._codes.send(mobile, OtpPurpose.SIGNUP))

    async def _hold_signup(self, mobile: str) -> None:
        """One pending signup per number while its code lives: the owner,
        who receives the code, can then only ever be asked to confirm the
        signup they started, never one a stranger slipped in after theirs."""
        wait = await self._limiter.hit(f"signup-pending:{mobile}", 1, OTP_TTL_SECONDS)
        if wait is not None:
            raise SignupPending(retry_after=wait)

    # -- one-time codes ---------------------------------------------------

    async def send_otp(self, mobile_number: str) -> OtpIssued:
        """Issue a login code. Known and unknown numbers are answered alike:
        verifying the code logs in or creates the account."""
        return await self._codes.issue(self._phones.canonical(mobile_number), OtpPurpose.LOGIN)

    async def forgot_password(self, mobile_number: str) -> OtpIssued:
        """Issue a reset code, alike for known and unknown numbers (the code
        of an unknown number simply never resets anything)."""
        return await self._codes.issue(
            self._phones.canonical(mobile_number), OtpPurpose.RESET_PASSWORD
        )

    async def verify_otp(self, mobile_number: str, code: str) -> Session:
        """Log in with a login code, or with the code a signup sent: only
        the latter confirms that signup's password; the first other code
        used for an unconfirmed account clears it."""
        mobile = self._phones.canonical(mobile_number)
        known = await self._accounts.by_mobile(mobile)
        confirm: str | None = None
        if (
            known is not None
            and not known.is_verified
            and await self._codes.accept(mobile, OtpPurpose.SIGNUP, code)
        ):
            confirm = known.pending_password_hash
        else:
            await self._codes.consume(mobile, OtpPurpose.LOGIN, code)
        user = await self._accounts.verified(mobile, known, confirm_pending=confirm)
        return self._session(user, BY_CODE, auth_time=self._clock.now())

    async def reset_password(self, mobile_number: str, code: str, new_password: str) -> None:
        """Set a new password with a reset code (it verifies the number too)
        and revoke every older token; ``InvalidOtp`` when the code is not the
        live one, ``ValidationFailed`` for a weak password."""
        mobile = self._phones.canonical(mobile_number)
        check_password(new_password, "new_password")
        # Hashed before the code is spent: when hashing is busy (503), the
        # user keeps the code and can simply try again.
        new_hash = await self._hasher.hash(new_password)
        await self._codes.consume(mobile, OtpPurpose.RESET_PASSWORD, code)
        user = await self._accounts.by_mobile(mobile)
        if user is None:
            raise InvalidOtp()
        # The reset code proves the number too; an unconfirmed signup's
        # pending password is not what this person chose.
        await self._accounts.verified(mobile, user, confirm_pending=None)
        await self._store_password(
            user.id, new_password, bump_token_version=True, new_hash=new_hash
        )

    # -- passwords --------------------------------------------------------

    async def login(self, mobile_number: str, password: str) -> Session:
        """A session for the right password; ``InvalidCredentials`` alike
        for an unknown number, no password or a wrong one, in the same time,
        and ``RateLimited`` past the guesses a number is allowed."""
        mobile = self._phones.canonical(mobile_number)
        async with self._attempts.attempt(mobile):
            user = await self._accounts.by_mobile(mobile)
            stored = user.password_hash if user is not None else None
            # A pending (unconfirmed) password is never compared: it fails
            # exactly as a wrong one does.
            ok = await self._hasher.verify(stored or await self._dummy(), password)
            if user is None or stored is None or not ok:
                raise InvalidCredentials()
            if self._hasher.needs_rehash(stored):
                await self._store_password(user.id, password, bump_token_version=False)
            return self._session(user, BY_PASSWORD, auth_time=self._clock.now())

    async def change_password(
        self, principal: Principal, current_password: str | None, new_password: str
    ) -> Session:
        """Replace the password (older tokens stop working). With a password
        set, ``current_password`` must match (a wrong one is a failed login
        attempt); a first password needs a recent code login instead."""
        # The stored hash, not the caller's copy: cached users carry none.
        async with self._uow(autocommit=True) as uow:
            stored = await uow.users.get(principal.user.id)
        if stored is None:
            raise Unauthorized()
        if stored.password_hash is None:
            self._require_recent_code_login(principal)
            check_password(new_password, "new_password")
            fresh = await self._store_password(stored.id, new_password, bump_token_version=True)
            return self._session(fresh, *principal.auth_methods, auth_time=principal.auth_time)
        if current_password is None:
            raise ValidationFailed.for_field(
                "current_password", "is required: this account has a password"
            )
        check_password(new_password, "new_password")
        async with self._attempts.attempt(stored.mobile_number):
            if not await self._hasher.verify(stored.password_hash, current_password):
                raise WrongPassword()
        fresh = await self._store_password(stored.id, new_password, bump_token_version=True)
        return self._session(fresh, BY_PASSWORD, auth_time=self._clock.now())

    async def log_out(self, principal: Principal) -> None:
        """End every session of the account: each token issued so far
        (this one too) stops working at once, in every process."""
        user_id = principal.user.id
        await self._users.write(user_id, lambda uow: uow.users.revoke_tokens(user_id))

    # -- tokens -----------------------------------------------------------

    async def authenticate(self, access_token: str) -> User:
        """The user a token speaks for; ``Unauthorized`` when the token is
        invalid, expired, or older than the user's last password change."""
        return (await self.identify(access_token)).user

    async def identify(self, access_token: str) -> Principal:
        """``authenticate``, with how and when the token's holder proved it."""
        claims = self._tokens.verify(access_token)
        user = await self._users.cached(claims.user_id)
        if user is None or user.token_version != claims.token_version:
            raise Unauthorized("the access token has been revoked")
        return Principal(
            user=user,
            auth_methods=claims.auth_methods,
            auth_time=claims.auth_time,
            expires_at=claims.expires_at,
        )

    # -- internals --------------------------------------------------------

    def _require_recent_code_login(self, principal: Principal) -> None:
        proved_at = principal.auth_time
        window = timedelta(seconds=FIRST_PASSWORD_PROOF_SECONDS)
        if (
            BY_CODE in principal.auth_methods
            and proved_at is not None
            and self._clock.now() - proved_at <= window
        ):
            return
        raise RecentCodeLoginRequired(
            "setting a first password needs a login by code in the last "
            f"{FIRST_PASSWORD_PROOF_SECONDS // 60} minutes: log in again with a new "
            "code (send-otp, verify-otp) and use that token, or use forgot-password"
        )

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(secrets.token_urlsafe(24))
        return self._dummy_hash

    def _session(self, user: User, *methods: str, auth_time: datetime | None) -> Session:
        token = self._tokens.issue(
            user.id, user.token_version, auth_methods=methods, auth_time=auth_time
        )
        return Session(access_token=token.access_token, expires_in=token.expires_in, user=user)

    async def _store_password(
        self, user_id: uuid.UUID, password: str, *, bump_token_version: bool, new_hash: str = ""
    ) -> User:
        """Store a new hash (of ``password`` unless given); when the token version moves, hold
        the cached user first (a failure here changes nothing) and replace it after, so
        older tokens fail at once in every process."""
        new_hash = new_hash or await self._hasher.hash(password)

        async def store(uow: UnitOfWork) -> None:
            await uow.users.set_password(user_id, new_hash, bump_token_version=bump_token_version)

        return await self._users.write(user_id, store, revokes=bump_token_version)
