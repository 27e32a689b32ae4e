"""Nothing lost, nothing stuck, in the core: the model breaker on a fake
clock, the sweep leaving alone what the queue still holds, each reply's
closing log line, and readiness with an advisory check."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

import pytest

from adapters.taskiq import in_process_queue
from entrypoints.bootstrap import bootstrap
from gemini_core.errors import ModelError, ServiceUnavailable
from gemini_core.model import MessageStatus
from gemini_core.services import ModelBreaker, ReadinessService, ReplyService, WorkersAlive
from tests.support.api import make_settings
from tests.support.fakes import FakeClock, ScriptedModel
from tests.unit.test_reply_service import Harness, RecordingQueue, harness  # noqa: F401

OUTAGE = ModelError("Gemini is overloaded right now (HTTP 503)", retryable=True)
REFUSED = ModelError("Gemini rejected the request", retryable=False)
UNAVAILABLE = "the model is unavailable; try again shortly"


# -- the breaker, on its own ---------------------------------------------------


def test_the_breaker_opens_after_the_configured_failures_in_a_row() -> None:
    clock = FakeClock()
    breaker = ModelBreaker(clock, failures=3, cooldown_seconds=30)
    for _ in range(2):
        assert breaker.admit()
        breaker.failed(OUTAGE)
    assert breaker.admit() and not breaker.is_open
    breaker.succeeded()  # a success in between starts the count again
    for _ in range(3):
        assert breaker.admit()
        breaker.failed(OUTAGE)
    assert breaker.is_open
    assert not breaker.admit()
    clock.advance(29.9)
    assert not breaker.admit()


def test_after_the_cool_down_one_call_probes_and_its_success_closes() -> None:
    clock = FakeClock()
    breaker = ModelBreaker(clock, failures=1, cooldown_seconds=10)
    breaker.failed(OUTAGE)
    clock.advance(10)
    assert breaker.admit()  # the probe
    assert not breaker.admit()  # everyone else waits for its verdict
    breaker.succeeded()
    assert not breaker.is_open
    assert all(breaker.admit() for _ in range(5))


def test_a_failed_probe_opens_the_breaker_for_another_cool_down() -> None:
    clock = FakeClock()
    breaker = ModelBreaker(clock, failures=5, cooldown_seconds=10)
    for _ in range(5):
        breaker.failed(OUTAGE)
    clock.advance(10)
    assert breaker.admit()
    breaker.failed(OUTAGE)  # one failure is enough while probing
    assert not breaker.admit()
    clock.advance(9)
    assert not breaker.admit()
    clock.advance(1)
    assert breaker.admit()


def test_an_abandoned_probe_lets_the_next_caller_probe() -> None:
    clock = FakeClock()
    breaker = ModelBreaker(clock, failures=1, cooldown_seconds=10)
    breaker.failed(OUTAGE)
    clock.advance(10)
    assert breaker.admit()
    breaker.abandoned()  # cancelled: no verdict
    assert breaker.admit()


def test_errors_that_are_not_an_outage_do_not_count() -> None:
    breaker = ModelBreaker(FakeClock(), failures=2, cooldown_seconds=10)
    for _ in range(5):
        breaker.failed(OUTAGE)
        breaker.failed(REFUSED)  # the model answered: it is up
    assert not breaker.is_open


def test_a_breaker_needs_sensible_limits() -> None:
    with pytest.raises(ValueError):
        ModelBreaker(FakeClock(), failures=0)
    with pytest.raises(ValueError):
        ModelBreaker(FakeClock(), cooldown_seconds=0)


# -- the breaker in ReplyService, as the composition root wires it --------------


async def test_an_open_breaker_fails_replies_at_once_with_their_quota_back(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    model = ScriptedModel(error=OUTAGE)
    settings = make_settings(tmp_path, MODEL_BREAKER_FAILURES="2", MODEL_BREAKER_COOLDOWN="60")
    async with bootstrap(settings, clock=clock, model=model, queue=RecordingQueue()) as container:
        h = Harness(container, clock)
        await h.setup()
        for _ in range(2):
            await h.service.generate((await h.prompt()).id)
        assert len(model.requests) == 2

        fast = await h.prompt()
        await h.service.generate(fast.id)
        stored = await h.stored(fast)
        assert stored.status is MessageStatus.FAILED and stored.error == UNAVAILABLE
        assert len(model.requests) == 2  # the model was not called
        assert await h.used() == 0

        model.error = None
        clock.advance(60)
        probe = await h.prompt()
        await h.service.generate(probe.id)
        assert (await h.stored(probe)).status is MessageStatus.COMPLETED
        assert len(model.requests) == 3


async def test_the_breaker_can_be_turned_off(tmp_path: Path) -> None:
    clock = FakeClock()
    model = ScriptedModel(error=OUTAGE)
    settings = make_settings(tmp_path, MODEL_BREAKER_FAILURES="0")
    async with bootstrap(settings, clock=clock, model=model, queue=RecordingQueue()) as container:
        h = Harness(container, clock)
        await h.setup()
        for _ in range(8):
            await h.service.generate((await h.prompt()).id)
        assert len(model.requests) == 8


async def test_each_reply_ends_with_one_info_line(
    harness: Harness,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    done = await harness.prompt()
    with caplog.at_level(logging.INFO, logger="gemini_core.services.replies"):
        await harness.service.generate(done.id)
        await harness.service.generate(done.id)  # already final
        harness.model.error = REFUSED
        failed = await harness.prompt()
        await harness.service.generate(failed.id)
    lines = [r.getMessage() for r in caplog.records if r.name == "gemini_core.services.replies"]
    assert lines == [
        f"reply {done.id} completed: deliveries=1 model=0.00s total=0.00s",
        f"reply {done.id} skipped (already final or gone): deliveries=- model=- total=0.00s",
        f"reply {failed.id} failed (Gemini rejected the request): deliveries=1 model=0.00s "
        "total=0.00s",
    ]
    assert isinstance(harness.service, ReplyService)


# -- the sweep asks the queue first ---------------------------------------------


async def test_the_sweep_leaves_alone_what_the_queue_still_holds(
    harness: Harness,  # noqa: F811
) -> None:
    slow, lost = await harness.prompt("slow"), await harness.prompt("lost")
    harness.queue.held = {slow.id}  # waiting for a worker, or being answered
    harness.clock.advance(4 * 60)  # past the harness's REPLY_REQUEUE_AFTER
    assert await harness.sweeper.sweep() == (1, 0)
    assert harness.queue.enqueued == [lost.id]


async def test_the_sweep_enqueues_nothing_when_the_queue_cannot_tell(
    harness: Harness,  # noqa: F811
) -> None:
    await harness.prompt()
    harness.queue.blind = True
    harness.clock.advance(4 * 60)
    assert await harness.sweeper.sweep() == (0, 0)
    assert harness.queue.enqueued == []


# -- readiness ------------------------------------------------------------------


class Workers:
    def __init__(self, alive: bool) -> None:
        self._alive = alive

    async def beat(self, worker: object, ttl_seconds: float) -> None: ...

    async def leave(self, worker_id: str) -> None: ...

    async def alive(self) -> list[object]:
        return [object()] if self._alive else []


class Down:
    name = "database"

    async def check(self) -> None:
        raise ServiceUnavailable("down")


async def test_an_advisory_check_is_reported_without_deciding_readiness() -> None:
    nobody = await ReadinessService([], [WorkersAlive(Workers(alive=False))]).report()  # type: ignore[arg-type]
    assert nobody.ready
    assert nobody.checks == {"workers": "unavailable: no reply worker is alive"}
    somebody = await ReadinessService([], [WorkersAlive(Workers(alive=True))]).report()  # type: ignore[arg-type]
    assert somebody.checks == {"workers": "ok"}
    assert not (await ReadinessService([Down()], [WorkersAlive(Workers(True))]).report()).ready  # type: ignore[arg-type]


async def test_the_embedded_default_has_no_workers_to_report(tmp_path: Path) -> None:
    async with bootstrap(make_settings(tmp_path), model=ScriptedModel()) as container:
        report = await container.resolve(ReadinessService).report()
    assert report.ready and set(report.checks) == {"database"}


# -- the in-process queue knows what it holds -------------------------------------


class Gate:
    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.ran: list[uuid.UUID] = []

    async def generate(self, reply_id: uuid.UUID) -> None:
        await self.open.wait()
        self.ran.append(reply_id)


async def test_the_in_process_queue_holds_a_reply_until_it_has_run() -> None:
    queue = in_process_queue(max_in_flight=1)
    gate = Gate()
    await queue.start(gate)
    try:
        first, second, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await queue.enqueue(first)
        await queue.enqueue(second)  # waits for the only slot
        assert await queue.holding([first, second, other]) == {first, second}
        gate.open.set()
        while len(gate.ran) < 2:
            await asyncio.sleep(0.01)
        assert await queue.holding([first, second]) == set()
    finally:
        await queue.stop()
