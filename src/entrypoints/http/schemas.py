"""Response shapes of the HTTP API (API.md), apart from the core's model so
either can change without dragging the other; the request bodies are in
``bodies``.

Every field says what it is and shows an example (``fields.doc``); each
shape's docstring is its description in the OpenAPI document, and
``examples`` holds an example of each whole shape.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Generic, TypeVar

import msgspec

from entrypoints.http import fields as f
from entrypoints.http.fields import doc
from entrypoints.http.usage_schemas import MessageUsageOut
from gemini_core.model import Chatroom, Message, User

T = TypeVar("T")


class UserOut(msgspec.Struct, kw_only=True):
    """An account. ``tier`` only on ``GET /user/me``."""

    id: Annotated[uuid.UUID, doc("the account's id", f.USER_ID)]
    mobile_number: Annotated[str, doc("the number in E.164", f.MOBILE)]
    name: Annotated[str | None, doc("how the owner is called, if given", f.USER_NAME, None)]
    email: Annotated[str | None, doc("the owner's email, if given", f.EMAIL, None)]
    created_at: Annotated[datetime, doc("when the account was made", f.SIGNED_UP_AT)]
    tier: (
        Annotated[str, doc("`basic` or `pro`, as Stripe's webhooks last set it", "basic", "pro")]
        | msgspec.UnsetType
    ) = msgspec.UNSET

    @classmethod
    def of(cls, user: User, tier: str | None = None) -> UserOut:
        return cls(
            id=user.id,
            mobile_number=user.mobile_number,
            name=user.name,
            email=user.email,
            created_at=user.created_at,
            tier=tier if tier is not None else msgspec.UNSET,
        )


class UserData(msgspec.Struct):
    """The caller's account."""

    user: Annotated[UserOut, doc("the account, with its tier")]


ExpiresIn = Annotated[int, doc("seconds the code stays valid", 300)]
SentOtp = Annotated[
    str,
    doc("the code itself, only while OTP_DELIVERY is `response` (no SMS is sent)", f.OTP),
]


class OtpOut(msgspec.Struct, kw_only=True):
    """A code was sent; ``otp`` only while delivery is ``response``."""

    expires_in: ExpiresIn
    otp: SentOtp | msgspec.UnsetType = msgspec.UNSET


class SignupOut(msgspec.Struct, kw_only=True):
    """The unconfirmed account, and the code sent to confirm it (``otp``
    only while delivery is ``response``), as send-otp gives it."""

    user: Annotated[UserOut, doc("the account, unconfirmed until the code is verified")]
    expires_in: ExpiresIn
    otp: SentOtp | msgspec.UnsetType = msgspec.UNSET


class SessionOut(msgspec.Struct, kw_only=True):
    """A bearer token and the account it is for."""

    access_token: Annotated[
        str, doc("send it as `Authorization: Bearer <access_token>`", f.ACCESS_TOKEN)
    ]
    token_type: Annotated[str, doc("always `bearer`", "bearer")]
    expires_in: Annotated[int, doc("seconds the token stays valid", 3600)]
    user: Annotated[UserOut, doc("the account the token is for")]


class DoneOut(msgspec.Struct):
    """What was done, in words."""

    message: Annotated[str, doc("for a person", "the password has been reset; log in again")]


class ChatroomOut(msgspec.Struct, kw_only=True):
    """A chatroom, the same wherever it appears."""

    id: Annotated[uuid.UUID, doc("the room's id", f.ROOM_ID)]
    name: Annotated[str, doc("the room's name", f.ROOM_NAME)]
    created_at: Annotated[datetime, doc("when the room was made", f.ROOM_CREATED_AT)]
    updated_at: Annotated[
        datetime, doc("when the room was made or last renamed or titled", f.ROOM_CREATED_AT)
    ]
    last_message_at: Annotated[
        datetime | None, doc("when the last prompt was sent; null before any", f.PROMPTED_AT, None)
    ]
    named_by_user: Annotated[
        bool,
        doc(
            "false while the name is a placeholder or the model's title (`room.renamed` "
            "on the event stream when the title comes); true once the user named it",
            True,
            False,
        ),
    ]
    system_instruction: Annotated[
        str | None,
        doc(
            "the room's own instruction to the model, sent instead of the server's; null for none",
            f.ROOM_INSTRUCTION,
            None,
        ),
    ]

    @classmethod
    def of(cls, room: Chatroom) -> ChatroomOut:
        return cls(
            id=room.id,
            name=room.name,
            created_at=room.created_at,
            updated_at=room.updated_at,
            last_message_at=room.last_message_at,
            named_by_user=room.named_by_user,
            system_instruction=room.system_instruction,
        )


