"""The composition root: settings in, a container of adapters and services out.

It is the one function the API, the worker, the CLI, the tests and library
users build from, and the only place that knows which adapter serves which
port. Every adapter can be overridden by name, all in the same way::

    async with bootstrap(settings, clock=FakeClock(), model=MyModel()) as container:
        chat = container.resolve(ChatService)

Services are registered by type and built by punq from their constructors:
a new service is its class plus one ``register`` line in ``_register_services``.
Nothing here runs loops: the sweep and the queue's consumer run where they
belong (the worker, the embedded API's lifespan).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, Unpack, cast

import punq
from redis.asyncio import Redis

from adapters.bounded_hasher import BoundedPasswordHasher, default_concurrency
from adapters.redis import RedisHealth
from adapters.redis.client import connect as connect_redis
from adapters.sqlalchemy import DatabaseHealth, DatabaseSchema, create_engine
from adapters.system_clock import SystemClock
from adapters.taskiq import TaskiqReplyQueue
from entrypoints.adapter_choice import DefaultAdapters, otp_secret
from entrypoints.container import Container
from entrypoints.settings import Settings, load_settings
from gemini_core.model import Tier
from gemini_core.ports import (
    BillingGateway,
    ChatModel,
    ChatroomListCache,
    Clock,
    EventBus,
    EventPublisher,
    EventSubscriber,
    HealthCheck,
    Lease,
    OtpSender,
    OtpStore,
    PasswordHasher,
    PhoneNumbers,
    RateLimiter,
    ReplyCancellations,
    ReplyQueue,
    StreamSlots,
    TokenIssuer,
    UnitOfWorkFactory,
    UserCache,
    WorkerRegistry,
)
from gemini_core.services import (
    AuthService,
    BillingService,
    CancelService,
    ChatService,
    ConversationExport,
    EventStreams,
    ModelBreaker,
    QuotaService,
    ReadinessService,
    ReplyFailer,
    ReplyService,
    ReplyStops,
    ReplySweeper,
    ReplyVersions,
    ReplyWatcher,
    RoomTitler,
    SearchService,
    TierService,
    WorkersAlive,
)


class Overrides(TypedDict, total=False):
    """The adapters a caller may replace, one per port (``events`` serves
    both publishing and subscribing; ``billing=None`` turns billing off)."""

    clock: Clock
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    phone_numbers: PhoneNumbers
    tokens: TokenIssuer
    otp_sender: OtpSender
    otp_store: OtpStore
    rate_limiter: RateLimiter
    list_cache: ChatroomListCache
    user_cache: UserCache
    events: EventBus
    stream_slots: StreamSlots
    lease: Lease
    workers: WorkerRegistry
    queue: ReplyQueue
    cancellations: ReplyCancellations
    model: ChatModel
    billing: BillingGateway | None


# Each override's name -> the keys it is registered under.
_PORTS: dict[str, tuple[Any, ...]] = {
    "clock": (Clock,),
    "uow": (UnitOfWorkFactory,),
    "hasher": (PasswordHasher,),
    "phone_numbers": (PhoneNumbers,),
    "tokens": (TokenIssuer,),
    "otp_sender": (OtpSender,),
    "otp_store": (OtpStore,),
    "rate_limiter": (RateLimiter,),
    "list_cache": (ChatroomListCache,),
    "user_cache": (UserCache,),
    "events": (EventBus, EventPublisher, EventSubscriber),
    "stream_slots": (StreamSlots,),
    "lease": (Lease,),
    "workers": (WorkerRegistry,),
    "queue": (ReplyQueue,),
    "cancellations": (ReplyCancellations,),
    "model": (ChatModel,),
    "billing": (BillingGateway,),
}


def bootstrap(settings: Settings | None = None, **overrides: Unpack[Overrides]) -> Container:
    """Build every adapter and service for ``settings`` (the environment's
    when None). Nothing connects yet; ``async with`` the result to start it
    and to close what it opened."""
    settings = settings or load_settings()
    registry = punq.Container()
    container = Container(registry)
    registry.register(Settings, instance=settings)
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    container.on_close(engine.dispose)
    schema = DatabaseSchema(engine, data_dir=settings.data_dir)
    registry.register(DatabaseSchema, instance=schema)
    if schema.is_embedded:
        # The embedded default migrates itself; production runs
        # `gemini-clone migrate` as a deliberate step.
        container.on_start(schema.upgrade)
    checks: list[HealthCheck] = [DatabaseHealth(engine)]
    redis: Redis | None = None
    if settings.redis_url:
        redis = connect_redis(settings.redis_url)
        container.on_close(redis.aclose)
        checks.append(RedisHealth(redis))
    clock = overrides.get("clock") or SystemClock()
    defaults = DefaultAdapters(settings, engine, redis, clock)
    _register_adapters(container, registry, defaults, overrides)
    # With Redis, separate workers answer prompts: readiness reports whether
    # any is alive (advisory: the API still takes prompts without one).
    advisory: list[HealthCheck] = []
    if settings.redis_url:
        advisory.append(WorkersAlive(registry.resolve(WorkerRegistry)))
    _bound_hashing(registry, settings)
    registry.register(ReadinessService, instance=ReadinessService(checks, advisory))
    _register_services(registry, settings, clock)
    return container


def _register_adapters(
    container: Container,
    registry: punq.Container,
    defaults: DefaultAdapters,
    overrides: Mapping[str, object],
) -> None:
    """An override when given, else the default; the defaults this builds
    are closed with the container (what a caller passes in is the caller's)."""
    for name, keys in _PORTS.items():
        if name in overrides:
            adapter = overrides[name]
        else:
            adapter = getattr(defaults, name)()
            closer = getattr(adapter, "aclose", None)
            if closer is not None:
                container.on_close(closer)
        for key in keys:
            registry.register(key, instance=adapter)
        if isinstance(adapter, TaskiqReplyQueue):
            # The worker and the embedded API start its consumer.
            registry.register(TaskiqReplyQueue, instance=adapter)


def _bound_hashing(registry: punq.Container, settings: Settings) -> None:
    """Whatever hashes passwords (the default or an override) runs under
    this process's bound on concurrent hashing."""
    registry.register(
        PasswordHasher,
        instance=BoundedPasswordHasher(
            registry.resolve(PasswordHasher),
            concurrency=settings.password_hash_concurrency or default_concurrency(),
            queue=settings.password_hash_queue,
            wait_seconds=settings.password_hash_wait,
        ),
    )


def _register_services(registry: punq.Container, settings: Settings, clock: Clock) -> None:
    """Services, built by punq from their constructors; only what is not a
    port (limits, texts, derived secrets) is given here."""
    one = punq.Scope.singleton
    registry.register(TierService, scope=one)
    registry.register(
        QuotaService,
        scope=one,
        basic_limit=settings.basic_daily_limit,
        pro_limit=settings.pro_daily_limit,
        basic_token_budget=settings.daily_token_budget_basic,
        pro_token_budget=settings.daily_token_budget_pro,
    )
    registry.register(ReplyFailer, scope=one)
    registry.register(AuthService, scope=one, otp_secret=otp_secret(settings))
    registry.register(
        ChatService,
        scope=one,
        max_rooms=settings.max_rooms_per_user,
        reply_models=_reply_models(settings),
    )
    registry.register(
        EventStreams,
        scope=one,
        per_user=settings.max_event_streams_per_user,
        per_process=settings.max_event_streams_per_process,
    )
    registry.register(ReplyWatcher, scope=one)
    registry.register(ReplyStops, scope=one)
    registry.register(CancelService, scope=one)
    registry.register(ReplyVersions, scope=one, reply_models=_reply_models(settings))
    registry.register(RoomTitler, scope=one)
    registry.register(SearchService, scope=one)
    registry.register(ConversationExport, scope=one)
    registry.register(
        ReplyService,
        scope=one,
        system_instruction=settings.system_instruction or None,
        history_budget_chars=settings.history_budget_chars,
        breaker=_model_breaker(settings, clock),
        write_patience_seconds=settings.reply_write_patience,
        titler=registry.resolve(RoomTitler),
    )
    registry.register(
        ReplySweeper,
        scope=one,
        requeue_after_seconds=settings.reply_requeue_after,
        fail_after_seconds=settings.reply_fail_after,
    )
    registry.register(
        BillingService,
        scope=one,
        gateway=cast(BillingGateway | None, registry.resolve(BillingGateway)),
        public_url=settings.public_url,
    )


def _reply_models(settings: Settings) -> dict[Tier, str]:
    """The Gemini model of each tier; none without Gemini (the offline
    model, or a model given as an override, answers every tier alike)."""
    if not settings.gemini_api_key:
        return {}
    return {tier: settings.reply_model(tier.value) for tier in Tier}


def _model_breaker(settings: Settings, clock: Clock) -> ModelBreaker | None:
    """One per process (per container), around every model call it makes."""
    if not settings.model_breaker_failures:
        return None
    return ModelBreaker(
        clock,
        failures=settings.model_breaker_failures,
        cooldown_seconds=settings.model_breaker_cooldown,
    )
