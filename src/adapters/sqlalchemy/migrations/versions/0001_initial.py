"""Initial schema: users, chatrooms, messages, subscriptions, processed events.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("mobile_number", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100)),
        sa.Column("email", sa.String(254)),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("mobile_number", name="uq_users_mobile_number"),
    )
    op.create_table(
        "chatrooms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("last_message_at", UTCDateTime()),
        sa.Column("activity_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_chatrooms"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_chatrooms_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_chatrooms_user_activity", "chatrooms", ["user_id", "activity_at", "id"])
    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("chatroom_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime()),
        sa.Column("prompt_tokens", sa.Integer()),
        sa.Column("output_tokens", sa.Integer()),
        sa.Column("deliveries", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.ForeignKeyConstraint(
            ["chatroom_id"],
            ["chatrooms.id"],
            name="fk_messages_chatroom_id_chatrooms",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_messages_user_id_users", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_messages_chatroom_id_id", "messages", ["chatroom_id", "id"])
    op.create_index("ix_messages_status_created", "messages", ["status", "created_at"])
    op.create_index("ix_messages_user_created", "messages", ["user_id", "created_at"])
    op.create_table(
        "subscriptions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("customer_id", sa.String(255)),
        sa.Column("subscription_id", sa.String(255)),
        sa.Column("current_period_end", UTCDateTime()),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("event_created", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("user_id", name="pk_subscriptions"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_subscriptions_user_id_users", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("customer_id", name="uq_subscriptions_customer_id"),
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_processed_events"),
    )


def downgrade() -> None:
    op.drop_table("processed_events")
    op.drop_table("subscriptions")
    op.drop_index("ix_messages_user_created", table_name="messages")
    op.drop_index("ix_messages_status_created", table_name="messages")
    op.drop_index("ix_messages_chatroom_id_id", table_name="messages")
    op.drop_table("messages")
    op.drop_index("ix_chatrooms_user_activity", table_name="chatrooms")
    op.drop_table("chatrooms")
    op.drop_table("users")
