"""Test doubles shared by unit and integration tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from adapters.argon2_hasher import Argon2PasswordHasher
from gemini_core.errors import ModelError
from gemini_core.ports import DeltaSink, ModelReply, ModelRequest


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


def cheap_hasher() -> Argon2PasswordHasher:
    """Real argon2id with the smallest parameters, so tests stay fast."""
    return Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class ScriptedModel:
    """A chat model whose answers the test decides; records every request."""

    def __init__(
        self,
        answer: str = "scripted answer",
        *,
        deltas: int = 2,
        error: ModelError | None = None,
        delay: float = 0.0,
    ) -> None:
        self.answer = answer
        self.deltas = deltas
        self.error = error
        self.delay = delay
        self.requests: list[ModelRequest] = []
        self.release = asyncio.Event()
        self.release.set()

    async def generate(self, request: ModelRequest, on_delta: DeltaSink) -> ModelReply:
        self.requests.append(request)
        await self.release.wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        step = max(1, -(-len(self.answer) // self.deltas))
        for start in range(0, len(self.answer), step):
            await on_delta(self.answer[start : start + step])
        return ModelReply(text=self.answer, finish_reason="STOP", prompt_tokens=3, output_tokens=2)
