"""Markdown → HTML for stories, bios and pages, and the plain-text summary of each.

One Python-Markdown converter is built per process and reused (reset between
documents): building it costs more than converting a short story. It takes
shortcuts through Python-Markdown's steps where they cannot change the output
(Converter.take_shortcuts): in less than half the time Python-Markdown takes
with its defaults.
Typography stays as the author typed it (no smart quotes), and raw HTML is
allowed: authors are trusted.
"""

from __future__ import annotations

import copy
import re
import xml.etree.ElementTree as etree
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from html.parser import HTMLParser
from typing import Any, Generic, TypeVar

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.extensions.toc import TocExtension, TocTreeprocessor
from markdown.inlinepatterns import LinkInlineProcessor
from markdown.preprocessors import NormalizeWhitespace
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import ETX, HTML_PLACEHOLDER_RE, STX, AtomicString, Registry

from storyblog.callouts import CalloutExtension
from storyblog.parallel import Progress, Streamed
from storyblog.slugs import slugify

T = TypeVar("T")

WHITESPACE = re.compile(r"[ \t\r\n]+")  # not \s: a non-breaking space stays

NEEDED = {
    "backtick": ("`",), "escape": ("\\",), "footnote": ("[^",), "reference": ("[",),
    "link": ("[",), "image_link": ("![",), "image_reference": ("![",), "short_reference": ("[",),
    "short_image_ref": ("![",), "autolink": ("<",), "automail": ("<",), "linebreak": ("  \n",),
    "html": ("<",), "entity": ("&",), "em_strong": ("*", "_"), "em_strong2": ("_",),
    "not_strong": ("*", "_"),
}  # fmt: skip
"""What every match of each inline pattern holds (one of these), by the pattern's name in
Python-Markdown and the footnotes extension: a text that holds none of them cannot match.
A pattern not named here is tried on every text."""


BLOCK_NEEDS = {
    "quote": (">",), "setextheader": ("\n=", "\n-"), "hr": ("-", "_", "*"), "table": ("|",),
    "footnote": ("]:",), "reference": ("]:",),
}  # fmt: skip
"""What a block holds (one of these) when the block processor named here can take it: a
blockquote's marker, an underline below the first line, a rule's characters, a table's
pipes, the `]:` of a footnote's or a link's definition. Its test (or, for a definition,
its run) searched every long paragraph to find nothing: a fifth of the conversion."""


DOCUMENT_NEEDS = {
    "fenced_code_block": ("```", "~~~"), "html_block": ("<",), "attr_list": ("{",),
    "unescape": ("\\",),
}  # fmt: skip
"""What a document holds (one of these) when the processor named here can change it: a
fence, a tag, an attribute list, a backslash (only an escape leaves what `unescape`
restores). Without a `<`, the raw HTML step fed the whole text through an HTML parser to
give back the same lines (checked on 200,000 texts made at random, entities among them)."""


@dataclass(frozen=True)
class Document:
    """Markdown to convert. Ids (headings, footnotes) get `id_prefix`, for documents that
    share a page with another one: an author's bio under a story."""

    text: str
    id_prefix: str = ""


@dataclass(frozen=True)
class Rendered:
    html: str
    summary: str
    """The text of the first top-level paragraph: the default summary of a story."""
    lessons: tuple[str, ...] = ()
    """The HTML inside each `!!! lesson` callout, without its label: for the lessons page."""


class Collector(Treeprocessor):
    """A tree processor that keeps pieces of the finished tree as HTML."""

    def serialize(self, element: etree.Element) -> str:
        text = self.md.serializer(element)
        for postprocessor in self.md.postprocessors:
            text = postprocessor.run(text)
        return text


class FirstParagraph(Collector):
    """Keeps the HTML of the document's first real paragraph, once inline markup is done."""

    html = ""

    def run(self, root: etree.Element) -> None:
        self.html = ""
        for child in root:
            if child.tag == "p" and not _is_raw_html_block(child):
                self.html = self.serialize(_without_footnote_marks(child))
                return


