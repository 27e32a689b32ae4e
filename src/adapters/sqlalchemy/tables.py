"""The schema as SQLAlchemy Core tables.

Alembic migrations are the only way the schema is made; this metadata is
what the repositories query and what the model/migration agreement test
compares the migrated database against.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on every database.

    SQLite keeps no offset, so values are stored as naive UTC there and made
    aware again on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        # psycopg already returns aware datetimes in the session's time zone,
        # which the engine sets to UTC (engine.py): no Python per value per
        # row on PostgreSQL.
        if dialect.name == "postgresql":
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("mobile_number", sa.String(16), nullable=False, unique=True),
    sa.Column("name", sa.String(100)),
    sa.Column("email", sa.String(254)),
    sa.Column("password_hash", sa.String(255)),
    sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    # A signup's password, until the code that signup sent confirms it (0002).
    sa.Column("pending_password_hash", sa.String(255)),
    # When a code sent to the number was first used; NULL: unconfirmed signup.
    sa.Column("mobile_verified_at", UTCDateTime()),
)

chatrooms = sa.Table(
    "chatrooms",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("last_message_at", UTCDateTime()),
    # last_message_at, or created_at before the first message: the list order.
    sa.Column("activity_at", UTCDateTime(), nullable=False),
    # The room's own instruction to the model (0004).
    sa.Column("system_instruction", sa.Text()),
    # False while the name is a title the model may replace (0004).
    sa.Column("named_by_user", sa.Boolean(), nullable=False, server_default=sa.true()),
    sa.Index("ix_chatrooms_user_activity", "user_id", "activity_at", "id"),
)

messages = sa.Table(
    "messages",
    metadata,
    # UUIDv7: ordering by id is ordering by creation.
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column(
        "chatroom_id",
        sa.Uuid(),
        sa.ForeignKey("chatrooms.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("role", sa.String(8), nullable=False),
    sa.Column("content", sa.Text(), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("error", sa.Text()),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("completed_at", UTCDateTime()),
    sa.Column("prompt_tokens", sa.Integer()),
    sa.Column("output_tokens", sa.Integer()),
    sa.Column("deliveries", sa.Integer(), nullable=False, server_default="0"),
    # Conversation features (0004): the prompt a reply answers (its versions
    # share it), when a newer version replaced it, when a prompt was edited,
    # and what the reply cost.
    sa.Column("reply_to", sa.Uuid()),
    sa.Column("superseded_at", UTCDateTime()),
    sa.Column("edited_at", UTCDateTime()),
    sa.Column("thinking_tokens", sa.Integer()),
    sa.Column("total_tokens", sa.Integer()),
    sa.Column("model", sa.String(64)),
    sa.Index("ix_messages_chatroom_id_id", "chatroom_id", "id"),
    sa.Index("ix_messages_reply_to", "reply_to"),
    sa.Index("ix_messages_status_created", "status", "created_at"),
    sa.Index("ix_messages_user_created", "user_id", "created_at"),
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column(
        "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("customer_id", sa.String(255), unique=True),
    sa.Column("subscription_id", sa.String(255)),
    sa.Column("current_period_end", UTCDateTime()),
    sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("event_created", sa.BigInteger(), nullable=False, server_default="0"),
)

# Prompts each user sent per UTC day that still hold a unit of quota (0003):
# the quota's one count, taken and given back in the prompt's and the failed
# reply's own transactions.
daily_usage = sa.Table(
    "daily_usage",
    metadata,
    sa.Column(
        "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("day", sa.Date(), primary_key=True),
    sa.Column("used", sa.Integer(), nullable=False),
    # Tokens the day's replies used (0004), for the daily token budget.
    sa.Column("tokens", sa.BigInteger(), nullable=False, server_default="0"),
    sa.CheckConstraint("used >= 0", name="ck_daily_usage_used_not_negative"),
)

processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("event_id", sa.String(255), primary_key=True),
    sa.Column("received_at", UTCDateTime(), nullable=False),
)
