"""Several statements as one atomic step on SQLite."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# A write of no rows: it waits its turn for the write lock, then holds it.
_TAKE_WRITE_LOCK = sa.text("UPDATE messages SET id = id WHERE 0")


@contextlib.asynccontextmanager
async def savepoint(conn: AsyncConnection, name: str) -> AsyncIterator[None]:
    """The block's statements kept together or not at all. Outside a
    transaction (an autocommit unit of work) a SAVEPOINT begins one, which
    its RELEASE commits; inside the caller's transaction it nests in it.
    Any exception, the caller's own included, rolls the block back.

    The write lock is taken first: out of a transaction, the savepoint
    opens a deferred one, and a block whose first statement reads (the
    FTS5 trigger on messages' content reads the index before its write,
    migration 0005) would be refused at once ("database is locked") when
    another writer committed meanwhile, instead of waiting its
    busy_timeout."""
    await conn.execute(sa.text(f"SAVEPOINT {name}"))
    try:
        await conn.execute(_TAKE_WRITE_LOCK)
        yield
    except BaseException:
        await conn.execute(sa.text(f"ROLLBACK TO {name}"))
        await conn.execute(sa.text(f"RELEASE {name}"))
        raise
    await conn.execute(sa.text(f"RELEASE {name}"))
