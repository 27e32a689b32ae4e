"""SearchService: full-text search over the caller's own rooms and messages."""

from __future__ import annotations

import uuid

import msgspec

from gemini_core.errors import ValidationFailed
from gemini_core.ports import SearchCursor, SearchMatch, UnitOfWorkFactory
from gemini_core.search_text import QUERY_MAX, Snippet, query_terms, snippet
from gemini_core.text import check_text


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    """A matched room or message, and the stretch of its text that matched."""

    match: SearchMatch
    snippet: Snippet


class SearchResults(msgspec.Struct, frozen=True):
    """A page of hits, newest first; ``next_cursor`` is None on the last page."""

    hits: list[SearchHit]
    next_cursor: SearchCursor | None = None


class SearchService:
    """Searches a user's room names and message texts: every word of the
    query must start a word of the text (``run`` finds "running"), case
    aside. Nobody else's rooms are ever read."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def search(
        self, user_id: uuid.UUID, query: str, limit: int, after: SearchCursor | None = None
    ) -> SearchResults:
        """Up to ``limit`` hits after ``after``; ``ValidationFailed`` (field
        ``q``) for an empty query, one of more than ``QUERY_MAX`` characters
        or one with control characters. A query of punctuation alone finds
        nothing."""
        if not query.strip():
            raise ValidationFailed.for_field("q", "must not be empty")
        check_text(query, "q", maximum=QUERY_MAX)
        terms = query_terms(query)
        if not terms:
            return SearchResults(hits=[])
        async with self._uow(autocommit=True) as uow:
            matches = await uow.search.find(user_id, terms, limit + 1, after)
        next_cursor = None
        if len(matches) > limit:
            matches = matches[:limit]
            next_cursor = SearchCursor(at=matches[-1].at, id=matches[-1].id)
        hits = [SearchHit(match=m, snippet=snippet(m.text, terms)) for m in matches]
        return SearchResults(hits=hits, next_cursor=next_cursor)
