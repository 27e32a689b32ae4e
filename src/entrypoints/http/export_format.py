"""How a conversation export is written: Markdown for people, JSON that
decodes back into ``ExportOut``, each as a stream of chunks (one per page
of messages) so a room of any size is never whole in memory."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Literal

import msgspec

from entrypoints.http.schemas import ChatroomOut, MessageOut
from gemini_core.model import Chatroom, Message, MessageStatus, Role

ExportFormat = Literal["markdown", "json"]
FORMATS: tuple[ExportFormat, ...] = ("markdown", "json")
MEDIA_TYPES: dict[str, str] = {
    "markdown": "text/markdown",  # Litestar adds "; charset=utf-8" to text/*
    "json": "application/json",
}
_EXTENSIONS = {"markdown": "md", "json": "json"}
_ENCODER = msgspec.json.Encoder()
_NOT_ASCII_WORD = re.compile(r"[^A-Za-z0-9]+")
_NOT_WORD = re.compile(r"[^\w]+")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|])")


def _slug(name: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub("-", name).strip("-_")[:60].strip("-_")


def content_disposition(room: Chatroom, format_: ExportFormat) -> str:
    """``attachment`` with a file name no browser or file system can
    misread: ASCII letters, digits and dashes, the room's id to keep it
    apart from its namesakes, and the name in Unicode as ``filename*``
    (RFC 6266) for browsers that show it."""
    extension = _EXTENSIONS[format_]
    ascii_name = f"{_slug(room.name, _NOT_ASCII_WORD) or 'chatroom'}-{room.id}.{extension}"
    unicode_name = f"{_slug(room.name, _NOT_WORD) or 'chatroom'}-{room.id}.{extension}"
    quoted = urllib.parse.quote(unicode_name, safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"


async def json_chunks(
    room: Chatroom, exported_at: datetime, pages: AsyncIterator[list[Message]]
) -> AsyncIterator[bytes]:
    """``ExportOut`` as JSON, written a page of messages at a time."""
    head = _ENCODER.encode(
        {"chatroom": ChatroomOut.of(room), "exported_at": exported_at, "messages": []}
    )
    yield head[: -len(b"]}")]  # the object, open at its message list
    first = True
    async for page in pages:
        items = _ENCODER.encode([MessageOut.of(m) for m in page])[1:-1]
        yield items if first else b"," + items
        first = False
    yield b"]}"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _message_markdown(message: Message) -> str:
    who = "You" if message.role is Role.USER else "Model"
    text = message.content
    if message.status is MessageStatus.PENDING:
        text = "*(the reply was still being written)*"
    elif message.status is MessageStatus.FAILED:
        text = (text + "\n\n" if text else "") + f"*(the reply failed: {message.error or ''})*"
    elif message.status is MessageStatus.CANCELLED:
        text = (text + "\n\n" if text else "") + "*(the reply was cancelled)*"
    if message.superseded_at is not None:
        who += f" (an earlier version, replaced {_when(message.superseded_at)})"
    if message.edited_at is not None:
        who += f" (edited {_when(message.edited_at)})"
    return f"### {who}, {_when(message.created_at)}\n\n{text}\n\n"


async def markdown_chunks(
    room: Chatroom, exported_at: datetime, pages: AsyncIterator[list[Message]]
) -> AsyncIterator[bytes]:
    """The conversation as Markdown: the room's name (escaped) as the title,
    then each message under its author and time, its text as written."""
    yield _head(room.name, exported_at).encode()
    async for page in pages:
        yield "".join(_message_markdown(m) for m in page).encode()


def export_chunks(
    format_: ExportFormat,
    room: Chatroom,
    exported_at: datetime,
    pages: AsyncIterator[list[Message]],
) -> AsyncIterator[bytes]:
    """The chunks of ``room``'s export in ``format_``."""
    write = json_chunks if format_ == "json" else markdown_chunks
    return write(room, exported_at, pages)


def _head(room_name: str, exported_at: datetime) -> str:
    title = _MARKDOWN_SPECIAL.sub(r"\\\1", room_name)
    return (
        f"# {title}\n\nExported from gemini-clone at {_when(exported_at)}; "
        "every message, oldest first.\n\n"
    )


def example_markdown(
    room_name: str, messages: list[tuple[str, datetime, str]], *, exported_at: datetime
) -> str:
    """An export as the document shows it: (role, time, text) of each message."""
    out = _head(room_name, exported_at)
    for role, at, text in messages:
        out += f"### {'You' if role == 'user' else 'Model'}, {_when(at)}\n\n{text}\n\n"
    return out
