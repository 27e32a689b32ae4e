"""gemini-clone as a library: the services, wired, in one call.

    async with open_embedded("./chat-data") as app:
        ...  # app.auth, app.chat, app.search, app.export, app.quota, app.billing,
        # app.cancels, app.versions, app.wait_for_reply

``open_embedded`` runs everything in this process (SQLite in ``data_dir``,
in-process caches and queue, replies produced here by the offline model or
the one you pass). ``open_production(settings)`` wires the production
adapters (PostgreSQL, Redis, Gemini, Stripe): prompts are queued for
``gemini-clone worker`` processes, as the HTTP API does.

Both are the composition root's ``bootstrap`` underneath, so any adapter can
be replaced the same way, e.g. ``open_embedded(path, model=MyModel())``.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Unpack

from entrypoints.bootstrap import Overrides, bootstrap
from entrypoints.container import Container
from entrypoints.reply_pipeline import consuming_replies, sweeping
from entrypoints.settings import Settings, load_settings
from gemini_core.model import Message
from gemini_core.services import (
    AuthService,
    BillingService,
    CancelService,
    ChatService,
    ConversationExport,
    QuotaService,
    ReplyVersions,
    ReplyWatcher,
    SearchService,
    TierService,
)


@dataclass(frozen=True)
class ChatApp:
    """The services of one running gemini-clone, for use from Python."""

    container: Container
    auth: AuthService
    chat: ChatService
    quota: QuotaService
    tiers: TierService
    billing: BillingService
    cancels: CancelService
    """Stop a reply being written."""
    versions: ReplyVersions
    """Ask again, fix the last prompt, read any version of a reply."""
    search: SearchService
    export: ConversationExport

    @classmethod
    def of(cls, container: Container) -> ChatApp:
        return cls(
            container=container,
            auth=container.resolve(AuthService),
            chat=container.resolve(ChatService),
            quota=container.resolve(QuotaService),
            tiers=container.resolve(TierService),
            billing=container.resolve(BillingService),
            cancels=container.resolve(CancelService),
            versions=container.resolve(ReplyVersions),
            search=container.resolve(SearchService),
            export=container.resolve(ConversationExport),
        )

    async def wait_for_reply(self, user_id: uuid.UUID, reply_id: uuid.UUID) -> Message:
        """The reply once it is final (completed, failed or cancelled); bound the wait with
        ``asyncio.timeout``."""
        return await self.container.resolve(ReplyWatcher).wait(user_id, reply_id)


@contextlib.asynccontextmanager
async def open_embedded(
    data_dir: str | Path = ".gemini-clone",
    *,
    env: Mapping[str, str] | None = None,
    **overrides: Unpack[Overrides],
) -> AsyncIterator[ChatApp]:
    """Everything in this process, with its files in ``data_dir``. ``env``
    gives settings by their variable names (``{"BASIC_DAILY_LIMIT": "10"}``);
    the process environment is not read."""
    settings = load_settings({"DATA_DIR": str(data_dir), **(env or {})})
    container = bootstrap(settings, **overrides)
    async with (
        container,
        consuming_replies(container, worker=False),
        sweeping(container, settings.sweep_interval),
    ):
        yield ChatApp.of(container)


@contextlib.asynccontextmanager
async def open_production(
    settings: Settings | None = None, **overrides: Unpack[Overrides]
) -> AsyncIterator[ChatApp]:
    """The production adapters for ``settings`` (the environment's when
    None). Replies are produced by ``gemini-clone worker`` processes."""
    container = bootstrap(settings, **overrides)
    async with container, consuming_replies(container, worker=False):
        yield ChatApp.of(container)
