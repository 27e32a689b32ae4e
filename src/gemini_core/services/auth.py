"""AuthService: signup, one-time codes, passwords and access tokens."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
import uuid
from datetime import timedelta

import msgspec

from gemini_core.errors import (
    InvalidCredentials,
    InvalidOtp,
    MobileTaken,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
)
from gemini_core.ids import new_id
from gemini_core.model import OtpChallenge, OtpPurpose, User
from gemini_core.model.otp import OTP_MAX_WRONG_TRIES, OTP_TTL_SECONDS
from gemini_core.passwords import check_password
from gemini_core.phone import mask_mobile, normalize_mobile
from gemini_core.ports import (
    Clock,
    OtpAttempt,
    OtpSender,
    OtpStore,
    PasswordHasher,
    RateLimiter,
    TokenIssuer,
    UnitOfWorkFactory,
    UserCache,
)

logger = logging.getLogger(__name__)

OTP_SENDS_PER_WINDOW = 5
OTP_SEND_WINDOW_SECONDS = 600
LOGIN_FAILURES_PER_WINDOW = 10
LOGIN_FAILURE_WINDOW_SECONDS = 900


class OtpIssued(msgspec.Struct, frozen=True):
    expires_in: int
    # Only set when the delivery is the mock that echoes the code.
    otp: str | None = None


class Session(msgspec.Struct, frozen=True):
    access_token: str
    expires_in: int
    user: User


class AuthService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
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
        self._otp_store = otp_store
        self._otp_sender = otp_sender
        self._limiter = rate_limiter
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock
        self._otp_secret = otp_secret
        self._user_cache = user_cache
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
    ) -> User:
        mobile = normalize_mobile(mobile_number)
        password_hash = None
        if password is not None:
            check_password(password)
            password_hash = await self._hasher.hash(password)
        user = User(
            id=new_id(),
            mobile_number=mobile,
            name=name,
            email=email,
            password_hash=password_hash,
            created_at=self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        return user

    # -- one-time codes ---------------------------------------------------

    async def send_otp(self, mobile_number: str) -> OtpIssued:
        """Issue a login code. Known and unknown numbers are answered alike:
        verifying the code logs in or creates the account."""
        return await self._issue_otp(normalize_mobile(mobile_number), OtpPurpose.LOGIN)

    async def forgot_password(self, mobile_number: str) -> OtpIssued:
        """Issue a reset code, alike for known and unknown numbers (the code
        of an unknown number simply never resets anything)."""
        return await self._issue_otp(normalize_mobile(mobile_number), OtpPurpose.RESET_PASSWORD)

    async def verify_otp(self, mobile_number: str, code: str) -> Session:
        mobile = normalize_mobile(mobile_number)
        await self._consume_otp(mobile, OtpPurpose.LOGIN, code)
        async with self._uow() as uow:
            user = await uow.users.get_by_mobile(mobile)
        if user is None:
            user = await self._create_on_first_login(mobile)
        return self._session(user)

    async def reset_password(self, mobile_number: str, code: str, new_password: str) -> None:
        mobile = normalize_mobile(mobile_number)
        check_password(new_password, "new_password")
        # Hashed before the code is spent: when hashing is busy (503), the
        # user keeps the code and can simply try again.
        new_hash = await self._hasher.hash(new_password)
        await self._consume_otp(mobile, OtpPurpose.RESET_PASSWORD, code)
        async with self._uow() as uow:
            user = await uow.users.get_by_mobile(mobile)
        if user is None:
            raise InvalidOtp()
        await self._store_password(
            user.id, new_password, bump_token_version=True, new_hash=new_hash
        )

    # -- passwords --------------------------------------------------------

    async def login(self, mobile_number: str, password: str) -> Session:
        mobile = normalize_mobile(mobile_number)
        failures_key = f"login-fail:{mobile}"
        wait = await self._limiter.blocked(failures_key, LOGIN_FAILURES_PER_WINDOW)
        if wait is not None:
            raise RateLimited("too many failed logins, try again later", retry_after=wait)
        async with self._uow() as uow:
            user = await uow.users.get_by_mobile(mobile)
        stored = user.password_hash if user is not None else None
        ok = await self._hasher.verify(stored or await self._dummy(), password)
        if user is None or stored is None or not ok:
            await self._limiter.hit(
                failures_key, LOGIN_FAILURES_PER_WINDOW, LOGIN_FAILURE_WINDOW_SECONDS
            )
            raise InvalidCredentials()
        if self._hasher.needs_rehash(stored):
            await self._store_password(user.id, password, bump_token_version=False)
        return self._session(user)

    async def change_password(
        self, user: User, current_password: str | None, new_password: str
    ) -> Session:
        # The stored hash, not the caller's copy: cached users carry none.
        async with self._uow() as uow:
            stored = await uow.users.get(user.id)
        if stored is None:
            raise Unauthorized()
        if stored.password_hash is not None and (
            current_password is None
            or not await self._hasher.verify(stored.password_hash, current_password)
        ):
            raise InvalidCredentials("the current password is wrong")
        check_password(new_password, "new_password")
        return self._session(
            await self._store_password(user.id, new_password, bump_token_version=True)
        )

    # -- tokens -----------------------------------------------------------

    async def authenticate(self, access_token: str) -> User:
        """The user a token speaks for; ``Unauthorized`` when the token is
        invalid, expired, or older than the user's last password change."""
        claims = self._tokens.verify(access_token)
        user = await self._cached_user(claims.user_id)
        if user is None or user.token_version != claims.token_version:
            raise Unauthorized("the access token has been revoked")
        return user

    # -- internals --------------------------------------------------------

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self._hasher.hash(secrets.token_urlsafe(24))
        return self._dummy_hash

    def _session(self, user: User) -> Session:
        token = self._tokens.issue(user.id, user.token_version)
        return Session(access_token=token.access_token, expires_in=token.expires_in, user=user)

    async def _cached_user(self, user_id: uuid.UUID) -> User | None:
        """The user from the cache, else the database (and then cached)."""
        try:
            user = await self._user_cache.get(user_id)
        except ServiceUnavailable:
            user = None
        if user is not None:
            return user
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is not None:
            with contextlib.suppress(ServiceUnavailable):
                await self._user_cache.fill(user)
        return user

    async def _store_password(
        self, user_id: uuid.UUID, password: str, *, bump_token_version: bool, new_hash: str = ""
    ) -> User:
        """Store a new hash (of ``password`` unless given); when the token version moves, hold
        the cached user first (a failure here changes nothing) and replace it after, so
        older tokens fail at once in every process."""
        new_hash = new_hash or await self._hasher.hash(password)
        if bump_token_version:
            await self._user_cache.hold(user_id)
        async with self._uow() as uow:
            await uow.users.set_password(user_id, new_hash, bump_token_version=bump_token_version)
            fresh = await uow.users.get(user_id)
            await uow.commit()
        if fresh is None:
            raise Unauthorized()
        if bump_token_version:
            try:
                await self._user_cache.replace(fresh)
            except ServiceUnavailable:
                logger.warning("user cache not refreshed for %s; its hold expires soon", user_id)
        return fresh

    async def _create_on_first_login(self, mobile: str) -> User:
        user = User(id=new_id(), mobile_number=mobile, created_at=self._clock.now())
        try:
            async with self._uow() as uow:
                await uow.users.add(user)
                await uow.commit()
            return user
        except MobileTaken:
            # A signup for the same number won the race: log into that account.
            async with self._uow() as uow:
                existing = await uow.users.get_by_mobile(mobile)
            if existing is None:
                raise
            return existing

    def _code_hmac(self, purpose: OtpPurpose, mobile: str, code: str) -> str:
        message = f"{purpose.value}:{mobile}:{code}".encode()
        return hmac.new(self._otp_secret, message, hashlib.sha256).hexdigest()

    async def _issue_otp(self, mobile: str, purpose: OtpPurpose) -> OtpIssued:
        wait = await self._limiter.hit(
            f"otp-send:{mobile}", OTP_SENDS_PER_WINDOW, OTP_SEND_WINDOW_SECONDS
        )
        if wait is not None:
            raise RateLimited(
                "too many codes sent to this number, try again later", retry_after=wait
            )
        code = f"{secrets.randbelow(1_000_000):06d}"
        challenge = OtpChallenge(
            purpose=purpose,
            mobile_number=mobile,
            code_hmac=self._code_hmac(purpose, mobile, code),
            expires_at=self._clock.now() + timedelta(seconds=OTP_TTL_SECONDS),
        )
        await self._otp_store.put(challenge)
        await self._otp_sender.deliver(mobile, code, purpose)
        logger.info("otp %s issued for %s", purpose.value, mask_mobile(mobile))
        return OtpIssued(
            expires_in=OTP_TTL_SECONDS, otp=code if self._otp_sender.echoes_code else None
        )

    async def _consume_otp(self, mobile: str, purpose: OtpPurpose, code: str) -> None:
        key = f"{purpose.value}:{mobile}"
        outcome = await self._otp_store.attempt(
            key,
            self._code_hmac(purpose, mobile, code.strip()),
            self._clock.now(),
            OTP_MAX_WRONG_TRIES,
        )
        if outcome is not OtpAttempt.ACCEPTED:
            raise InvalidOtp()
