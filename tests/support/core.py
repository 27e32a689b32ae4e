"""Rows the core's rule tests start from, written through the container's
own unit of work (the services themselves come from ``bootstrap``)."""

from __future__ import annotations

from entrypoints.container import Container
from gemini_core.ids import new_id
from gemini_core.model import Subscription, User
from gemini_core.ports import Clock, UnitOfWorkFactory, UserCache


async def add_user(container: Container, mobile: str = "+919876543210") -> User:
    """A user as a first OTP login leaves them: Basic, no subscription."""
    user = User(id=new_id(), mobile_number=mobile, created_at=container.resolve(Clock).now())
    async with container.resolve(UnitOfWorkFactory)() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def save_subscription(container: Container, subscription: Subscription) -> None:
    """Store a subscription state as a webhook would have left it, the
    cached user held as a webhook holds it."""
    async with container.resolve(UnitOfWorkFactory)() as uow:
        await uow.subscriptions.save(subscription)
        await container.resolve(UserCache).hold(subscription.user_id)
        await uow.commit()


async def stored_subscription(container: Container, user: User) -> Subscription | None:
    async with container.resolve(UnitOfWorkFactory)() as uow:
        return await uow.subscriptions.get(user.id)
