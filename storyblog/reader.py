"""content/ → the model: every file read, every mistake collected, Markdown converted last.

The reader is the only code that reads the content folder. It works in two
passes: first every file's front matter is read and checked (so a broken
blog fails fast, before any Markdown is converted), then all bodies are
converted in one batch and the frozen model is assembled.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from storyblog.config import SiteConfig, config_from_mapping
from storyblog.dates import DateError, parse_date
from storyblog.errors import Problems
from storyblog.markup import Rendered, convert_all
from storyblog.models import Author, Page, Site, StaticFile, Story
from storyblog.slugs import is_slug, slugify
from storyblog.urls import GUESTS_SLUG, dated_path, is_reserved_page_slug

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

STORY_KEYS = ("title", "author", "date", "lesson", "tags", "summary", "slug", "draft", "updated")
AUTHOR_KEYS = ("name", "guest", "website", "photo", "role")
PAGE_KEYS = ("title", "slug")
DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})-")
MARKDOWN_SUFFIXES = (".md", ".markdown")
TOP_LEVEL_KEY = re.compile(r"^([^\s#:'\"-][^:]*?)\s*:")

Converter = Callable[[Sequence[str]], list[Rendered]]


class FrontMatter(YAMLHandler):
    """python-frontmatter's YAML handler, strict about the `---` lines so line numbers stay true.

    The front matter it splits off starts with the rest of the first `---`
    line, so its line N (from 0) is line N + 1 of the file.
    """

    FM_BOUNDARY = re.compile(r"^---[ \t]*$", re.MULTILINE)


class DatesAsText(SafeLoader):
    """Safe YAML that leaves dates as text: storyblog parses them itself, in the site's timezone."""


DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Source:
    """One Markdown file: where it is, its front matter (with each key's line), its body."""

    rel: str
    display: str
    front: Mapping[str, Any]
    key_lines: Mapping[str, int]
    body: str

    @property
    def stem(self) -> str:
        return Path(self.rel).stem

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, 1)


@dataclass(frozen=True)
class Checked:
    """A source and the values read from its front matter, named as the model's fields."""

    source: Source
    values: dict[str, Any]


def read_site(
    content_dir: Path,
    theme_static_dir: Path | None,
    problems: Problems,
    *,
    drafts: bool = False,
    base_url: str | None = None,
    convert: Converter = convert_all,
) -> Site | None:
    """The whole blog, or None when `problems` has errors (each of them reported)."""
    reader = Reader(content_dir, problems)
    config = reader.config(base_url)
    author_files = reader.markdown_files("authors")
    authors = reader.authors(author_files)
    stories = reader.stories(config.tz, {path.stem for path in author_files}, drafts)
    pages = reader.pages()
    static_files = list_static(theme_static_dir) + list_static(content_dir / "static")
    if problems.errors:
        return None

    everything = [*authors, *stories, *pages]
    converted = convert([checked.source.body for checked in everything])
    body = {c.source.rel: rendered for c, rendered in zip(everything, converted, strict=True)}
    author_by_slug = {
        a.values["slug"]: Author(**a.values, bio_html=body[a.source.rel].html, source=a.source.rel)
        for a in authors
    }
    return Site(
        config=config,
        stories=sort_newest_first(
            make_story(s.source.rel, s.values, author_by_slug, body[s.source.rel]) for s in stories
        ),
        authors=tuple(sorted(author_by_slug.values(), key=lambda a: (a.guest, a.name.casefold()))),
        pages=tuple(
            Page(**p.values, body_html=body[p.source.rel].html, source=p.source.rel) for p in pages
        ),
        static_files=tuple({f.target: f for f in static_files}.values()),
    )


def make_story(
    rel: str, values: Mapping[str, Any], authors: Mapping[str, Author], body: Rendered
) -> Story:
    fields = {
        **values,
        "authors": tuple(authors[slug] for slug in values["authors"]),
        "summary": values["summary"] or body.summary,
    }
    return Story(**fields, body_html=body.html, source=rel)


def sort_newest_first(stories: Iterable[Story]) -> tuple[Story, ...]:
    return tuple(sorted(stories, key=lambda s: (s.date, s.source), reverse=True))


