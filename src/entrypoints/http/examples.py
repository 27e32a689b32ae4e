"""An example of every shape the API takes or gives, for the OpenAPI document.

Each is an instance of the shape itself, encoded by msgspec as the server
encodes its answers, so an example cannot use a field the shape lacks or a
value of the wrong type; tests/unit/test_openapi_examples.py validates each
against the document too. They tell one story (``fields``): Asha signs up,
opens a room about a trip and asks the model about it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from entrypoints.http import fields as f
from entrypoints.http import messages
from entrypoints.http.billing_schemas import (
    BillingOut,
    CheckoutOut,
    PortalOut,
    ReceivedOut,
    SubscriptionStatusOut,
)
from entrypoints.http.bodies import (
    ChangePasswordIn,
    ChatroomChangeIn,
    ChatroomIn,
    LoginIn,
    MessageIn,
    MobileIn,
    ResetPasswordIn,
    SignupIn,
    VerifyOtpIn,
)
from entrypoints.http.cursors import ChatroomCursors, SearchCursors
from entrypoints.http.export_format import example_markdown
from entrypoints.http.schemas import (
    ChatroomData,
    ChatroomDetailData,
    ChatroomOut,
    DoneOut,
    Envelope,
    ErrorBody,
    ErrorEnvelope,
    HealthOut,
    MessageData,
    MessageOut,
    OtpOut,
    PageEnvelope,
    PageMeta,
    PromptData,
    SessionOut,
    SignupOut,
    UserData,
    UserOut,
)
from entrypoints.http.search_schemas import ExportOut, SearchHitOut
from entrypoints.http.usage_schemas import MessageUsageOut, UsageOut
from gemini_core.ports import ChatroomCursor, SearchCursor
from gemini_core.services.live_stream import micros


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


USER = UserOut(
    id=uuid.UUID(f.USER_ID),
    mobile_number=f.MOBILE,
    name=f.USER_NAME,
    email=f.EMAIL,
    created_at=_at(f.SIGNED_UP_AT),
)
USER_WITH_TIER = msgspec.structs.replace(USER, tier="basic")
ROOM = ChatroomOut(
    id=uuid.UUID(f.ROOM_ID),
    name=f.ROOM_NAME,
    created_at=_at(f.ROOM_CREATED_AT),
    updated_at=_at(f.ROOM_CREATED_AT),
    last_message_at=_at(f.PROMPTED_AT),
    named_by_user=True,
    system_instruction=None,
)
NEW_ROOM = msgspec.structs.replace(ROOM, last_message_at=None)
OLDER_ROOM = ChatroomOut(
    id=uuid.UUID("01946951-8de0-781f-a8e2-5d940ed90475"),
    name="Recipes for the week",
    created_at=_at("2025-01-15T09:35:40Z"),
    updated_at=_at("2025-01-15T09:35:40Z"),
    last_message_at=None,
    named_by_user=False,
    system_instruction=None,
)
PROMPT = MessageOut(
    id=uuid.UUID(f.PROMPT_ID),
    chatroom_id=uuid.UUID(f.ROOM_ID),
    role="user",
    content=f.PROMPT,
    status="completed",
    error=None,
    created_at=_at(f.PROMPTED_AT),
    completed_at=_at(f.PROMPTED_AT),
)
PENDING_REPLY = MessageOut(
    id=uuid.UUID(f.REPLY_ID),
    chatroom_id=uuid.UUID(f.ROOM_ID),
    role="model",
    content="",
    status="pending",
    error=None,
    created_at=_at(f.PROMPTED_AT),
    completed_at=None,
    model=f.MODEL,
)
REPLY_USAGE = MessageUsageOut(
    prompt_tokens=412, output_tokens=187, thinking_tokens=96, total_tokens=695
)
REPLY = msgspec.structs.replace(
    PENDING_REPLY,
    content=f.REPLY,
    status="completed",
    completed_at=_at(f.REPLIED_AT),
    model=f.MODEL,
    usage=REPLY_USAGE,
)
CANCELLED_REPLY = msgspec.structs.replace(
    PENDING_REPLY,
    content=f.REPLY[: len(f.REPLY) // 2],
    status="cancelled",
    completed_at=_at(f.REPLIED_AT),
)
# A cursor as the server makes them, signed with a key that is not any server's.
ROOM_CURSOR = ChatroomCursors(b"an example key, not a server's").encode(
    ChatroomCursor(activity_at=OLDER_ROOM.created_at, id=OLDER_ROOM.id)
)
SEARCH_HIT = SearchHitOut(
    kind="message",
    chatroom_id=uuid.UUID(f.ROOM_ID),
    chatroom_name=f.ROOM_NAME,
    message_id=uuid.UUID(f.PROMPT_ID),
    role="user",
    at=_at(f.PROMPTED_AT),
    snippet="Plan a three-day trip to <mark>Goa</mark> in December, with one day away from "
    "the beaches.",
)
ROOM_HIT = SearchHitOut(
    kind="chatroom",
    chatroom_id=uuid.UUID(f.ROOM_ID),
    chatroom_name=f.ROOM_NAME,
    message_id=None,
    role=None,
    at=_at(f.ROOM_CREATED_AT),
    snippet="Trip to <mark>Goa</mark>",
)
SEARCH_CURSOR = SearchCursors(b"an example key, not a server's").encode(
    SearchCursor(at=ROOM_HIT.at, id=ROOM_HIT.chatroom_id)
)
CODE_SENT = OtpOut(expires_in=300, otp=f.OTP)
SESSION = SessionOut(access_token=f.ACCESS_TOKEN, token_type="bearer", expires_in=3600, user=USER)
USAGE = UsageOut(
    used_today=3,
    daily_limit=5,
    tokens_today=2085,
    daily_token_budget=50000,
    resets_at=_at(f.QUOTA_RESETS_AT),
)
VALIDATION_ERROR = ErrorBody(
    code="validation_error",
    message="name must not be empty",
    details={"fields": [{"field": "name", "message": "must not be empty"}]},
)

# Request bodies and answers, by shape (the component of the same name).
SHAPES: tuple[msgspec.Struct, ...] = (
    SignupIn(mobile_number=f.MOBILE, name=f.USER_NAME, email=f.EMAIL, password=f.PASSWORD),
    MobileIn(mobile_number=f.MOBILE),
    VerifyOtpIn(mobile_number=f.MOBILE, otp=f.OTP),
    LoginIn(mobile_number=f.MOBILE, password=f.PASSWORD),
    ResetPasswordIn(mobile_number=f.MOBILE, otp=f.OTP, new_password=f.NEW_PASSWORD),
    ChangePasswordIn(current_password=f.PASSWORD, new_password=f.NEW_PASSWORD),
    ChatroomIn(name=f.ROOM_NAME),
    ChatroomChangeIn(name="Goa in December", system_instruction=f.ROOM_INSTRUCTION),
    MessageIn(content=f.PROMPT),
    USER,
    UserData(user=USER_WITH_TIER),
    CODE_SENT,
    SignupOut(user=USER, expires_in=300, otp=f.OTP),
    SESSION,
    DoneOut(message=messages.PASSWORD_RESET),
    ROOM,
    REPLY,
    REPLY_USAGE,
    ChatroomData(chatroom=NEW_ROOM),
    ChatroomDetailData(chatroom=ROOM, messages=[PROMPT, REPLY]),
    PromptData(message=PROMPT, reply=PENDING_REPLY),
    MessageData(message=REPLY),
    USAGE,
    BillingOut(available=False, reason="billing is not configured on this server"),
    SubscriptionStatusOut(
        tier="basic",
        status="none",
        current_period_end=None,
        cancel_at_period_end=False,
        usage=USAGE,
        billing=BillingOut(available=True, reason=None),
    ),
    CheckoutOut(checkout_url=f.CHECKOUT_URL, session_id=f.CHECKOUT_SESSION_ID),
    PortalOut(portal_url=f.PORTAL_URL),
    ReceivedOut(received=True),
    HealthOut(status="ok", checks={"database": "ok", "redis": "ok"}),
    PageMeta(next_cursor=ROOM_CURSOR),
    SEARCH_HIT,
    ExportOut(chatroom=ROOM, exported_at=_at(f.REPLIED_AT), messages=[PROMPT, REPLY]),
    VALIDATION_ERROR,
    ErrorEnvelope(error=VALIDATION_ERROR),
)
# The lists, by the component's name (``openapi`` names the generic pages).
PAGES: Mapping[str, PageEnvelope[Any]] = {
    "ChatroomPage": PageEnvelope(data=[ROOM], meta=PageMeta(next_cursor=ROOM_CURSOR)),
    "MessagePage": PageEnvelope(data=[PROMPT, REPLY], meta=PageMeta(next_cursor=None)),
    "SearchHitPage": PageEnvelope(
        data=[SEARCH_HIT, ROOM_HIT], meta=PageMeta(next_cursor=SEARCH_CURSOR)
    ),
}
# Answers of operations that differ from their shape's example.
ANSWERS: Mapping[str, msgspec.Struct] = {
    "GET /health": Envelope(data=HealthOut(status="ok")),
    "PATCH /chatroom/{room_id}": Envelope(
        data=ChatroomData(
            chatroom=msgspec.structs.replace(
                ROOM,
                name="Goa in December",
                updated_at=_at(f.REPLIED_AT) + timedelta(minutes=3),
                system_instruction=f.ROOM_INSTRUCTION,
            )
        )
    ),
    "POST /chatroom/{room_id}/message/{reply_id}/cancel": Envelope(
        data=MessageData(message=CANCELLED_REPLY)
    ),
    "GET /subscribe/success": Envelope(data=DoneOut(message=messages.PAYMENT_RECEIVED)),
    "GET /subscribe/cancel": Envelope(data=DoneOut(message=messages.CHECKOUT_CANCELLED)),
    "GET /subscribe/return": Envelope(data=DoneOut(message=messages.PORTAL_CHANGES)),
}


def json_value(example: Any) -> Any:
    """The example as the server would send it (JSON types)."""
    return msgspec.to_builtins(example)


_BY_NAME: Mapping[str, Any] = {**{type(shape).__name__: shape for shape in SHAPES}, **PAGES}


def example_of(component: str) -> Any | None:
    """The example (JSON types) of the component named ``component``; an
    ``XEnvelope`` is the success envelope of ``X``'s. None when there is none."""
    if component in _BY_NAME:
        return json_value(_BY_NAME[component])
    inner = component.removesuffix("Envelope")
    if inner != component and inner in _BY_NAME:
        return json_value(Envelope(data=_BY_NAME[inner]))
    return None


