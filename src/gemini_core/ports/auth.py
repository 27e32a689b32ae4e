"""Ports of the login flow."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Protocol

import msgspec

from gemini_core.model import OtpChallenge, OtpPurpose, User


class UserRepository(Protocol):
    """The stored accounts, inside a unit of work; a mobile number (canonical
    E.164) belongs to at most one user."""

    async def add(self, user: User) -> None:
        """Store a new user; raises ``MobileTaken`` when the number is in use."""
        ...

    async def get(self, user_id: uuid.UUID) -> User | None:
        """The user with this id, hashes included, and their subscription's
        status and period end (``none`` without one); None when there is none."""
        ...

    async def get_by_mobile(self, mobile_number: str) -> User | None:
        """The user holding this exact (canonical) number, as ``get`` reads
        users; None when nobody does."""
        ...

    async def set_password(
        self, user_id: uuid.UUID, password_hash: str, *, bump_token_version: bool
    ) -> None:
        """Replace the hash; bumping the token version revokes older tokens."""
        ...

    async def revoke_tokens(self, user_id: uuid.UUID) -> bool:
        """Bump the token version, so every token issued so far stops
        working; False (nothing written) when there is no such user."""
        ...

    async def restart_signup(
        self,
        user_id: uuid.UUID,
        *,
        name: str | None,
        email: str | None,
        pending_password_hash: str | None,
    ) -> bool:
        """Replace what an unconfirmed signup set (name, email, pending
        password) in one step; False, changing nothing, once the user's
        number is verified."""
        ...

    async def mark_verified(
        self, user_id: uuid.UUID, at: datetime, *, confirm_pending: str | None
    ) -> None:
        """Record that a code sent to the number was used (the first time
        is kept) and clear the pending password. With ``confirm_pending``,
        and only while the pending hash is still that one, it becomes the
        password first."""
        ...


class UserCache(Protocol):
    """Users as the token check needs them, without a database round trip.

    Entries hold no password hash, set or pending. Writers that change what a
    token may do (a password change or reset bumps the token version) call
    ``hold`` before their transaction and ``replace`` after it; readers only
    ``fill`` a key that is absent. So a reader that read the database before
    the change can never put the old version back: the hold (or the new
    entry) is there. Writers that change the tier (a webhook) ``hold``
    before they commit and leave the hold to expire: until then readers go
    to the database, which has the new tier.
    """

    async def get(self, user_id: uuid.UUID) -> User | None:
        """The cached user; None on a miss or while the user is held."""
        ...

    async def fill(self, user: User) -> None:
        """Cache ``user`` unless an entry (or a hold) is already there."""
        ...

    async def hold(self, user_id: uuid.UUID) -> None:
        """Refuse fills for this user until ``replace`` (or a short expiry)."""
        ...

    async def replace(self, user: User) -> None:
        """Cache ``user``, overwriting whatever is there."""
        ...


class OtpAttempt(enum.Enum):
    """What one check of a code against the ``OtpStore`` came to."""

    ACCEPTED = "accepted"
    WRONG = "wrong"
    # No live code: never issued, expired, used, voided by a resend or by
    # too many wrong tries.
    ABSENT = "absent"


class OtpStore(Protocol):
    """The live one-time code of each (purpose, number) key, shared by every
    process of a deployment, so a code is accepted at most once."""

    async def put(self, challenge: OtpChallenge) -> None:
        """Keep the challenge, voiding any earlier one for the same key."""
        ...

    async def attempt(
        self, key: str, code_hmac: str, now: datetime, max_wrong_tries: int
    ) -> OtpAttempt:
        """Check a code and, when right, consume it, in one atomic step.

        A wrong code counts a try; the ``max_wrong_tries``-th wrong try voids it.
        """
        ...


class PhoneNumbers(Protocol):
    """Reads mobile numbers as people type them."""

    def canonical(self, raw: str) -> str:
        """``raw`` as its one canonical E.164 form (``+`` and ASCII digits),
        whatever script its digits, spacing or trunk prefix; raises
        ``ValidationFailed`` naming ``mobile_number`` when it is not a valid
        number (or is national and no default region is configured)."""
        ...


class OtpSender(Protocol):
    """Delivers a code to a phone. ``echoes_code`` is True for the mock
    delivery that hands the code back in the HTTP response."""

    echoes_code: bool

    async def deliver(self, mobile_number: str, code: str, purpose: OtpPurpose) -> None:
        """Send ``code`` to the number, saying what ``purpose`` it serves;
        return once it is handed on, raise when it could not be sent."""
        ...


class RateLimiter(Protocol):
    """Counts events per key in fixed windows."""

    async def hit(self, key: str, limit: int, window_seconds: int) -> int | None:
        """Count one event if under ``limit``; return None, or the seconds to
        wait when the limit is already reached (nothing counted then). The
        check and the count are one atomic step: however many callers hit at
        once, at most ``limit`` are counted in a window."""
        ...

    async def blocked(self, key: str, limit: int) -> int | None:
        """Seconds to wait if ``limit`` is reached, else None; counts nothing."""
        ...

    async def release(self, key: str) -> None:
        """Give back one event counted in the key's current window.

        With ``hit`` this makes a reservation: count the attempt before it
        runs (so concurrent attempts can never outrun the limit), give it
        back when it turns out not to be what the limit counts. Never counts
        below zero; nothing when the window has ended.
        """
        ...


class PasswordHasher(Protocol):
    """A deliberately slow one-way hash of passwords. The async methods must
    not stall the event loop while they work; one too busy to take the work
    now raises ``ServiceUnavailable``."""

    async def hash(self, password: str) -> str:
        """A new salted hash of ``password``, self-describing (it carries its
        own parameters) so ``verify`` needs nothing else."""
        ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches; False, never an error, for a
        mismatch or a hash this hasher cannot read."""
        ...

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with weaker parameters than today's (or
        cannot be read), so a login that just verified should store a new one."""
        ...


class IssuedToken(msgspec.Struct, frozen=True):
    """A signed access token and how many seconds it stays valid."""

    access_token: str
    expires_in: int


class TokenClaims(msgspec.Struct, frozen=True):
    """What a valid token says. ``auth_methods`` (OpenID's ``amr``: "otp"
    for a one-time code, "pwd" for a password) and ``auth_time`` say how and
    when its holder last proved who they are; tokens that predate them carry
    none, which proves nothing. ``expires_at`` is when the token stops
    working (None: the issuer does not say)."""

    user_id: uuid.UUID
    token_version: int
    auth_methods: tuple[str, ...] = ()
    auth_time: datetime | None = None
    expires_at: datetime | None = None


class TokenIssuer(Protocol):
    """Makes and checks the bearer tokens that stand for a logged-in user."""

    def issue(
        self,
        user_id: uuid.UUID,
        token_version: int,
        *,
        auth_methods: tuple[str, ...] = (),
        auth_time: datetime | None = None,
    ) -> IssuedToken:
        """A token that ``verify`` will turn back into exactly these claims
        until it expires; it cannot be forged or altered without the secret."""
        ...

    def verify(self, token: str) -> TokenClaims:
        """Return the claims of a valid token or raise ``Unauthorized``."""
        ...
