"""Which adapter serves each port: the embedded default or production.

Shared state (codes, limits, caches, live events, leases) lives in Redis
when ``REDIS_URL`` is set, so every process sees one truth; otherwise in this
process, which then serves everything. Each method builds one port's
default; the composition root calls only those not overridden.
"""

from __future__ import annotations

import hashlib
import hmac

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters import memory
from adapters import redis as redis_adapters
from adapters.argon2_hasher import Argon2PasswordHasher
from adapters.jwt_tokens import JwtTokenIssuer
from adapters.otp_delivery import LogOtpSender, ResponseOtpSender
from adapters.phonenumbers_parser import LibPhoneNumbers
from adapters.sqlalchemy import SqlUnitOfWorkFactory
from adapters.taskiq import TaskiqReplyQueue, in_process_queue, redis_stream_queue
from entrypoints.settings import Settings
from gemini_core.ports import (
    BillingGateway,
    ChatModel,
    ChatroomListCache,
    Clock,
    EventBus,
    Lease,
    OtpSender,
    OtpStore,
    PasswordHasher,
    PhoneNumbers,
    RateLimiter,
    ReplyCancellations,
    StreamSlots,
    TokenIssuer,
    UnitOfWorkFactory,
    UserCache,
    WorkerRegistry,
)


def _derived_key(settings: Settings, purpose: bytes) -> bytes:
    return hmac.new(settings.jwt_secret.encode(), purpose, hashlib.sha256).digest()


def otp_secret(settings: Settings) -> bytes:
    """A key of its own derived from the JWT secret: a leaked OTP table says
    nothing about tokens, and operators manage one secret."""
    return _derived_key(settings, b"gemini-clone otp v1")


def cursor_key(settings: Settings) -> bytes:
    """The key that signs pagination cursors, derived like ``otp_secret``."""
    return _derived_key(settings, b"gemini-clone cursor v1")


def reply_stream(settings: Settings) -> str:
    """The Redis stream of queued replies."""
    return f"{settings.redis_prefix}replies"


def chat_model(settings: Settings) -> ChatModel:
    """The offline model without GEMINI_API_KEY, else Gemini."""
    if not settings.gemini_api_key:
        from adapters.offline_model import OfflineChatModel

        return OfflineChatModel()
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


class DefaultAdapters:
    """The adapter each port gets unless the caller of ``bootstrap`` overrides it."""

    def __init__(
        self, settings: Settings, engine: AsyncEngine, redis: Redis | None, clock: Clock
    ) -> None:
        self._settings = settings
        self._engine = engine
        self._redis = redis
        self._prefix = settings.redis_prefix
        self._clock = clock

    def clock(self) -> Clock:
        return self._clock

    def uow(self) -> UnitOfWorkFactory:
        return SqlUnitOfWorkFactory(self._engine)

    def hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher()

    def phone_numbers(self) -> PhoneNumbers:
        return LibPhoneNumbers(self._settings.default_region)

    def tokens(self) -> TokenIssuer:
        return JwtTokenIssuer(
            self._settings.jwt_secret, ttl_seconds=self._settings.access_token_ttl
        )

    def otp_sender(self) -> OtpSender:
        if self._settings.otp_delivery == "response":
            return ResponseOtpSender()
        return LogOtpSender()

    def otp_store(self) -> OtpStore:
        if self._redis is None:
            return memory.InMemoryOtpStore(self._clock)
        return redis_adapters.RedisOtpStore(self._redis, self._prefix)

    def rate_limiter(self) -> RateLimiter:
        if self._redis is None:
            return memory.InMemoryRateLimiter(clock=self._clock)
        return redis_adapters.RedisRateLimiter(self._redis, self._prefix)

    def list_cache(self) -> ChatroomListCache:
        if self._redis is None:
            return memory.InMemoryChatroomListCache(clock=self._clock)
        return redis_adapters.RedisChatroomListCache(self._redis, self._prefix)

    def user_cache(self) -> UserCache:
        if self._redis is None:
            return memory.InMemoryUserCache(self._clock)
        return redis_adapters.RedisUserCache(self._redis, self._prefix)

    def events(self) -> EventBus:
        if self._redis is None:
            return memory.InMemoryEventBus()
        return redis_adapters.RedisEventBus(self._redis, self._prefix)

    def stream_slots(self) -> StreamSlots:
        if self._redis is None:
            return memory.InMemoryStreamSlots(self._clock)
        return redis_adapters.RedisStreamSlots(self._redis, self._prefix)

    def lease(self) -> Lease:
        if self._redis is None:
            return memory.InMemoryLeases(self._clock)
        return redis_adapters.RedisLeases(self._redis, self._prefix)

    def workers(self) -> WorkerRegistry:
        if self._redis is None:
            return memory.InMemoryWorkerRegistry(self._clock)
        return redis_adapters.RedisWorkerRegistry(self._redis, self._prefix)

    def cancellations(self) -> ReplyCancellations:
        if self._redis is None:
            return memory.InMemoryReplyCancellations(self._clock)
        return redis_adapters.RedisReplyCancellations(self._redis, self._prefix)

    def queue(self) -> TaskiqReplyQueue:
        settings = self._settings
        if not settings.redis_url:
            return in_process_queue(settings.worker_concurrency)
        return redis_stream_queue(
            settings.redis_url,
            stream=reply_stream(settings),
            redeliver_after=settings.reply_redeliver_after,
            reclaim_interval=settings.reclaim_interval,
            read_batch=min(settings.worker_concurrency, 100),
        )

    def model(self) -> ChatModel:
        return chat_model(self._settings)

    def billing(self) -> BillingGateway | None:
        """Stripe when all three of its settings are given; else None, and
        the billing routes answer 503 ``billing_unavailable``."""
        settings = self._settings
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
