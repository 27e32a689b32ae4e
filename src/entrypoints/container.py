"""The composition root: settings in, a ``punq.Container`` out.

This is the only module that knows which adapter serves which port. It has
two steps so tests can swap an adapter without touching the rest:
``open_adapters`` builds the adapters (async resources included: punq does
not await factories, so everything async is built here and registered as an
instance), then ``build_container`` wires the services over them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import punq
from sqlalchemy.ext.asyncio import AsyncEngine
from taskiq import AsyncBroker

from adapters.argon2_hasher import Argon2PasswordHasher
from adapters.jwt_tokens import JwtTokenIssuer
from adapters.memory import (
    InMemoryChatroomListCache,
    InMemoryEventBus,
    InMemoryOtpStore,
    InMemoryQuotaCounter,
    InMemoryRateLimiter,
)
from adapters.otp_delivery import LogOtpSender, ResponseOtpSender
from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine, upgrade_schema
from adapters.system_clock import SystemClock
from adapters.taskiq_queue import TaskiqReplyQueue
from entrypoints.settings import Settings
from entrypoints.worker import make_broker, register_reply_task
from gemini_core.ports import (
    ChatModel,
    ChatroomListCache,
    Clock,
    EventPublisher,
    EventSubscriber,
    OtpSender,
    OtpStore,
    PasswordHasher,
    QuotaCounter,
    RateLimiter,
    ReplyQueue,
    TokenIssuer,
    UnitOfWorkFactory,
)
from gemini_core.services import AuthService, ChatService, QuotaService, ReplyService, TierReader
from gemini_core.services.reply_failure import ReplyFailure

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Adapters:
    """One adapter per port, plus the resources they run on."""

    engine: AsyncEngine
    broker: AsyncBroker
    clock: Clock
    uow: UnitOfWorkFactory
    otp_store: OtpStore
    otp_sender: OtpSender
    rate_limiter: RateLimiter
    hasher: PasswordHasher
    tokens: TokenIssuer
    quota_counter: QuotaCounter
    list_cache: ChatroomListCache
    publisher: EventPublisher
    subscriber: EventSubscriber
    queue: ReplyQueue
    model: ChatModel


def _otp_secret(settings: Settings) -> bytes:
    # A key of its own derived from the JWT secret: a leaked OTP table says
    # nothing about tokens, and operators manage one secret.
    return hmac.new(settings.jwt_secret.encode(), b"gemini-clone otp v1", hashlib.sha256).digest()


def _chat_model(settings: Settings) -> ChatModel:
    if settings.gemini_api_key:
        from adapters.gemini import GeminiChatModel, GeminiConfig

        return GeminiChatModel(
            GeminiConfig(
                api_key=settings.gemini_api_key,
                model=settings.gemini_model,
                api_base=settings.gemini_api_base,
                stream=settings.gemini_stream,
                total_deadline=settings.reply_deadline_seconds,
            )
        )
    from adapters.offline_model import OfflineChatModel

    return OfflineChatModel()


@contextlib.asynccontextmanager
async def open_adapters(settings: Settings, **overrides: Any) -> AsyncIterator[Adapters]:
    """Build every adapter for ``settings``; ``overrides`` replace chosen ones
    (tests pass a fake clock, a cheap hasher, a scripted model)."""
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    if engine.dialect.name == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # The embedded default migrates itself at start-up; production runs
        # `gemini-clone migrate` as a deliberate step.
        await upgrade_schema(engine)
    clock: Clock = overrides.get("clock") or SystemClock()
    broker = make_broker(settings)
    events = InMemoryEventBus()
    adapters = Adapters(
        engine=engine,
        broker=broker,
        clock=clock,
        uow=SqlUnitOfWorkFactory(engine),
        otp_store=InMemoryOtpStore(clock),
        otp_sender=ResponseOtpSender() if settings.otp_delivery == "response" else LogOtpSender(),
        rate_limiter=InMemoryRateLimiter(clock=clock),
        hasher=Argon2PasswordHasher(),
        tokens=JwtTokenIssuer(settings.jwt_secret, ttl_seconds=settings.access_token_ttl),
        quota_counter=InMemoryQuotaCounter(clock=clock),
        list_cache=InMemoryChatroomListCache(clock=clock),
        publisher=events,
        subscriber=events,
        queue=TaskiqReplyQueue(register_reply_task(broker)),
        model=overrides["model"] if "model" in overrides else _chat_model(settings),
    )
    if overrides:
        adapters = dataclasses.replace(adapters, **overrides)
    try:
        yield adapters
    finally:
        await engine.dispose()


def build_container(settings: Settings, adapters: Adapters) -> punq.Container:
    """Wire the services over the adapters and register everything."""
    container = punq.Container()
    container.register(Settings, instance=settings)
    container.register(Adapters, instance=adapters)
    tiers = TierReader(uow=adapters.uow, clock=adapters.clock)
    quota = QuotaService(
        counter=adapters.quota_counter,
        tiers=tiers,
        clock=adapters.clock,
        basic_limit=settings.basic_daily_limit,
        pro_limit=settings.pro_daily_limit,
    )
    failures = ReplyFailure(
        uow=adapters.uow, quota=quota, events=adapters.publisher, clock=adapters.clock
    )
    container.register(TierReader, instance=tiers)
    container.register(QuotaService, instance=quota)
    container.register(
        AuthService,
        instance=AuthService(
            uow=adapters.uow,
            otp_store=adapters.otp_store,
            otp_sender=adapters.otp_sender,
            rate_limiter=adapters.rate_limiter,
            hasher=adapters.hasher,
            tokens=adapters.tokens,
            clock=adapters.clock,
            otp_secret=_otp_secret(settings),
        ),
    )
    container.register(
        ChatService,
        instance=ChatService(
            uow=adapters.uow,
            cache=adapters.list_cache,
            quota=quota,
            queue=adapters.queue,
            events=adapters.publisher,
            failures=failures,
            clock=adapters.clock,
        ),
    )
    container.register(
        ReplyService,
        instance=ReplyService(
            uow=adapters.uow,
            model=adapters.model,
            events=adapters.publisher,
            failures=failures,
            clock=adapters.clock,
            system_instruction=settings.system_instruction or None,
            history_budget_chars=settings.history_budget_chars,
        ),
    )
    container.register(EventSubscriber, instance=adapters.subscriber)
    return container


@contextlib.asynccontextmanager
async def run_replies(settings: Settings, container: punq.Container) -> AsyncIterator[None]:
    """Run the reply pipeline of this process: the broker and the sweep."""
    adapters: Adapters = container.resolve(Adapters)
    replies: ReplyService = container.resolve(ReplyService)
    adapters.broker.state.reply_service = replies
    await adapters.broker.startup()
    sweep = asyncio.create_task(_sweep_forever(settings, replies, adapters.queue))
    try:
        yield
    finally:
        sweep.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweep
        await adapters.broker.shutdown()


async def _sweep_forever(settings: Settings, replies: ReplyService, queue: ReplyQueue) -> None:
    while True:
        await asyncio.sleep(settings.sweep_interval)
        try:
            await replies.sweep(
                queue,
                requeue_after=timedelta(seconds=settings.reply_requeue_after),
                fail_after=timedelta(seconds=settings.reply_fail_after),
            )
        except Exception:
            logger.exception("reply sweep failed; will try again")
