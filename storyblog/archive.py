"""Pure grouping of stories: by author, by guest authors, into pages of a listing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

from storyblog.models import Author, Site, Story

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    """Items in pages of `size`; an empty list still makes one (empty) page."""
    return [items[start : start + size] for start in range(0, len(items), size)] or [items[:0]]


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
