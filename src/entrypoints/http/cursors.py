"""Opaque pagination cursors: what a client gets back and hands in again."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from datetime import datetime
from typing import Generic, TypeVar

import msgspec

from gemini_core.errors import ValidationFailed
from gemini_core.ports import ChatroomCursor, SearchCursor

# Bytes of HMAC-SHA256 kept: forging one is a 2**-128 guess.
_TAG_BYTES = 16

C = TypeVar("C", ChatroomCursor, SearchCursor)


def _invalid(field: str) -> ValidationFailed:
    return ValidationFailed.for_field(field, "is not a cursor this API issued")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


class _SignedCursors(Generic[C]):
    """Cursors of type ``cursor_type`` signed with ``key``: ``payload.tag``,
    both URL-safe base64, the tag an HMAC of ``purpose`` and the payload.

    Only cursors this API issued for the same purpose decode, so a client
    cannot make up positions; any other string is a 400 ``validation_error``.
    """

    def __init__(self, key: bytes, cursor_type: type[C], purpose: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the cursor key must have at least 16 bytes")
        self._key = key
        self._purpose = purpose
        self._encoder = msgspec.json.Encoder()
        self._decoder: msgspec.json.Decoder[C] = msgspec.json.Decoder(cursor_type)

    def _tag(self, payload: bytes) -> bytes:
        return hmac.new(self._key, self._purpose + payload, hashlib.sha256).digest()[:_TAG_BYTES]

    def encode(self, cursor: C) -> str:
        payload = self._encoder.encode(cursor)
        return f"{_b64(payload)}.{_b64(self._tag(payload))}"

    def decode(self, raw: str, field: str = "cursor") -> C:
        encoded_payload, _, encoded_tag = raw.partition(".")
        try:
            payload, tag = _unb64(encoded_payload), _unb64(encoded_tag)
        except (ValueError, binascii.Error, UnicodeError) as exc:
            raise _invalid(field) from exc
        if not hmac.compare_digest(tag, self._tag(payload)):
            raise _invalid(field)
        try:
            cursor = self._decoder.decode(payload)
        except msgspec.DecodeError as exc:  # signed by us, so only after a format change
            raise _invalid(field) from exc
        if self._moment(cursor).tzinfo is None:
            raise _invalid(field)
        return cursor

    def _moment(self, cursor: C) -> datetime:
        raise NotImplementedError


class ChatroomCursors(_SignedCursors[ChatroomCursor]):
    """Chatroom list cursors (signed over the payload alone, as before
    search cursors existed, so cursors already handed out stay valid)."""

    def __init__(self, key: bytes) -> None:
        super().__init__(key, ChatroomCursor, b"")

    def _moment(self, cursor: ChatroomCursor) -> datetime:
        return cursor.activity_at


class SearchCursors(_SignedCursors[SearchCursor]):
    """Search result cursors; their tag covers a purpose of its own, so a
    chatroom list cursor is not one (a list payload never starts so)."""

    def __init__(self, key: bytes) -> None:
        super().__init__(key, SearchCursor, b"search:")

    def _moment(self, cursor: SearchCursor) -> datetime:
        return cursor.at


def decode_message_cursor(raw: str, field: str = "before") -> uuid.UUID:
    """Message cursors are message ids (time-ordered UUIDs); they only move
    within a room the caller owns and are never cached, so they need no
    signature."""
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise _invalid(field) from exc