class LessonCallouts(Collector):
    """Keeps the content of each lesson callout, for the lessons page: without footnote
    marks or ids, which mean nothing away from the story."""

    lessons: tuple[str, ...] = ()

    def run(self, root: etree.Element) -> None:
        found = []
        for aside in root.iter("aside"):
            if "callout-lesson" in aside.get("class", "").split():
                content = [_without_footnote_marks(child) for child in aside
                           if child.get("class") != "callout-label"]  # fmt: skip
                for element in (e for child in content for e in child.iter()):
                    element.attrib.pop("id", None)
                found.append("".join(self.serialize(child) for child in content).strip())
        self.lessons = tuple(found)


class PrefixIds(Treeprocessor):
    """Prefixes every id, and every link to one, once headings and footnotes have theirs."""

    prefix = ""

    def run(self, root: etree.Element) -> None:
        if not self.prefix:
            return
        for element in root.iter():
            if element.get("id"):
                element.set("id", self.prefix + element.get("id", ""))
            if element.get("href", "").startswith("#"):
                element.set("href", "#" + self.prefix + element.get("href", "")[1:])


class Choice(Generic[T]):
    """Things (patterns, processors), each with what any text it acts on holds (one of
    these; none: it may act on any text), chosen for a text by what the text holds: found
    once for each set of needles held."""

    def __init__(self, needs: list[tuple[T, tuple[str, ...]]]) -> None:
        self._needs = needs
        self._needles = sorted({needle for _, needles in needs for needle in needles})
        self._chosen: dict[frozenset[str], list[T]] = {}

    def chosen_for(self, text: str) -> list[T]:
        held = frozenset(needle for needle in self._needles if needle in text)
        if held not in self._chosen:
            self._chosen[held] = [thing for thing, needs in self._needs
                                  if not needs or not held.isdisjoint(needs)]  # fmt: skip
        return self._chosen[held]


def with_needs(
    registry: Registry[T], needs: Mapping[str, tuple[str, ...]]
) -> list[tuple[T, tuple[str, ...]]]:
    """Each item of a Python-Markdown registry, in its order, with what it needs by its name."""
    named = {id(registry[name]): name for name in needs if name in registry}
    return [(item, needs.get(named.get(id(item), ""), ())) for item in registry]


class TextByText(InlineProcessor):
    """Python-Markdown's inline processor, trying on each text only the patterns that could
    match in it (see NEEDED): in 300 stories of the benchmark's corpus, 13,055 tries of a
    pattern where the document-wide choice made 59,132."""

    def __init__(self, md: Markdown) -> None:
        super().__init__(md)
        needs = with_needs(md.inlinePatterns, NEEDED)
        self._places = Choice([(place, needed) for place, (_, needed) in enumerate(needs)])

    def could_match(self, text: str) -> list[int]:
        """The places in the inline patterns of those that could match in text."""
        return self._places.chosen_for(text)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        """Python-Markdown's own, which is private (so named as Python names it): each
        pattern from patternIndex on, tried again after each match, skipping those that
        could not match."""
        if isinstance(data, AtomicString):
            return data
        apply_pattern = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        for place in self.could_match(data):
            if place < patternIndex:
                continue
            start, matched = 0, True
            pattern = self.inlinePatterns[place]
            while matched:
                data, matched, start = apply_pattern(pattern, data, place, start)
        return data


class BlockByBlock:
    """Python-Markdown's BlockParser.parseBlocks, trying on each block only the processors
    that could take it (see BLOCK_NEEDS), from a list made once: the parser's registry
    makes a new list of its processors for every block."""

    def __init__(self, parser: BlockParser) -> None:
        self._processors = Choice(with_needs(parser.blockprocessors, BLOCK_NEEDS))

    def parse_blocks(self, parent: etree.Element, blocks: list[str]) -> None:
        """As Python-Markdown's own: each block goes to the first processor whose test
        passes and whose run does not say no (which leaves the block as it was)."""
        while blocks:
            for processor in self._processors.chosen_for(blocks[0]):
                if processor.test(parent, blocks[0]) and processor.run(parent, blocks) is not False:
                    break


