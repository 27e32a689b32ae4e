"""The user records AuthService reads on every request and writes when a
token version moves: through the shared user cache, so that a revocation
reaches every process at once."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable

from gemini_core.errors import ServiceUnavailable, Unauthorized
from gemini_core.model import User
from gemini_core.ports import UnitOfWork, UnitOfWorkFactory, UserCache

logger = logging.getLogger(__name__)


class UserRecords:
    """Users read through the cache, and written so the cache never lets an
    older token through."""

    def __init__(self, uow: UnitOfWorkFactory, cache: UserCache) -> None:
        self._uow = uow
        self._cache = cache

    async def cached(self, user_id: uuid.UUID) -> User | None:
        """The user from the cache, else the database (and then cached)."""
        try:
            user = await self._cache.get(user_id)
        except ServiceUnavailable:
            user = None
        if user is not None:
            return user
        async with self._uow(autocommit=True) as uow:
            user = await uow.users.get(user_id)
        if user is not None:
            with contextlib.suppress(ServiceUnavailable):
                await self._cache.fill(user)
        return user

    async def write(
        self,
        user_id: uuid.UUID,
        write: Callable[[UnitOfWork], Awaitable[object]],
        *,
        revokes: bool = True,
    ) -> User:
        """Run ``write`` in a transaction and answer the user as stored. When
        it bumps the token version (``revokes``), the cached user is held
        first (a failure here changes nothing) and replaced after, so older
        tokens fail at once in every process."""
        if revokes:
            await self._cache.hold(user_id)
        async with self._uow() as uow:
            await write(uow)
            fresh = await uow.users.get(user_id)
            await uow.commit()
        if fresh is None:
            raise Unauthorized()
        if revokes:
            try:
                await self._cache.replace(fresh)
            except ServiceUnavailable:
                logger.warning("user cache not refreshed for %s; its hold expires soon", user_id)
        return fresh
