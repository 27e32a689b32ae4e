"""The words of a search query and the highlighted snippet of a hit.

Both storage backends index words as runs of letters, digits and combining
marks (SQLite FTS5's ``unicode61``, PostgreSQL's ``simple`` parser), case
folded. A query is cut into words the same way here, so no character a
user types ever reaches the database as query syntax, and the snippet
marks the words a hit matched without asking the database to (the two
backends' own highlighters differ, and neither escapes HTML).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import msgspec

QUERY_MAX = 200
"""Characters a query may have."""
TERMS_MAX = 16
"""Words of a query that count; the rest are ignored."""
SNIPPET_CHARS = 160
"""About how much text a snippet shows around the first match."""


@functools.cache
def _word() -> re.Pattern[str]:
    # ``re`` has no Unicode categories: add the combining marks (Mn, Mc, Me,
    # such as Devanagari's vowel signs) to its letters and digits, so that
    # "नमस्ते" is one word here as it is in both indexes. Built once, on first use.
    marks: list[str] = []
    start: int | None = None
    for code in range(0x10000):  # the BMP: marks beyond it are rare
        is_mark = unicodedata.category(chr(code)).startswith("M")
        if is_mark and start is None:
            start = code
        elif not is_mark and start is not None:
            marks.append(f"{re.escape(chr(start))}-{re.escape(chr(code - 1))}")
            start = None
    return re.compile(rf"(?:[^\W_]|[{''.join(marks)}])+")


def words(text: str) -> list[re.Match[str]]:
    """Every word of ``text``, where it stands."""
    return list(_word().finditer(text))


def query_terms(query: str) -> list[str]:
    """The distinct words of ``query``, lower-cased, in order; at most
    ``TERMS_MAX``. Empty when the query holds no word (only punctuation)."""
    terms: list[str] = []
    for match in words(query):
        term = match.group().lower()
        if term not in terms:
            terms.append(term)
    return terms[:TERMS_MAX]


class Snippet(msgspec.Struct, frozen=True):
    """A stretch of a hit's text and the matched words in it, as
    ``[start, end)`` character offsets into ``text``, in order. ``cut_before``
    and ``cut_after`` say whether text was left out at either end."""

    text: str
    highlights: list[tuple[int, int]]
    cut_before: bool = False
    cut_after: bool = False


def snippet(text: str, terms: list[str], size: int = SNIPPET_CHARS) -> Snippet:
    """About ``size`` characters of ``text`` around its first word that
    starts with one of ``terms`` (the whole text when it is short), with
    every such word in the stretch highlighted."""
    found = [m.span() for m in words(text) if m.group().lower().startswith(tuple(terms))]
    if len(text) <= size:
        start, end = 0, len(text)
    else:
        first = found[0][0] if found else 0
        start = max(0, first - size // 4)
        end = min(len(text), start + size)
        start = max(0, end - size)
        # Cut at spaces, so no word is shown in part.
        if start > 0:
            space = text.find(" ", start, first if found else start + size // 4)
            start = space + 1 if space >= 0 else start
        if end < len(text):
            space = text.rfind(" ", max(start, end - size // 4), end)
            end = space if space > start else end
    marks = [(a - start, b - start) for a, b in found if a >= start and b <= end]
    return Snippet(text[start:end], marks, cut_before=start > 0, cut_after=end < len(text))
