"""Users: a signup's pending password and when the number was verified.

Accounts made before this revision are taken as verified (their passwords
keep working): there is no record of how they were made.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from adapters.sqlalchemy.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("pending_password_hash", sa.String(255)))
        batch.add_column(sa.Column("mobile_verified_at", UTCDateTime()))
    op.execute("UPDATE users SET mobile_verified_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("mobile_verified_at")
        batch.drop_column("pending_password_hash")
