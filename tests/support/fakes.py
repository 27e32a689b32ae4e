"""Test doubles shared by unit and integration tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from adapters.argon2_hasher import Argon2PasswordHasher
from gemini_core.errors import ModelError
from gemini_core.ports import DeltaSink, ModelReply, ModelRequest, PasswordHasher


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


class CountingHasher:
    """A hasher that counts the verifications it runs: how many password
    guesses were really evaluated."""

    def __init__(self, inner: PasswordHasher | None = None) -> None:
        self.inner = inner or cheap_hasher()
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return await self.inner.hash(password)

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verifications += 1
        return await self.inner.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.inner.needs_rehash(password_hash)


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
