"""The stop of every reply in flight is looked for with one call per interval."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection
from typing import Any

import pytest

from gemini_core.errors import ServiceUnavailable
from gemini_core.services import ReplyStops
from gemini_core.services.cancellation import ReplyStopped

POLL = 0.02


class CountingCancellations:
    """``ReplyCancellations`` that counts its looks (and can fail them)."""

    def __init__(self) -> None:
        self.stopped: set[uuid.UUID] = set()
        self.looks = 0
        self.failing = False

    async def request(self, reply_id: uuid.UUID) -> None:
        self.stopped.add(reply_id)

    async def is_requested(self, reply_id: uuid.UUID) -> bool:
        self.looks += 1
        return reply_id in self.stopped

    async def requested_among(self, reply_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        self.looks += 1
        if self.failing:
            raise ServiceUnavailable("redis is down")
        return self.stopped & set(reply_ids)


def stops_over(cancellations: CountingCancellations) -> ReplyStops:
    # The failer only ends replies, which these tests never ask for.
    failer: Any = None
    return ReplyStops(failer=failer, cancellations=cancellations, poll_seconds=POLL)


async def slow_call(seconds: float) -> Any:
    async def call(sink: Any) -> str:
        await sink("some ")
        await asyncio.sleep(seconds)
        return "answer"

    return call


async def discard(_: str) -> None:
    pass


async def test_many_replies_in_flight_share_one_look_per_interval() -> None:
    cancellations = CountingCancellations()
    stops = stops_over(cancellations)
    replies = [uuid.uuid4() for _ in range(20)]
    call = await slow_call(10 * POLL)
    answers = await asyncio.gather(*(stops.run(r, call, discard) for r in replies))
    assert answers == ["answer"] * 20
    # About 10 intervals passed: one look each, where one per reply made 200.
    assert 1 <= cancellations.looks <= 15


async def test_only_the_stopped_reply_stops_with_its_text_so_far() -> None:
    cancellations = CountingCancellations()
    stops = stops_over(cancellations)
    stopped, running = uuid.uuid4(), uuid.uuid4()
    call = await slow_call(10 * POLL)
    both = [
        asyncio.ensure_future(stops.run(stopped, call, discard)),
        asyncio.ensure_future(stops.run(running, call, discard)),
    ]
    await asyncio.sleep(2 * POLL)
    await cancellations.request(stopped)
    results = await asyncio.gather(*both, return_exceptions=True)
    assert isinstance(results[0], ReplyStopped) and results[0].text == "some "
    assert results[1] == "answer"


async def test_a_failing_look_stops_nothing_and_the_poller_ends_when_idle() -> None:
    cancellations = CountingCancellations()
    cancellations.failing = True
    stops = stops_over(cancellations)
    reply = uuid.uuid4()
    await cancellations.request(reply)
    assert await stops.run(reply, await slow_call(4 * POLL), discard) == "answer"
    looks = cancellations.looks
    assert looks >= 1
    await asyncio.sleep(5 * POLL)
    assert cancellations.looks == looks  # nothing in flight: no more looks


async def test_a_reply_run_twice_at_once_is_watched_until_both_end() -> None:
    cancellations = CountingCancellations()
    stops = stops_over(cancellations)
    reply = uuid.uuid4()
    short, long = await slow_call(POLL), await slow_call(8 * POLL)
    first = asyncio.ensure_future(stops.run(reply, short, discard))
    second = asyncio.ensure_future(stops.run(reply, long, discard))
    assert await first == "answer"
    await cancellations.request(reply)
    with pytest.raises(ReplyStopped):
        await second