class Reader:
    """Reads each kind of content file and checks it, reporting into `problems`."""

    def __init__(self, content_dir: Path, problems: Problems) -> None:
        self.content_dir = content_dir
        self.problems = problems

    def config(self, base_url: str | None) -> SiteConfig:
        path = self.content_dir / "site.yml"
        display = path.as_posix()
        data: Mapping[str, Any] = {}
        lines: dict[str, int] = {}
        text = self._text(path, display) if path.exists() else None
        if text is not None:
            data = self._yaml_mapping(text, display, "settings") or {}
            lines = key_lines(text)
        if base_url is not None:
            data = {**data, "base_url": base_url}

        def report(key: str, message: str) -> None:
            self.problems.error(display, lines.get(key, 1), message)

        def warn(key: str, message: str) -> None:
            self.problems.warning(display, lines.get(key, 1), message)

        return config_from_mapping(data, report, warn)

    def authors(self, files: list[Path]) -> list[Checked]:
        """Each author's checked values. A story may name an author whose file has
        mistakes: those are reported on their own, not again as an unknown author."""
        checked = []
        for source in self._sources(files):
            fields = Fields(source, self.problems, AUTHOR_KEYS)
            values = {
                "slug": source.stem,
                "name": fields.text("name", required=True, example='name: "Maya Okonkwo"'),
                "guest": fields.boolean("guest"),
                "role": fields.text("role"),
                "website": fields.website("website"),
                "photo": fields.static_path("photo", self.content_dir / "static"),
                "meta": fields.meta(),
            }
            self._check_author_slug(source)
            checked.append(Checked(source, values))
        return checked

    def stories(self, tz: tzinfo, author_slugs: set[str], drafts: bool) -> list[Checked]:
        """Each story's checked values; drafts are checked too, but kept only when asked for."""
        checked = []
        for source in self._sources(self.markdown_files("posts", recursive=True)):
            fields = Fields(source, self.problems, STORY_KEYS)
            title = fields.text("title", required=True, example='title: "The Umbrella"')
            values: dict[str, Any] = {
                "title": title,
                "slug": fields.slug(title, DATE_PREFIX.sub("", source.stem)),
                "authors": fields.author_slugs(author_slugs),
                "date": fields.date("date", tz, required=True),
                "updated": fields.date("updated", tz),
                "lesson": fields.text("lesson"),
                "tags": fields.text_list("tags"),
                "summary": fields.text("summary"),
                "draft": fields.boolean("draft"),
                "meta": fields.meta(),
            }
            fields.check_file_name_date(values["date"])
            if drafts or not values["draft"]:
                checked.append(Checked(source, values))
        self._check_one_story_per_address(checked)
        return checked

    def pages(self) -> list[Checked]:
        checked = []
        taken: dict[str, str] = {}
        for source in self._sources(self.markdown_files("pages")):
            fields = Fields(source, self.problems, PAGE_KEYS)
            title = fields.text("title", required=True, example="title: About")
            slug = fields.slug(title, source.stem)
            if is_reserved_page_slug(slug):
                fields.error("slug", f"the address /{slug}/ is the blog's own: "
                             "rename the file or add a slug: line")  # fmt: skip
            elif slug in taken:
                fields.error("slug", f"the address /{slug}/ is also {taken[slug]}'s: "
                             "rename one of them or add a slug: line")  # fmt: skip
            taken[slug] = source.display
            checked.append(Checked(source, {"title": title, "slug": slug, "meta": fields.meta()}))
        return checked

    def _check_author_slug(self, source: Source) -> None:
        if source.stem == GUESTS_SLUG:
            self.problems.error(
                source.display, 1,
                f"the author slug '{GUESTS_SLUG}' is taken by the Guest Bloggers page "
                f"(/authors/{GUESTS_SLUG}/): rename the file, e.g. to {GUESTS_SLUG}-team.md",
            )  # fmt: skip
        elif not is_slug(source.stem):
            better = slugify(source.stem) or "firstname-lastname"
            self.problems.error(
                source.display, 1,
                "an author's file name is the slug that posts use in 'author:', so it must be "
                f"lowercase letters, digits and hyphens: rename it to {better}.md",
            )  # fmt: skip

    def _check_one_story_per_address(self, stories: list[Checked]) -> None:
        by_address: dict[str, list[Source]] = defaultdict(list)
        for story in stories:
            date, slug = story.values["date"], story.values["slug"]
            if date and slug:
                by_address["/" + dated_path(date, slug)].append(story.source)
        for address, (first, *others) in by_address.items():
            for source in others:
                self.problems.error(
                    source.display, source.line_of("slug"),
                    f"same address {address} as {first.display}: "
                    "give one of them another slug: line",
                )  # fmt: skip

    def markdown_files(self, folder: str, recursive: bool = False) -> list[Path]:
        """The Markdown files of a folder; anything else there gets a warning, not silence."""
        root = self.content_dir / folder
        found = []
        for path in sorted(root.rglob("*") if recursive else root.glob("*")):
            if is_hidden_or_backup(path.name) or (recursive and path.is_dir()):
                continue
            if path.is_dir():
                self.problems.warning(
                    path.as_posix(), 1, f"skipped: sub-folders of {folder}/ are not read"
                )
            elif path.suffix.lower() in MARKDOWN_SUFFIXES:
                found.append(path)
            else:
                self.problems.warning(
                    path.as_posix(), 1,
                    f"skipped: only files ending in .md are read in {folder}/: rename it to "
                    f"{path.name.split('.')[0]}.md if it is one, or move it to static/",
                )  # fmt: skip
        return found

    def _sources(self, paths: list[Path]) -> list[Source]:
        sources = (self._source(path) for path in paths)
        return [source for source in sources if source is not None]

    def _source(self, path: Path) -> Source | None:
        display = path.as_posix()
        text = self._text(path, display)
        if text is None:
            return None
        handler = FrontMatter()
        if not handler.detect(text):
            self.problems.error(
                display, 1,
                "no front matter: start the file with a line ---, then lines like "
                "title: and date:, then another line ---",
            )  # fmt: skip
            return None
        try:
            front_text, body = handler.split(text)
        except ValueError:
            self.problems.error(
                display, 1, "the front matter is never closed: add a line --- after its last key"
            )
            return None
        front = self._yaml_mapping(front_text, display, "front matter")
        if front is None:
            return None
        rel = path.relative_to(self.content_dir).as_posix()
        return Source(rel, display, front, key_lines(front_text), body)

    def _text(self, path: Path, display: str) -> str | None:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            self.problems.error(
                display, line,
                f"this file is not UTF-8 text (byte 0x{data[error.start]:02x} on this line): "
                "save it as UTF-8 in your editor",
            )  # fmt: skip
            return None
        return text.replace("\r\n", "\n")

    def _yaml_mapping(self, text: str, display: str, what: str) -> dict[str, Any] | None:
        """YAML that must be `key: value` lines; `text` starts on line 1 of the file."""
        try:
            data = yaml.load(text, Loader=DatesAsText)
        except yaml.MarkedYAMLError as error:
            line = 1 + yaml_error_line(error)
            self.problems.error(display, line, f"this line of the {what} {yaml_advice(error)}")
            return None
        except yaml.YAMLError as error:
            self.problems.error(display, 1, f"invalid {what}: {error}")
            return None
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problems.error(
                display, 1, f"the {what} should be key: value lines, without a - in front"
            )
            return None
        return {str(key): value for key, value in data.items()}


