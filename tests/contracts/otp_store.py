"""Contract of ``OtpStore``: single use, wrong-try voiding, resend, expiry.

A subclass provides the adapter as the fixture ``store``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from gemini_core.model import OtpChallenge, OtpPurpose
from gemini_core.ports import OtpAttempt, OtpStore

MOBILE = "+15550001111"
RIGHT = "a" * 64
WRONG = "b" * 64
MAX_WRONG = 5


def challenge(
    code_hmac: str = RIGHT,
    *,
    expires_at: datetime | None = None,
    purpose: OtpPurpose = OtpPurpose.LOGIN,
    mobile: str = MOBILE,
) -> OtpChallenge:
    return OtpChallenge(
        purpose=purpose,
        mobile_number=mobile,
        code_hmac=code_hmac,
        expires_at=expires_at or datetime.now(UTC) + timedelta(minutes=5),
    )


class OtpStoreContract:
    async def attempt(self, store: OtpStore, code_hmac: str, key: str = "") -> OtpAttempt:
        return await store.attempt(key or challenge().key, code_hmac, datetime.now(UTC), MAX_WRONG)

    async def test_nothing_issued_is_absent(self, store: OtpStore) -> None:
        assert await self.attempt(store, RIGHT) is OtpAttempt.ABSENT

    async def test_right_code_is_accepted_once(self, store: OtpStore) -> None:
        await store.put(challenge())

        assert await self.attempt(store, RIGHT) is OtpAttempt.ACCEPTED
        assert await self.attempt(store, RIGHT) is OtpAttempt.ABSENT

    async def test_wrong_code_counts_but_keeps_the_challenge(self, store: OtpStore) -> None:
        await store.put(challenge())

        for _ in range(MAX_WRONG - 1):
            assert await self.attempt(store, WRONG) is OtpAttempt.WRONG
        assert await self.attempt(store, RIGHT) is OtpAttempt.ACCEPTED

    async def test_the_last_allowed_wrong_try_voids_the_challenge(self, store: OtpStore) -> None:
        await store.put(challenge())

        for _ in range(MAX_WRONG):
            assert await self.attempt(store, WRONG) is OtpAttempt.WRONG
        assert await self.attempt(store, RIGHT) is OtpAttempt.ABSENT

    async def test_resend_voids_the_old_code_and_resets_the_tries(self, store: OtpStore) -> None:
        await store.put(challenge(RIGHT))
        for _ in range(MAX_WRONG - 1):
            await self.attempt(store, WRONG)
        fresh = "c" * 64
        await store.put(challenge(fresh))

        assert await self.attempt(store, RIGHT) is OtpAttempt.WRONG
        assert await self.attempt(store, fresh) is OtpAttempt.ACCEPTED

    async def test_code_is_absent_from_its_expiry_on(self, store: OtpStore) -> None:
        expires_at = datetime.now(UTC) + timedelta(minutes=5)
        await store.put(challenge(expires_at=expires_at))

        outcome = await store.attempt(challenge().key, RIGHT, expires_at, MAX_WRONG)

        assert outcome is OtpAttempt.ABSENT

    async def test_code_is_accepted_just_before_its_expiry(self, store: OtpStore) -> None:
        expires_at = datetime.now(UTC) + timedelta(minutes=5)
        await store.put(challenge(expires_at=expires_at))

        outcome = await store.attempt(
            challenge().key, RIGHT, expires_at - timedelta(seconds=1), MAX_WRONG
        )

        assert outcome is OtpAttempt.ACCEPTED

    async def test_challenge_issued_already_expired_is_absent(self, store: OtpStore) -> None:
        await store.put(challenge(expires_at=datetime.now(UTC) - timedelta(seconds=1)))

        assert await self.attempt(store, RIGHT) is OtpAttempt.ABSENT

    async def test_purposes_and_numbers_are_separate(self, store: OtpStore) -> None:
        login = challenge(RIGHT)
        reset = challenge(WRONG, purpose=OtpPurpose.RESET_PASSWORD)
        other = challenge(RIGHT, mobile="+15550002222")
        for issued in (login, reset, other):
            await store.put(issued)

        assert await self.attempt(store, RIGHT, reset.key) is OtpAttempt.WRONG
        assert await self.attempt(store, RIGHT, login.key) is OtpAttempt.ACCEPTED
        assert await self.attempt(store, WRONG, reset.key) is OtpAttempt.ACCEPTED
        assert await self.attempt(store, RIGHT, other.key) is OtpAttempt.ACCEPTED

    async def test_concurrent_right_attempts_accept_exactly_one(self, store: OtpStore) -> None:
        await store.put(challenge())

        outcomes = await asyncio.gather(*(self.attempt(store, RIGHT) for _ in range(20)))

        assert outcomes.count(OtpAttempt.ACCEPTED) == 1
        assert outcomes.count(OtpAttempt.ABSENT) == 19

    async def test_concurrent_wrong_attempts_void_after_the_limit(self, store: OtpStore) -> None:
        await store.put(challenge())

        outcomes = await asyncio.gather(*(self.attempt(store, WRONG) for _ in range(20)))

        assert outcomes.count(OtpAttempt.WRONG) == MAX_WRONG
        assert outcomes.count(OtpAttempt.ABSENT) == 20 - MAX_WRONG
        assert await self.attempt(store, RIGHT) is OtpAttempt.ABSENT
