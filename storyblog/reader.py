"""content/ → the model: every file read, every mistake collected, every body converted.

The reader is the only code that reads the content folder. Every file's front
matter is read and checked into a draft; each body is handed over for
converting as soon as its draft is made (in a big blog, other processes
convert while this one reads on). A broken blog fails as soon as every file
is read, without waiting for the bodies. Then the drafts become the frozen model.
"""

from __future__ import annotations

import os
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from functools import cache, partial
from hashlib import blake2b
from pathlib import Path
from typing import Any, TypeVar, cast

from storyblog.config import SiteConfig, config_from_mapping
from storyblog.errors import Problem, Problems
from storyblog.fields import DATE_PREFIX, Fields
from storyblog.markup import Document, Rendered, convert_all, converting, gathered
from storyblog.models import Author, Page, Site, StaticFile, Story
from storyblog.parallel import Progress
from storyblog.slugs import is_slug, slugify
from storyblog.sources import Body, Source, key_lines, load_mapping, read_source, read_text
from storyblog.stats import Stat, settled, stat_of
from storyblog.urls import GUESTS_SLUG, dated_path, is_reserved_page_slug, tag_slug

STORY_KEYS = ("title", "author", "date", "lesson", "tags", "summary", "slug", "draft", "updated")
AUTHOR_KEYS = ("name", "guest", "website", "photo", "role")
PAGE_KEYS = ("title", "slug")
MARKDOWN_SUFFIXES = (".md", ".markdown")

Markdown = tuple[Body, str]
"""A body to convert, and the prefix of its ids."""
T = TypeVar("T")


@dataclass(frozen=True)
class AuthorDraft:
    """An author whose front matter is checked; the bio is not converted yet."""

    source: Source
    name: str
    guest: bool
    role: str | None
    website: str | None
    photo: str | None
    meta: Mapping[str, Any]

    def markdown(self) -> Markdown:
        """The bio shows on pages with a story's body, so its ids get a prefix of their own."""
        return self.source.body, f"about_{self.source.stem}_"

    def finish(self, bio: Rendered) -> Author:
        return Author(
            slug=self.source.stem, name=self.name, guest=self.guest, website=self.website,
            photo=self.photo, role=self.role, meta=self.meta, bio_html=bio.html,
            source=self.source.rel,
        )  # fmt: skip


@dataclass(frozen=True)
class StoryDraft:
    """A story whose front matter is checked; the body is not converted yet."""

    source: Source
    title: str
    slug: str
    author_slugs: tuple[str, ...]
    date: datetime
    updated: datetime | None
    lesson: str | None
    tags: tuple[str, ...]
    summary: str | None
    draft: bool
    meta: Mapping[str, Any]

    def markdown(self) -> Markdown:
        return self.source.body, ""

    def finish(self, body: Rendered, authors: Mapping[str, Author]) -> Story:
        return Story(
            source=self.source.rel, slug=self.slug, title=self.title,
            authors=tuple(authors[slug] for slug in self.author_slugs), date=self.date,
            updated=self.updated, lesson=self.lesson, tags=self.tags,
            summary=self.summary or body.summary, draft=self.draft, body_html=body.html,
            body_lessons=body.lessons, meta=self.meta,
        )  # fmt: skip


@dataclass(frozen=True)
class PageDraft:
    source: Source
    title: str
    slug: str
    meta: Mapping[str, Any]

    def markdown(self) -> Markdown:
        return self.source.body, ""

    def finish(self, body: Rendered) -> Page:
        return Page(self.source.rel, self.slug, self.title, body.html, self.meta)


