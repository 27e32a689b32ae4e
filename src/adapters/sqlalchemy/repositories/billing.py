"""Billing: subscriptions and the payment provider's events already processed."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.dialect import dialect_insert
from adapters.sqlalchemy.tables import processed_events, subscriptions
from gemini_core.model import Subscription, SubscriptionStatus

# Read on every prompt (the tier): built once.
_GET = subscriptions.select().where(subscriptions.c.user_id == sa.bindparam("user_id"))


def _subscription(row: RowMapping) -> Subscription:
    return Subscription(
        user_id=row["user_id"],
        status=SubscriptionStatus(row["status"]),
        customer_id=row["customer_id"],
        subscription_id=row["subscription_id"],
        current_period_end=row["current_period_end"],
        cancel_at_period_end=row["cancel_at_period_end"],
        event_created=row["event_created"],
    )


class SqlSubscriptionRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, user_id: uuid.UUID) -> Subscription | None:
        row = (await self._conn.execute(_GET, {"user_id": user_id})).first()
        return _subscription(row._mapping) if row else None

    async def get_for_update(self, user_id: uuid.UUID) -> Subscription | None:
        stmt = subscriptions.select().where(subscriptions.c.user_id == user_id).with_for_update()
        row = (await self._conn.execute(stmt)).first()
        return _subscription(row._mapping) if row else None

    async def find_by_customer(self, customer_id: str) -> Subscription | None:
        stmt = subscriptions.select().where(subscriptions.c.customer_id == customer_id)
        row = (await self._conn.execute(stmt)).first()
        return _subscription(row._mapping) if row else None

    async def save(self, subscription: Subscription) -> None:
        values = {
            "user_id": subscription.user_id,
            "status": subscription.status.value,
            "customer_id": subscription.customer_id,
            "subscription_id": subscription.subscription_id,
            "current_period_end": subscription.current_period_end,
            "cancel_at_period_end": subscription.cancel_at_period_end,
            "event_created": subscription.event_created,
        }
        stmt = dialect_insert(self._conn, subscriptions).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id"],
            set_={k: v for k, v in values.items() if k != "user_id"},
        )
        await self._conn.execute(stmt)


class SqlProcessedEventRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, event_id: str, received_at: datetime) -> bool:
        stmt = (
            dialect_insert(self._conn, processed_events)
            .values(event_id=event_id, received_at=received_at)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(processed_events.c.event_id)
        )
        return (await self._conn.execute(stmt)).first() is not None
