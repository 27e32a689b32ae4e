"""Users for the token check, shared by every process through Redis."""

from __future__ import annotations

import uuid

import msgspec
import redis.asyncio as aioredis

from adapters.redis.outage import unavailable_on_outage
from gemini_core.model import SubscriptionStatus, User

ENTRY_TTL_MS = 10 * 60 * 1000
HOLD_TTL_MS = 30 * 1000
# A held key holds this instead of a user.
_HOLD = b"hold"


class _Entry(User, frozen=True, kw_only=True):
    """An entry as read: entries written before users carried their tier
    lack it, and a process of this version reads those as a miss rather
    than as a user on Basic (a process of the older one ignores the field)."""

    subscription_status: SubscriptionStatus


class RedisUserCache:
    """``UserCache`` over plain keys: ``fill`` is SET NX, so it never
    overwrites a hold or a newer entry; ``hold`` and ``replace`` overwrite.
    Entries carry no password hash, set or pending."""

    def __init__(self, client: aioredis.Redis, prefix: str = "gc:") -> None:
        if client.connection_pool.connection_kwargs.get("decode_responses"):
            raise ValueError("the user cache needs a client with decode_responses=False")
        self._client = client
        self._prefix = prefix
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(_Entry)

    def _key(self, user_id: uuid.UUID) -> str:
        return f"{self._prefix}user:{user_id}"

    def _encode(self, user: User) -> bytes:
        return self._encoder.encode(
            msgspec.structs.replace(user, password_hash=None, pending_password_hash=None)
        )

    @unavailable_on_outage
    async def get(self, user_id: uuid.UUID) -> User | None:
        raw: bytes | None = await self._client.get(self._key(user_id))  # type: ignore[assignment]
        if raw is None or raw == _HOLD:
            return None
        try:
            entry = self._decoder.decode(raw)
        except msgspec.ValidationError:
            return None  # written before users carried their tier; refilled after expiry
        return User(**msgspec.structs.asdict(entry))

    @unavailable_on_outage
    async def fill(self, user: User) -> None:
        await self._client.set(self._key(user.id), self._encode(user), px=ENTRY_TTL_MS, nx=True)

    @unavailable_on_outage
    async def hold(self, user_id: uuid.UUID) -> None:
        await self._client.set(self._key(user_id), _HOLD, px=HOLD_TTL_MS)

    @unavailable_on_outage
    async def replace(self, user: User) -> None:
        await self._client.set(self._key(user.id), self._encode(user), px=ENTRY_TTL_MS)
