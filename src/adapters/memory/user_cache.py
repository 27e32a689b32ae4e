"""Users for the token check, in a dict with a TTL and a bounded size."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import datetime, timedelta

import msgspec

from adapters.memory.expiry import ExpirySweep
from gemini_core.model import User
from gemini_core.ports import Clock

ENTRY_TTL = timedelta(minutes=10)
HOLD_TTL = timedelta(seconds=30)


class InMemoryUserCache:
    """``UserCache`` for one process. Holds live apart from the entries, so
    evicting entries to stay within ``max_users`` can never drop a hold;
    expired holds are swept like the other adapters' expired entries."""

    def __init__(self, clock: Clock, *, max_users: int = 100_000) -> None:
        if max_users < 1:
            raise ValueError("max_users must be at least 1")
        self._clock = clock
        self._max_users = max_users
        self._entries: OrderedDict[uuid.UUID, tuple[datetime, User]] = OrderedDict()
        self._holds: dict[uuid.UUID, datetime] = {}
        self._sweep_holds = ExpirySweep[uuid.UUID, datetime](lambda until: until)

    def _held(self, user_id: uuid.UUID) -> bool:
        until = self._holds.get(user_id)
        if until is None:
            return False
        if self._clock.now() >= until:
            del self._holds[user_id]
            return False
        return True

    async def get(self, user_id: uuid.UUID) -> User | None:
        if self._held(user_id):
            return None
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        expires_at, user = entry
        if self._clock.now() >= expires_at:
            del self._entries[user_id]
            return None
        self._entries.move_to_end(user_id)
        return user

    async def fill(self, user: User) -> None:
        if self._held(user.id) or await self.get(user.id) is not None:
            return
        self._put(user)

    async def hold(self, user_id: uuid.UUID) -> None:
        self._entries.pop(user_id, None)
        now = self._clock.now()
        self._sweep_holds(self._holds, now)
        self._holds[user_id] = now + HOLD_TTL

    async def replace(self, user: User) -> None:
        self._holds.pop(user.id, None)
        self._put(user)

    def _put(self, user: User) -> None:
        while len(self._entries) >= self._max_users:
            self._entries.popitem(last=False)
        self._entries[user.id] = (
            self._clock.now() + ENTRY_TTL,
            msgspec.structs.replace(user, password_hash=None, pending_password_hash=None),
        )
