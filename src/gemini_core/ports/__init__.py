"""Ports: what the core needs from the outside world, as ``typing.Protocol``s.

Adapters satisfy them by shape; the composition root picks which one serves.
"""

from gemini_core.ports.auth import (
    IssuedToken,
    OtpAttempt,
    OtpSender,
    OtpStore,
    PasswordHasher,
    PhoneNumbers,
    RateLimiter,
    TokenClaims,
    TokenIssuer,
    UserCache,
    UserRepository,
)
from gemini_core.ports.billing import (
    BillingEvent,
    BillingGateway,
    CheckoutSession,
    ProcessedEventRepository,
    SubscriptionRepository,
    SubscriptionSnapshot,
)
from gemini_core.ports.cancellation import ReplyCancellations
from gemini_core.ports.chat import (
    ChatroomCursor,
    ChatroomListCache,
    ChatroomPage,
    ChatroomRepository,
    CountedPrompt,
    Delivery,
    MessageRepository,
    ReplyQueue,
    RoomPage,
)
from gemini_core.ports.common import Clock, HealthCheck, Lease, UnitOfWork, UnitOfWorkFactory
from gemini_core.ports.events import (
    EventBus,
    EventPublisher,
    EventStream,
    EventSubscriber,
    MessageEvent,
    MessageEventType,
)
from gemini_core.ports.model import ChatModel, DeltaSink, ModelReply, ModelRequest, ModelTurn
from gemini_core.ports.quota import DailyUsageRepository
from gemini_core.ports.search import SearchCursor, SearchKind, SearchMatch, SearchRepository
from gemini_core.ports.streams import StreamSlots
from gemini_core.ports.workers import WorkerInfo, WorkerRegistry

__all__ = [
    "BillingEvent",
    "BillingGateway",
    "ChatModel",
    "ChatroomCursor",
    "ChatroomListCache",
    "ChatroomPage",
    "ChatroomRepository",
    "CheckoutSession",
    "Clock",
    "CountedPrompt",
    "DailyUsageRepository",
    "Delivery",
    "DeltaSink",
    "EventBus",
    "EventPublisher",
    "EventStream",
    "EventSubscriber",
    "HealthCheck",
    "IssuedToken",
    "Lease",
    "MessageEvent",
    "MessageEventType",
    "MessageRepository",
    "ModelReply",
    "ModelRequest",
    "ModelTurn",
    "OtpAttempt",
    "OtpSender",
    "OtpStore",
    "PasswordHasher",
    "PhoneNumbers",
    "ProcessedEventRepository",
    "RateLimiter",
    "ReplyCancellations",
    "ReplyQueue",
    "RoomPage",
    "SearchCursor",
    "SearchKind",
    "SearchMatch",
    "SearchRepository",
    "StreamSlots",
    "SubscriptionRepository",
    "SubscriptionSnapshot",
    "TokenClaims",
    "TokenIssuer",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserCache",
    "UserRepository",
    "WorkerInfo",
    "WorkerRegistry",
]