class QuickWhitespace(NormalizeWhitespace):
    """Python-Markdown's first step, which blanks the lines of only spaces with a regular
    expression that looks behind every character of the text (a fifteenth of a story's
    conversion): here only when the text has a space before a line's end."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines).replace(STX, "").replace(ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        source = source.expandtabs(self.md.tab_length)
        if " \n" in source:
            source = SPACES_ONLY_LINE.sub("\n", source)
        return source.split("\n")


SPACES_ONLY_LINE = re.compile(r"(?<=\n) +\n")


class HeadingIds(TocTreeprocessor):
    """Python-Markdown's ids for headings, with its table of contents built only for a
    document that asks for one with `[TOC]`: building one, and looking through the whole
    document for its place, took 3% of every story's conversion."""

    asked = True

    def run(self, doc: etree.Element) -> None:
        self.marker = TOC_MARKER if self.asked else ""
        super().run(doc)

    def build_toc_div(self, toc_list: list[Any]) -> etree.Element:
        return super().build_toc_div(toc_list) if self.marker else etree.Element("div")


class HeadingIdsExtension(TocExtension):
    TreeProcessorClass = HeadingIds


TOC_MARKER = "[TOC]"

BRACKET = re.compile(r"[\[\]]")


class BracketEnds:
    """Where the bracket before each place in a text closes, for the six link patterns'
    `getText`. Python-Markdown 3.11 finds it with a loop over every character of the
    paragraph, for each of the six patterns in turn: a fifth of a story's conversion.
    This loops over the brackets alone, once per text for all six."""

    def __init__(self) -> None:
        self._text: str | None = None
        self._brackets: list[int] = []
        self._ends: list[int | None] = []

    def get_text(self, data: str, index: int) -> tuple[str, int, bool]:
        """What `LinkInlineProcessor.getText` returns: the text from `index` up to the
        bracket that closes the one before it, the place after that bracket, and whether
        there is one (if not: the rest of the text, its end, False)."""
        if data is not self._text:
            self._text = data
            self._brackets = [found.start() for found in BRACKET.finditer(data)]
            self._ends = self._closing(data)
        end = self._ends[bisect_left(self._brackets, index)]
        if end is None:
            return data[index:], len(data), False
        return data[index : end - 1], end, True

    def _closing(self, data: str) -> list[int | None]:
        """For each stretch of text between two brackets (the first before any, the last
        after all), the place after the bracket that first takes the depth below the
        stretch's own: every place in a stretch has the same answer."""
        ends: list[int | None] = [None] * (len(self._brackets) + 1)
        open_stretches: list[tuple[int, int]] = []  # (stretch, depth), depth rising
        depth = 0
        for stretch in range(len(self._brackets) + 1):
            if stretch:
                place = self._brackets[stretch - 1]
                depth += 1 if data[place] == "[" else -1
                while open_stretches and depth < open_stretches[-1][1]:
                    ends[open_stretches.pop()[0]] = place + 1
            open_stretches.append((stretch, depth))
        return ends