def read_site(
    content_dir: Path,
    theme_static_dir: Path | None,
    problems: Problems,
    *,
    drafts: bool = False,
    base_url: str | None = None,
    memo: ReadMemo | None = None,
    stats: Mapping[str, Stat] | None = None,
    progress: Progress = None,
) -> Site | None:
    """The whole blog, or None when `problems` has errors (each of them reported).

    With a memo from the last read, a file whose bytes are the same is not parsed,
    checked or converted again: its draft, problems and HTML are the memo's."""
    memo = memo or ReadMemo()
    with Conversions() as conversions:

        def convert_soon(draft: AuthorDraft | StoryDraft | PageDraft) -> None:
            if drafts or not (isinstance(draft, StoryDraft) and draft.draft):
                memo.hand_over(draft.markdown(), conversions)

        reader = Reader(content_dir, problems, memo, stats or {}, drafted=convert_soon)
        config = reader.config(base_url)
        theme_files = reader.static_files(theme_static_dir)
        content_files = reader.static_files(content_dir / "static")
        static_files = theme_files + content_files  # content wins
        author_files = reader.markdown_files("authors")
        authors = reader.authors(author_files, photos=frozenset(f.target for f in content_files))
        stories = reader.stories(config.tz, {path.stem for path in author_files}, drafts)
        pages = reader.pages()
        memo.forget_unused()
        if problems.errors:
            return None
        drafted: list[AuthorDraft | StoryDraft | PageDraft] = [*authors, *stories, *pages]
        bodies = memo.converted([draft.markdown() for draft in drafted], conversions, progress)

    body = {d.source.rel: rendered for d, rendered in zip(drafted, bodies, strict=True)}
    author_by_slug = {
        a.source.stem: memo.finished((a, body[a.source.rel]), partial(a.finish, body[a.source.rel]))
        for a in authors
    }
    finished = [
        memo.finished(
            (s, body[s.source.rel], *(author_by_slug[slug] for slug in s.author_slugs)),
            partial(s.finish, body[s.source.rel], author_by_slug),
        )
        for s in stories
    ]
    pages_done = [memo.finished((p, body[p.source.rel]), partial(p.finish, body[p.source.rel]))
                  for p in pages]  # fmt: skip
    memo.forget_unfinished()
    return Site(
        config=config,
        stories=sort_newest_first(with_one_spelling_per_tag(finished)),
        authors=tuple(sorted(author_by_slug.values(), key=lambda a: (a.guest, a.name.casefold()))),
        pages=tuple(pages_done),
        static_files=tuple({f.target: f for f in static_files}.values()),
    )


def read_stories(
    content_dir: Path, files: list[Path], site: Site, problems: Problems, stats: Mapping[str, Stat]
) -> list[Story]:
    """These story files alone, as read_site would make them in this site (of the same
    authors and settings, and with no tag spelled anew); the problems are in `problems`."""
    reader = Reader(content_dir, problems, ReadMemo(), stats)
    drafts = reader.story_files(files, site.config.tz, {author.slug for author in site.authors})
    bodies = convert_all([Document(cast(str, body.text), prefix)
                          for body, prefix in (draft.markdown() for draft in drafts)])  # fmt: skip
    authors = {author.slug: author for author in site.authors}
    return [draft.finish(body, authors) for draft, body in zip(drafts, bodies, strict=True)]


def sort_newest_first(stories: Iterable[Story]) -> tuple[Story, ...]:
    return tuple(sorted(stories, key=lambda s: (s.date, s.source), reverse=True))


def with_one_spelling_per_tag(stories: list[Story]) -> list[Story]:
    """`Small gestures`, `small  gestures` and `Small-Gestures` are one tag: every story
    shows it as most stories spell it (ties: the first spelling in sorted order)."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for story in stories:
        for tag in story.tags:
            spellings[tag_identity(tag)][tag] += 1
    chosen = {
        same: min(counts, key=lambda tag: (-counts[tag], tag)) for same, counts in spellings.items()
    }

    def canonical(story: Story) -> Story:
        tags = tuple(dict.fromkeys(chosen[tag_identity(tag)] for tag in story.tags))
        return story if tags == story.tags else replace(story, tags=tags)

    return [canonical(story) for story in stories]


@cache
def tag_identity(tag: str) -> str:
    """What two spellings of one tag share: case, accents, hyphens and spaces aside."""
    unaccented = unicodedata.normalize("NFKD", tag.casefold())
    letters = "".join(char for char in unaccented if not unicodedata.combining(char))
    return " ".join(letters.replace("-", " ").replace("_", " ").split())


class Conversions:
    """The bodies handed over for converting during one read: converted as they come, over
    the machine's cores when there are many (markup.converting). The workers end with it."""

    def __init__(self) -> None:
        self.converting = converting()
        self.keys: dict[tuple[bytes, str], None] = {}
        """Each body's key in ReadMemo.html, in the order they were handed over."""

    def __enter__(self) -> Conversions:
        return self

    def __exit__(self, *error: object) -> None:
        self.converting.close()


