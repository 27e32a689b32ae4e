"""Chatroom list pages in Redis, invalidated by a per-user generation."""

from __future__ import annotations

import uuid

import msgspec
import redis.asyncio as aioredis

from adapters.redis.outage import unavailable_on_outage
from gemini_core.ports import ChatroomPage

# KEYS[1] generation; ARGV: page key up to the generation, the rest after it.
# The page key is built here because it depends on the generation just read;
# that is fine on one Redis node (not a cluster). Returns {generation, page}.
_LOOKUP = """
local generation = redis.call('GET', KEYS[1]) or '0'
return {generation, redis.call('GET', ARGV[1] .. generation .. ':' .. ARGV[2])}
"""

# INCR and EXPIRE in one command: what a MULTI/EXEC pipeline did, without
# building a redis-py pipeline on every write.
_BUMP = """
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1])
"""

GENERATION_TTL_SECONDS = 7 * 24 * 3600


class RedisChatroomListCache:
    """``ChatroomListCache`` with a generation counter per user,
    ``{prefix}rooms:{user_id}:gen``, and one msgpack-encoded page per key,
    ``{prefix}rooms:{user_id}:{generation}:{page_key}``, expiring after its TTL.

    ``invalidate`` increments the generation (refreshing its
    ``generation_ttl_seconds``, which must outlast any page TTL), so pages
    stored under an older one are never read again and simply expire. The
    client must return bytes (``decode_responses=False``).
    An outage raises ``ServiceUnavailable``.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        prefix: str = "gc:",
        *,
        generation_ttl_seconds: int = GENERATION_TTL_SECONDS,
    ) -> None:
        if client.connection_pool.connection_kwargs.get("decode_responses"):
            raise ValueError("the cache needs a client with decode_responses=False")
        self._client = client
        self._prefix = prefix
        self._generation_ttl = generation_ttl_seconds
        self._lookup = client.register_script(_LOOKUP)
        self._bump = client.register_script(_BUMP)
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(ChatroomPage)

    def _user_prefix(self, user_id: uuid.UUID) -> str:
        return f"{self._prefix}rooms:{user_id}:"

    @unavailable_on_outage
    async def lookup(self, user_id: uuid.UUID, page_key: str) -> tuple[int, ChatroomPage | None]:
        user_prefix = self._user_prefix(user_id)
        generation, raw = await self._lookup(
            keys=[f"{user_prefix}gen"], args=[user_prefix, page_key]
        )
        page = None if raw is None else self._decoder.decode(raw)
        return int(generation), page

    @unavailable_on_outage
    async def store(
        self,
        user_id: uuid.UUID,
        generation: int,
        page_key: str,
        page: ChatroomPage,
        ttl_seconds: float,
    ) -> None:
        ttl_ms = round(ttl_seconds * 1000)
        if ttl_ms <= 0:
            return
        key = f"{self._user_prefix(user_id)}{generation}:{page_key}"
        await self._client.set(key, self._encoder.encode(page), px=ttl_ms)

    @unavailable_on_outage
    async def invalidate(self, user_id: uuid.UUID) -> None:
        key = f"{self._user_prefix(user_id)}gen"
        await self._bump(keys=[key], args=[self._generation_ttl])
