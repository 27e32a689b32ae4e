"""What a reply cost (issue 15 point 7) and which model wrote it (8a), on
the embedded default: the counts and the model stored with the reply, the
day's tokens counted once with the final write, the pending reply's model
asked."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gemini_core.model import MessageStatus
from gemini_core.ports import DeltaSink, ModelReply, ModelRequest
from tests.support.fakes import ScriptedModel
from tests.unit.test_reply_service import Harness, harness_with


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness_with(tmp_path) as h:
        yield h


async def tokens_today(harness: Harness) -> int:
    return (await harness.quota.usage(harness.user.id)).tokens_used


async def test_the_reply_keeps_every_count_and_the_model_that_answered(
    harness: Harness,
) -> None:
    reply = await harness.prompt(model="gemini-2.5-pro")

    await harness.service.generate(reply.id)

    stored = await harness.stored(reply)
    assert stored.status is MessageStatus.COMPLETED
    counts = (stored.prompt_tokens, stored.output_tokens, stored.thinking_tokens)
    assert counts == (3, 2, 1)
    assert stored.total_tokens == 6
    assert stored.model == "gemini-2.5-pro"
    assert harness.model.requests[0].model == "gemini-2.5-pro"
    assert await tokens_today(harness) == 6


async def test_without_a_model_on_the_reply_the_default_is_asked(harness: Harness) -> None:
    reply = await harness.prompt()

    await harness.service.generate(reply.id)

    assert harness.model.requests[0].model is None
    assert (await harness.stored(reply)).model == "scripted"


async def test_a_reply_delivered_again_is_counted_once(harness: Harness) -> None:
    first = await harness.prompt()
    second = await harness.prompt()

    await harness.service.generate(first.id)
    await harness.service.generate(first.id)  # redelivered after it was stored
    # Two runs of one reply at once: both call the model, one write lands.
    harness.model.release.clear()
    runs = [asyncio.create_task(harness.service.generate(second.id)) for _ in range(2)]
    while len(harness.model.requests) < 3:
        await asyncio.sleep(0.01)
    harness.model.release.set()
    outcomes = sorted(outcome.outcome for outcome in await asyncio.gather(*runs))

    assert outcomes == ["completed", "skipped"]
    assert await tokens_today(harness) == 12


class CountsWithoutTotal(ScriptedModel):
    """A model that reports its prompt and answer counts but no total."""

    async def generate(self, request: ModelRequest, on_delta: DeltaSink) -> ModelReply:
        answer = await super().generate(request, on_delta)
        return ModelReply(text=answer.text, prompt_tokens=10, output_tokens=4)


async def test_the_sum_counts_when_the_model_gives_no_total(tmp_path: Path) -> None:
    async with harness_with(tmp_path, model=CountsWithoutTotal()) as harness:
        reply = await harness.prompt()

        await harness.service.generate(reply.id)

        stored = await harness.stored(reply)
        assert (stored.total_tokens, stored.thinking_tokens) == (14, None)
        assert await tokens_today(harness) == 14
