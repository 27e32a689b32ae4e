"""The daily quota counted in the database: one row per user and UTC day.

The count used to live in Redis only. So that an upgrade in the middle of a
day hands nobody a second allowance, today's row of each user is filled from
the prompts they sent today whose reply did not fail (what the old database
fallback counted).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    daily_usage = op.create_table(
        "daily_usage",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.CheckConstraint("used >= 0", name="ck_daily_usage_used_not_negative"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_daily_usage_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name="pk_daily_usage"),
    )
    _count_today(daily_usage)


def _count_today(daily_usage: sa.Table) -> None:
    now = datetime.now(UTC)
    since = now.replace(hour=0, minute=0, second=0, microsecond=0)
    messages = sa.table(
        "messages",
        sa.column("user_id", sa.Uuid()),
        sa.column("role", sa.String()),
        sa.column("status", sa.String()),
        sa.column("created_at", UTCDateTime()),
    )
    # Every prompt has exactly one reply: the replies that did not fail are
    # the prompts that still hold a unit.
    today = (
        sa.select(messages.c.user_id, sa.literal(now.date(), sa.Date()), sa.func.count())
        .where(
            messages.c.role == "model",
            messages.c.status != "failed",
            messages.c.created_at >= since,
        )
        .group_by(messages.c.user_id)
    )
    op.execute(daily_usage.insert().from_select(["user_id", "day", "used"], today))


def downgrade() -> None:
    op.drop_table("daily_usage")
