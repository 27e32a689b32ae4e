"""Opaque pagination cursors: what a client gets back and hands in again."""

from __future__ import annotations

import base64
import binascii
import uuid

import msgspec

from gemini_core.errors import ValidationFailed
from gemini_core.ports import ChatroomCursor

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(ChatroomCursor)


def _invalid(field: str) -> ValidationFailed:
    return ValidationFailed.for_field(field, "is not a cursor this API issued")


def encode_chatroom_cursor(cursor: ChatroomCursor) -> str:
    return base64.urlsafe_b64encode(_encoder.encode(cursor)).decode().rstrip("=")


def decode_chatroom_cursor(raw: str, field: str = "cursor") -> ChatroomCursor:
    try:
        padded = raw + "=" * (-len(raw) % 4)
        cursor = _decoder.decode(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, msgspec.DecodeError, UnicodeError) as exc:
        raise _invalid(field) from exc
    if cursor.activity_at.tzinfo is None:
        raise _invalid(field)
    return cursor


def decode_message_cursor(raw: str, field: str = "before") -> uuid.UUID:
    """Message cursors are message ids (time-ordered UUIDs)."""
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise _invalid(field) from exc
