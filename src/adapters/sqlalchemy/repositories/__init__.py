"""Repositories over one open connection (the unit of work's transaction),
one module per aggregate.

Plain SQLAlchemy Core: rows map straight onto the core's msgspec Structs,
with no ORM identity map to keep in step. Inserts that may collide use the
dialect's ``ON CONFLICT ... RETURNING`` so a collision never aborts the
surrounding PostgreSQL transaction.
"""

from adapters.sqlalchemy.repositories.billing import (
    SqlProcessedEventRepository,
    SqlSubscriptionRepository,
)
from adapters.sqlalchemy.repositories.chatrooms import SqlChatroomRepository
from adapters.sqlalchemy.repositories.daily_usage import SqlDailyUsageRepository
from adapters.sqlalchemy.repositories.messages import SqlMessageRepository
from adapters.sqlalchemy.repositories.search import SqlSearchRepository
from adapters.sqlalchemy.repositories.users import SqlUserRepository

__all__ = [
    "SqlChatroomRepository",
    "SqlDailyUsageRepository",
    "SqlMessageRepository",
    "SqlProcessedEventRepository",
    "SqlSearchRepository",
    "SqlSubscriptionRepository",
    "SqlUserRepository",
]
