"""/search: full-text search over the caller's own rooms and messages."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import Provide
from litestar.params import Parameter

from entrypoints.http.auth import current_user
from entrypoints.http.cursors import SearchCursors
from entrypoints.http.openapi import errors
from entrypoints.http.schemas import PageEnvelope, PageMeta
from entrypoints.http.search_schemas import SearchHitOut
from entrypoints.http.snippets import snippet_html
from gemini_core.model import User
from gemini_core.search_text import QUERY_MAX
from gemini_core.services import SearchHit, SearchService


def _hit_out(hit: SearchHit) -> SearchHitOut:
    match, message = hit.match, hit.match.message
    return SearchHitOut(
        kind=match.kind.value,
        chatroom_id=match.chatroom_id,
        chatroom_name=match.chatroom_name,
        message_id=message.id if message else None,
        role=message.role.value if message else None,
        at=match.at,
        snippet=snippet_html(hit.snippet),
    )


class SearchController(Controller):
    path = "/search"
    tags = ["search"]
    dependencies = {"user": Provide(current_user)}
    security = [{"bearer": []}]

    @get(
        "/",
        summary="Search the caller's room names and messages",
        description=(
            "Rooms whose name and messages (prompts and replies) whose text hold a word "
            'starting with each word of `q`, case aside (`goa trip` finds "Trip to Goa"), '
            "newest first; only the caller's own rooms. `q` is words, never query syntax: "
            "quotes, operators and punctuation only separate words. Each hit's `snippet` "
            "is HTML: the text escaped, matched words in `<mark>`...`</mark>`, `…` where "
            "text was cut. `meta.next_cursor` (opaque, signed) fetches the next page as "
            f"`cursor`. 400 `validation_error` for an empty `q` or one over {QUERY_MAX} "
            "characters."
        ),
        responses=errors(400, 401, 503),
    )
    async def search(
        self,
        search: SearchService,
        user: User,
        search_cursors: SearchCursors,
        q: Annotated[
            str,
            Parameter(
                description=f"the words to find, 1-{QUERY_MAX} characters",
                # Checked by the service, whose error names `q`.
                schema_extra={"min_length": 1, "max_length": QUERY_MAX},
            ),
        ],
        limit: Annotated[int, Parameter(ge=1, le=50, description="page size, 1-50")] = 20,
        cursor: Annotated[
            str | None,
            Parameter(description="`meta.next_cursor` of the previous page (opaque, signed)"),
        ] = None,
    ) -> PageEnvelope[SearchHitOut]:
        after = search_cursors.decode(cursor) if cursor is not None else None
        results = await search.search(user.id, q, limit, after)
        next_cursor = results.next_cursor
        return PageEnvelope(
            data=[_hit_out(hit) for hit in results.hits],
            meta=PageMeta(next_cursor=search_cursors.encode(next_cursor) if next_cursor else None),
        )
