"""Contract of ``ReplyCancellations``: a request is seen by every later
look, by reply, and repeating it is harmless.

A subclass provides the adapter as ``cancellations``; two handles on the
same store (two processes) as ``cancellations`` and ``elsewhere``.
"""

from __future__ import annotations

import asyncio
import uuid

from gemini_core.ports import ReplyCancellations


class ReplyCancellationsContract:
    async def test_nothing_is_requested_at_first(self, cancellations: ReplyCancellations) -> None:
        assert await cancellations.is_requested(uuid.uuid4()) is False

    async def test_a_request_is_seen_by_another_handle(
        self, cancellations: ReplyCancellations, elsewhere: ReplyCancellations
    ) -> None:
        reply = uuid.uuid4()
        await cancellations.request(reply)
        assert await elsewhere.is_requested(reply) is True
        assert await cancellations.is_requested(reply) is True

    async def test_requests_are_per_reply_and_repeatable(
        self, cancellations: ReplyCancellations
    ) -> None:
        stopped, running = uuid.uuid4(), uuid.uuid4()
        await asyncio.gather(*(cancellations.request(stopped) for _ in range(5)))
        assert await cancellations.is_requested(stopped) is True
        assert await cancellations.is_requested(running) is False

    async def test_requested_among_answers_the_stopped_ones_in_one_look(
        self, cancellations: ReplyCancellations, elsewhere: ReplyCancellations
    ) -> None:
        stopped, running, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await cancellations.request(stopped)
        await cancellations.request(other)
        assert await elsewhere.requested_among([stopped, running]) == {stopped}
        assert await elsewhere.requested_among([running]) == set()
        assert await elsewhere.requested_among([]) == set()
