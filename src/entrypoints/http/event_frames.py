"""A live event stream on the wire: Server-Sent Events frames.

Every event has ``id:`` (resumable, see ``gemini_core.services.streams``),
``event:`` and one ``data:`` line of JSON; keep-alives and the reason a
stream ends are comments, which browsers never hand to ``onmessage``.
Litestar's ``ServerSentEventMessage`` writes an empty ``data:`` line unless
``data`` is None, so comments pass ``data=None``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import msgspec
from litestar.response.sse import ServerSentEventMessage

from entrypoints.http.schemas import MessageOut
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
    if event.message is not None:
        return _json.encode(MessageOut.of(event.message))
    return _json.encode({"id": str(event.message_id), "text": event.text or ""})


def comment(text: str, *, retry: int | None = None) -> ServerSentEventMessage:
    return ServerSentEventMessage(comment=text, data=None, retry=retry)


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
