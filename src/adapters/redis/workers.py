"""Worker heartbeats in Redis, shared by every process of a deployment."""

from __future__ import annotations

import msgspec
import redis.asyncio as aioredis

from adapters.redis.outage import unavailable_on_outage
from gemini_core.ports import WorkerInfo


class RedisWorkerRegistry:
    """``WorkerRegistry`` as one key per worker, ``{prefix}worker:{id}``,
    holding the worker's JSON (id, pid, host, started_at, in_flight) and
    expiring with its last beat's TTL: Redis's own clock decides who is
    alive. The set ``{prefix}workers`` indexes the keys (so nothing scans
    the keyspace); ids whose key has expired are pruned from it by
    ``alive``, and it expires itself when no worker beats any more."""

    def __init__(self, client: aioredis.Redis, prefix: str = "") -> None:
        self._client = client
        self._index = f"{prefix}workers"
        self._key_prefix = f"{prefix}worker:"
        self._encoder = msgspec.json.Encoder()
        self._decoder = msgspec.json.Decoder(WorkerInfo)

    @unavailable_on_outage
    async def beat(self, worker: WorkerInfo, ttl_seconds: float) -> None:
        pipe = self._client.pipeline(transaction=True)
        pipe.set(
            self._key_prefix + worker.id,
            self._encoder.encode(worker),
            px=max(1, int(ttl_seconds * 1000)),
        )
        pipe.sadd(self._index, worker.id)
        # The index outlives every beat, and goes when every worker has.
        pipe.pexpire(self._index, max(1, int(ttl_seconds * 2000)))
        await pipe.execute()

    @unavailable_on_outage
    async def leave(self, worker_id: str) -> None:
        pipe = self._client.pipeline(transaction=True)
        pipe.delete(self._key_prefix + worker_id)
        pipe.srem(self._index, worker_id)
        await pipe.execute()

    @unavailable_on_outage
    async def alive(self) -> list[WorkerInfo]:
        ids = sorted(
            member.decode() if isinstance(member, bytes) else str(member)
            for member in await self._client.smembers(self._index)
        )
        if not ids:
            return []
        found = await self._client.mget([self._key_prefix + worker_id for worker_id in ids])
        gone = [worker_id for worker_id, raw in zip(ids, found, strict=True) if raw is None]
        if gone:
            await self._client.srem(self._index, *gone)
        workers = [self._decoder.decode(raw) for raw in found if raw is not None]
        return sorted(workers, key=lambda worker: (worker.started_at, worker.id))
