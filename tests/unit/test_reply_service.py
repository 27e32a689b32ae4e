"""ReplyService and the sweep, wired by the composition root on the embedded
default (SQLite, in-process adapters), without HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from entrypoints.bootstrap import bootstrap
from entrypoints.container import Container
from gemini_core.errors import ModelError
from gemini_core.ids import new_id
from gemini_core.model import Chatroom, Message, MessageStatus, Role, User
from gemini_core.ports import (
    ChatModel,
    EventBus,
    MessageEvent,
    ReplyQueue,
    UnitOfWorkFactory,
)
from gemini_core.services import QuotaService, ReplyFailer, ReplyService, ReplySweeper
from gemini_core.services.history import build_turns
from tests.support.api import make_settings
from tests.support.fakes import FakeClock, RecordingQueue, ScriptedModel


class Harness:
    """The services as the composition root wires them on the embedded
    default, with a fake clock, a scripted model and a recording queue."""

    def __init__(self, container: Container, clock: FakeClock) -> None:
        self.container = container
        self.clock = clock
        self.uow = container.resolve(UnitOfWorkFactory)
        self.model: ScriptedModel = container.resolve(ChatModel)
        self.events = container.resolve(EventBus)
        self.queue: RecordingQueue = container.resolve(ReplyQueue)
        self.quota = container.resolve(QuotaService)
        self.failer = container.resolve(ReplyFailer)
        self.service = container.resolve(ReplyService)
        self.sweeper = container.resolve(ReplySweeper)
        self.user = User(id=new_id(), mobile_number="+919876543210", created_at=clock.now())
        self.room = Chatroom(
            id=new_id(),
            user_id=self.user.id,
            name="r",
            created_at=clock.now(),
            updated_at=clock.now(),
        )

    async def setup(self) -> None:
        async with self.uow() as uow:
            await uow.users.add(self.user)
            await uow.chatrooms.add(self.room)
            await uow.commit()

    async def prompt(self, text: str = "hello", model: str | None = None) -> Message:
        """A prompt and its pending reply, with the quota taken, as ChatService leaves them."""
        await self.quota.take(self.user.id)
        now = self.clock.now()
        prompt = Message(
            id=new_id(),
            chatroom_id=self.room.id,
            user_id=self.user.id,
            role=Role.USER,
            content=text,
            status=MessageStatus.COMPLETED,
            created_at=now,
        )
        reply = Message(
            id=new_id(),
            chatroom_id=self.room.id,
            user_id=self.user.id,
            role=Role.MODEL,
            content="",
            status=MessageStatus.PENDING,
            created_at=now,
            model=model,
        )
        async with self.uow() as uow:
            await uow.messages.add(prompt)
            await uow.messages.add(reply)
            await uow.commit()
        return reply

    async def add(self, role: Role, text: str) -> Message:
        """A finished message of the room's history."""
        message = Message(
            id=new_id(),
            chatroom_id=self.room.id,
            user_id=self.user.id,
            role=role,
            content=text,
            status=MessageStatus.COMPLETED,
            created_at=self.clock.now(),
        )
        async with self.uow() as uow:
            await uow.messages.add(message)
            await uow.commit()
        return message

    async def delete_room(self) -> None:
        async with self.uow() as uow:
            assert await uow.chatrooms.delete(self.user.id, self.room.id)
            await uow.commit()

    async def stored(self, reply: Message) -> Message:
        async with self.uow() as uow:
            found = await uow.messages.get(reply.id)
        assert found is not None
        return found

    async def used(self) -> int:
        return (await self.quota.usage(self.user.id)).used


@contextlib.asynccontextmanager
async def harness_with(
    tmp_path: Path, model: ScriptedModel | None = None, **env: str
) -> AsyncIterator[Harness]:
    clock = FakeClock()
    settings = make_settings(
        tmp_path,
        **{
            "SYSTEM_INSTRUCTION": "be brief",
            "REPLY_REQUEUE_AFTER": "180",
            "REPLY_FAIL_AFTER": "900",
            **env,
        },
    )
    model = model or ScriptedModel("the answer", deltas=3)
    async with bootstrap(settings, clock=clock, model=model, queue=RecordingQueue()) as container:
        h = Harness(container, clock)
        await h.setup()
        yield h


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    async with harness_with(tmp_path) as h:
        yield h


async def collect(stream: object, count: int) -> list[MessageEvent]:
    events = []
    for _ in range(count):
        event = await stream.next(1.0)  # type: ignore[attr-defined]
        assert event is not None
        events.append(event)
    return events


async def test_generate_completes_and_streams_deltas(harness: Harness) -> None:
    reply = await harness.prompt()
    stream = await harness.events.subscribe(harness.room.id)
    await harness.service.generate(reply.id)
    stored = await harness.stored(reply)
    assert stored.status is MessageStatus.COMPLETED and stored.content == "the answer"
    assert (stored.prompt_tokens, stored.output_tokens) == (3, 2)
    events = await collect(stream, 4)
    assert [e.type for e in events] == ["message.delta"] * 3 + ["message.completed"]
    assert "".join(e.text or "" for e in events[:3]) == "the answer"
    assert harness.model.requests[0].system_instruction == "be brief"
    await stream.close()


async def test_a_final_reply_is_left_alone(harness: Harness) -> None:
    reply = await harness.prompt()
    await harness.service.generate(reply.id)
    await harness.service.generate(reply.id)
    assert len(harness.model.requests) == 1


