"""Response shapes of search and export (issue 15), beside ``schemas``
(whose rules they follow: every field documented, an example of each in
``examples``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from entrypoints.http import fields as f
from entrypoints.http.fields import doc
from entrypoints.http.schemas import ChatroomOut, MessageOut


class SearchHitOut(msgspec.Struct, kw_only=True):
    """A room whose name matched (``kind`` ``chatroom``) or a message whose
    text matched (``kind`` ``message``). ``snippet`` is HTML: the matched
    stretch of text, HTML-escaped, each matched word inside
    ``<mark>``...``</mark>``, and ``…`` where text was left out; it holds no
    other markup, so it may be shown as HTML as it is."""

    kind: Annotated[str, doc("`chatroom` or `message`", "message", "chatroom")]
    chatroom_id: Annotated[uuid.UUID, doc("the room matched, or the message's room", f.ROOM_ID)]
    chatroom_name: Annotated[str, doc("that room's name", f.ROOM_NAME)]
    message_id: Annotated[
        uuid.UUID | None, doc("the message matched; null for a room", f.REPLY_ID, None)
    ]
    role: Annotated[
        str | None, doc("the message's role (`user`, `model`); null for a room", "model", None)
    ]
    at: Annotated[
        datetime,
        doc("when the message was made, or the room named: the order, newest first", f.PROMPTED_AT),
    ]
    snippet: Annotated[
        str,
        doc(
            "the matched text, HTML-escaped, matched words in `<mark>`...`</mark>`",
            "Day 2: spend it inland at the <mark>Dudhsagar</mark> falls and a spice farm.",
        ),
    ]


class ExportOut(msgspec.Struct, kw_only=True):
    """A whole conversation as `GET /chatroom/{room_id}/export?format=json`
    downloads it: the room and every message, oldest first."""

    chatroom: Annotated[ChatroomOut, doc("the room")]
    exported_at: Annotated[datetime, doc("when the export began", f.REPLIED_AT)]
    messages: Annotated[list[MessageOut], doc("every message, oldest first")]
