"""/chatroom: rooms, their messages, prompts and the live event stream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from entrypoints.http.auth import current_user
from entrypoints.http.cursors import ChatroomCursors, decode_message_cursor
from entrypoints.http.limits import MESSAGE_MAX_BODY
from entrypoints.http.rate_limit import rate_limit_headers
from entrypoints.http.schemas import (
    ChatroomData,
    ChatroomDetailData,
    ChatroomIn,
    ChatroomOut,
    Envelope,
    MessageIn,
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

    @post("/", status_code=201, summary="Create a chatroom")
    async def create(
        self, data: ChatroomIn, chat: ChatService, user: User
    ) -> Envelope[ChatroomData]:
        room = await chat.create_room(user.id, data.name)
        return ok(ChatroomData(chatroom=ChatroomOut.of(room)))

    @get("/", summary="The caller's chatrooms, newest activity first (cached)")
    async def list_rooms(
        self,
        chat: ChatService,
        user: User,
        cursors: ChatroomCursors,
        limit: PageLimit = 20,
        cursor: str | None = None,
    ) -> Response[PageEnvelope[ChatroomOut]]:
        after = cursors.decode(cursor) if cursor else None
        result = await chat.list_rooms(user.id, limit, after)
        page = result.page
        body = PageEnvelope(
            data=[ChatroomOut.of(room) for room in page.items],
            meta=PageMeta(
                next_cursor=cursors.encode(page.next_cursor) if page.next_cursor else None
            ),
        )
        return Response(body, headers={"X-Cache": "HIT" if result.cache_hit else "MISS"})

    @get("/{room_id:str}", summary="A chatroom with its latest messages")
    async def get_room(
        self, room_id: str, chat: ChatService, user: User
    ) -> Envelope[ChatroomDetailData]:
        room, messages = await chat.get_room(user.id, parse_id(room_id))
        return ok(
            ChatroomDetailData(
                chatroom=ChatroomOut.of(room), messages=[MessageOut.of(m) for m in messages]
            )
        )

    @patch("/{room_id:str}", summary="Rename a chatroom")
    async def rename(
        self, room_id: str, data: ChatroomIn, chat: ChatService, user: User
    ) -> Envelope[ChatroomData]:
        room = await chat.rename_room(user.id, parse_id(room_id), data.name)
        return ok(ChatroomData(chatroom=ChatroomOut.of(room)))

    @delete("/{room_id:str}", status_code=204, summary="Delete a chatroom and its messages")
    async def remove(self, room_id: str, chat: ChatService, user: User) -> None:
        await chat.delete_room(user.id, parse_id(room_id))

    @get("/{room_id:str}/messages", summary="Message history, oldest first within a page")
    async def messages(
        self,
        room_id: str,
        chat: ChatService,
        user: User,
        limit: PageLimit = 50,
        before: str | None = None,
    ) -> PageEnvelope[MessageOut]:
        before_id = decode_message_cursor(before) if before else None
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

    @get("/{room_id:str}/events", summary="Live message events (text/event-stream)")
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
