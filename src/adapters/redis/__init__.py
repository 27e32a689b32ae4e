"""Redis adapters: state shared by every API process and worker.

Each adapter takes a ``redis.asyncio.Redis`` client and a key prefix. Every
check-and-set is one Lua script or one MULTI/EXEC, so concurrent callers in
any number of processes see one order. An outage (Redis unreachable, a
dropped connection, no answer in time) is raised as the core's
``ServiceUnavailable`` by every method that talks to Redis (``outage.py``),
and the caller picks the fallback; publishing a live event is the exception:
best effort, only logged. Other Redis errors would be bugs and propagate.
"""

from adapters.redis.cancellations import RedisReplyCancellations
from adapters.redis.chatroom_list_cache import RedisChatroomListCache
from adapters.redis.events import RedisEventBus
from adapters.redis.health import RedisHealth
from adapters.redis.leases import RedisLeases
from adapters.redis.otp_store import RedisOtpStore
from adapters.redis.rate_limiter import RedisRateLimiter
from adapters.redis.stream_slots import RedisStreamSlots
from adapters.redis.user_cache import RedisUserCache
from adapters.redis.workers import RedisWorkerRegistry

__all__ = [
    "RedisChatroomListCache",
    "RedisEventBus",
    "RedisHealth",
    "RedisLeases",
    "RedisOtpStore",
    "RedisRateLimiter",
    "RedisReplyCancellations",
    "RedisStreamSlots",
    "RedisUserCache",
    "RedisWorkerRegistry",
]