def answer_of(operation: str) -> Any | None:
    """The success answer of ``operation`` (``"GET /health"``) when it is
    not its shape's example."""
    answer = ANSWERS.get(operation)
    return None if answer is None else json_value(answer)


def _event_id(moment: str, step: int = 0) -> str:
    """The id of an event about a change at ``moment`` (``step`` more for
    later events of that same microsecond, as a stream makes them)."""
    return str(micros(_at(moment)) + step)


# Query, path and header parameters, by name.
PARAMETERS: Mapping[str, Any] = {
    "room_id": f.ROOM_ID,
    "reply_id": f.REPLY_ID,
    "message_id": f.PROMPT_ID,
    "limit": 20,
    "cursor": ROOM_CURSOR,
    "before": f.PROMPT_ID,
    "q": "goa",
    "format": "markdown",
    # The pending reply's message.created, in the stream above.
    "Last-Event-ID": _event_id(f.PROMPTED_AT, 1),
    "stripe-signature": (
        "t=1736934600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
    ),
}
# Parameters whose example differs on one operation: a search page's cursor
# is a search cursor (a chatroom list's is refused there, and the other way).
OPERATION_PARAMETERS: Mapping[str, Mapping[str, Any]] = {
    "GET /search": {"cursor": SEARCH_CURSOR},
}
# What Stripe posts to the webhook when Asha has paid (the fields this
# server reads; Stripe sends more).
STRIPE_EVENT: Mapping[str, Any] = {
    "id": "evt_1QhXp2SDc8yGm4TnK0aB7cD9",
    "object": "event",
    "type": "checkout.session.completed",
    "created": 1736934600,
    "livemode": False,
    "data": {
        "object": {
            "id": f.CHECKOUT_SESSION_ID,
            "object": "checkout.session",
            "mode": "subscription",
            "status": "complete",
            "customer": "cus_RaB1cD2eF3gH4i",
            "subscription": "sub_1QhXp1SDc8yGm4Tn3fUvWxYz",
            "client_reference_id": f.USER_ID,
            "metadata": {"user_id": f.USER_ID},
        }
    },
}


