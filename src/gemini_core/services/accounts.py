"""Accounts as their numbers get proved: unconfirmed signups, and what the
first code login of a number does to them.

A signup proves nothing about the number, so it makes (or, while nobody
has verified the number, re-makes) an *unconfirmed* account whose password
waits as a pending hash. The first code used for the number verifies it:
the code that signup sent makes the pending password the password; any
other code clears it, since whoever holds the phone did not confirm it.
"""

from __future__ import annotations

from gemini_core.errors import MobileTaken
from gemini_core.ids import new_id
from gemini_core.model import User
from gemini_core.ports import Clock, UnitOfWorkFactory


class Accounts:
    """The account steps of signup and code login, each in its own
    transaction and safe when a signup and a login of one number race."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def by_mobile(self, mobile: str) -> User | None:
        """The account of the canonical number ``mobile``, verified or not;
        None when there is none."""
        async with self._uow(autocommit=True) as uow:
            return await uow.users.get_by_mobile(mobile)

    async def start_signup(
        self,
        mobile: str,
        *,
        name: str | None,
        email: str | None,
        pending_password_hash: str | None,
    ) -> User:
        """The unconfirmed account for ``mobile`` with these details: a new
        one, or the earlier unconfirmed signup's, replaced. ``MobileTaken``
        when the number is verified; nothing is changed then."""
        user = User(
            id=new_id(),
            mobile_number=mobile,
            name=name,
            email=email,
            pending_password_hash=pending_password_hash,
            created_at=self._clock.now(),
        )
        try:
            async with self._uow() as uow:
                await uow.users.add(user)
                await uow.commit()
            return user
        except MobileTaken:
            pass
        async with self._uow() as uow:
            existing = await uow.users.get_by_mobile(mobile)
            if existing is None or not await uow.users.restart_signup(
                existing.id, name=name, email=email, pending_password_hash=pending_password_hash
            ):
                raise MobileTaken()
            fresh = await uow.users.get(existing.id)
            await uow.commit()
        if fresh is None:
            raise MobileTaken()
        return fresh

    async def verified(
        self, mobile: str, known: User | None, *, confirm_pending: str | None
    ) -> User:
        """The account of ``mobile`` once a code sent to it was used: made
        on the first code login, or marked verified (the pending password
        confirmed only when ``confirm_pending`` names it)."""
        user = known if known is not None else await self._create_verified(mobile)
        if user.is_verified:
            return user
        async with self._uow() as uow:
            await uow.users.mark_verified(
                user.id, self._clock.now(), confirm_pending=confirm_pending
            )
            fresh = await uow.users.get(user.id)
            await uow.commit()
        return fresh if fresh is not None else user

    async def _create_verified(self, mobile: str) -> User:
        now = self._clock.now()
        user = User(id=new_id(), mobile_number=mobile, created_at=now, mobile_verified_at=now)
        try:
            async with self._uow() as uow:
                await uow.users.add(user)
                await uow.commit()
            return user
        except MobileTaken:
            # A signup for the same number won the race: that account it is
            # (still unconfirmed, so the caller verifies it).
            existing = await self.by_mobile(mobile)
            if existing is None:
                raise
            return existing
