"""Redis adapters: state shared by every API process and worker.

Each adapter takes a ``redis.asyncio.Redis`` client and a key prefix. Every
check-and-set is one Lua script or one MULTI/EXEC, so concurrent callers in
any number of processes see one order. Redis errors propagate unchanged (the
caller picks the fallback) — an unreachable server as the core's
``ServiceUnavailable`` — except when publishing a live event, which is
best effort and only logged.
"""

from adapters.redis.chatroom_list_cache import RedisChatroomListCache
from adapters.redis.events import RedisEventBus
from adapters.redis.health import RedisHealth
from adapters.redis.leases import RedisLeases
from adapters.redis.otp_store import RedisOtpStore
from adapters.redis.quota_counter import RedisQuotaCounter
from adapters.redis.rate_limiter import RedisRateLimiter
from adapters.redis.user_cache import RedisUserCache
from adapters.redis.workers import RedisWorkerRegistry

__all__ = [
    "RedisChatroomListCache",
    "RedisEventBus",
    "RedisHealth",
    "RedisLeases",
    "RedisOtpStore",
    "RedisQuotaCounter",
    "RedisRateLimiter",
    "RedisUserCache",
    "RedisWorkerRegistry",
]
