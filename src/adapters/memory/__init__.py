"""In-process adapters: the embedded default, for one process and no services.

State lives in plain dicts inside the adapter object. Every check-and-set runs
without an ``await`` in between, which is what makes it atomic on one event
loop; nothing here is shared between processes.
"""

from adapters.memory.cancellations import InMemoryReplyCancellations
from adapters.memory.chatroom_list_cache import InMemoryChatroomListCache
from adapters.memory.events import InMemoryEventBus
from adapters.memory.leases import InMemoryLeases
from adapters.memory.otp_store import InMemoryOtpStore
from adapters.memory.rate_limiter import InMemoryRateLimiter
from adapters.memory.stream_slots import InMemoryStreamSlots
from adapters.memory.user_cache import InMemoryUserCache
from adapters.memory.workers import InMemoryWorkerRegistry

__all__ = [
    "InMemoryChatroomListCache",
    "InMemoryEventBus",
    "InMemoryLeases",
    "InMemoryOtpStore",
    "InMemoryRateLimiter",
    "InMemoryReplyCancellations",
    "InMemoryStreamSlots",
    "InMemoryUserCache",
    "InMemoryWorkerRegistry",
]
