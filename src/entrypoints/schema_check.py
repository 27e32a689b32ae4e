"""The schema check ``serve`` and ``worker`` make before they start: code
served on a database that was never migrated (or migrated by another
release) would answer 500s and log tracebacks, so they refuse instead, in
one line that says what to do."""

from __future__ import annotations

import asyncio
import sys

from adapters.sqlalchemy import DatabaseSchema, DatabaseUnreachable, SchemaMismatch
from entrypoints.bootstrap import bootstrap
from entrypoints.settings import Settings


def schema_refusal(settings: Settings) -> str | None:
    """Why nothing may start on the configured database, in one line; None
    when its schema is this release's. The embedded default (SQLite)
    migrates itself at start-up, so it is never refused here."""

    async def ask() -> None:
        container = bootstrap(settings)
        try:
            schema = container.resolve(DatabaseSchema)
            if not schema.is_embedded:
                await schema.require_current()
        finally:
            await container.aclose()

    try:
        asyncio.run(ask())
    except (SchemaMismatch, DatabaseUnreachable) as exc:
        return str(exc)
    return None


def schema_allows_start(settings: Settings) -> bool:
    """Whether ``serve`` or ``worker`` may start; when not, the reason is
    written to stderr, in one line."""
    refusal = schema_refusal(settings)
    if refusal is None:
        return True
    print(f"gemini-clone: {refusal}; nothing started", file=sys.stderr)
    return False
