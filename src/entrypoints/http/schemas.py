"""Request and response shapes of the HTTP API (API.md), apart from the
core's model so either can change without dragging the other."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Generic, TypeVar

import msgspec

from gemini_core.model import Chatroom, Message, User
from gemini_core.model.chat import CONTENT_MAX, NAME_MAX
from gemini_core.model.users import EMAIL_MAX, USER_NAME_MAX
from gemini_core.passwords import MAX_BYTES, MIN_LENGTH

T = TypeVar("T")

Mobile = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=32,
        extra_json_schema={
            "description": "E.164 (`+` and the country code), or a national number read "
            "in the server's DEFAULT_REGION; spaces, dashes and dots are ignored",
            "examples": ["+919876543210"],
        },
    ),
]
# The core checks passwords and codes (so each refusal has one clear message
# and code); msgspec only stops absurd bodies early, and the document states
# the core's rules (``extra``).
Password = Annotated[str, msgspec.Meta(max_length=4096)]
NewPassword = Annotated[
    str,
    msgspec.Meta(
        max_length=4096,
        extra_json_schema={
            "description": f"at least {MIN_LENGTH} characters, at most {MAX_BYTES} bytes "
            "in UTF-8, not a commonly used password",
            "extra": {"minLength": MIN_LENGTH},
        },
    ),
]
Otp = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=16,
        extra_json_schema={
            "description": "the 6-digit code (400 `invalid_otp` otherwise)",
            "examples": ["123456"],
            "extra": {"pattern": "^[0-9]{6}$"},
        },
    ),
]
# The core's text rules (gemini_core.text, ChatService), as patterns for the
# document only: some character besides whitespace (what str.strip removes),
# no control characters in a name (once stripped) or, but for tabs and line
# breaks, in a prompt.
_SPACE = (
    r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
_CONTROL = r"\u0000-\u001f\u007f"
_CONTROL_BUT_BREAKS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f"
NAME_PATTERN = f"^[{_SPACE}]*[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*[{_SPACE}]*$"
CONTENT_PATTERN = (
    f"^[^{_CONTROL_BUT_BREAKS}]*[^{_CONTROL_BUT_BREAKS}{_SPACE}][^{_CONTROL_BUT_BREAKS}]*$"
)
RoomName = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=NAME_MAX,
        extra_json_schema={
            "description": "one line, trimmed; not blank, no control characters",
            "extra": {"pattern": NAME_PATTERN},
        },
    ),
]
Content = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=CONTENT_MAX,
        extra_json_schema={
            "description": "not blank; no control characters but tabs and line breaks",
            "extra": {"pattern": CONTENT_PATTERN},
        },
    ),
]


class RequestBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: an unknown field is a 400, not silently dropped."""


class SignupIn(RequestBody, kw_only=True):
    mobile_number: Mobile
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=USER_NAME_MAX)] | None = None
    email: (
        Annotated[str, msgspec.Meta(max_length=EMAIL_MAX, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
        | None
    ) = None
    password: NewPassword | None = None


class MobileIn(RequestBody, kw_only=True):
    mobile_number: Mobile


class VerifyOtpIn(RequestBody, kw_only=True):
    mobile_number: Mobile
    otp: Otp


class LoginIn(RequestBody, kw_only=True):
    mobile_number: Mobile
    password: Password


class ResetPasswordIn(RequestBody, kw_only=True):
    mobile_number: Mobile
    otp: Otp
    new_password: NewPassword


class ChangePasswordIn(RequestBody, kw_only=True):
    current_password: Password | None = None
    new_password: NewPassword


class ChatroomIn(RequestBody, kw_only=True):
    name: RoomName


class MessageIn(RequestBody, kw_only=True):
    content: Content


class UserOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    mobile_number: str
    name: str | None
    email: str | None
    created_at: datetime
    tier: str | msgspec.UnsetType = msgspec.UNSET

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
    user: UserOut


class OtpOut(msgspec.Struct, kw_only=True):
    expires_in: int
    otp: str | msgspec.UnsetType = msgspec.UNSET


class SignupOut(msgspec.Struct, kw_only=True):
    """The unconfirmed account, and the code sent to confirm it (``otp``
    only while delivery is ``response``), as send-otp gives it."""

    user: UserOut
    expires_in: int
    otp: str | msgspec.UnsetType = msgspec.UNSET


class SessionOut(msgspec.Struct, kw_only=True):
    access_token: str
    token_type: str
    expires_in: int
    user: UserOut


class DoneOut(msgspec.Struct):
    message: str


class ChatroomOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None

    @classmethod
    def of(cls, room: Chatroom) -> ChatroomOut:
        return cls(
            id=room.id,
            name=room.name,
            created_at=room.created_at,
            updated_at=room.updated_at,
            last_message_at=room.last_message_at,
        )


class MessageOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    chatroom_id: uuid.UUID
    role: str
    content: str
    status: str
    error: str | None
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            id=message.id,
            chatroom_id=message.chatroom_id,
            role=message.role.value,
            content=message.content,
            status=message.status.value,
            error=message.error,
            created_at=message.created_at,
            completed_at=message.completed_at,
        )


class ChatroomData(msgspec.Struct):
    chatroom: ChatroomOut


class ChatroomDetailData(msgspec.Struct):
    chatroom: ChatroomOut
    messages: list[MessageOut]


class PromptData(msgspec.Struct):
    message: MessageOut
    reply: MessageOut


class UsageOut(msgspec.Struct):
    used_today: int
    daily_limit: int | None
    resets_at: datetime


class SubscriptionStatusOut(msgspec.Struct):
    tier: str
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    usage: UsageOut


class CheckoutOut(msgspec.Struct):
    checkout_url: str
    session_id: str


class PortalOut(msgspec.Struct):
    portal_url: str


class ReceivedOut(msgspec.Struct):
    received: bool


class HealthOut(msgspec.Struct):
    status: str
    checks: dict[str, str] | msgspec.UnsetType = msgspec.UNSET


class PageMeta(msgspec.Struct):
    next_cursor: str | None


class Envelope(msgspec.Struct, Generic[T]):
    """Every successful body: ``{"success": true, "data": ...}``."""

    data: T
    success: bool = True


class PageEnvelope(msgspec.Struct, Generic[T]):
    data: list[T]
    meta: PageMeta
    success: bool = True


class ErrorBody(msgspec.Struct, omit_defaults=True):
    code: str
    message: str
    details: object | None = None


class ErrorEnvelope(msgspec.Struct):
    error: ErrorBody
    success: bool = False


def ok(data: T) -> Envelope[T]:
    return Envelope(data=data)