class ReadMemo:
    """What the last read made of each file and each Markdown document: reused while the
    bytes (and what else the answer depends on) are the same, forgotten when unused."""

    def __init__(self) -> None:
        self.checked: dict[Hashable, tuple[Any, list[Problem]]] = {}
        self.html: dict[tuple[bytes, str], Rendered] = {}
        """Each body's HTML, by the digest of its text and the prefix of its ids."""
        self._used: set[Hashable] = set()
        self._finished: dict[str, tuple[tuple[object, ...], object]] = {}
        self._finished_now: dict[str, tuple[tuple[object, ...], object]] = {}
        self.digests: dict[str, tuple[Stat, bytes]] = {}
        """Each file's stat and the digest of its bytes, as they were when it was read."""
        self._digests_now: dict[str, tuple[Stat, bytes]] = {}

    def kept(self) -> dict[str, Any]:
        """What the next build needs, for the cache."""
        return {"checked": self.checked, "html": self.html, "finished": self._finished,
                "digests": self.digests}  # fmt: skip

    @classmethod
    def from_kept(cls, kept: Mapping[str, Any]) -> ReadMemo:
        memo = cls()
        memo.checked, memo.html = kept["checked"], kept["html"]
        memo._finished, memo.digests = kept["finished"], kept["digests"]
        return memo

    def contents(self, path: Path, stat: Stat | None) -> tuple[bytes | None, bytes | None]:
        """The file's bytes and their digest; only the digest when the file's stat (given
        when the build has taken it, before any reading) is as it was when last read, and
        it was then too old for a second save to go unseen."""
        name = str(path)  # a str is quicker to find than a Path
        try:
            stat = stat or stat_of(os.stat(name))
            known = self.digests.get(name)
            if known is not None and known[0] == stat:
                self._digests_now[name] = known
                return None, known[1]
            read_ns = time.time_ns()
            data = path.read_bytes()
        except OSError:
            return None, None
        digest = blake2b(data, digest_size=16).digest()
        if settled(stat, read_ns):
            self._digests_now[name] = (stat, digest)
        return data, digest

    def check(self, key: Hashable, check: Callable[[Problems], T]) -> tuple[T, list[Problem]]:
        if key not in self.checked:
            problems = Problems()
            self.checked[key] = (check(problems), problems.found)
        self._used.add(key)
        return self.checked[key]

    def hand_over(self, markdown: Markdown, conversions: Conversions) -> None:
        """Hands the body over for converting, unless it was converted before (or is
        being converted)."""
        body, id_prefix = markdown
        key = (body.digest, id_prefix)
        if key not in self.html and key not in conversions.keys:
            assert body.text is not None, "a body's text is let go only once converted"
            conversions.keys[key] = None
            conversions.converting.add(Document(body.text, id_prefix))

    def converted(
        self,
        markdown: Sequence[Markdown],
        conversions: Conversions,
        progress: Progress = None,
    ) -> list[Rendered]:
        """Each body's HTML, converting only those not converted before (nor handed over
        already); the texts are let go (their drafts stay in the memo, and the HTML is
        found by the text's digest)."""
        for document in markdown:  # any not handed over as its file was read
            self.hand_over(document, conversions)
        keys = [(body.digest, id_prefix) for body, id_prefix in markdown]
        results = gathered(conversions.converting, progress)
        self.html.update(zip(conversions.keys, results, strict=True))
        self.html = {key: self.html[key] for key in keys}
        for body, _ in markdown:
            body.text = None
        return [self.html[key] for key in keys]

    def forget_unused(self) -> None:
        self.checked = {key: self.checked[key] for key in self._used}
        self._used = set()
        self.digests, self._digests_now = self._digests_now, {}

    def finished(self, inputs: tuple[object, ...], finish: Callable[[], T]) -> T:
        """What finish() made last time from these very objects (a draft, its HTML, its
        authors): an unchanged story stays the same object, so the page tracking knows,
        without looking, that nothing in it changed. Drafts are named by their file."""
        key = cast(AuthorDraft | StoryDraft | PageDraft, inputs[0]).source.rel
        known = self._finished.get(key)
        if known is None or any(a is not b for a, b in zip(known[0], inputs, strict=True)):
            known = (inputs, finish())
        self._finished_now[key] = known
        return cast(T, known[1])

    def forget_unfinished(self) -> None:
        self._finished, self._finished_now = self._finished_now, {}


