"""The daily prompt quota's rules, on the services the composition root
wires (embedded default: SQLite, which keeps the count), without HTTP.

Basic users get ``BASIC_DAILY_LIMIT`` prompts per UTC day, Pro users
``PRO_DAILY_LIMIT`` (unlimited when unset); a unit is given back exactly
once for a prompt that is never answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from entrypoints.bootstrap import bootstrap
from entrypoints.container import Container
from gemini_core.errors import NotFound, QuotaExceeded
from gemini_core.model import (
    Chatroom,
    MessageStatus,
    Subscription,
    SubscriptionStatus,
    Tier,
    User,
)
from gemini_core.ports import UnitOfWorkFactory
from gemini_core.services import ChatService, QuotaService, ReplyFailer
from tests.support.api import make_settings
from tests.support.core import add_user, save_subscription
from tests.support.fakes import FakeClock, RecordingQueue, ScriptedModel, cheap_hasher

NOON = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)


@contextlib.asynccontextmanager
async def services(
    tmp_path: Path, clock: FakeClock, queue: RecordingQueue | None = None, **env: str
) -> AsyncIterator[Container]:
    settings = make_settings(tmp_path, **env)
    async with bootstrap(
        settings,
        clock=clock,
        model=ScriptedModel(),
        hasher=cheap_hasher(),
        queue=queue or RecordingQueue(),
    ) as container:
        yield container


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON)


@pytest.fixture
async def container(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Container]:
    async with services(tmp_path, clock) as container:
        yield container


@pytest.fixture
async def user(container: Container) -> User:
    return await add_user(container)


@pytest.fixture
def quota(container: Container) -> QuotaService:
    return container.resolve(QuotaService)


async def make_pro(container: Container, user: User) -> None:
    await save_subscription(
        container,
        Subscription(user_id=user.id, status=SubscriptionStatus.ACTIVE, subscription_id="sub_1"),
    )


async def spent_room(container: Container, user: User) -> Chatroom:
    """A room of the user's, after the user sent today's five Basic prompts there."""
    chat = container.resolve(ChatService)
    room = await chat.create_room(user.id, "r")
    for n in range(5):
        await chat.send_prompt(user.id, room.id, f"p{n}")
    return room


async def used_today(container: Container, user: User) -> int:
    return (await container.resolve(QuotaService).usage(user.id)).used


# -- the limit ---------------------------------------------------------------


async def test_basic_gets_five_prompts_a_day_and_the_sixth_is_quota_exceeded(
    quota: QuotaService, user: User
) -> None:
    taken = [await quota.take(user.id) for _ in range(5)]
    assert [(q.limit, q.used, q.remaining) for q in taken] == [
        (5, 1, 4),
        (5, 2, 3),
        (5, 3, 2),
        (5, 4, 1),
        (5, 5, 0),
    ]

    with pytest.raises(QuotaExceeded) as refused:
        await quota.take(user.id)

    assert refused.value.code == "quota_exceeded"
    assert refused.value.details == {
        "limit": 5,
        "used": 5,
        "resets_at": MIDNIGHT.isoformat(),
    }
    assert refused.value.retry_after == 12 * 3600  # noon to midnight UTC
    assert (await quota.usage(user.id)).used == 5  # the refusal was not counted


async def test_the_basic_limit_is_the_basic_daily_limit_setting(
    tmp_path: Path, clock: FakeClock
) -> None:
    async with services(tmp_path, clock, BASIC_DAILY_LIMIT="2") as container:
        quota = container.resolve(QuotaService)
        user = await add_user(container)
        await quota.take(user.id)
        await quota.take(user.id)
        with pytest.raises(QuotaExceeded) as refused:
            await quota.take(user.id)
    assert refused.value.details["limit"] == 2


async def test_twenty_concurrent_takes_allow_exactly_five(quota: QuotaService, user: User) -> None:
    outcomes = await asyncio.gather(
        *(quota.take(user.id) for _ in range(20)), return_exceptions=True
    )

    accepted = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert sorted(q.used for q in accepted) == [1, 2, 3, 4, 5]
    assert len(refused) == 15 and all(isinstance(e, QuotaExceeded) for e in refused)
    assert (await quota.usage(user.id)).used == 5


async def test_the_day_rolls_over_at_utc_midnight(
    quota: QuotaService, user: User, clock: FakeClock
) -> None:
    clock.current = datetime(2026, 11, 24, 21, 30, tzinfo=UTC)
    for _ in range(5):
        await quota.take(user.id)

    # refused through the last hours of the UTC day, each time told how long to wait
    for moment, wait in [((22, 0, 0), 7200), ((23, 0, 0), 3600), ((23, 59, 59), 1)]:
        clock.current = datetime(2026, 11, 24, *moment, tzinfo=UTC)
        with pytest.raises(QuotaExceeded) as refused:
            await quota.take(user.id)
        assert refused.value.retry_after == wait

    clock.advance(1)  # 00:00:00 UTC: a new day
    assert (await quota.take(user.id)).used == 1
    assert (await quota.usage(user.id)).resets_at == datetime(2026, 11, 26, tzinfo=UTC)


async def test_pro_is_unlimited_when_pro_daily_limit_is_unset(
    container: Container, quota: QuotaService, user: User
) -> None:
    await make_pro(container, user)

    taken = [await quota.take(user.id) for _ in range(30)]

    assert taken[-1].limit is None and taken[-1].used == 30 and taken[-1].remaining is None


async def test_pro_gets_pro_daily_limit_when_it_is_set(tmp_path: Path, clock: FakeClock) -> None:
    async with services(tmp_path, clock, PRO_DAILY_LIMIT="7") as container:
        quota = container.resolve(QuotaService)
        user = await add_user(container)
        await make_pro(container, user)
        for _ in range(7):
            await quota.take(user.id)
        with pytest.raises(QuotaExceeded) as refused:
            await quota.take(user.id)
    assert refused.value.details["limit"] == 7


async def test_an_upgrade_applies_to_the_very_next_prompt(
    container: Container, quota: QuotaService, user: User
) -> None:
    for _ in range(5):
        await quota.take(user.id)
    with pytest.raises(QuotaExceeded):
        await quota.take(user.id)

    await make_pro(container, user)

    assert (await quota.take(user.id)).used == 6


async def test_a_prompt_counts_under_the_tier_its_caller_brings(
    container: Container, user: User
) -> None:
    # The API brings the cached user's tier, so a prompt reads no
    # subscription; without one the stored subscription decides.
    chat = container.resolve(ChatService)
    room = await spent_room(container, user)
    with pytest.raises(QuotaExceeded):
        await chat.send_prompt(user.id, room.id, "read: basic", tier=None)
    with pytest.raises(QuotaExceeded):
        await chat.send_prompt(user.id, room.id, "brought: basic", tier=Tier.BASIC)
    accepted = await chat.send_prompt(user.id, room.id, "brought: pro", tier=Tier.PRO)
    assert accepted.quota.tier is Tier.PRO and accepted.quota.used == 6


# -- giving units back ---------------------------------------------------------


async def test_a_refund_returns_exactly_one_unit(quota: QuotaService, user: User) -> None:
    for _ in range(5):
        await quota.take(user.id)

    await quota.give_back(user.id, NOON)

    assert (await quota.usage(user.id)).used == 4
    assert (await quota.take(user.id)).used == 5
    with pytest.raises(QuotaExceeded):
        await quota.take(user.id)


async def test_a_refund_goes_to_the_day_the_unit_was_taken(
    quota: QuotaService, user: User, clock: FakeClock
) -> None:
    clock.current = datetime(2026, 11, 24, 23, 59, 50, tzinfo=UTC)
    taken_yesterday = clock.now()
    await quota.take(user.id)
    await quota.take(user.id)
    clock.advance(20)  # into the next day
    await quota.take(user.id)

    await quota.give_back(user.id, taken_yesterday)

    # yesterday's row took it: today's is untouched
    assert (await quota.usage(user.id)).used == 1


async def test_a_reply_failed_twice_gives_its_unit_back_once(
    container: Container, user: User
) -> None:
    chat = container.resolve(ChatService)
    room = await chat.create_room(user.id, "r")
    first = await chat.send_prompt(user.id, room.id, "one")
    await chat.send_prompt(user.id, room.id, "two")
    assert await used_today(container, user) == 2
    failer = container.resolve(ReplyFailer)

    # the worker, the sweep and a retry race to fail the same reply
    wins = await asyncio.gather(*(failer.fail(first.reply, f"path {n}") for n in range(3)))

    assert sorted(wins) == [False, False, True]
    assert await used_today(container, user) == 1
    assert await failer.fail(first.reply, "once more") is False
    assert await used_today(container, user) == 1


async def test_a_prompt_whose_reply_cannot_be_queued_is_not_counted(
    tmp_path: Path, clock: FakeClock
) -> None:
    async with services(tmp_path, clock, queue=RecordingQueue(fail=True)) as container:
        chat = container.resolve(ChatService)
        user = await add_user(container)
        room = await chat.create_room(user.id, "r")

        # more than the day's five: none of them counts
        sent = [await chat.send_prompt(user.id, room.id, f"p{n}") for n in range(6)]

        assert [s.reply.status for s in sent] == [MessageStatus.FAILED] * 6
        assert all("could not be queued" in (s.reply.error or "") for s in sent)
        assert await used_today(container, user) == 0


async def test_a_prompt_to_a_missing_room_is_not_counted(container: Container, user: User) -> None:
    chat = container.resolve(ChatService)

    with pytest.raises(NotFound):
        await chat.send_prompt(user.id, uuid.uuid4(), "hello?")

    assert await used_today(container, user) == 0


async def test_a_refused_prompt_stores_nothing(container: Container, user: User) -> None:
    chat = container.resolve(ChatService)
    room = await spent_room(container, user)

    with pytest.raises(QuotaExceeded):
        await chat.send_prompt(user.id, room.id, "one too many")

    async with container.resolve(UnitOfWorkFactory)() as uow:
        stored = await uow.messages.list_page(room.id, 100, None)
    assert len(stored) == 10  # five prompts and their five replies
    assert "one too many" not in {m.content for m in stored}


async def test_no_prompts_left_is_quota_exceeded_whichever_room_is_named(
    container: Container, user: User
) -> None:
    chat = container.resolve(ChatService)
    await spent_room(container, user)
    stranger = await add_user(container, "+919876500001")
    theirs = await chat.create_room(stranger.id, "theirs")

    for elsewhere in (uuid.uuid4(), theirs.id):
        with pytest.raises(QuotaExceeded):
            await chat.send_prompt(user.id, elsewhere, "one too many")

    assert await used_today(container, user) == 5


async def test_a_limit_of_zero_refuses_the_first_prompt_whichever_room(
    tmp_path: Path, clock: FakeClock
) -> None:
    async with services(tmp_path, clock, BASIC_DAILY_LIMIT="0") as container:
        chat = container.resolve(ChatService)
        user = await add_user(container)
        room = await chat.create_room(user.id, "r")

        for target in (room.id, uuid.uuid4()):
            with pytest.raises(QuotaExceeded):
                await chat.send_prompt(user.id, target, "hello")

        assert await used_today(container, user) == 0
