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
from typing import TYPE_CHECKING, Any

import punq
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
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
    InMemoryUserCache,
)
from adapters.otp_delivery import LogOtpSender, ResponseOtpSender
from adapters.redis import (
    RedisChatroomListCache,
    RedisEventBus,
    RedisOtpStore,
    RedisQuotaCounter,
    RedisRateLimiter,
    RedisUserCache,
)
from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine, upgrade_schema
from adapters.system_clock import SystemClock
from adapters.taskiq_queue import TaskiqReplyQueue
from entrypoints.settings import Settings
from entrypoints.worker import make_broker, register_reply_task
from gemini_core.ports import (
    BillingGateway,
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
    UserCache,
)
from gemini_core.services import (
    AuthService,
    BillingService,
    ChatService,
    QuotaService,
    ReplyService,
    TierReader,
)
from gemini_core.services.reply_failure import ReplyFailure

if TYPE_CHECKING:
    from adapters.stripe import StripeBillingGateway

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
    user_cache: UserCache
    publisher: EventPublisher
    subscriber: EventSubscriber
    queue: ReplyQueue
    model: ChatModel
    # The shared Redis client when REDIS_URL is set (readiness checks use it).
    redis: Redis | None = None
    # None when Stripe is not configured: the billing routes answer 503.
    billing: BillingGateway | None = None


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


def _billing_gateway(settings: Settings) -> StripeBillingGateway | None:
    key, price, secret = (
        settings.stripe_secret_key,
        settings.stripe_price_id,
        settings.stripe_webhook_secret,
    )
    if not (key and price and secret):
        return None
    from adapters.stripe import StripeBillingGateway, StripeConfig

    return StripeBillingGateway(
        StripeConfig(
            secret_key=key,
            price_id=price,
            webhook_secret=secret,
            api_base=settings.stripe_api_base,
        )
    )


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
    redis_client = _redis_client(settings) if settings.redis_url else None
    shared = _shared_state(settings, clock, redis_client)
    # Built only when not overridden, and then closed below.
    billing = None if "billing" in overrides else _billing_gateway(settings)
    adapters = Adapters(
        engine=engine,
        broker=broker,
        clock=clock,
        uow=SqlUnitOfWorkFactory(engine),
        otp_store=shared["otp_store"],
        otp_sender=ResponseOtpSender() if settings.otp_delivery == "response" else LogOtpSender(),
        rate_limiter=shared["rate_limiter"],
        hasher=Argon2PasswordHasher(),
        tokens=JwtTokenIssuer(settings.jwt_secret, ttl_seconds=settings.access_token_ttl),
        quota_counter=shared["quota_counter"],
        list_cache=shared["list_cache"],
        user_cache=shared["user_cache"],
        publisher=shared["events"],
        subscriber=shared["events"],
        redis=redis_client,
        queue=TaskiqReplyQueue(register_reply_task(broker)),
        model=overrides["model"] if "model" in overrides else _chat_model(settings),
        billing=billing,
    )
    if overrides:
        adapters = dataclasses.replace(adapters, **overrides)
    try:
        yield adapters
    finally:
        if billing is not None:
            await billing.aclose()
        await engine.dispose()
        if redis_client is not None:
            await redis_client.aclose()


def _redis_client(settings: Settings) -> Redis:
    # Short timeouts: the client's defaults block for about a minute on a
    # paused server; an outage must turn into a fast fallback or 503.
    # Only connection errors (a restarted server) are retried: a timed-out
    # command may still run once the server answers, so retrying it could
    # count a quota unit twice, and nested retries (health-check PING inside
    # the command's retry) made one call on a paused server take ~8 s.
    assert settings.redis_url is not None
    return Redis.from_url(
        settings.redis_url,
        socket_timeout=2.0,
        socket_connect_timeout=1.0,
        health_check_interval=10,
        retry=Retry(
            ExponentialBackoff(cap=0.2, base=0.02),
            retries=1,
            supported_errors=(RedisConnectionError,),
        ),
        max_connections=200,
    )


def _shared_state(settings: Settings, clock: Clock, client: Redis | None) -> dict[str, Any]:
    """Adapters whose state every process must share: Redis when configured,
    else in-process (one process serves everything)."""
    if client is None:
        events = InMemoryEventBus()
        return {
            "otp_store": InMemoryOtpStore(clock),
            "rate_limiter": InMemoryRateLimiter(clock=clock),
            "quota_counter": InMemoryQuotaCounter(clock=clock),
            "list_cache": InMemoryChatroomListCache(clock=clock),
            "user_cache": InMemoryUserCache(clock),
            "events": events,
        }
    prefix = settings.redis_prefix
    return {
        "otp_store": RedisOtpStore(client, prefix),
        "rate_limiter": RedisRateLimiter(client, prefix),
        "quota_counter": RedisQuotaCounter(client, prefix),
        "list_cache": RedisChatroomListCache(client, prefix),
        "user_cache": RedisUserCache(client, prefix),
        "events": RedisEventBus(client, prefix),
    }


def build_container(settings: Settings, adapters: Adapters) -> punq.Container:
    """Wire the services over the adapters and register everything."""
    container = punq.Container()
    container.register(Settings, instance=settings)
    container.register(Adapters, instance=adapters)
    tiers = TierReader(uow=adapters.uow, clock=adapters.clock)
    quota = QuotaService(
        counter=adapters.quota_counter,
        uow=adapters.uow,
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
            user_cache=adapters.user_cache,
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
    container.register(
        BillingService,
        instance=BillingService(
            uow=adapters.uow,
            gateway=adapters.billing,
            clock=adapters.clock,
            public_url=settings.public_url,
        ),
    )
    container.register(EventSubscriber, instance=adapters.subscriber)
    return container


@contextlib.asynccontextmanager
async def run_replies(settings: Settings, container: punq.Container) -> AsyncIterator[None]:
    """The API process's part of the reply pipeline.

    Embedded default: the in-memory broker runs the replies here, and the
    sweep runs here too. With Redis the API only enqueues; starting the
    broker creates the consumer group before the first enqueue (a group made
    later would never see earlier messages), and the workers sweep.
    """
    adapters: Adapters = container.resolve(Adapters)
    adapters.broker.state.reply_service = container.resolve(ReplyService)
    await adapters.broker.startup()
    sweep = None if settings.redis_url else asyncio.create_task(sweep_forever(settings, container))
    try:
        yield
    finally:
        if sweep is not None:
            sweep.cancel()
            await asyncio.gather(sweep, return_exceptions=True)
        await adapters.broker.shutdown()


async def sweep_forever(settings: Settings, container: punq.Container) -> None:
    """Every ``sweep_interval``: re-enqueue replies left pending, fail the
    hopeless ones. With several workers a Redis lock lets one sweep a round."""
    adapters: Adapters = container.resolve(Adapters)
    replies: ReplyService = container.resolve(ReplyService)
    lock_key = f"{settings.redis_prefix}sweep-lock"
    lock_ms = int(settings.sweep_interval * 1000 * 0.9)
    while True:
        await asyncio.sleep(settings.sweep_interval)
        try:
            if adapters.redis is not None and not await adapters.redis.set(
                lock_key, "1", nx=True, px=lock_ms
            ):
                continue
            await replies.sweep(
                adapters.queue,
                requeue_after=timedelta(seconds=settings.reply_requeue_after),
                fail_after=timedelta(seconds=settings.reply_fail_after),
            )
        except Exception:
            logger.exception("reply sweep failed; will try again")
