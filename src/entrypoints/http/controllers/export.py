"""/chatroom/{id}/export: a whole conversation as a file to download."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import Provide
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream

from entrypoints.http.auth import current_user
from entrypoints.http.controllers.chatrooms import parse_id
from entrypoints.http.export_format import (
    FORMATS,
    MEDIA_TYPES,
    ExportFormat,
    content_disposition,
    export_chunks,
)
from entrypoints.http.openapi import errors
from entrypoints.http.search_schemas import ExportOut
from gemini_core.errors import ValidationFailed
from gemini_core.model import User
from gemini_core.services import ConversationExport

EXPORT_RESPONSE = ResponseSpec(
    data_container=ExportOut,
    description=(
        "The conversation as a download (`Content-Disposition: attachment`): "
        "`text/markdown` for `format=markdown`, `application/json` (an `ExportOut`, "
        "not the envelope) for `format=json`"
    ),
    generate_examples=False,
)


class ExportController(Controller):
    path = "/chatroom"
    tags = ["chatrooms"]
    dependencies = {"user": Provide(current_user)}
    security = [{"bearer": []}]

    @get(
        "/{room_id:str}/export",
        summary="Download a whole conversation (Markdown or JSON)",
        description=(
            "Every message of the room, oldest first, with its times, as a file: "
            "`format=markdown` (the default) for people, `format=json` for programs (an "
            "`ExportOut`: the room, `exported_at` and every message as `MessageOut`). "
            "The file is streamed as it is read, a page of messages at a time, so a room "
            "of any size downloads without the server holding it whole. Errors come "
            "before the first byte, in the error envelope."
        ),
        responses={200: EXPORT_RESPONSE, **errors(400, 401, 404, 503)},
    )
    async def export(
        self,
        room_id: str,
        export: ConversationExport,
        user: User,
        format_: Annotated[
            str,
            QueryParameter(
                name="format",
                description="`markdown` (the default) or `json`",
                schema_extra={"enum": list(FORMATS)},
            ),
        ] = "markdown",
    ) -> Stream:
        # Checked here rather than by a Literal, so the error names `format`.
        if format_ not in FORMATS:
            raise ValidationFailed.for_field("format", "must be `markdown` or `json`")
        chosen: ExportFormat = format_
        started = await export.start(user.id, parse_id(room_id))
        room = started.room
        chunks = export_chunks(chosen, room, started.started_at, export.pages(room))
        return Stream(
            chunks,
            media_type=MEDIA_TYPES[chosen],
            headers={"Content-Disposition": content_disposition(room, chosen)},
        )
