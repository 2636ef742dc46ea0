from __future__ import annotations

import random
from pathlib import Path

from bs4 import BeautifulSoup
from markdown import Markdown

from storyblog.markup import BracketEnds, Converter, Document, TextByText, convert_all


def html_of(text: str) -> BeautifulSoup:
    return BeautifulSoup(Converter().convert(Document(text)).html, "html.parser")


def test_lesson_and_action_callouts_are_labelled_asides() -> None:
    page = html_of(
        '!!! lesson "Key learning point"\n    Most customers are **honest**.\n\n'
        '!!! action "Action steps"\n    1. Trust first.\n    2. Write it down.\n'
    )
    lesson, action = page.select("aside.callout")
    assert lesson["class"] == ["callout", "callout-lesson"]
    assert lesson.select_one(".callout-label").get_text() == "Key learning point"
    assert lesson.find("strong").get_text() == "honest"
    assert action["class"] == ["callout", "callout-action"]
    assert [li.get_text() for li in action.select("ol li")] == ["Trust first.", "Write it down."]


def test_callouts_without_a_label_get_the_one_a_reader_expects() -> None:
    page = html_of("!!! lesson\n    Trust.\n\n!!! action\n    Act.\n\n!!! tip\n    Tip.\n")
    labels = [label.get_text() for label in page.select(".callout-label")]
    assert labels == ["Key learning", "Action steps", "Tip"]


def test_other_callout_types_get_the_generic_style_and_an_empty_label_shows_none() -> None:
    page = html_of('!!! note ""\n    Just a note.\n')
    aside = page.find("aside")
    assert aside["class"] == ["callout", "callout-note"]
    assert aside.select(".callout-label") == []


def test_typography_stays_as_authored() -> None:
    text = "“Curly” quotes, it’s -- not smart, and a non\u00a0breaking space."
    assert html_of(text).p.get_text() == text


def test_raw_html_is_kept_for_trusted_authors() -> None:
    page = html_of('<figure class="wide"><img src="a.jpg" alt="A"></figure>\n\nText.')
    assert page.select_one("figure.wide img")["src"] == "a.jpg"


def test_tables_footnotes_and_heading_ids() -> None:
    page = html_of(
        "## What we learned\n\nIt worked.[^1]\n\n| Before | After |\n|---|---|\n| a | b |\n\n"
        "[^1]: Mostly.\n"
    )
    assert page.h2["id"] == "what-we-learned"
    assert [td.get_text() for td in page.select("tbody td")] == ["a", "b"]
    assert page.select_one(".footnote li p").get_text().strip().startswith("Mostly.")


def test_heading_ids_are_ascii_for_any_script() -> None:
    assert html_of("## Привет, мир").h2["id"] == "privet-mir"


def test_summary_is_the_text_of_the_first_real_paragraph() -> None:
    rendered = Converter().convert(
        Document(
            '<div class="banner">Raw block</div>\n\n## A heading\n\n'
            "!!! lesson\n    Not this.\n\n"
            "It was *raining*[^1] &amp; “cold”\u00a0— <span>really</span>.\n\nSecond paragraph.\n\n"
            "[^1]: A footnote.\n"
        )
    )
    assert rendered.summary == "It was raining & “cold”\u00a0— really."


def test_summary_is_empty_without_a_paragraph() -> None:
    assert Converter().convert(Document("## Only a heading")).summary == ""
    assert Converter().convert(Document("")).summary == ""


def test_one_converter_converts_many_documents_independently() -> None:
    texts = ["One.[^1]\n\n[^1]: Note one.", "## Two\n\nTwo.", ""]
    first, second, empty = convert_all([Document(text) for text in texts])
    assert "Note one" in first.html
    assert "Note one" not in second.html
    assert second.summary == "Two."
    assert (empty.html, empty.summary) == ("", "")


def test_an_id_prefix_applies_to_every_id_and_the_links_to_them() -> None:
    rendered = Converter().convert(Document("## Hello\n\nHi.[^1]\n\n[^1]: Note.", "about_ann_"))
    page = BeautifulSoup(rendered.html, "html.parser")
    ids = {element["id"] for element in page.select("[id]")}
    assert ids == {"about_ann_hello", "about_ann_fnref:1", "about_ann_fn:1"}
    assert {a["href"] for a in page.select('a[href^="#"]')} == {
        "#about_ann_fn:1",
        "#about_ann_fnref:1",
    }


class AsPythonMarkdownIs(Converter):
    """Python-Markdown as it is: every inline pattern tried on every document, and a table
    of contents built for each."""

    def asks_for_toc(self, text: str) -> bool:
        return True

    def take_shortcuts(self) -> None:
        pass