class Reader:
    """Reads each kind of content file and checks it, reporting into `problems`."""

    def __init__(
        self,
        content_dir: Path,
        problems: Problems,
        memo: ReadMemo,
        stats: Mapping[str, Stat],
        drafted: Callable[[Any], None] = lambda draft: None,
    ) -> None:
        self.content_dir = content_dir
        self.problems = problems
        self.memo = memo
        self.stats = stats
        """The files' stats as the build took them before reading, by path text."""
        self.drafted = drafted
        """Told each draft as soon as it is made."""

    def config(self, base_url: str | None) -> SiteConfig:
        path = self.content_dir / "site.yml"
        display = path.as_posix()
        data: Mapping[str, Any] = {}
        lines: dict[str, int] = {}
        text = read_text(path, self.problems) if path.exists() else None
        if text is not None:
            data = load_mapping(text, display, "settings", self.problems) or {}
            lines = key_lines(text)
        if base_url is not None:
            data = {**data, "base_url": base_url}

        def report(key: str, message: str) -> None:
            self.problems.error(display, lines.get(key, 1), message)

        def warn(key: str, message: str) -> None:
            self.problems.warning(display, lines.get(key, 1), message)

        return config_from_mapping(data, report, warn)

    def authors(self, files: list[Path], photos: frozenset[str]) -> list[AuthorDraft]:
        """Each author, checked. A story may name an author whose file has mistakes:
        those are reported on their own, not again as an unknown author."""
        return self._each(files, self._author, photos)

    def _author(self, source: Source, problems: Problems) -> AuthorDraft | None:
        fields = Fields(source, problems, AUTHOR_KEYS)
        name = fields.text("name", required=True, example='name: "Maya Okonkwo"')
        guest = fields.boolean("guest")
        role = fields.text("role")
        website = fields.website("website")
        photo = fields.static_path("photo", self.content_dir / "static")
        meta = fields.meta()
        self._check_author_slug(source, problems)
        return AuthorDraft(source, name, guest, role, website, photo, meta) if name else None

    def stories(self, tz: tzinfo, author_slugs: set[str], drafts: bool) -> list[StoryDraft]:
        """Each story, checked; drafts are checked too, but kept only when asked for."""
        checked = self.story_files(self.markdown_files("posts", recursive=True), tz, author_slugs)
        kept = [story for story in checked if drafts or not story.draft]
        self._check_one_story_per_address(kept)
        self._check_one_tag_per_address(kept)
        return kept

    def story_files(
        self, files: list[Path], tz: tzinfo, author_slugs: set[str]
    ) -> list[StoryDraft]:
        check = partial(self._story, tz=tz, author_slugs=author_slugs)
        return self._each(files, check, (str(tz), frozenset(author_slugs)))

    def _story(
        self, source: Source, problems: Problems, tz: tzinfo, author_slugs: set[str]
    ) -> StoryDraft | None:
        fields = Fields(source, problems, STORY_KEYS)
        title = fields.text("title", required=True, example='title: "The Umbrella"')
        slug = fields.slug(title, DATE_PREFIX.sub("", source.stem))
        authors = fields.author_slugs(author_slugs)
        date = fields.date("date", tz, required=True)
        updated = fields.date("updated", tz)
        lesson = fields.text("lesson")
        tags = fields.tags("tags")
        summary = fields.text("summary")
        draft = fields.boolean("draft")
        meta = fields.meta()
        fields.check_file_name_date(date)
        if not (title and slug and authors and date):
            return None
        return StoryDraft(
            source, title, slug, authors, date, updated, lesson, tags, summary, draft, meta
        )

    def pages(self) -> list[PageDraft]:
        checked = self._each(self.markdown_files("pages"), self._page, None)
        taken: dict[str, str] = {}
        for page in checked:
            if page.slug in taken:
                self.problems.error(
                    page.source.display, page.source.line_of("slug"),
                    f"the address /{page.slug}/ is also {taken[page.slug]}'s: "
                    "rename one of them or add a slug: line",
                )  # fmt: skip
            taken[page.slug] = page.source.display
        return [page for page in checked if taken[page.slug] == page.source.display]

    def _page(self, source: Source, problems: Problems) -> PageDraft | None:
        fields = Fields(source, problems, PAGE_KEYS)
        title = fields.text("title", required=True, example="title: About")
        slug = fields.slug(title, source.stem)
        meta = fields.meta()
        if is_reserved_page_slug(slug):
            fields.error("slug", f"the address /{slug}/ is the blog's own: "
                         "rename the file or add a slug: line")  # fmt: skip
            return None
        return PageDraft(source, title, slug, meta) if title and slug else None

    def static_files(self, folder: Path | None) -> list[StaticFile]:
        """Files copied to the output as they are, at the same path under the output folder."""
        if folder is None or not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or is_hidden_or_backup(path.name):
                continue
            if not os.access(path, os.R_OK):
                self.problems.error(path.as_posix(), 1, "storyblog may not read this file: "
                                    "allow reading it, or move it out of static/")  # fmt: skip
                continue
            found.append(StaticFile(source=path, target=path.relative_to(folder).as_posix()))
        return found

    def markdown_files(self, folder: str, recursive: bool = False) -> list[Path]:
        """The Markdown files of a folder; anything else there gets a warning, not silence."""
        found = []
        for path, is_dir in entries(self.content_dir / folder, recursive):
            if is_dir and not os.access(path, os.R_OK | os.X_OK):
                self.problems.error(
                    path.as_posix(), 1, "storyblog may not read this folder: allow reading it"
                )
            if is_hidden_or_backup(path.name) or (recursive and is_dir):
                continue
            if is_dir:
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

    def _each(
        self, paths: list[Path], check: Callable[[Source, Problems], T | None], depends: Hashable
    ) -> list[T]:
        """check() each file, or take its answer from the memo while the file's bytes and
        what the check `depends` on are the same as when it was checked."""
        found = []
        for path in paths:
            # Both None when unreadable: reported below.
            data, digest = self.memo.contents(path, self.stats.get(str(path)))

            def read_and_check(
                problems: Problems, path: Path = path, data: bytes | None = data
            ) -> T | None:
                source = read_source(path, self.content_dir, problems, data)
                return None if source is None else check(source, problems)

            draft, problems = self.memo.check((str(path), digest, depends), read_and_check)
            self.problems.found += problems
            if draft is not None:
                found.append(draft)
                self.drafted(draft)
        return found

    def _check_author_slug(self, source: Source, problems: Problems) -> None:
        if source.stem == GUESTS_SLUG:
            problems.error(
                source.display, 1,
                f"the author slug '{GUESTS_SLUG}' is taken by the Guest Bloggers page "
                f"(/authors/{GUESTS_SLUG}/): rename the file, e.g. to {GUESTS_SLUG}-team.md",
            )  # fmt: skip
        elif not is_slug(source.stem):
            better = slugify(source.stem) or "firstname-lastname"
            problems.error(
                source.display, 1,
                "an author's file name is the slug that posts use in 'author:', so it must be "
                f"lowercase letters, digits and hyphens: rename it to {better}.md",
            )  # fmt: skip

    def _check_one_story_per_address(self, stories: list[StoryDraft]) -> None:
        by_address: dict[str, list[Source]] = defaultdict(list)
        for story in stories:
            by_address["/" + dated_path(story.date, story.slug)].append(story.source)
        for address, (first, *others) in by_address.items():
            for source in others:
                self.problems.error(
                    source.display, source.line_of("slug"),
                    f"same address {address} as {first.display}: "
                    "give one of them another slug: line",
                )  # fmt: skip

    def _check_one_tag_per_address(self, stories: list[StoryDraft]) -> None:
        """`C++` and `C#` are two tags, but both would be /tags/c/: say so, not merge them."""
        first: dict[str, tuple[str, Source]] = {}
        for story in stories:
            for tag in story.tags:
                slug = tag_slug(tag)
                other, where = first.setdefault(slug, (tag, story.source))
                if tag_identity(other) != tag_identity(tag):
                    self.problems.error(
                        story.source.display, story.source.line_of("tags"),
                        f"the tags '{tag}' and '{other}' (in {where.display}) would share "
                        f"the address /tags/{slug}/: spell one of them in other words",
                    )  # fmt: skip


def entries(folder: Path, recursive: bool) -> list[tuple[Path, bool]]:
    """What the folder holds (and its sub-folders hold, if recursive), as paths sort, and
    whether each is a folder: as sorted(folder.rglob("*")) gives it, without looking
    at each file's stat (a quarter of reading a big blog that has not changed)."""
    try:
        with os.scandir(folder) as found:
            named = sorted((entry.name, entry.is_dir(), entry.is_symlink()) for entry in found)
    except OSError:  # not there, or not readable: reported by the caller
        return []
    listed = []
    for name, is_dir, is_link in named:
        path = folder / name
        listed.append((path, is_dir))
        if is_dir and recursive and not is_link:
            listed += entries(path, recursive)
    return listed


def is_hidden_or_backup(name: str) -> bool:
    """Editors' lock, swap and backup files, and hidden files: never content."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swo", ".bak", ".tmp"))
