"""The list of output pages: for each, its path, its template and what the template gets.

This is the whole table of contents of a built blog in one place; rendering
and writing only follow it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from storyblog.archive import Blog, chunks
from storyblog.models import Story
from storyblog.urls import (
    Urls,
    author_path,
    authors_path,
    guests_path,
    home_path,
    not_found_path,
    page_path,
    story_path,
)

RECENT_ON_404 = 5


@dataclass(frozen=True)
class PageSpec:
    path: str
    """Relative to the site root, as urls.py makes it: `2024/02/the-umbrella/`."""
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Pagination:
    """Where one page of a listing sits among its siblings."""

    number: int
    hrefs: tuple[str, ...]
    """The link of each page, page 1 first."""

    @property
    def count(self) -> int:
        return len(self.hrefs)

    @property
    def newer_href(self) -> str | None:
        return self.hrefs[self.number - 2] if self.number > 1 else None

    @property
    def older_href(self) -> str | None:
        return self.hrefs[self.number] if self.number < self.count else None


def plan_pages(blog: Blog, urls: Urls) -> list[PageSpec]:
    """Every page of the blog, in a stable order."""
    per_page = blog.site.config.posts_per_page
    specs = list(listing("index.html", blog.stories, per_page, urls, home_path))
    specs += story_pages(blog.stories)
    specs.append(PageSpec(authors_path(), "authors.html"))
    for author in blog.authors:
        stories = blog.stories_by_author[author.slug]
        path_of = partial(author_path, author)
        specs += listing("author.html", stories, per_page, urls, path_of, author=author)
    specs.append(PageSpec(guests_path(), "guests.html", {"stories": blog.guest_stories}))
    specs += [PageSpec(page_path(page), "page.html", {"page": page}) for page in blog.site.pages]
    specs.append(PageSpec(not_found_path(), "404.html", {"stories": blog.stories[:RECENT_ON_404]}))
    return specs


def listing(
    template: str,
    stories: Sequence[Story],
    per_page: int,
    urls: Urls,
    path_of: Callable[[int], str],
    **context: Any,
) -> Iterator[PageSpec]:
    """A paginated list of stories: page 1 at path_of(1), page N at path_of(N)."""
    pages = chunks(stories, per_page)
    hrefs = tuple(urls.href(path_of(n)) for n in range(1, len(pages) + 1))
    for number, page_stories in enumerate(pages, start=1):
        pagination = Pagination(number, hrefs)
        yield PageSpec(
            path_of(number),
            template,
            {**context, "stories": page_stories, "pagination": pagination},
        )


def story_pages(stories: Sequence[Story]) -> Iterator[PageSpec]:
    """Each story with its neighbours in time: `older` and `newer`."""
    for index, story in enumerate(stories):
        newer = stories[index - 1] if index > 0 else None
        older = stories[index + 1] if index + 1 < len(stories) else None
        yield PageSpec(
            story_path(story), "story.html", {"post": story, "older": older, "newer": newer}
        )
