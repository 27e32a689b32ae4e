"""The fields of the HTTP shapes (``schemas``): their rules, their words and
an example of each, as the OpenAPI document shows them.

``doc`` gives a field its description and examples (``msgspec.Meta``);
the example values below are shared with the whole-body examples
(``examples``), so a body's example and its fields' examples tell one story:
Asha signs up, opens a room about a trip and asks the model about it.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from gemini_core.model.chat import CONTENT_MAX, NAME_MAX, PLACEHOLDER_NAME, SYSTEM_INSTRUCTION_MAX
from gemini_core.model.users import EMAIL_MAX, USER_NAME_MAX
from gemini_core.passwords import MAX_BYTES, MIN_LENGTH

# One account, one room, one prompt and its reply (time-ordered UUIDs, as
# the server makes them), at the times they happened.
USER_ID = "0194694c-8ca0-726b-b2a7-4de452e6b438"
ROOM_ID = "01946956-7b98-70c6-a6a3-a4506513270e"
PROMPT_ID = "01946957-6dc8-7893-923f-0824128b2f33"
REPLY_ID = "01946957-6dc8-7951-9d9d-c9f81818e811"
MOBILE = "+919876543210"
USER_NAME = "Asha Rao"
EMAIL = "asha.rao@example.com"
SIGNED_UP_AT = "2025-01-15T09:30:12Z"
ROOM_CREATED_AT = "2025-01-15T09:41:03Z"
PROMPTED_AT = "2025-01-15T09:42:05Z"
REPLIED_AT = "2025-01-15T09:42:09Z"
QUOTA_RESETS_AT = "2025-01-16T00:00:00Z"
ROOM_NAME = "Trip to Goa"
MODEL = "gemini-2.5-flash"
ROOM_INSTRUCTION = "Answer as a travel agent who knows Goa well; keep answers short."
PROMPT = "Plan a three-day trip to Goa in December, with one day away from the beaches."
REPLY = (
    "Day 1: settle in near Panaji, walk the Latin Quarter of Fontainhas and watch "
    "the sunset from Miramar. Day 2: spend it inland at the Dudhsagar falls and a "
    "spice farm. Day 3: the beaches of the south, from Palolem to Agonda."
)
OTP = "482913"
PASSWORD = "monsoon-ferry-42"
NEW_PASSWORD = "backwaters-at-dawn-7"
ACCESS_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTk0Njk0Yy04Y2EwLTcyNmItYjJh"
    "Ny00ZGU0NTJlNmI0MzgiLCJpYXQiOjE3MzY5MzM0MTIsImV4cCI6MTczNjkzNzAxMn0."
    "q6w0bO3j1c2YV7fHk9s8T5pLrX4nAaZ0mD2eUuIgKcE"
)
CHECKOUT_SESSION_ID = "cs_test_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ"
CHECKOUT_URL = f"https://checkout.stripe.com/c/pay/{CHECKOUT_SESSION_ID}"
PORTAL_URL = "https://billing.stripe.com/p/session/test_YWNjdF8xTjRiQ2RFZkdoSWpLbE1u"


def doc(description: str, *examples: Any, **rules: Any) -> msgspec.Meta:
    """A field's words and examples (JSON values), with its msgspec rules."""
    return msgspec.Meta(description=description, examples=list(examples), **rules)


def documented(description: str, *examples: Any, **extra: Any) -> msgspec.Meta:
    """Words, examples and JSON Schema keywords for the document only
    (``extra``): the rules the core enforces itself, so that each refusal
    has one clear message and code."""
    return msgspec.Meta(
        extra_json_schema={"description": description, "examples": list(examples), "extra": extra}
    )


Mobile = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=32),
    documented(
        "E.164 (`+` and the country code), or a national number read in the server's "
        "DEFAULT_REGION; spaces, dashes and dots are ignored. Stored and answered in E.164.",
        MOBILE,
    ),
]
# msgspec only stops absurd bodies early; the core checks the rest.
Password = Annotated[
    str,
    msgspec.Meta(max_length=4096),
    documented("the account's password", PASSWORD),
]
NewPassword = Annotated[
    str,
    msgspec.Meta(max_length=4096),
    documented(
        f"at least {MIN_LENGTH} characters, at most {MAX_BYTES} bytes in UTF-8, not a "
        "commonly used password",
        NEW_PASSWORD,
        minLength=MIN_LENGTH,
    ),
]
Otp = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=16),
    documented(
        "the 6-digit code that was sent (400 `invalid_otp` otherwise)", OTP, pattern="^[0-9]{6}$"
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
Content = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=CONTENT_MAX),
    documented(
        "the prompt: not blank; no control characters but tabs and line breaks",
        PROMPT,
        pattern=CONTENT_PATTERN,
    ),
]
SystemInstruction = Annotated[
    str,
    msgspec.Meta(max_length=SYSTEM_INSTRUCTION_MAX),
    documented(
        "the room's own instruction to the model, sent instead of the server's "
        f"SYSTEM_INSTRUCTION: at most {SYSTEM_INSTRUCTION_MAX} characters, trimmed; no "
        "control characters but tabs and line breaks; null or blank for none",
        ROOM_INSTRUCTION,
    ),
]
OptionalRoomName = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=NAME_MAX),
    documented(
        "the room's name: one line, trimmed; not blank, no control characters. Absent or "
        f"null: the room is called `{PLACEHOLDER_NAME}` until the model titles it from its "
        "first prompt and reply",
        ROOM_NAME,
        pattern=NAME_PATTERN,
    ),
]
NewRoomName = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=NAME_MAX),
    documented(
        "the room's new name: one line, trimmed; not blank, no control characters; the "
        "model never titles a room its user named. Absent or null: unchanged",
        ROOM_NAME,
        pattern=NAME_PATTERN,
    ),
]
UserName = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=USER_NAME_MAX),
    documented("how the account's owner is called", USER_NAME),
]
Email = Annotated[
    str,
    msgspec.Meta(max_length=EMAIL_MAX, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    documented("an email address to reach the owner", EMAIL),
]
