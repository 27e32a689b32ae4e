"""/chatroom/{id}/message/{id}: one message, and a reply's lifecycle
(stop it, ask again, fix the prompt)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, patch, post
from litestar.di import Provide

from entrypoints.http.auth import current_user
from entrypoints.http.bodies import MessageIn
from entrypoints.http.controllers.chatrooms import parse_id, shown
from entrypoints.http.limits import MESSAGE_MAX_BODY
from entrypoints.http.openapi import errors, rate_limit_response_headers
from entrypoints.http.rate_limit import accepted_prompt_headers
from entrypoints.http.schemas import Envelope, MessageData, PromptData, ok
from gemini_core.model import User
from gemini_core.services import CancelService, PromptAccepted, ReplyVersions

_VERSIONS = (
    "The earlier versions stay readable by id (`GET /chatroom/{id}/message/{message_id}`; "
    "each reply lists them in `versions`), but the room's messages and the history the "
    "model reads show the newest only. Counted against the daily quota like a prompt "
    "(RateLimit-* headers, 429 `quota_exceeded`). Only the room's last prompt and its "
    "reply can change: 409 `not_latest` otherwise, 409 `reply_pending` while the reply "
    "is being written (stop it first)."
)


async def _accepted(accepted: PromptAccepted, versions: ReplyVersions) -> Response[Any]:
    """202 with the prompt and the new version, and the quota's headers."""
    headers = accepted_prompt_headers(accepted.quota, accepted.quota_resets_in)
    prompt, reply = await shown([accepted.message, accepted.reply], versions)
    return Response(ok(PromptData(message=prompt, reply=reply)), status_code=202, headers=headers)


class ReplyController(Controller):
    path = "/chatroom"
    tags = ["chatrooms"]
    dependencies = {"user": Provide(current_user)}
    security = [{"bearer": []}]

    @get(
        "/{room_id:str}/message/{message_id:str}",
        summary="One message, any version",
        description=(
            "A prompt or a reply of the room, including a version a newer one superseded "
            "(`superseded_at` set); a reply lists all its versions in `versions`."
        ),
        responses=errors(400, 401, 404, 503),
    )
    async def get_message(
        self, room_id: str, message_id: str, versions: ReplyVersions, user: User
    ) -> Envelope[MessageData]:
        message = await versions.get_message(
            user.id, parse_id(room_id), parse_id(message_id, "message_id")
        )
        (shown_message,) = await shown([message], versions)
        return ok(MessageData(message=shown_message))

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
        self,
        room_id: str,
        reply_id: str,
        cancels: CancelService,
        versions: ReplyVersions,
        user: User,
    ) -> Envelope[MessageData]:
        reply = await cancels.cancel(user.id, parse_id(room_id), parse_id(reply_id, "message_id"))
        (shown_reply,) = await shown([reply], versions)
        return ok(MessageData(message=shown_reply))

    @post(
        "/{room_id:str}/message/{reply_id:str}/regenerate",
        status_code=202,
        summary="Ask again: a new version of the last reply",
        description=(
            "Queues a new reply to the same prompt (a `message.created` event, then its "
            "deltas and final state, as for a prompt); the answer names the prompt and the "
            "new, pending version. Any version's id names the reply; 409 `not_a_reply` for "
            "a prompt's id. " + _VERSIONS
        ),
        response_headers=rate_limit_response_headers(),
        responses=errors(400, 401, 404, 409, 429, 503),
    )
    async def regenerate(
        self, room_id: str, reply_id: str, versions: ReplyVersions, user: User
    ) -> Response[Envelope[PromptData]]:
        accepted = await versions.regenerate(
            user.id, parse_id(room_id), parse_id(reply_id, "message_id")
        )
        return await _accepted(accepted, versions)

    @patch(
        "/{room_id:str}/message/{message_id:str}",
        status_code=202,
        summary="Fix the last prompt; its reply is written again",
        request_max_body_size=MESSAGE_MAX_BODY,
        description=(
            "Replaces the text of the room's last prompt (`edited_at` set; the same size "
            "rules as a prompt) and queues a new version of its reply (`message.created` "
            "events for both). 409 `not_a_prompt` for a reply's id. " + _VERSIONS
        ),
        response_headers=rate_limit_response_headers(),
        responses=errors(400, 401, 404, 409, 413, 429, 503),
    )
    async def edit(
        self, room_id: str, message_id: str, data: MessageIn, versions: ReplyVersions, user: User
    ) -> Response[Envelope[PromptData]]:
        accepted = await versions.edit_prompt(
            user.id, parse_id(room_id), parse_id(message_id, "message_id"), data.content
        )
        return await _accepted(accepted, versions)
