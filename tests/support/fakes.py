"""Test doubles shared by unit and integration tests."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import msgspec

from adapters.argon2_hasher import Argon2PasswordHasher
from gemini_core.errors import BillingError, InvalidSignature, ModelError
from gemini_core.model import User
from gemini_core.ports import (
    BillingEvent,
    CheckoutSession,
    DeltaSink,
    ModelReply,
    ModelRequest,
    PasswordHasher,
    SubscriptionSnapshot,
)


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
        return ModelReply(
            text=self.answer,
            finish_reason="STOP",
            prompt_tokens=3,
            output_tokens=2,
            thinking_tokens=1,
            total_tokens=6,
            model=request.model or "scripted",
        )


class RecordingQueue:
    """A reply queue that keeps what it is given (nothing consumes it), or
    refuses every reply when ``fail`` is set."""

    def __init__(self, fail: bool = False) -> None:
        self.enqueued: list[uuid.UUID] = []
        self.fail = fail
        self.held: set[uuid.UUID] = set()  # what ``holding`` says the queue holds
        self.blind = False  # True: ``holding`` fails

    async def enqueue(self, reply_id: uuid.UUID) -> None:
        if self.fail:
            raise ConnectionError("queue down")
        self.enqueued.append(reply_id)

    async def holding(self, reply_ids: object) -> set[uuid.UUID]:
        if self.blind:
            raise ConnectionError("queue cannot tell")
        return set(self.held)


class FakeBillingGateway:
    """A payment provider whose state the test scripts.

    ``subscriptions`` is the provider's current state, which
    ``fetch_subscription`` answers (the core re-reads it for every event). A
    webhook delivery is a ``BillingEvent`` as JSON, and its signature is
    ``SIGNATURE``: ``delivery(event)`` makes one. ``fail_fetches`` makes the
    next that many fetches raise ``BillingError`` (the provider is down).
    """

    SIGNATURE = "fake-signature"

    def __init__(self) -> None:
        self.subscriptions: dict[str, SubscriptionSnapshot] = {}
        self.fetched: list[str] = []
        self.customers: dict[uuid.UUID, str] = {}
        self.checkouts: list[dict[str, object]] = []
        self.fail_fetches = 0

    def put(self, snapshot: SubscriptionSnapshot) -> SubscriptionSnapshot:
        """Set the provider's current state of a subscription."""
        self.subscriptions[snapshot.subscription_id] = snapshot
        return snapshot

    def delivery(self, event: BillingEvent) -> tuple[bytes, str]:
        """The body and signature of a webhook delivery of ``event``."""
        return msgspec.json.encode(event), self.SIGNATURE

    async def create_customer(self, user: User) -> str:
        return self.customers.setdefault(user.id, f"cus_{user.id.hex[:14]}")

    async def create_checkout_session(
        self,
        *,
        customer_id: str,
        user_id: uuid.UUID,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
    ) -> CheckoutSession:
        self.checkouts.append(
            {"customer_id": customer_id, "user_id": user_id, "idempotency_key": idempotency_key}
        )
        number = len(self.checkouts)
        return CheckoutSession(id=f"cs_{number}", url=f"https://pay.example/cs_{number}")

    async def create_portal_session(self, *, customer_id: str, return_url: str) -> str:
        return f"https://portal.example/{customer_id}"

    def parse_webhook(self, payload: bytes, signature_header: str | None) -> BillingEvent:
        if signature_header != self.SIGNATURE:
            raise InvalidSignature()
        try:
            return msgspec.json.decode(payload, type=BillingEvent)
        except msgspec.MsgspecError:
            raise InvalidSignature() from None

    async def fetch_subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        self.fetched.append(subscription_id)
        if self.fail_fetches:
            self.fail_fetches -= 1
            raise BillingError("the provider is down")
        try:
            return self.subscriptions[subscription_id]
        except KeyError:
            raise BillingError(f"no such subscription: {subscription_id}") from None
