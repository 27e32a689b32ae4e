"""A live event stream on the wire: Server-Sent Events frames.

Every event has ``id:`` (resumable, see ``gemini_core.services.streams``),
``event:`` and one ``data:`` line of JSON; keep-alives and the reason a
stream ends are comments, which browsers never hand to ``onmessage``.
Litestar's ``ServerSentEventMessage`` writes an empty ``data:`` line unless
``data`` is None, so comments pass ``data=None``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import msgspec
from litestar import Request
from litestar.response.sse import ServerSentEventMessage

from entrypoints.http.schemas import ChatroomOut, MessageOut
from gemini_core.errors import DomainError
from gemini_core.ports import MessageEvent
from gemini_core.services import LiveStream

# Seconds between keep-alive comments on an idle event stream, so proxies
# do not cut it and a gone client is noticed.
KEEPALIVE_SECONDS = 15.0
# How long a browser waits before reconnecting to a stream that ended.
RECONNECT_MS = 2000
_json = msgspec.json.Encoder()


def event_payload(event: MessageEvent) -> bytes:
    if event.room is not None:
        return _json.encode(ChatroomOut.of(event.room))
    if event.message is not None:
        return _json.encode(MessageOut.of(event.message))
    return _json.encode({"id": str(event.message_id), "text": event.text or ""})


def comment(text: str, *, retry: int | None = None) -> ServerSentEventMessage:
    return ServerSentEventMessage(comment=text, data=None, retry=retry)


def closing_after_response(request: Request[Any, Any, Any], stream: LiveStream) -> None:
    """Have ``close_streams_of`` close ``stream`` when the response is done.

    ``event_frames`` closes its stream when it ends, but Litestar cancels a
    streaming body whose client is already gone before the generator's
    first step, and a generator that never started runs no ``finally``: the
    stream's place would stay taken."""
    request.state.live_streams = [*request.state.get("live_streams", ()), stream]


async def close_streams_of(request: Request[Any, Any, Any]) -> None:
    """The route's ``after_response`` hook: close what the request opened
    (a no-op for a stream that its frames closed already)."""
    for stream in request.state.get("live_streams", ()):
        await stream.close()


async def event_frames(stream: LiveStream) -> AsyncGenerator[ServerSentEventMessage, None]:
    """The stream's frames until it ends; the stream is closed afterwards,
    also when the client goes away."""
    try:
        yield comment("connected", retry=RECONNECT_MS)
        while True:
            try:
                item = await stream.next(KEEPALIVE_SECONDS)
            except DomainError as exc:
                # A revoked or expired token (the reconnect gets 401), or live
                # events that could not be kept whole (the reconnect, with
                # Last-Event-ID, catches up).
                yield comment(f"closed: {exc.code}")
                return
            if item is None:
                yield comment("keep-alive")
                continue
            yield ServerSentEventMessage(
                id=item.id, event=item.event.type, data=event_payload(item.event).decode()
            )
    finally:
        await stream.close()
