"""The words of a query and the snippet of a hit (gemini_core.search_text),
and the snippet as the HTML the API sends (entrypoints.http.snippets)."""

from __future__ import annotations

from entrypoints.http.snippets import snippet_html
from gemini_core.search_text import TERMS_MAX, query_terms, snippet


def test_a_query_is_only_ever_its_words() -> None:
    assert query_terms('Goa, "TRIP" AND (goa) col:umn* it\'s x_y') == [
        "goa",
        "trip",
        "and",
        "col",
        "umn",
        "it",
        "s",
        "x",
        "y",
    ]
    assert query_terms('"*(:)^-') == []
    # Combining marks belong to their word, as in both indexes.
    assert query_terms("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]
    assert len(query_terms(" ".join(f"w{i}" for i in range(40)))) == TERMS_MAX


def test_a_short_text_is_shown_whole_with_every_matched_word_marked() -> None:
    shown = snippet("Trip to Goa, then Goan food", ["goa"])
    assert shown.text == "Trip to Goa, then Goan food"
    assert [shown.text[a:b] for a, b in shown.highlights] == ["Goa", "Goan"]
    assert not shown.cut_before and not shown.cut_after


def test_a_long_text_is_cut_around_the_first_match_at_spaces() -> None:
    text = "lead " * 100 + "the falls of Dudhsagar are worth it " + "tail " * 100
    shown = snippet(text, ["dudh"], size=80)
    assert "Dudhsagar" in shown.text and len(shown.text) <= 80
    assert shown.cut_before and shown.cut_after
    assert not shown.text.startswith(("ead", "ad", "d ")) and shown.text.split()[0] == "lead"
    assert [shown.text[a:b] for a, b in shown.highlights] == ["Dudhsagar"]


def test_the_html_escapes_everything_but_its_marks() -> None:
    shown = snippet('<script>alert("goa")</script> & goa', ["goa"])
    assert snippet_html(shown) == (
        "&lt;script&gt;alert(&quot;<mark>goa</mark>&quot;)&lt;/script&gt; &amp; <mark>goa</mark>"
    )
    text = "x " * 200 + "<b>goa</b>" + " y" * 200
    html = snippet_html(snippet(text, ["goa"], size=40))
    assert html.startswith("…") and html.endswith("…")
    assert "&lt;b&gt;<mark>goa</mark>&lt;/b&gt;" in html and "<b>" not in html