class Fields:
    """One file's front matter, read key by key; each mistake is reported at its key's line."""

    def __init__(self, source: Source, problems: Problems, known: tuple[str, ...]) -> None:
        self.source = source
        self.problems = problems
        self.known = known

    def error(self, key: str, message: str) -> None:
        self.problems.error(self.source.display, self.source.line_of(key), message)

    def _value(self, key: str) -> Any:
        value = self.source.front.get(key)
        return None if value == "" or value == [] else value

    def text(self, key: str, required: bool = False, example: str = "") -> str | None:
        value = self._value(key)
        if value is None:
            if required:
                self.error(key, f"missing '{key}': add a line like  {example}")
            return None
        if isinstance(value, bool):
            self.error(key, f"'{key}' was read as yes/no: put the text in double quotes")
            return None
        if isinstance(value, str | int | float):
            return str(value).strip()
        self.error(key, f"'{key}' should be text, not a list or mapping")
        return None

    def boolean(self, key: str) -> bool:
        value = self._value(key)
        if value is None or isinstance(value, bool):
            return bool(value)
        self.error(key, f"'{key}' should be true or false")
        return False

    def text_list(self, key: str) -> tuple[str, ...]:
        """A list of text, or one comma-separated text: `tags: [a, b]` or `tags: a, b`."""
        value = self._value(key)
        if value is None:
            return ()
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or any(
            isinstance(item, bool) or not isinstance(item, str | int | float) for item in items
        ):
            self.error(key, f"'{key}' should be a list of text, e.g. {key}: [hospitality, travel]")
            return ()
        return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))

    def date(self, key: str, tz: tzinfo, required: bool = False) -> datetime | None:
        value = self._value(key)
        if value is None:
            if required:
                self.error(
                    key, f"missing '{key}': add the day it was published, e.g. {key}: 2024-11-27"
                )
            return None
        try:
            return parse_date(str(value), tz)
        except DateError as error:
            self.error(key, f"'{key}': {error}")
            return None

    def website(self, key: str) -> str | None:
        address = self.text(key)
        if address and not address.startswith(("http://", "https://")):
            self.error(key, f"'{key}' should be a full address, like https://{address}")
        return address

    def static_path(self, key: str, static_dir: Path) -> str | None:
        path = self.text(key)
        if path and not (static_dir / path).is_file():
            self.error(
                key,
                f"no file {(static_dir / path).as_posix()}: '{key}' is a path under "
                "static/, e.g. images/maya.jpg for content/static/images/maya.jpg",
            )
        return path

    def author_slugs(self, known: set[str]) -> tuple[str, ...]:
        value = self._value("author")
        if value is None:
            names = ", ".join(sorted(known)[:8]) + (", …" if len(known) > 8 else "")
            names = names or "none yet: add one in content/authors/"
            self.error("author", f"missing 'author': add the author's slug (known: {names})")
            return ()
        slugs = value if isinstance(value, list) else [value]
        if not all(isinstance(slug, str) for slug in slugs):
            self.error("author", "'author' should be an author's slug, or a list of slugs")
            return ()
        for slug in slugs:
            if slug not in known:
                self.error("author", unknown_author_message(slug, known))
        return tuple(dict.fromkeys(slugs))

    def slug(self, title: str | None, file_name: str) -> str:
        """The `slug:` key, else the file name, else the title; all made URL-safe."""
        for candidate in (self.text("slug"), file_name, title):
            if candidate and slugify(candidate):
                return slugify(candidate)
        self.error("slug", "cannot make an address from the file name or title: add slug: my-story")
        return ""

    def check_file_name_date(self, date: datetime | None) -> None:
        """A date at the start of the file name that disagrees with `date:` is a likely slip."""
        named = DATE_PREFIX.match(self.source.stem)
        if date and named and named.group(1) != f"{date:%Y-%m-%d}":
            self.problems.warning(
                self.source.display, self.source.line_of("date"),
                f"the file name says {named.group(1)} but date: says {date:%Y-%m-%d}, "
                f"which decides the address (/{date:%Y/%m}/…): correct whichever is wrong",
            )  # fmt: skip

    def meta(self) -> Mapping[str, Any]:
        """Keys storyblog does not know, for the templates; likely typos are warned about."""
        extra = {k: v for k, v in self.source.front.items() if k not in self.known}
        for key in extra:
            close = difflib.get_close_matches(key, self.known, n=1, cutoff=0.75)
            if close:
                self.problems.warning(
                    self.source.display, self.source.line_of(key),
                    f"unknown key '{key}': did you mean '{close[0]}'? "
                    f"Until it is renamed, it is not used as the {close[0]}",
                )  # fmt: skip
        return MappingProxyType(extra)


