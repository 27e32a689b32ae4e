"""Contract of ``UserCache``: fills never overwrite, holds block fills,
replace wins, and no password hash is kept.

A subclass provides the adapter as ``users``.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import msgspec

from gemini_core.model import SubscriptionStatus, Tier, User
from gemini_core.ports import UserCache


def a_user(version: int = 0) -> User:
    return User(
        id=uuid.uuid4(),
        mobile_number="+919876543210",
        name="Asha",
        password_hash="$argon2id$secret",
        pending_password_hash="$argon2id$pending",
        token_version=version,
        created_at=datetime(2030, 1, 1, tzinfo=UTC),
        mobile_verified_at=datetime(2030, 1, 1, tzinfo=UTC),
    )


class UserCacheContract:
    async def test_miss_then_fill_then_hit_without_the_hash(self, users: UserCache) -> None:
        user = a_user()
        assert await users.get(user.id) is None
        await users.fill(user)
        cached = await users.get(user.id)
        assert cached == msgspec.structs.replace(
            user, password_hash=None, pending_password_hash=None
        )

    async def test_fill_never_overwrites(self, users: UserCache) -> None:
        user = a_user(version=1)
        await users.replace(user)
        await users.fill(msgspec.structs.replace(user, token_version=0))
        cached = await users.get(user.id)
        assert cached is not None and cached.token_version == 1

    async def test_a_hold_blocks_fills_until_replaced(self, users: UserCache) -> None:
        old = a_user(version=0)
        await users.fill(old)
        await users.hold(old.id)
        assert await users.get(old.id) is None
        # A reader that read the database before the change tries to put the
        # old version back: refused.
        await users.fill(old)
        assert await users.get(old.id) is None
        new = msgspec.structs.replace(old, token_version=1)
        await users.replace(new)
        cached = await users.get(old.id)
        assert cached is not None and cached.token_version == 1

    async def test_users_are_independent(self, users: UserCache) -> None:
        first, second = a_user(), a_user()
        await users.fill(first)
        await users.hold(second.id)
        assert await users.get(first.id) is not None
        assert await users.get(second.id) is None

    async def test_concurrent_fills_keep_one_entry(self, users: UserCache) -> None:
        user = a_user()
        versions = [msgspec.structs.replace(user, token_version=v) for v in range(10)]
        await asyncio.gather(*(users.fill(v) for v in versions))
        cached = await users.get(user.id)
        assert cached is not None and cached.token_version in range(10)

    async def test_the_tier_travels_with_the_entry(self, users: UserCache) -> None:
        period_end = datetime(2030, 2, 1, tzinfo=UTC)
        user = msgspec.structs.replace(
            a_user(),
            subscription_status=SubscriptionStatus.PAST_DUE,
            subscription_period_end=period_end,
        )
        await users.fill(user)
        cached = await users.get(user.id)
        assert cached is not None
        assert cached.subscription_status is SubscriptionStatus.PAST_DUE
        assert cached.subscription_period_end == period_end
        assert cached.tier(period_end) is Tier.PRO  # within the grace period
