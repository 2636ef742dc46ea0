"""Pure grouping of stories: by author, by guest authors, by tag, their lessons, into pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from html import escape
from typing import TypeVar

from storyblog.models import Author, Site, Story
from storyblog.urls import GUESTS_SLUG

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """Items in pages of `size`; an empty list still makes one (empty) page."""
    return [items[start : start + size] for start in range(0, len(items), size)] or [items[:0]]


@dataclass(frozen=True)
class Lesson:
    """A key learning: a story's `lesson`, or a `!!! lesson` callout in its body."""

    html: str
    story: Story


@dataclass(frozen=True)
class Tag:
    name: str
    """As the stories spell it: tags that differ only in case or spacing are merged."""
    stories: tuple[Story, ...]


@dataclass(frozen=True)
class Blog:
    """The site as templates browse it: the model plus its groupings, computed once."""

    site: Site

    @property
    def stories(self) -> tuple[Story, ...]:
        return self.site.stories

    @property
    def authors(self) -> tuple[Author, ...]:
        return self.site.authors

    @cached_property
    def regulars(self) -> tuple[Author, ...]:
        return tuple(a for a in self.site.authors if not a.guest)

    @cached_property
    def guests(self) -> tuple[Author, ...]:
        return tuple(a for a in self.site.authors if a.guest)

    @cached_property
    def stories_by_author(self) -> Mapping[str, tuple[Story, ...]]:
        """Every author's stories, newest first; co-written stories count for each author."""
        found: dict[str, list[Story]] = {author.slug: [] for author in self.site.authors}
        for story in self.site.stories:
            for author in story.authors:
                found[author.slug].append(story)
        return {slug: tuple(stories) for slug, stories in found.items()}

    @cached_property
    def guest_stories(self) -> tuple[Story, ...]:
        return tuple(story for story in self.site.stories if story.has_guest)

    @property
    def year_range(self) -> tuple[int, int] | None:
        """The first and last year with stories, for the copyright line."""
        if not self.site.stories:
            return None
        return (self.site.stories[-1].date.year, self.site.stories[0].date.year)

    @cached_property
    def lessons(self) -> tuple[Lesson, ...]:
        """Every lesson, newest story first; a story's own `lesson` before those in its body."""
        found = []
        for story in self.site.stories:
            if story.lesson:
                found.append(Lesson(f"<p>{escape(story.lesson)}</p>", story))
            found += [Lesson(html, story) for html in story.body_lessons]
        return tuple(found)

    @cached_property
    def tags(self) -> tuple[Tag, ...]:
        """Every tag, by name; the reader has already given each one a single spelling."""
        found: dict[str, list[Story]] = {}
        for story in self.site.stories:
            for name in story.tags:
                found.setdefault(name, []).append(story)
        tags = [Tag(name, tuple(stories)) for name, stories in found.items()]
        return tuple(sorted(tags, key=lambda tag: (tag.name.casefold(), tag.name)))

    @cached_property
    def lessons_by_author(self) -> Mapping[str, tuple[Lesson, ...]]:
        """Each author's lessons, and under `guests` every guest's; authors without any are
        left out."""
        found: dict[str, list[Lesson]] = {}
        for lesson in self.lessons:
            slugs = [author.slug for author in lesson.story.authors]
            for slug in slugs + ([GUESTS_SLUG] if lesson.story.has_guest else []):
                found.setdefault(slug, []).append(lesson)
        return {slug: tuple(lessons) for slug, lessons in found.items()}

    @cached_property
    def lessons_by_tag(self) -> Mapping[str, tuple[Lesson, ...]]:
        found: dict[str, list[Lesson]] = {}
        for lesson in self.lessons:
            for tag in lesson.story.tags:
                found.setdefault(tag, []).append(lesson)
        return {tag: tuple(lessons) for tag, lessons in found.items()}
