"""/chatroom/{id}/message/{id}: one message, and a reply's lifecycle
(stop it, ask again, fix the prompt)."""

from __future__ import annotations

from litestar import Controller, post
from litestar.di import Provide

from entrypoints.http.auth import current_user
from entrypoints.http.controllers.chatrooms import parse_id
from entrypoints.http.openapi import errors
from entrypoints.http.schemas import Envelope, MessageData, MessageOut, ok
from gemini_core.model import User
from gemini_core.services import CancelService


class ReplyController(Controller):
    path = "/chatroom"
    tags = ["chatrooms"]
    dependencies = {"user": Provide(current_user)}
    security = [{"bearer": []}]

    @post(
        "/{room_id:str}/message/{reply_id:str}/cancel",
        status_code=200,
        summary="Stop a reply being written",
        description=(
            "Stops a `pending` reply: the model call stops and the reply is stored "
            "`cancelled` with the text written so far (a `message.cancelled` event on "
            "`/events`). A reply stopped before any text arrived does not count against "
            "the daily quota. 409 `reply_final` when the reply was already completed, "
            "failed or cancelled (or got there first); 409 `not_a_reply` for a prompt's id."
        ),
        responses=errors(400, 401, 404, 409, 503),
    )
    async def cancel(
        self, room_id: str, reply_id: str, cancels: CancelService, user: User
    ) -> Envelope[MessageData]:
        reply = await cancels.cancel(user.id, parse_id(room_id), parse_id(reply_id, "message_id"))
        return ok(MessageData(message=MessageOut.of(reply)))