class MessageOut(msgspec.Struct, kw_only=True):
    """A prompt (role ``user``) or the model's reply (role ``model``), the
    same wherever it appears. A reply is ``pending`` with empty content until
    it is ``completed`` (with content) or ``failed`` (with ``error``)."""

    id: Annotated[uuid.UUID, doc("the message's id", f.REPLY_ID)]
    chatroom_id: Annotated[uuid.UUID, doc("the room it belongs to", f.ROOM_ID)]
    role: Annotated[str, doc("`user` (a prompt) or `model` (a reply)", "model", "user")]
    content: Annotated[str, doc("the text; empty while a reply is pending", f.REPLY)]
    status: Annotated[
        str,
        doc(
            "`pending`, `completed`, `failed` or `cancelled` (stopped by its user)",
            "completed",
            "pending",
            "failed",
            "cancelled",
        ),
    ]
    error: Annotated[
        str | None,
        doc("why a reply failed; null otherwise", None, "the model did not answer in time"),
    ]
    created_at: Annotated[datetime, doc("when the message was made", f.PROMPTED_AT)]
    completed_at: Annotated[
        datetime | None,
        doc("when it was completed or failed; null while pending", f.REPLIED_AT, None),
    ]
    model: Annotated[
        str | None,
        doc(
            "for a reply: the model asked (while pending; the tier's) or that answered; "
            "null for a prompt",
            f.MODEL,
            None,
        ),
    ] = None
    usage: Annotated[
        MessageUsageOut | None,
        doc("for a completed reply: the tokens it cost; null otherwise"),
    ] = None
    reply_to: Annotated[
        uuid.UUID | None,
        doc("for a reply: the prompt it answers (its versions share it)", f.PROMPT_ID, None),
    ] = None
    edited_at: Annotated[
        datetime | None, doc("for a prompt: when its text was last replaced", None, f.REPLIED_AT)
    ] = None
    superseded_at: Annotated[
        datetime | None,
        doc("for a reply: when a newer version replaced it; null for the current one", None),
    ] = None
    versions: Annotated[
        list[uuid.UUID] | None,
        doc(
            "for a reply: the ids of all its versions, oldest first (each readable at "
            "`GET /chatroom/{id}/message/{message_id}`); null for a prompt and in live events",
            [f.REPLY_ID],
            None,
        ),
    ] = None

    @classmethod
    def of(cls, message: Message, versions: list[uuid.UUID] | None = None) -> MessageOut:
        """The message as the API shows it, with its reply's ``versions`` when looked up."""
        return cls(
            id=message.id,
            chatroom_id=message.chatroom_id,
            role=message.role.value,
            content=message.content,
            status=message.status.value,
            error=message.error,
            created_at=message.created_at,
            completed_at=message.completed_at,
            reply_to=message.reply_to,
            edited_at=message.edited_at,
            superseded_at=message.superseded_at,
            versions=versions,
            model=message.model,
            usage=MessageUsageOut.of(message),
        )


class ChatroomData(msgspec.Struct):
    """A room, created or renamed."""

    chatroom: Annotated[ChatroomOut, doc("the room")]


class ChatroomDetailData(msgspec.Struct):
    """A room and its latest messages."""

    chatroom: Annotated[ChatroomOut, doc("the room")]
    messages: Annotated[list[MessageOut], doc("its latest messages, oldest first")]


class PromptData(msgspec.Struct):
    """The stored prompt and the pending reply the model will write."""

    message: Annotated[MessageOut, doc("the prompt, stored")]
    reply: Annotated[MessageOut, doc("the reply, `pending` until the model has answered")]


class MessageData(msgspec.Struct):
    """One message: a prompt, or a reply in any of its versions."""

    message: Annotated[MessageOut, doc("the message as stored")]


class HealthOut(msgspec.Struct):
    """The process's state, and on readiness each backing service's."""

    status: Annotated[str, doc("`ok` when the process serves", "ok")]
    checks: (
        Annotated[
            dict[str, str],
            doc("each backing service and its state", {"database": "ok", "redis": "ok"}),
        ]
        | msgspec.UnsetType
    ) = msgspec.UNSET


class PageMeta(msgspec.Struct):
    """Where the next page starts."""

    next_cursor: Annotated[
        str | None,
        doc("hand it in to get the next page; null on the last", None, f.PROMPT_ID),
    ]


class Envelope(msgspec.Struct, Generic[T]):
    """Every successful body: ``{"success": true, "data": ...}``."""

    data: Annotated[T, doc("the answer")]
    success: Annotated[bool, doc("true on every success", True)] = True


class PageEnvelope(msgspec.Struct, Generic[T]):
    """A page of a list: the items and where the next page starts."""

    data: Annotated[list[T], doc("the page's items")]
    meta: Annotated[PageMeta, doc("where the next page starts")]
    success: Annotated[bool, doc("true on every success", True)] = True


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """What went wrong."""

    code: Annotated[str, doc("stable, for programs (snake_case)", "validation_error")]
    message: Annotated[str, doc("for a person", "name must not be empty")]
    details: Annotated[
        object | None,
        doc(
            "more about it, when there is more: the fields at fault, a quota, a request id",
            {"fields": [{"field": "name", "message": "must not be empty"}]},
        ),
    ] = None


class ErrorEnvelope(msgspec.Struct):
    """Every error body: ``{"success": false, "error": {...}}``."""

    error: Annotated[ErrorBody, doc("what went wrong")]
    success: Annotated[bool, doc("false on every error", False)] = False


def ok(data: T) -> Envelope[T]:
    return Envelope(data=data)
