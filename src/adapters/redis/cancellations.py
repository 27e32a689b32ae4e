"""Stop requests of replies, seen by every worker through Redis."""

from __future__ import annotations

import uuid
from collections.abc import Collection

import redis.asyncio as aioredis

from adapters.redis.outage import unavailable_on_outage

# Far longer than a reply is generated for, so a late or repeated delivery
# of the reply still sees the request; short enough to cost nothing.
REQUEST_TTL_MS = 15 * 60 * 1000


class RedisReplyCancellations:
    """``ReplyCancellations`` as one key per stopped reply, with a TTL: a
    worker looks for the keys of all its replies in flight with one MGET
    every poll interval while the model writes (not per chunk, not per
    reply), and a request made before the worker started, or while it was
    restarting, is still there when it looks."""

    def __init__(self, client: aioredis.Redis, prefix: str = "gc:") -> None:
        self._client = client
        self._prefix = prefix

    def _key(self, reply_id: uuid.UUID) -> str:
        return f"{self._prefix}cancel:{reply_id}"

    @unavailable_on_outage
    async def request(self, reply_id: uuid.UUID) -> None:
        await self._client.set(self._key(reply_id), b"1", px=REQUEST_TTL_MS)

    @unavailable_on_outage
    async def is_requested(self, reply_id: uuid.UUID) -> bool:
        return bool(await self._client.exists(self._key(reply_id)))

    @unavailable_on_outage
    async def requested_among(self, reply_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        ids = list(reply_ids)
        if not ids:
            return set()
        found = await self._client.mget([self._key(reply_id) for reply_id in ids])
        return {reply_id for reply_id, value in zip(ids, found, strict=True) if value is not None}
