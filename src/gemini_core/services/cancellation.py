"""Stopping a reply: the request (API side), the stop (worker side), and
the one conditional write that ends a reply cancelled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from gemini_core.errors import NotAReply, NotFound, ReplyFinal, ServiceUnavailable
from gemini_core.model import Message, MessageStatus, Role
from gemini_core.ports import (
    DeltaSink,
    ReplyCancellations,
    UnitOfWorkFactory,
)
from gemini_core.services.chat_values import room_message
from gemini_core.services.reply_failer import ReplyFailer
from gemini_core.services.stop_poller import StopPoller
from gemini_core.services.waiting import ReplyWatcher
from gemini_core.text import storable

logger = logging.getLogger(__name__)

T = TypeVar("T")

# How often a worker looks for stop requests while the model writes: one
# read for all its replies in flight per interval (``StopPoller``).
STOP_POLL_SECONDS = 0.1
# How long the API waits for the worker to store a stopped reply's text
# before it ends the reply itself (the worker is gone or cannot hear).
WORKER_STOP_WAIT_SECONDS = 5.0


class ReplyStopped(Exception):
    """The model call was stopped on request; ``text`` is what it wrote so far."""

    def __init__(self, text: str) -> None:
        super().__init__("the reply was stopped")
        self.text = text


class ReplyStops:
    """Ends replies as cancelled, and runs a model call that stops on request.

    ``cancel`` is the one conditional write (pending -> cancelled), so a stop
    racing a completion, a failure or another stop ends in exactly one final
    state; the quota comes back, in the same transaction, only for a reply
    stopped before any text arrived."""

    def __init__(
        self,
        *,
        failer: ReplyFailer,
        cancellations: ReplyCancellations,
        poll_seconds: float = STOP_POLL_SECONDS,
    ) -> None:
        self._failer = failer
        self._cancellations = cancellations
        self._poller = StopPoller(cancellations, poll_seconds)

    async def requested(self, reply_id: uuid.UUID) -> bool:
        """Whether the reply's stop was asked for; False when that cannot be
        told (a Redis blip must not stop or fail a reply)."""
        try:
            return await self._cancellations.is_requested(reply_id)
        except ServiceUnavailable:
            logger.warning("could not check whether reply %s was stopped", reply_id)
            return False

    async def cancel(self, reply: Message, text: str) -> Message | None:
        """End a pending reply cancelled with ``text``; the stored reply, or
        None (nothing written) when it was final already."""
        content = storable(text)
        # Nothing was written: the prompt is not counted, exactly once.
        return await self._failer.end(
            reply, MessageStatus.CANCELLED, content=content, error=None, give_back=not content
        )

    async def run(
        self, reply_id: uuid.UUID, call: Callable[[DeltaSink], Awaitable[T]], sink: DeltaSink
    ) -> T:
        """``call``'s result, or ``ReplyStopped`` with the text passed to
        ``sink`` so far once a stop is requested (the call is cancelled)."""
        written: list[str] = []

        async def keep(text: str) -> None:
            written.append(text)
            await sink(text)

        async def call_with_keep() -> T:
            return await call(keep)

        with self._poller.watching(reply_id) as stop:
            task = asyncio.ensure_future(call_with_keep())
            stopped = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if task.done():  # the answer wins over a stop seen at the same time
                    return task.result()
                raise ReplyStopped("".join(written))
            finally:
                stopped.cancel()
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task


class CancelService:
    """What ``POST .../message/{reply_id}/cancel`` runs."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        cancellations: ReplyCancellations,
        stops: ReplyStops,
        watcher: ReplyWatcher,
        wait_seconds: float = WORKER_STOP_WAIT_SECONDS,
    ) -> None:
        self._uow = uow
        self._cancellations = cancellations
        self._stops = stops
        self._watcher = watcher
        self._wait = wait_seconds

    async def cancel(self, user_id: uuid.UUID, room_id: uuid.UUID, reply_id: uuid.UUID) -> Message:
        """Stop a pending reply of the user's room and answer it cancelled
        (with the text written so far). ``NotFound`` unless it is a message
        of that room of the user's; ``NotAReply`` for a prompt;
        ``ReplyFinal`` when it was final already (or became final first)."""
        reply = await self._reply(user_id, room_id, reply_id)
        if reply.status is not MessageStatus.PENDING:
            raise ReplyFinal(details={"status": reply.status.value})
        try:
            await self._cancellations.request(reply.id)
        except ServiceUnavailable:
            # The worker cannot hear it; the stored state still decides.
            logger.warning("could not signal the stop of reply %s", reply.id)
        if reply.deliveries > 0:
            # A worker has it: let it store the text so far.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._wait):
                    await self._watcher.wait(user_id, reply.id)
        # Nobody started it, or its worker did not answer: end it here (a
        # no-op when the worker got there first).
        await self._stops.cancel(reply, "")
        final = await self._reply(user_id, room_id, reply_id)
        if final.status is not MessageStatus.CANCELLED:
            raise ReplyFinal(details={"status": final.status.value})
        return final

    async def _reply(self, user_id: uuid.UUID, room_id: uuid.UUID, reply_id: uuid.UUID) -> Message:
        async with self._uow(autocommit=True) as uow:
            if await uow.chatrooms.get(user_id, room_id) is None:
                raise NotFound("message not found")
            message = await room_message(uow, room_id, reply_id)
        if message.role is not Role.MODEL:
            raise NotAReply()
        return message