SYNTAX = [
    "Plain words, nothing more.",
    "Code `x = 1` and ``a ` tick``.",
    "Escaped \\# hash, and \\\\ a backslash.",
    "A [link](https://example.com/).",
    "A photo ![in a frame](photo.jpg).",
    "A [reference][r] and a [short] one.\n\n[r]: /r\n[short]: /s",
    "An image ![by reference][i].\n\n[i]: /i.png",
    "A note[^1].\n\n[^1]: The note.",
    "Mail <me@example.com> now.",
    "A link <https://example.com/a> now.",
    "Inline <b>HTML</b> and <!-- a comment -->.",
    "An entity &copy; here.",
    "Two spaces break  \nthe line; a tab too\t\nhere.",
    "*em* **strong** ***both*** and 2*3*4.",
    "_em_ __strong__ and snake_case_word.",
    # Together: patterns inside others, and characters that are not markup.
    "\\*Not em\\*, `*not em*`, [*em* in a link](/e) and a lone * and < and & and [.",
    "A note[^n] with *em*.\n\n[^n]: With a [link](/n) and <i>HTML</i> &amp; `code`.",
    '!!! lesson "A *starred* label"\n    A body with `code` and [a link](/l).',
    "| a | *b* |\n|---|---|\n| [c](/c) | `d` |",
    "## A heading with _em_ {: #own-id }\n\nA paragraph {: .with-class }",
    "    indented code *not em* [not a link](/x)\n\nThen *em*.",
    "> A quote with [a link](/q) and **strong**.\n\n[TOC]",
    "# A title\n\n## A part\n\n  [TOC]  \n\n## A part",
    "## A heading\n\nNot a marker: `[TOC]`, \\[TOC\\], &#91;TOC&#93; and [toc].",
    "```\nfenced *not em* <b>\n```\n\nAfter the fence: <i>html</i>.",
    "A title\n=======\n\nA part\n------\nNot - a - rule, a > b, a | b.\n\n- - -\n\n___\n\n> > Two",
    "A [link [with] brackets](/b), ![an [image]](/i.png), [open [ and ]] and ] [x][r].\n\n[r]: /r",
]
"""One kind of inline markup per document, then several together."""


PIECES = [
    "word", " ", "\n", "\n\n", "*", "**", "_", "`", "[", "]", "(", ")", "![", "[^1]",
    "\n[^1]: a note\n", "<", ">", "<b>", "</b>", "&", "&amp;", "\\", "\\*", "  \n", "#",
    "\n## Head *x*\n", "> ", "- ", "1. ", "    ", "```\n", "~~~", "|", "|---|", "{: #id }",
    "[TOC]", "[r]", "\n[r]: /r\n", "[x](/y)", "<https://a.b/c>", "<!-- c -->", "\n===",
    "\n---", "___", "* * *", '!!! lesson "L"\n    ', "é",
]  # fmt: skip
"""Pieces of markup, for documents made at random: each of Python-Markdown's steps that a
shortcut passes over meets what it acts on, and what it does not."""


def test_skipping_what_cannot_change_a_document_changes_no_output() -> None:
    """Each text is tried only with the patterns, each block only with the processors, and
    each document only with the steps that could change it, and it gets a table of contents
    only if it has the marker: the HTML, summary and lessons are those of Python-Markdown
    taking every step and building every table of contents. For the sample blog, the
    fixtures, the syntax above and a thousand documents made at random."""
    files = [*Path("content").rglob("*.md"), *Path("tests/fixtures").rglob("*.md")]
    documents = SYNTAX + [path.read_text(encoding="utf-8") for path in sorted(files)]
    randomly = random.Random(7)
    documents += ["".join(randomly.choices(PIECES, k=randomly.randint(1, 50))) for _ in range(1000)]
    skipping, trying_all = Converter(), AsPythonMarkdownIs()
    for text in documents:
        assert skipping.convert(Document(text)) == trying_all.convert(Document(text)), text
    inline = TextByText(Markdown(extensions=["footnotes"]))
    every = list(range(len(inline.inlinePatterns)))
    assert len(inline.could_match(SYNTAX[0])) < len(every) / 2
    assert inline.could_match("\n".join(SYNTAX)) == every


def closing_bracket_by_scanning(data: str, index: int) -> tuple[str, int, bool]:
    """Python-Markdown's own answer, as its getText long found it: a scan from `index`."""
    depth = 1
    for place in range(index, len(data)):
        depth += {"[": 1, "]": -1}.get(data[place], 0)
        if depth == 0:
            return data[index:place], place + 1, True
    return data[index:], len(data), False


def test_bracket_ends_finds_what_a_scan_finds_at_every_place() -> None:
    ends, randomly = BracketEnds(), random.Random(3)
    texts = ["", "[", "]", "[]", "a[b[c]d]e", "]][[", *(
        "".join(randomly.choice("[]ab") for _ in range(randomly.randint(1, 24)))
        for _ in range(3000)
    )]  # fmt: skip
    for text in texts:
        for index in range(len(text) + 1):
            assert ends.get_text(text, index) == closing_bracket_by_scanning(text, index)
