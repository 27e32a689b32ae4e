"""The columns the conversation features need (issue 15), in one step.

- ``messages.reply_to``: the prompt a reply answers. Every earlier reply is
  the message right after its prompt; it is filled from that. Regenerating
  makes another reply to the same prompt: the versions of a reply are the
  replies with the same ``reply_to``.
- ``messages.superseded_at``: when a newer version (a regeneration, or the
  reply to an edited prompt) replaced this reply in the conversation.
- ``messages.edited_at``: when the prompt's text was last replaced.
- ``messages.thinking_tokens``, ``total_tokens``, ``model``: what the reply
  cost and which model wrote it.
- ``chatrooms.system_instruction``: the room's own instruction to the model.
- ``chatrooms.named_by_user``: false while the room carries a title the
  model may replace; a name the user set is never overwritten.
- ``daily_usage.tokens``: the tokens the user's replies used that day.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, never batch mode: on SQLite batch mode copies and
    # drops the table, and dropping ``chatrooms`` cascades to every message.
    for column in (
        sa.Column("reply_to", sa.Uuid()),
        sa.Column("superseded_at", UTCDateTime()),
        sa.Column("edited_at", UTCDateTime()),
        sa.Column("thinking_tokens", sa.Integer()),
        sa.Column("total_tokens", sa.Integer()),
        sa.Column("model", sa.String(64)),
    ):
        op.add_column("messages", column)
    op.create_index("ix_messages_reply_to", "messages", ["reply_to"])
    op.add_column("chatrooms", sa.Column("system_instruction", sa.Text()))
    op.add_column(
        "chatrooms",
        sa.Column("named_by_user", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(
        "daily_usage", sa.Column("tokens", sa.BigInteger(), nullable=False, server_default="0")
    )
    # Until now a room's messages alternated prompt, reply: each reply
    # answers the newest prompt before it.
    op.execute(
        "UPDATE messages SET reply_to = ("
        " SELECT p.id FROM messages AS p"
        " WHERE p.chatroom_id = messages.chatroom_id AND p.role = 'user' AND p.id < messages.id"
        " ORDER BY p.id DESC LIMIT 1"
        ") WHERE role = 'model'"
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite >= 3.35 has it), for the reason in upgrade().
    op.drop_column("daily_usage", "tokens")
    op.drop_column("chatrooms", "named_by_user")
    op.drop_column("chatrooms", "system_instruction")
    op.drop_index("ix_messages_reply_to", "messages")
    for column in ("model", "total_tokens", "thinking_tokens", "edited_at", "superseded_at"):
        op.drop_column("messages", column)
    op.drop_column("messages", "reply_to")
