"""The worker's metrics: reply outcomes, redeliveries, model latency and
errors, recorded around the unchanged ReplyService."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.prometheus import (
    InstrumentedChatModel,
    InstrumentedReplyRunner,
    WorkerMetrics,
    own_registry,
)
from entrypoints.bootstrap import bootstrap
from entrypoints.container import Container
from gemini_core.errors import ModelError
from gemini_core.services import ChatService, ReplyService
from tests.support.api import make_settings
from tests.support.core import add_user
from tests.support.fakes import FakeClock, RecordingQueue, ScriptedModel


class Worker:
    def __init__(self, container: Container, metrics: WorkerMetrics, model: ScriptedModel):
        self.container = container
        self.metrics = metrics
        self.model = model
        self.runner = InstrumentedReplyRunner(container.resolve(ReplyService), metrics)

    def value(self, name: str, **labels: str) -> float:
        assert self.metrics.registry is not None
        return self.metrics.registry.get_sample_value(name, labels) or 0.0

    async def pending_reply(self) -> uuid.UUID:
        chat = self.container.resolve(ChatService)
        user = await add_user(self.container)
        room = await chat.create_room(user.id, "r")
        return (await chat.send_prompt(user.id, room.id, "hello")).reply.id


@pytest.fixture
async def worker(tmp_path: Path) -> AsyncIterator[Worker]:
    metrics = WorkerMetrics(own_registry())
    model = ScriptedModel()
    settings = make_settings(tmp_path)
    container = bootstrap(
        settings,
        clock=FakeClock(),
        queue=RecordingQueue(),
        model=InstrumentedChatModel(model, metrics),
    )
    async with container:
        yield Worker(container, metrics, model)


async def test_a_completed_reply_and_its_model_call_are_counted(worker: Worker) -> None:
    reply = await worker.pending_reply()
    await worker.runner.generate(reply)
    assert worker.value("gemini_clone_replies_total", outcome="completed") == 1
    assert worker.value("gemini_clone_model_latency_seconds_count") == 1
    assert worker.value("gemini_clone_reply_redeliveries_total") == 0
    await worker.runner.generate(reply)  # delivered again: already final
    assert worker.value("gemini_clone_replies_total", outcome="skipped") == 1
    assert worker.value("gemini_clone_replies_total", outcome="completed") == 1
    assert worker.value("gemini_clone_model_latency_seconds_count") == 1


async def test_a_model_error_fails_the_reply_and_is_counted_by_code(worker: Worker) -> None:
    worker.model.error = ModelError("the model is overloaded")
    await worker.runner.generate(await worker.pending_reply())
    assert worker.value("gemini_clone_replies_total", outcome="failed") == 1
    assert worker.value("gemini_clone_model_errors_total", code="model_error") == 1
    assert worker.value("gemini_clone_model_latency_seconds_count") == 1


async def test_a_run_that_raises_then_a_redelivery_that_completes(worker: Worker) -> None:
    reply = await worker.pending_reply()
    worker.model.error = RuntimeError("the worker's bug")  # type: ignore[assignment]
    with pytest.raises(RuntimeError):
        await worker.runner.generate(reply)
    assert worker.value("gemini_clone_replies_total", outcome="error") == 1
    assert worker.value("gemini_clone_model_errors_total", code="unexpected") == 1
    worker.model.error = None
    await worker.runner.generate(reply)  # the queue hands it over again
    assert worker.value("gemini_clone_replies_total", outcome="completed") == 1
    assert worker.value("gemini_clone_reply_redeliveries_total") == 1


async def test_a_reply_that_is_gone_is_skipped(worker: Worker) -> None:
    await worker.runner.generate(uuid.uuid4())
    assert worker.value("gemini_clone_replies_total", outcome="skipped") == 1
