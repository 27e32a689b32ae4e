"""/chatroom: rooms, their messages, prompts and the live event stream."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.openapi.spec import OpenAPIType
from litestar.params import HeaderParameter, Parameter
from litestar.response import ServerSentEvent

from entrypoints.http.auth import bearer_token, current_user
from entrypoints.http.bodies import ChatroomChangeIn, ChatroomIn, MessageIn
from entrypoints.http.cursors import ChatroomCursors, decode_message_cursor
from entrypoints.http.event_frames import close_streams_of, closing_after_response, event_frames
from entrypoints.http.limits import MESSAGE_MAX_BODY
from entrypoints.http.openapi import errors, rate_limit_response_headers
from entrypoints.http.rate_limit import accepted_prompt_headers
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
from gemini_core.model import Message, User
from gemini_core.services import ChatService, EventStreams, ReplyVersions, TierService
from gemini_core.services.streams import EVENT_ID_PATTERN

ROOM_MESSAGES = 50  # the latest messages a room's view shows
PageLimit = Annotated[int, Parameter(ge=1, le=100, description="page size, 1-100")]


def parse_id(raw: str, field: str = "chatroom_id") -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationFailed.for_field(field, "must be a UUID") from None


async def shown(messages: list[Message], versions: ReplyVersions) -> list[MessageOut]:
    """The messages as the API shows them, each reply with its versions."""
    return with_versions(messages, await versions.versions_of(messages))


def with_versions(
    messages: list[Message], versions: dict[uuid.UUID, list[uuid.UUID]]
) -> list[MessageOut]:
    """The messages as the API shows them, each reply with its versions
    (``versions``: by the prompt they answer)."""
    return [MessageOut.of(m, versions.get(m.reply_to) if m.reply_to else None) for m in messages]


class ChatroomController(Controller):
    path = "/chatroom"
    tags = ["chatrooms"]
    dependencies = {"user": Provide(current_user)}
    security = [{"bearer": []}]

    @post(
        "/",
        status_code=201,
        summary="Create a chatroom",
        description=(
            "Without a `name` the room is called `New chat` (`named_by_user` false) until "
            "the worker titles it from its first prompt and reply (`room.renamed` on its "
            "event stream); a user's name is never replaced. An optional "
            "`system_instruction` is sent to the model instead of the server's. 409 "
            "`room_limit_reached` when the caller keeps as many rooms as allowed."
        ),
        responses=errors(400, 401, 409, 413, 503),
    )
    async def create(
        self, data: ChatroomIn, chat: ChatService, user: User
    ) -> Envelope[ChatroomData]:
        room = await chat.create_room(
            user.id, data.name, system_instruction=data.system_instruction
        )
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
        page, _ = await chat.room_page(user.id, parse_id(room_id), ROOM_MESSAGES, None)
        return ok(
            ChatroomDetailData(
                chatroom=ChatroomOut.of(page.room),
                messages=with_versions(page.messages, page.versions),
            )
        )

    @patch(
        "/{room_id:str}",
        summary="Rename a chatroom or set its system instruction",
        description=(
            "Changes the fields given (at least one): a `name` is the user's, never "
            "replaced by the model's title, even one that was on its way; "
            "`system_instruction` null or blank clears the room's own. Answers the room."
        ),
        responses=errors(400, 401, 404, 413, 503),
    )
    async def rename(
        self, room_id: str, data: ChatroomChangeIn, chat: ChatService, user: User
    ) -> Envelope[ChatroomData]:
        room = await chat.rename_room(
            user.id, parse_id(room_id), data.name, system_instruction=data.system_instruction
        )
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
        page, older = await chat.room_page(user.id, parse_id(room_id), limit, before_id)
        return PageEnvelope(
            data=with_versions(page.messages, page.versions),
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
            "RateLimit-* headers say what is left, 429 `quota_exceeded` when spent. A tier "
            "may also have a daily token budget: 429 `token_budget_exhausted` once today's "
            "replies used it up (see `GET /subscription/status`). The pending reply names "
            "the model of the caller's tier."
        ),
        response_headers=rate_limit_response_headers(),
        responses=errors(400, 401, 404, 413, 429, 503),
    )
    async def send(
        self, room_id: str, data: MessageIn, chat: ChatService, tiers: TierService, user: User
    ) -> Response[Envelope[PromptData]]:
        tier = tiers.tier_of_user(user)
        accepted = await chat.send_prompt(user.id, parse_id(room_id), data.content, tier=tier)
        headers = accepted_prompt_headers(accepted.quota, accepted.quota_resets_in)
        body = ok(
            PromptData(message=MessageOut.of(accepted.message), reply=MessageOut.of(accepted.reply))
        )
        return Response(body, status_code=202, headers=headers)

    @get(
        "/{room_id:str}/events",
        summary="Live message events (text/event-stream)",
        description=(
            "Server-sent events of the room's messages: `id:` is resumable, `event:` "
            "names the change, `data:` carries the message (a `MessageOut`), or the room "
            "(a `ChatroomOut`) on `room.renamed`, when the model titled it. Comments "
            "keep an idle stream alive. Reconnecting with `Last-Event-ID` first sends "
            "what changed since. The stream ends when the token is revoked or expires. "
            "429 `too_many_streams` past the streams a user may hold open; 503 when this "
            "server holds all it can."
        ),
        media_type="text/event-stream",
        responses=errors(400, 401, 404, 429, 503),
        after_response=close_streams_of,
    )
    async def events(
        self,
        room_id: str,
        streams: EventStreams,
        request: Request[Any, Any, Any],
        user: User,
        last_event_id: Annotated[
            str | None,
            HeaderParameter(
                name="Last-Event-ID",
                description=(
                    "The `id:` of the last event received: the stream first sends the "
                    "state of the room's messages that changed since (browsers send it "
                    "when they reconnect)"
                ),
                pattern=EVENT_ID_PATTERN,
                required=False,
                # Absent, never null: a header has no null value to send.
                schema_extra={"one_of": None, "type": OpenAPIType.STRING},
            ),
        ] = None,
    ) -> ServerSentEvent:
        # ``user`` (resolved first) answers a bad token with 401 before the
        # room id is read; the stream keeps the token to re-check it.
        stream = await streams.open(bearer_token(request), parse_id(room_id), after=last_event_id)
        closing_after_response(request, stream)
        return ServerSentEvent(event_frames(stream))
