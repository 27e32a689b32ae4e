"""A search hit's snippet as the HTML the API sends: the text escaped, each
matched word in ``<mark>``, an ellipsis where text was left out."""

from __future__ import annotations

import html

from gemini_core.search_text import Snippet

ELLIPSIS = "…"


def snippet_html(snippet: Snippet) -> str:
    """``snippet`` as HTML that holds no markup but ``<mark>``: every other
    character of the stored text is escaped (``<``, ``>``, ``&``, quotes)."""
    parts = [ELLIPSIS] if snippet.cut_before else []
    at = 0
    for start, end in snippet.highlights:
        parts.append(html.escape(snippet.text[at:start]))
        parts.append(f"<mark>{html.escape(snippet.text[start:end])}</mark>")
        at = end
    parts.append(html.escape(snippet.text[at:]))
    if snippet.cut_after:
        parts.append(ELLIPSIS)
    return "".join(parts)
