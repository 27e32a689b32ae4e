"""Contract of ``DailyUsageRepository``: the quota's count, exact under
concurrency, kept only with the transaction that made it.

Subclasses provide a ``uow_factory`` fixture on an empty, migrated database
(SQLite in unit tests, PostgreSQL in integration).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

from gemini_core.model import DailyCounts
from gemini_core.ports import UnitOfWorkFactory
from tests.contracts.repositories import stored_user

DAY = date(2030, 1, 1)
NEXT_DAY = date(2030, 1, 2)


async def take(uow_factory: UnitOfWorkFactory, user_id: uuid.UUID, limit: int | None) -> int | None:
    """One take in a transaction of its own, committed."""
    async with uow_factory() as uow:
        used = await uow.daily_usage.take(user_id, DAY, limit)
        await uow.commit()
    return used


async def used(uow_factory: UnitOfWorkFactory, user_id: uuid.UUID, day: date = DAY) -> int:
    async with uow_factory() as uow:
        return await uow.daily_usage.used(user_id, day)


class _PromptCountContract:
    async def test_nothing_taken_is_zero(self, uow_factory: UnitOfWorkFactory) -> None:
        user = await stored_user(uow_factory)
        assert await used(uow_factory, user.id) == 0

    async def test_takes_count_up_to_the_limit_then_refuse_without_counting(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)

        taken = [await take(uow_factory, user.id, 3) for _ in range(5)]

        assert taken == [1, 2, 3, None, None]
        assert await used(uow_factory, user.id) == 3

    async def test_a_refused_take_leaves_the_transaction_usable(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        # PostgreSQL aborts a transaction on a failed statement: a refusal
        # must not be one, since the caller reads the count after it.
        user = await stored_user(uow_factory)
        await take(uow_factory, user.id, 1)
        async with uow_factory() as uow:
            assert await uow.daily_usage.take(user.id, DAY, 1) is None
            assert await uow.daily_usage.used(user.id, DAY) == 1
            assert await uow.users.get(user.id) is not None

    async def test_no_limit_always_counts(self, uow_factory: UnitOfWorkFactory) -> None:
        user = await stored_user(uow_factory)

        taken = [await take(uow_factory, user.id, None) for _ in range(30)]

        assert taken == list(range(1, 31))

    async def test_a_limit_of_zero_refuses_the_first(self, uow_factory: UnitOfWorkFactory) -> None:
        user = await stored_user(uow_factory)
        assert await take(uow_factory, user.id, 0) is None
        assert await used(uow_factory, user.id) == 0

    async def test_a_take_rolled_back_is_not_counted(self, uow_factory: UnitOfWorkFactory) -> None:
        user = await stored_user(uow_factory)
        await take(uow_factory, user.id, 5)
        async with uow_factory() as uow:
            assert await uow.daily_usage.take(user.id, DAY, 5) == 2
            # left without commit()

        assert await used(uow_factory, user.id) == 1
        assert await take(uow_factory, user.id, 5) == 2

    async def test_a_lower_limit_refuses_a_count_already_past_it(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        # A Pro user who sent 4 and became Basic with a limit of 3.
        user = await stored_user(uow_factory)
        for _ in range(4):
            await take(uow_factory, user.id, None)

        assert await take(uow_factory, user.id, 3) is None
        assert await used(uow_factory, user.id) == 4

    async def test_give_back_returns_one_unit_never_below_zero(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)
        for _ in range(2):
            await take(uow_factory, user.id, 5)

        returned = []
        for _ in range(3):
            async with uow_factory() as uow:
                returned.append(await uow.daily_usage.give_back(user.id, DAY))
                await uow.commit()

        assert returned == [True, True, False]
        assert await used(uow_factory, user.id) == 0
        assert await take(uow_factory, user.id, 5) == 1

    async def test_give_back_of_a_day_never_counted_writes_nothing(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)
        async with uow_factory() as uow:
            assert await uow.daily_usage.give_back(user.id, DAY) is False
            await uow.commit()
        assert await used(uow_factory, user.id) == 0

    async def test_users_and_days_are_counted_apart(self, uow_factory: UnitOfWorkFactory) -> None:
        user = await stored_user(uow_factory)
        other = await stored_user(uow_factory, "+14155550100")
        await take(uow_factory, user.id, 1)

        assert await take(uow_factory, other.id, 1) == 1
        async with uow_factory() as uow:
            assert await uow.daily_usage.take(user.id, NEXT_DAY, 1) == 1
            assert await uow.daily_usage.give_back(other.id, DAY)
            await uow.commit()

        assert await used(uow_factory, user.id) == 1
        assert await used(uow_factory, user.id, NEXT_DAY) == 1
        assert await used(uow_factory, other.id) == 0

    async def test_concurrent_takes_never_pass_the_limit(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)

        async def take_and_hold() -> int | None:
            async with uow_factory() as uow:
                taken = await uow.daily_usage.take(user.id, DAY, 5)
                await asyncio.sleep(0.01)  # others run while this one holds its count
                await uow.commit()
            return taken

        outcomes = await asyncio.gather(*(take_and_hold() for _ in range(12)))

        assert sorted(o for o in outcomes if o is not None) == [1, 2, 3, 4, 5]
        assert outcomes.count(None) == 7
        assert await used(uow_factory, user.id) == 5


async def spend(uow_factory: UnitOfWorkFactory, user_id: uuid.UUID, tokens: int) -> None:
    """A reply of ``tokens`` finished on DAY, counted the way the final write counts it."""
    from tests.contracts.reply_tokens import finished_reply

    await finished_reply(uow_factory, user_id, DAY, tokens)


class DailyTokenBudgetContract:
    async def test_counts_read_prompts_and_tokens(self, uow_factory: UnitOfWorkFactory) -> None:
        user = await stored_user(uow_factory)
        async with uow_factory() as uow:
            assert await uow.daily_usage.counts(user.id, DAY) == DailyCounts()
        await take(uow_factory, user.id, None)
        await spend(uow_factory, user.id, 40)

        async with uow_factory() as uow:
            assert await uow.daily_usage.counts(user.id, DAY) == DailyCounts(prompts=1, tokens=40)
            assert await uow.daily_usage.counts(user.id, NEXT_DAY) == DailyCounts()

    async def test_a_budget_refuses_once_the_days_tokens_reach_it(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        user = await stored_user(uow_factory)
        assert await take_within_budget(uow_factory, user.id, 100) == 1
        await spend(uow_factory, user.id, 99)
        assert await take_within_budget(uow_factory, user.id, 100) == 2
        await spend(uow_factory, user.id, 1)

        assert await take_within_budget(uow_factory, user.id, 100) is None
        assert await take_within_budget(uow_factory, user.id, 101) == 3
        assert await take_within_budget(uow_factory, user.id, None) == 4
        assert await used(uow_factory, user.id) == 4

    async def test_a_day_begun_by_tokens_alone_is_refused_past_its_budget(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        # A reply that finished after midnight counted to a day with no prompt yet.
        user = await stored_user(uow_factory)
        await spend(uow_factory, user.id, 500)

        assert await take_within_budget(uow_factory, user.id, 500) is None
        assert await used(uow_factory, user.id) == 0
        assert await take_within_budget(uow_factory, user.id, 501) == 1

    async def test_the_limit_and_the_budget_both_hold(self, uow_factory: UnitOfWorkFactory) -> None:
        user = await stored_user(uow_factory)
        async with uow_factory() as uow:
            assert await uow.daily_usage.take(user.id, DAY, 1, 1000) == 1
            assert await uow.daily_usage.take(user.id, DAY, 1, 1000) is None
            await uow.commit()
        assert await used(uow_factory, user.id) == 1


async def take_within_budget(
    uow_factory: UnitOfWorkFactory, user_id: uuid.UUID, budget: int | None
) -> int | None:
    async with uow_factory() as uow:
        used = await uow.daily_usage.take(user_id, DAY, None, budget)
        await uow.commit()
    return used


class DailyUsageContract(_PromptCountContract, DailyTokenBudgetContract):
    """The whole contract: the prompt count and the token budget."""