def event_stream() -> str:
    """A stretch of ``/events`` while the model answers the prompt."""
    frames = [": connected\nretry: 2000\n"]
    frames += [
        f"id: {_event_id(f.PROMPTED_AT, step)}\nevent: message.created\ndata: {_line(m)}\n"
        for step, m in enumerate((PROMPT, PENDING_REPLY))
    ]
    words = f.REPLY.split(". ")
    for index, part in enumerate(words):
        text = part + (". " if index < len(words) - 1 else "")
        delta = _line({"id": f.REPLY_ID, "text": text})
        frames.append(
            f"id: {_event_id(f.PROMPTED_AT, 2 + index)}\nevent: message.delta\ndata: {delta}\n"
        )
    frames.append(
        f"id: {_event_id(f.REPLIED_AT)}\nevent: message.completed\ndata: {_line(REPLY)}\n"
    )
    # Had the room been made without a name, the model's title would follow.
    titled_at = _at(f.REPLIED_AT) + timedelta(seconds=1)
    titled = msgspec.structs.replace(ROOM, named_by_user=False, updated_at=titled_at)
    frames.append(f"id: {micros(titled_at)}\nevent: room.renamed\ndata: {_line(titled)}\n")
    return "\n".join(frames) + "\n"


def export_markdown() -> str:
    """The Markdown export of the room of the story."""
    return example_markdown(
        ROOM.name,
        [(m.role, m.created_at, m.content) for m in (PROMPT, REPLY)],
        exported_at=_at(f.REPLIED_AT),
    )


def _line(value: Any) -> str:
    return msgspec.json.encode(value).decode()
