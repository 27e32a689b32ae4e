"""At most PASSWORD_HASH_CONCURRENCY password hashes run at once per process,
PASSWORD_HASH_QUEUE more wait at most PASSWORD_HASH_WAIT seconds, and the
rest are refused at once with 503: a flood of logins cannot starve the rest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from adapters.bounded_hasher import BoundedPasswordHasher
from gemini_core.errors import ServiceUnavailable
from tests.support.api import ApiClient, assert_error, confirmed_signup, make_settings, running_app
from tests.support.fakes import FakeClock

MOBILE = "+919876543210"
PASSWORD = "a long enough password"


class GatedHasher:
    """A password hasher whose checks wait until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.gate.set()
        self.running = 0
        self.most_at_once = 0

    async def hash(self, password: str) -> str:
        return await self._run(f"fake${password}")

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(password_hash) == f"fake${password}"

    def needs_rehash(self, password_hash: str) -> bool:
        return False

    async def _run(self, result: str) -> str:
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await self.gate.wait()
            return result
        finally:
            self.running -= 1


@asynccontextmanager
async def api_with(tmp_path: Path, hasher: GatedHasher, **env: str) -> AsyncIterator[ApiClient]:
    settings = make_settings(tmp_path, **env)
    async with running_app(settings, clock=FakeClock(), hasher=hasher) as api:
        await confirmed_signup(api, MOBILE, password=PASSWORD)
        yield api


def log_in(api: httpx.AsyncClient) -> asyncio.Task[httpx.Response]:
    body = {"mobile_number": MOBILE, "password": PASSWORD}
    return asyncio.create_task(api.post("/auth/login", json=body))


async def first_done(
    tasks: list[asyncio.Task[httpx.Response]], count: int
) -> set[asyncio.Task[httpx.Response]]:
    """The first ``count`` to finish; the deadline only stops a broken run."""
    done: set[asyncio.Task[httpx.Response]] = set()
    async with asyncio.timeout(20):
        while len(done) < count:
            finished, _ = await asyncio.wait(
                [t for t in tasks if t not in done], return_when=asyncio.FIRST_COMPLETED
            )
            done |= finished
    return done


async def hasher_busy(hasher: GatedHasher) -> None:
    """Until a check holds a slot; the deadline only stops a broken run."""
    async with asyncio.timeout(20):
        while hasher.running == 0:
            await asyncio.sleep(0.01)


async def test_logins_past_the_slots_and_the_queue_are_refused_at_once(tmp_path: Path) -> None:
    hasher = GatedHasher()
    env = {"PASSWORD_HASH_CONCURRENCY": "2", "PASSWORD_HASH_QUEUE": "3", "PASSWORD_HASH_WAIT": "60"}
    async with api_with(tmp_path, hasher, **env) as api:
        hasher.gate.clear()
        logins = [log_in(api) for _ in range(8)]
        # Three are refused while the other five still wait on the hasher.
        refused = await first_done(logins, 3)
        for task in refused:
            assert_error(task.result(), 503, "service_unavailable")
            assert int(task.result().headers["Retry-After"]) > 0
        assert hasher.running == 2
        waiting = [task for task in logins if task not in refused]
        assert not any(task.done() for task in waiting)
        hasher.gate.set()
        served = await asyncio.gather(*waiting)
        assert [r.status_code for r in served] == [200] * 5
        assert hasher.most_at_once == 2


async def test_a_login_waiting_too_long_for_a_slot_is_refused(tmp_path: Path) -> None:
    hasher = GatedHasher()
    env = {
        "PASSWORD_HASH_CONCURRENCY": "1",
        "PASSWORD_HASH_QUEUE": "5",
        "PASSWORD_HASH_WAIT": "0.2",
    }
    async with api_with(tmp_path, hasher, **env) as api:
        hasher.gate.clear()
        first = log_in(api)
        # The second starts only once the first holds the slot: which request
        # reaches the hasher first is otherwise up to the scheduler.
        await hasher_busy(hasher)
        second = log_in(api)
        (late,) = await first_done([first, second], 1)
        assert late is second
        assert_error(late.result(), 503, "service_unavailable")
        assert not first.done()  # the one holding the slot is unharmed
        hasher.gate.set()
        assert (await first).status_code == 200
        # with the slot free again, the next login goes through
        assert (await log_in(api)).status_code == 200


async def test_the_bound_gives_every_slot_back() -> None:
    inner = GatedHasher()
    bounded = BoundedPasswordHasher(inner, concurrency=1, queue=1, wait_seconds=0.05)
    inner.gate.clear()
    holder = asyncio.create_task(bounded.hash("one"))
    await asyncio.sleep(0)
    with pytest.raises(ServiceUnavailable):
        await bounded.hash("waits too long")
    waiter = asyncio.create_task(bounded.hash("waits"))
    await asyncio.sleep(0)
    with pytest.raises(ServiceUnavailable):
        await bounded.hash("no room in the queue")
    waiter.cancel()
    inner.gate.set()
    assert await holder == "fake$one"
    # nothing leaked: two calls in a row each get the one slot
    assert await bounded.verify("fake$x", "x") and await bounded.hash("y") == "fake$y"
    assert inner.most_at_once == 1


async def test_a_reset_refused_as_busy_keeps_its_code(tmp_path: Path) -> None:
    hasher = GatedHasher()
    env = {"PASSWORD_HASH_CONCURRENCY": "1", "PASSWORD_HASH_QUEUE": "0"}
    async with api_with(tmp_path, hasher, **env) as api:
        sent = await api.post("/auth/forgot-password", json={"mobile_number": MOBILE})
        reset = {"mobile_number": MOBILE, "otp": sent.json()["data"]["otp"]}
        reset["new_password"] = "another good password"
        hasher.gate.clear()
        busy_login = log_in(api)  # holds the one slot
        await hasher_busy(hasher)
        async with asyncio.timeout(20):  # only stops a broken run
            refused = await api.post("/auth/reset-password", json=reset)
        assert_error(refused, 503, "service_unavailable")
        hasher.gate.set()
        assert (await busy_login).status_code == 200
        # The code was not spent on the refused attempt.
        again = await api.post("/auth/reset-password", json=reset)
        assert again.status_code == 200, again.text