def unknown_author_message(slug: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(slug, sorted(known), n=1, cutoff=0.6)
    if close:
        return f"unknown author '{slug}': did you mean '{close[0]}'?"
    return (
        f"unknown author '{slug}': add content/authors/{slug}.md with a name: line, "
        "or use the file name (without .md) of an author in content/authors/"
    )


def yaml_advice(error: yaml.MarkedYAMLError) -> str:
    """What a writer can do about a YAML error, in words rather than YAML's."""
    problem = f"{error.context or ''} {error.problem or ''}"
    if "mapping values are not allowed" in problem:
        return (
            "has a colon inside a value, or starts with spaces: put a value with a colon in "
            'double quotes (title: "Lesson one: listen") and start each key at the line\'s start'
        )
    if "simple key" in problem:
        return "has no colon after its key: write it as key: value, e.g. author: maya-okonkwo"
    if "tab character" in problem:
        return "starts with a tab: remove it, so that the key starts the line"
    if "quoted scalar" in problem or "end of stream" in problem:
        return 'opens a quote that is never closed: add the closing " at the end of the value'
    if "flow" in problem:
        return "opens a [ or { that is never closed: add the closing ] or } on this line"
    if "expected <block end>" in problem or "expected key" in problem:
        return (
            "has text after a closing quote: put the whole value in double quotes, "
            "with curly quotes “ ” or single quotes inside it"
        )
    return (
        f"is not valid ({error.problem or 'not YAML'}): each line should be key: value, "
        "with text that has a colon or quotes put in double quotes"
    )


def yaml_error_line(error: yaml.MarkedYAMLError) -> int:
    """The line to fix, from 0: where an unclosed quote or list opened, else where YAML stumbled."""
    unclosed = any(
        what in (error.context or "") for what in ("quoted scalar", "flow", "simple key")
    )
    mark = (error.context_mark if unclosed else None) or error.problem_mark or error.context_mark
    return mark.line if mark else 0


def is_hidden_or_backup(name: str) -> bool:
    """Editors' lock, swap and backup files, and hidden files: never content."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swo", ".bak", ".tmp"))


def key_lines(text: str) -> dict[str, int]:
    """The line of each top-level key (text starts on line 1), so a problem can point at it."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        match = TOP_LEVEL_KEY.match(line)
        if match:
            found.setdefault(match.group(1).strip(), number)
    return found


def list_static(folder: Path | None) -> list[StaticFile]:
    """Files copied to the output as they are, at the same path under the output folder."""
    if folder is None or not folder.is_dir():
        return []
    return [
        StaticFile(source=path, target=path.relative_to(folder).as_posix())
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]