async def test_two_concurrent_runs_make_one_final_write(harness: Harness) -> None:
    reply = await harness.prompt()
    harness.model.release.clear()
    runs = [asyncio.create_task(harness.service.generate(reply.id)) for _ in range(2)]
    while len(harness.model.requests) < 2:
        await asyncio.sleep(0.001)
    harness.model.release.set()
    await asyncio.gather(*runs)
    stream_check = await harness.stored(reply)
    assert stream_check.status is MessageStatus.COMPLETED and stream_check.deliveries == 2


async def test_a_model_error_fails_the_reply_and_gives_the_quota_back_once(
    harness: Harness,
) -> None:
    reply = await harness.prompt()
    assert await harness.used() == 1
    harness.model.error = ModelError("the Gemini daily quota is used up")
    await harness.service.generate(reply.id)
    stored = await harness.stored(reply)
    assert stored.status is MessageStatus.FAILED
    assert stored.error == "the Gemini daily quota is used up"
    assert await harness.used() == 0
    # failing again (another path racing) gives nothing back a second time
    await harness.prompt()
    assert await harness.failer.fail(stored, "again") is False
    assert await harness.used() == 1


async def test_a_reply_delivered_too_often_fails_without_the_model(harness: Harness) -> None:
    reply = await harness.prompt()
    async with harness.uow() as uow:
        for _ in range(3):
            await uow.messages.claim_delivery(reply.id, 10)
        await uow.commit()
    await harness.service.generate(reply.id)
    stored = await harness.stored(reply)
    assert stored.status is MessageStatus.FAILED and "3 attempts" in (stored.error or "")
    assert harness.model.requests == []
    assert await harness.used() == 0


async def test_sweep_requeues_then_fails_stale_replies(harness: Harness) -> None:
    reply = await harness.prompt()
    assert await harness.sweeper.sweep() == (0, 0)
    harness.clock.advance(4 * 60)
    assert await harness.sweeper.sweep() == (1, 0)
    assert harness.queue.enqueued == [reply.id]
    harness.clock.advance(12 * 60)
    assert await harness.sweeper.sweep() == (0, 1)
    stored = await harness.stored(reply)
    assert stored.status is MessageStatus.FAILED
    assert await harness.used() == 0


async def test_a_sweep_round_is_taken_by_one_holder_per_interval(harness: Harness) -> None:
    assert await harness.sweeper.run_round(30.0) == (0, 0)
    assert await harness.sweeper.run_round(30.0) is None  # the lease is held
    harness.clock.advance(28)
    assert await harness.sweeper.run_round(30.0) == (0, 0)


async def test_a_reply_whose_room_was_deleted_is_dropped_without_the_model(
    harness: Harness,
) -> None:
    reply = await harness.prompt()
    await harness.delete_room()

    await harness.service.generate(reply.id)  # a queued task for a room that is gone

    assert harness.model.requests == []
    async with harness.uow() as uow:
        assert await uow.messages.get(reply.id) is None


async def test_a_room_deleted_while_the_model_answers_drops_the_answer_quietly(
    harness: Harness,
) -> None:
    reply = await harness.prompt()
    stream = await harness.events.subscribe(harness.room.id)
    harness.model.release.clear()
    run = asyncio.create_task(harness.service.generate(reply.id))
    while not harness.model.requests:
        await asyncio.sleep(0.001)

    await harness.delete_room()
    harness.model.release.set()
    await run

    async with harness.uow() as uow:
        assert await uow.messages.get(reply.id) is None
    published = []
    while (event := await stream.next(0)) is not None:
        published.append(event.type)
    assert "message.completed" not in published and "message.failed" not in published
    await stream.close()


async def test_the_model_gets_the_newest_history_within_the_budget(tmp_path: Path) -> None:
    async with harness_with(tmp_path, HISTORY_BUDGET_CHARS="100") as harness:
        for n in range(3):
            await harness.add(Role.USER, f"question {n}".ljust(40, "."))
            await harness.add(Role.MODEL, f"answer {n}".ljust(40, "."))
        reply = await harness.prompt("the newest question")

        await harness.service.generate(reply.id)

        turns = harness.model.requests[0].turns
        assert [t.text.rstrip(".") for t in turns] == [
            "question 2",
            "answer 2",
            "the newest question",
        ]
        assert sum(len(t.text) for t in turns) <= 100


async def test_the_model_answers_its_own_prompt_not_a_newer_one(harness: Harness) -> None:
    first = await harness.prompt("first question")
    await harness.prompt("second question, sent before the first was answered")

    await harness.service.generate(first.id)

    turns = harness.model.requests[0].turns
    assert [(t.role, t.text) for t in turns] == [(Role.USER, "first question")]


def turn(role: Role, text: str, status: MessageStatus = MessageStatus.COMPLETED) -> Message:
    return Message(
        id=new_id(),
        chatroom_id=new_id(),
        user_id=new_id(),
        role=role,
        content=text,
        status=status,
        created_at=FakeClock().now(),
    )


def test_build_turns_keeps_the_newest_within_the_budget() -> None:
    history = [
        turn(Role.USER, "u1"),
        turn(Role.MODEL, "m1"),
        turn(Role.USER, "u2"),
        turn(Role.MODEL, "failed", MessageStatus.FAILED),
        turn(Role.USER, "u3" * 10),
    ]
    newest_first = list(reversed(history))
    turns = build_turns(newest_first, budget_chars=1000)
    assert [(t.role.value, t.text) for t in turns] == [
        ("user", "u1"),
        ("model", "m1"),
        ("user", "u2\n\n" + "u3" * 10),
    ]
    short = build_turns(newest_first, budget_chars=25)
    assert [t.text for t in short] == ["u2\n\n" + "u3" * 10]
    # the newest prompt is kept even when it alone is over the budget
    assert [t.text for t in build_turns(newest_first, budget_chars=5)] == ["u3" * 10]