class Converter:
    """A reusable Markdown converter with the story blog's extensions."""

    def __init__(self) -> None:
        self._markdown = Markdown(
            extensions=[
                CalloutExtension(),
                HeadingIdsExtension(slugify=lambda value, separator: slugify(value)),
                "tables",
                "footnotes",
                "fenced_code",
                "sane_lists",
                "attr_list",
            ],
            output_format="html",
        )
        self._first_paragraph = FirstParagraph(self._markdown)
        self._markdown.treeprocessors.register(self._first_paragraph, "first-paragraph", 1)
        self._prefix_ids = PrefixIds(self._markdown)
        self._markdown.treeprocessors.register(self._prefix_ids, "prefix-ids", 2)
        self._lessons = LessonCallouts(self._markdown)
        self._markdown.treeprocessors.register(self._lessons, "lessons", 0)
        headings = self._markdown.treeprocessors["toc"]
        assert isinstance(headings, HeadingIds)
        self._headings = headings
        self._text = ""
        """The document being converted."""
        self.take_shortcuts()

    def take_shortcuts(self) -> None:
        """Python-Markdown's own steps, skipping the work that cannot change the output:
        lines of spaces are looked for only after a space (QuickWhitespace), inline patterns
        are tried text by text (TextByText), the link patterns find closing brackets with
        one BracketEnds, a block processor's test is passed over when the block lacks what
        it needs (BlockByBlock), and a step when the document does (DOCUMENT_NEEDS)."""
        md = self._markdown
        md.preprocessors.register(QuickWhitespace(md), "normalize_whitespace", 30)
        md.treeprocessors.register(TextByText(md), "inline", 20)
        brackets = BracketEnds()
        for pattern in md.inlinePatterns:
            if isinstance(pattern, LinkInlineProcessor):
                pattern.getText = brackets.get_text  # type: ignore[method-assign]
        md.parser.parseBlocks = BlockByBlock(md.parser).parse_blocks  # type: ignore[method-assign]
        for registry in (md.preprocessors, md.treeprocessors):
            for name, needs in DOCUMENT_NEEDS.items():
                if name in registry:
                    step = registry[name]
                    step.run = partial(self._run_if_held, step.run, needs)  # type: ignore[method-assign]

    def _run_if_held(self, run: Callable[[Any], Any], needs: tuple[str, ...], given: Any) -> Any:
        """run(given) when the document being converted holds one of needs; else what it
        was given, as it is."""
        return run(given) if any(needed in self._text for needed in needs) else given

    def asks_for_toc(self, text: str) -> bool:
        """Whether a table of contents could take a paragraph's place in this text."""
        return TOC_MARKER in text

    def convert(self, document: Document) -> Rendered:
        # Markdown skips the tree of an empty document.
        self._first_paragraph.html, self._lessons.lessons = "", ()
        self._prefix_ids.prefix = document.id_prefix
        self._text = document.text
        self._headings.asked = self.asks_for_toc(document.text)
        html = self._markdown.reset().convert(document.text)
        summary = plain_text(self._first_paragraph.html)
        return Rendered(html=html, summary=summary, lessons=self._lessons.lessons)


def plain_text(html: str) -> str:
    """The text a reader sees in an HTML fragment, with entities decoded and spaces folded."""
    parser = _TextCollector()
    parser.feed(html)
    parser.close()
    return WHITESPACE.sub(" ", "".join(parser.parts)).strip()


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _is_raw_html_block(paragraph: etree.Element) -> bool:
    """Python-Markdown keeps a raw HTML block as a paragraph holding only a placeholder."""
    return len(paragraph) == 0 and bool(HTML_PLACEHOLDER_RE.fullmatch(paragraph.text or ""))


def _without_footnote_marks(paragraph: etree.Element) -> etree.Element:
    """A copy without footnote numbers, which mean nothing in a summary or a lesson."""
    cleaned = copy.deepcopy(paragraph)
    for parent in cleaned.iter():
        for child in list(parent):
            if child.tag == "sup" and child.get("id", "").startswith("fnref"):
                if child.tail:
                    _append_text(parent, child, child.tail)
                parent.remove(child)
    return cleaned


def _append_text(parent: etree.Element, child: etree.Element, text: str) -> None:
    """Keeps the text after a removed element, as ElementTree stores it on the element."""
    index = list(parent).index(child)
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + text


MARKDOWN_IN_PARALLEL_FROM = 100
"""Documents: fewer convert faster in this process than workers can start."""

_converter: Converter | None = None


def converting() -> Streamed[Document, Rendered]:
    """Documents converted as they are handed over: over the machine's cores, when there
    are many, while this process goes on with its own work."""
    return Streamed(convert_here, smallest=MARKDOWN_IN_PARALLEL_FROM)


def gathered(conversions: Streamed[Document, Rendered], progress: Progress) -> list[Rendered]:
    """Every document handed over, converted, in order (once: then the conversions are done)."""
    done: list[Rendered] = []
    for chunk in conversions.results():
        done += chunk
        if progress:
            progress("stories converted", len(done), conversions.count)
    return done


def convert_all(documents: Sequence[Document], progress: Progress = None) -> list[Rendered]:
    """Converts documents in order, over the machine's cores when there are many."""
    conversions = converting()
    try:
        for document in documents:
            conversions.add(document)
        return gathered(conversions, progress)
    finally:
        conversions.close()


def convert_here(documents: Sequence[Document]) -> list[Rendered]:
    """Converts documents in order with this process's one converter."""
    global _converter
    if _converter is None:
        _converter = Converter()
    return [_converter.convert(document) for document in documents]
