"""The in-process adapters against their ports' contracts, on a fake clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from adapters.memory import (
    InMemoryChatroomListCache,
    InMemoryEventBus,
    InMemoryLeases,
    InMemoryOtpStore,
    InMemoryRateLimiter,
    InMemoryStreamSlots,
)
from adapters.memory.cancellations import REQUEST_TTL, InMemoryReplyCancellations
from adapters.memory.expiry import ExpirySweep
from adapters.memory.user_cache import InMemoryUserCache
from adapters.memory.workers import InMemoryWorkerRegistry
from tests.contracts.chatroom_list_cache import ChatroomListCacheContract, page_of
from tests.contracts.events import QUEUE_SIZE, EventBusContract
from tests.contracts.lease import LeaseContract
from tests.contracts.otp_store import RIGHT, OtpStoreContract, challenge
from tests.contracts.rate_limiter import RateLimiterContract
from tests.contracts.reply_cancellations import ReplyCancellationsContract
from tests.contracts.stream_slots import StreamSlotsContract
from tests.contracts.user_cache import UserCacheContract
from tests.contracts.worker_registry import WorkerRegistryContract


class SteppingClock:
    """Time that moves only when told to. Unlike ``tests.support.fakes.FakeClock``
    its ``advance`` is async, as the contracts await it (the Redis suites
    sleep there); this module's ``clock`` fixture shadows the conftest one."""

    def __init__(self) -> None:
        self.moment = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    async def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


class TestInMemoryUserCache(UserCacheContract):
    @pytest.fixture
    def users(self, clock: SteppingClock) -> InMemoryUserCache:
        return InMemoryUserCache(clock)


class TestInMemoryOtpStore(OtpStoreContract):
    @pytest.fixture
    def store(self, clock: SteppingClock) -> InMemoryOtpStore:
        return InMemoryOtpStore(clock)


class TestInMemoryRateLimiter(RateLimiterContract):
    @pytest.fixture
    def limiter(self, clock: SteppingClock) -> InMemoryRateLimiter:
        return InMemoryRateLimiter(clock)


class TestInMemoryChatroomListCache(ChatroomListCacheContract):
    @pytest.fixture
    def cache(self, clock: SteppingClock) -> InMemoryChatroomListCache:
        return InMemoryChatroomListCache(clock)


class TestInMemoryEventBus(EventBusContract):
    @pytest.fixture
    def bus(self) -> InMemoryEventBus:
        return InMemoryEventBus(queue_size=QUEUE_SIZE)


class TestInMemoryStreamSlots(StreamSlotsContract):
    @pytest.fixture
    def slots(self, clock: SteppingClock) -> InMemoryStreamSlots:
        return InMemoryStreamSlots(clock)


class TestInMemoryLeases(LeaseContract):
    @pytest.fixture
    def lease(self, clock: SteppingClock) -> InMemoryLeases:
        return InMemoryLeases(clock)


async def test_an_in_memory_lease_is_held_for_exactly_its_seconds(clock: SteppingClock) -> None:
    leases = InMemoryLeases(clock)
    assert await leases.acquire("sweep", 30)

    await clock.advance(29.999)
    assert await leases.acquire("sweep", 30) is False
    await clock.advance(0.001)
    assert await leases.acquire("sweep", 30) is True


class TestInMemoryWorkerRegistry(WorkerRegistryContract):
    @pytest.fixture
    def registry(self, clock: SteppingClock) -> InMemoryWorkerRegistry:
        return InMemoryWorkerRegistry(clock)


# What only the in-process adapters promise: bounded memory.


async def test_cache_keeps_at_most_the_configured_pages_per_user(clock: SteppingClock) -> None:
    cache = InMemoryChatroomListCache(clock, max_pages_per_user=2)
    user = uuid.uuid4()
    generation, _ = await cache.lookup(user, "p0")
    for key in ("p0", "p1", "p2"):
        await cache.store(user, generation, key, page_of(user, key), 60)

    assert (await cache.lookup(user, "p0"))[1] is None
    assert (await cache.lookup(user, "p1"))[1] is not None
    assert (await cache.lookup(user, "p2"))[1] is not None


async def test_cache_forgets_least_recent_user_and_never_reuses_a_generation(
    clock: SteppingClock,
) -> None:
    cache = InMemoryChatroomListCache(clock, max_users=1)
    user, other = uuid.uuid4(), uuid.uuid4()
    stale_generation, _ = await cache.lookup(user, "first")
    await cache.invalidate(user)
    await cache.lookup(other, "first")  # evicts ``user``

    await cache.store(user, stale_generation, "first", page_of(user, "old"), 60)
    generation, page = await cache.lookup(user, "first")

    assert page is None
    assert generation not in (stale_generation, stale_generation + 1)


async def test_otp_store_drops_the_oldest_challenge_past_its_bound(clock: SteppingClock) -> None:
    store = InMemoryOtpStore(clock, max_entries=2)
    numbers = ["+15550000001", "+15550000002", "+15550000003"]
    expires_at = clock.now() + timedelta(minutes=5)
    for number in numbers:
        await store.put(challenge(mobile=number, expires_at=expires_at))
    keys = [challenge(mobile=number).key for number in numbers]

    outcomes = [(await store.attempt(key, RIGHT, clock.now(), 5)).value for key in keys]

    assert outcomes == ["absent", "accepted", "accepted"]


def test_sweep_waits_for_the_dict_to_double_then_drops_only_the_expired() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    sweep = ExpirySweep[int, datetime](lambda expires_at: expires_at, min_size=4)
    entries = {
        0: now - timedelta(seconds=1),
        1: now,  # expires at this very moment: gone
        2: now + timedelta(seconds=1),
    }

    sweep(entries, now)
    assert len(entries) == 3  # below min_size: not worth a scan

    entries[3] = now + timedelta(seconds=1)
    sweep(entries, now)
    assert sorted(entries) == [2, 3]

    entries[4] = now - timedelta(seconds=1)
    sweep(entries, now)
    # Two left, so the next sweep waits for max(min_size, 2 * 2) entries.
    assert sorted(entries) == [2, 3, 4]


class TestInMemoryReplyCancellations(ReplyCancellationsContract):
    @pytest.fixture
    def cancellations(self, clock: SteppingClock) -> InMemoryReplyCancellations:
        return InMemoryReplyCancellations(clock)

    @pytest.fixture
    def elsewhere(self, cancellations: InMemoryReplyCancellations) -> InMemoryReplyCancellations:
        return cancellations  # one process: the same store

    async def test_a_request_expires(
        self, cancellations: InMemoryReplyCancellations, clock: SteppingClock
    ) -> None:
        reply = uuid.uuid4()
        await cancellations.request(reply)
        await clock.advance(REQUEST_TTL.total_seconds() + 1)
        assert await cancellations.is_requested(reply) is False
