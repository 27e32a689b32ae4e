"""Users."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.repositories.dialect import dialect_insert
from adapters.sqlalchemy.tables import subscriptions, users
from gemini_core.errors import MobileTaken
from gemini_core.model import SubscriptionStatus, User

# A user with what their subscription says of the tier (none without one):
# the cached user carries it, so a prompt reads no subscription.
_WITH_TIER = sa.select(
    users,
    subscriptions.c.status.label("subscription_status"),
    subscriptions.c.current_period_end.label("subscription_period_end"),
).select_from(users.outerjoin(subscriptions, subscriptions.c.user_id == users.c.id))
# Read on every request whose user is not cached: built once.
_GET = _WITH_TIER.where(users.c.id == sa.bindparam("user_id"))
_GET_BY_MOBILE = _WITH_TIER.where(users.c.mobile_number == sa.bindparam("mobile_number"))


def _user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        mobile_number=row["mobile_number"],
        name=row["name"],
        email=row["email"],
        password_hash=row["password_hash"],
        token_version=row["token_version"],
        created_at=row["created_at"],
        pending_password_hash=row["pending_password_hash"],
        mobile_verified_at=row["mobile_verified_at"],
        subscription_status=SubscriptionStatus(row["subscription_status"] or "none"),
        subscription_period_end=row["subscription_period_end"],
    )


class SqlUserRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, user: User) -> None:
        stmt = (
            dialect_insert(self._conn, users)
            .values(
                id=user.id,
                mobile_number=user.mobile_number,
                name=user.name,
                email=user.email,
                password_hash=user.password_hash,
                token_version=user.token_version,
                created_at=user.created_at,
                pending_password_hash=user.pending_password_hash,
                mobile_verified_at=user.mobile_verified_at,
            )
            .on_conflict_do_nothing(index_elements=["mobile_number"])
            .returning(users.c.id)
        )
        if (await self._conn.execute(stmt)).first() is None:
            raise MobileTaken()

    async def get(self, user_id: uuid.UUID) -> User | None:
        row = (await self._conn.execute(_GET, {"user_id": user_id})).first()
        return _user(row._mapping) if row else None

    async def get_by_mobile(self, mobile_number: str) -> User | None:
        row = (await self._conn.execute(_GET_BY_MOBILE, {"mobile_number": mobile_number})).first()
        return _user(row._mapping) if row else None

    async def set_password(
        self, user_id: uuid.UUID, password_hash: str, *, bump_token_version: bool
    ) -> None:
        values: dict[str, Any] = {"password_hash": password_hash}
        if bump_token_version:
            values["token_version"] = users.c.token_version + 1
        await self._conn.execute(users.update().where(users.c.id == user_id).values(**values))

    async def revoke_tokens(self, user_id: uuid.UUID) -> bool:
        stmt = (
            users.update()
            .where(users.c.id == user_id)
            .values(token_version=users.c.token_version + 1)
        )
        return (await self._conn.execute(stmt)).rowcount == 1

    async def restart_signup(
        self,
        user_id: uuid.UUID,
        *,
        name: str | None,
        email: str | None,
        pending_password_hash: str | None,
    ) -> bool:
        stmt = (
            users.update()
            .where(users.c.id == user_id, users.c.mobile_verified_at.is_(None))
            .values(name=name, email=email, pending_password_hash=pending_password_hash)
        )
        return (await self._conn.execute(stmt)).rowcount == 1

    async def mark_verified(
        self, user_id: uuid.UUID, at: datetime, *, confirm_pending: str | None
    ) -> None:
        # One UPDATE: the pending hash is compared and moved in the same step,
        # so a signup that replaced it meanwhile is never confirmed by this.
        values: dict[str, Any] = {
            "mobile_verified_at": sa.func.coalesce(
                users.c.mobile_verified_at, sa.literal(at, users.c.mobile_verified_at.type)
            ),
            "pending_password_hash": None,
        }
        if confirm_pending is not None:
            values["password_hash"] = sa.case(
                (users.c.pending_password_hash == confirm_pending, users.c.pending_password_hash),
                else_=users.c.password_hash,
            )
        await self._conn.execute(users.update().where(users.c.id == user_id).values(**values))
