"""/chatroom: rooms, their messages, prompts and the live event stream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from entrypoints.http.auth import current_user
from entrypoints.http.bodies import ChatroomIn, MessageIn
from entrypoints.http.cursors import ChatroomCursors, decode_message_cursor
from entrypoints.http.limits import MESSAGE_MAX_BODY
from entrypoints.http.openapi import errors, rate_limit_response_headers
from entrypoints.http.rate_limit import rate_limit_headers
from entrypoints.http.schemas import (
    ChatroomData,
    ChatroomDetailData,
    ChatroomOut,
    Envelope,
    MessageOut,
    PageEnvelope,
    PageMeta,
    PromptData,
    ok,
)
from gemini_core.errors import ValidationFailed
from gemini_core.model import User
from gemini_core.ports import MessageEvent
from gemini_core.services import ChatService

PageLimit = Annotated[int, Parameter(ge=1, le=100, description="page size, 1-100")]
# Seconds between keep-alive comments on an idle event stream, so proxies
# do not cut it and a gone client is noticed.
KEEPALIVE_SECONDS = 15.0
_json = msgspec.json.Encoder()


def parse_id(raw: str, field: str = "chatroom_id") -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationFailed.for_field(field, "must be a UUID") from None


def event_payload(event: MessageEvent) -> bytes:
    if event.message is not None:
        return _json.encode(MessageOut.of(event.message))
    return _json.encode({"id": str(event.message_id), "text": event.text or ""})


class ChatroomController(Controller):
    path = "/chatroom"
    tags = ["chatrooms"]
    dependencies = {"user": Provide(current_user)}
    security = [{"bearer": []}]

    @post(
        "/",
        status_code=201,
        summary="Create a chatroom",
        description="409 `room_limit_reached` when the caller keeps as many rooms as allowed.",
        responses=errors(400, 401, 409, 413, 503),
    )
    async def create(
        self, data: ChatroomIn, chat: ChatService, user: User
    ) -> Envelope[ChatroomData]:
        room = await chat.create_room(user.id, data.name)
        return ok(ChatroomData(chatroom=ChatroomOut.of(room)))

    @get(
        "/",
        summary="The caller's chatrooms, newest activity first (cached)",
        description=(
            "A page of rooms; `meta.next_cursor` (opaque, signed) fetches the next one "
            "as `cursor`. `X-Cache` says whether the list came from the cache."
        ),
        response_headers=[
            ResponseHeader(name="X-Cache", description="`HIT` or `MISS`", documentation_only=True)
        ],
        responses=errors(400, 401, 503),
    )
    async def list_rooms(
        self,
        chat: ChatService,
        user: User,
        cursors: ChatroomCursors,
        limit: PageLimit = 20,
        cursor: Annotated[
            str | None,
            Parameter(description="`meta.next_cursor` of the previous page (opaque, signed)"),
        ] = None,
    ) -> Response[PageEnvelope[ChatroomOut]]:
        # An empty cursor is refused like any other bad one, not read as none.
        after = cursors.decode(cursor) if cursor is not None else None
        result = await chat.list_rooms(user.id, limit, after)
        page = result.page
        body = PageEnvelope(
            data=[ChatroomOut.of(room) for room in page.items],
            meta=PageMeta(
                next_cursor=cursors.encode(page.next_cursor) if page.next_cursor else None
            ),
        )
        return Response(body, headers={"X-Cache": "HIT" if result.cache_hit else "MISS"})

    @get(
        "/{room_id:str}",
        summary="A chatroom with its latest messages",
        description="The room and its latest messages, oldest first.",
        responses=errors(400, 401, 404, 503),
    )
    async def get_room(
        self, room_id: str, chat: ChatService, user: User
    ) -> Envelope[ChatroomDetailData]:
        room, messages = await chat.get_room(user.id, parse_id(room_id))
        return ok(
            ChatroomDetailData(
                chatroom=ChatroomOut.of(room), messages=[MessageOut.of(m) for m in messages]
            )
        )

    @patch(
        "/{room_id:str}",
        summary="Rename a chatroom",
        description="Answers the renamed room.",
        responses=errors(400, 401, 404, 413, 503),
    )
    async def rename(
        self, room_id: str, data: ChatroomIn, chat: ChatService, user: User
    ) -> Envelope[ChatroomData]:
        room = await chat.rename_room(user.id, parse_id(room_id), data.name)
        return ok(ChatroomData(chatroom=ChatroomOut.of(room)))

    @delete(
        "/{room_id:str}",
        status_code=204,
        summary="Delete a chatroom and its messages",
        description="A reply still being written is dropped with the room.",
        responses=errors(400, 401, 404, 503),
    )
    async def remove(self, room_id: str, chat: ChatService, user: User) -> None:
        await chat.delete_room(user.id, parse_id(room_id))

    @get(
        "/{room_id:str}/messages",
        summary="Message history, oldest first within a page",
        description=(
            "Pages go back in time: `meta.next_cursor` is the `before` of the next, "
            "older page (null on the oldest)."
        ),
        responses=errors(400, 401, 404, 503),
    )
    async def messages(
        self,
        room_id: str,
        chat: ChatService,
        user: User,
        limit: PageLimit = 50,
        before: Annotated[
            str | None,
            Parameter(
                description="`meta.next_cursor` of the previous page (a message id)",
                schema_extra={"format": "uuid"},
            ),
        ] = None,
    ) -> PageEnvelope[MessageOut]:
        before_id = decode_message_cursor(before) if before is not None else None
        page, older = await chat.list_messages(user.id, parse_id(room_id), limit, before_id)
        return PageEnvelope(
            data=[MessageOut.of(m) for m in page],
            meta=PageMeta(next_cursor=str(older) if older else None),
        )

    @post(
        "/{room_id:str}/message",
        status_code=202,
        summary="Send a prompt; the reply is queued",
        request_max_body_size=MESSAGE_MAX_BODY,
        description=(
            "Stores the prompt and a pending reply, and queues the reply (watch it on "
            "`/events` or poll the messages). Basic users get a daily allowance: the "
            "RateLimit-* headers say what is left, 429 `quota_exceeded` when spent."
        ),
        response_headers=rate_limit_response_headers(),
        responses=errors(400, 401, 404, 413, 429, 503),
    )
    async def send(
        self, room_id: str, data: MessageIn, chat: ChatService, user: User
    ) -> Response[Envelope[PromptData]]:
        accepted = await chat.send_prompt(user.id, parse_id(room_id), data.content)
        quota = accepted.quota
        headers = {}
        if quota.limit is not None:
            headers = rate_limit_headers(
                limit=quota.limit,
                remaining=quota.remaining or 0,
                reset_seconds=accepted.quota_resets_in,
            )
        body = ok(
            PromptData(message=MessageOut.of(accepted.message), reply=MessageOut.of(accepted.reply))
        )
        return Response(body, status_code=202, headers=headers)

    @get(
        "/{room_id:str}/events",
        summary="Live message events (text/event-stream)",
        description=(
            "Server-sent events of the room's messages: `event:` names the change, "
            "`data:` carries the message (a `MessageOut`). Comments keep an idle stream "
            "alive. 429 `too_many_streams` past the streams a user may hold open."
        ),
        media_type="text/event-stream",
        responses=errors(400, 401, 404, 429, 503),
    )
    async def events(self, room_id: str, chat: ChatService, user: User) -> ServerSentEvent:
        stream = await chat.subscribe(user.id, parse_id(room_id))

        async def frames() -> AsyncGenerator[ServerSentEventMessage, Any]:
            try:
                yield ServerSentEventMessage(comment="connected")
                while True:
                    event = await stream.next(KEEPALIVE_SECONDS)
                    if event is None:
                        yield ServerSentEventMessage(comment="keep-alive")
                        continue
                    yield ServerSentEventMessage(
                        event=event.type, data=event_payload(event).decode()
                    )
            finally:
                await stream.close()

        return ServerSentEvent(frames())
