"""The list of output pages: for each, its path, its template and what the template gets.

This is the whole table of contents of a built blog in one place; rendering
and writing only follow it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from operator import attrgetter
from typing import Any, TypeVar

from storyblog.archive import Blog, Lesson, chunks
from storyblog.calendars import Calendars, Link
from storyblog.config import WEEKDAYS
from storyblog.dates import MONTH_NAMES, long_date
from storyblog.models import Story
from storyblog.urls import (
    GUESTS_SLUG,
    Urls,
    archive_path,
    author_feed_path,
    author_lessons_path,
    author_path,
    authors_path,
    day_anchor,
    feed_path,
    guests_path,
    home_path,
    lessons_path,
    month_path,
    not_found_path,
    page_path,
    robots_path,
    sitemap_path,
    story_path,
    tag_lessons_path,
    tag_path,
    tags_path,
    year_path,
)

RECENT_ON_404 = 5
FEED_SIZE = 20
LESSONS_PER_PAGE = 50

EMPTY_FEED_UPDATED = datetime(2000, 1, 1, tzinfo=UTC)
"""Atom requires an `updated` time, even for a feed with no entries yet."""

T = TypeVar("T")
PathOf = Callable[[int], str]
"""The path of page N of a listing."""


@dataclass(frozen=True)
class PageSpec:
    path: str
    """Relative to the site root, as urls.py makes it: `2024/02/the-umbrella/`."""
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    lastmod: datetime | None = None
    """When what the page shows last changed, for the sitemap."""
    in_sitemap: bool = True
    """False for what crawlers should not find as a page: 404.html, a draft's, a feed."""


@dataclass(frozen=True)
class Pagination:
    """Where one page of a listing sits among its siblings: what its links need, not every
    sibling's link (the home listing of 10,000 stories has a thousand pages, and each
    page's plan, kept in the cache, would hold a thousand links)."""

    number: int
    count: int
    newer_href: str | None
    older_href: str | None

    @classmethod
    def among(cls, hrefs: Sequence[str], number: int) -> Pagination:
        """Page `number` (from 1) of the pages at these links."""
        newer = hrefs[number - 2] if number > 1 else None
        older = hrefs[number] if number < len(hrefs) else None
        return cls(number, len(hrefs), newer, older)


@dataclass(frozen=True)
class Count:
    """A link with how many things it leads to: `March 2025 (4)`, `hospitality (6)`."""

    label: str
    href: str
    count: int


@dataclass(frozen=True)
class ArchiveYear:
    year: int
    href: str
    count: int
    months: tuple[Count, ...]
    """Oldest first, only months with stories."""


@dataclass(frozen=True)
class Day:
    """One day of a month page: its heading, its anchor, its stories."""

    heading: str
    anchor: str
    stories: tuple[Story, ...]


def plan_pages(blog: Blog, urls: Urls) -> list[PageSpec]:
    """Every page of the blog, in a stable order; the sitemap lists every one it should."""
    config = blog.site.config
    calendars = Calendars(blog.stories, WEEKDAYS.index(config.first_weekday), urls)
    newest = last_change(blog.stories)
    listing_of = partial(listing, per_page=config.posts_per_page, urls=urls)

    specs = list(listing_of("index.html", blog.stories, home_path))
    specs += story_pages(blog.stories, calendars)
    specs.append(PageSpec(authors_path(), "authors.html", lastmod=newest))
    for author in blog.authors:
        stories = blog.stories_by_author[author.slug]
        specs += listing_of("author.html", stories, partial(author_path, author), author=author)
    guest_stories = blog.guest_stories
    specs.append(PageSpec(guests_path(), "guests.html", {"stories": guest_stories}, newest))
    specs += archive_pages(blog, calendars, urls)
    specs += lesson_pages(blog, urls)
    specs.append(PageSpec(tags_path(), "tags.html", lastmod=newest))
    for tag in blog.tags:
        specs += listing_of("tag.html", tag.stories, partial(tag_path, tag.name), tag=tag)
    specs += [
        PageSpec(page_path(page), "page.html", {"page": page}, newest) for page in blog.site.pages
    ]
    recent = {"stories": blog.stories[:RECENT_ON_404]}
    specs.append(PageSpec(not_found_path(), "404.html", recent, in_sitemap=False))
    specs += feeds(blog, urls)
    sidebar = {"calendar": calendars.newest}
    specs = [PageSpec(spec.path, spec.template, {**sidebar, **spec.context}, spec.lastmod,
                      spec.in_sitemap) for spec in specs]  # fmt: skip
    specs.append(sitemap(specs, urls))
    # Crawlers read robots.txt only at a host's root; content/static/robots.txt wins.
    own_robots = any(static.target == robots_path() for static in blog.site.static_files)
    if urls.base_path == "/" and not own_robots:
        specs.append(PageSpec(robots_path(), "robots.txt", in_sitemap=False))
    return specs


def listing(
    template: str,
    items: Sequence[T],
    path_of: PathOf,
    *,
    per_page: int,
    urls: Urls,
    key: str = "stories",
    changed: Callable[[T], datetime] = attrgetter("last_change"),
    **context: Any,
) -> Iterator[PageSpec]:
    """A paginated list (of stories, unless `key` says otherwise): page N at path_of(N)."""
    pages = chunks(items, per_page)
    hrefs = tuple(urls.href(path_of(n)) for n in range(1, len(pages) + 1))
    for number, page_items in enumerate(pages, start=1):
        yield PageSpec(
            path_of(number),
            template,
            {**context, key: page_items, "pagination": Pagination.among(hrefs, number)},
            max(map(changed, page_items), default=None),
        )


def story_pages(stories: Sequence[Story], calendars: Calendars) -> Iterator[PageSpec]:
    """Each story with its neighbours in time, and its month in the sidebar calendar."""
    for index, story in enumerate(stories):
        newer = stories[index - 1] if index > 0 else None
        older = stories[index + 1] if index + 1 < len(stories) else None
        calendar = calendars.month(story.date.year, story.date.month)
        context = {"post": story, "older": older, "newer": newer, "calendar": calendar}
        yield PageSpec(
            story_path(story), "story.html", context, story.last_change, in_sitemap=not story.draft
        )


def archive_pages(blog: Blog, calendars: Calendars, urls: Urls) -> Iterator[PageSpec]:
    """/archive/ lists every year and month; each year shows twelve calendars, each month
    its calendar and its stories day by day. A preview's months of drafts stay out of
    the sitemap."""
    years = sorted({year for year, _ in calendars.months}, reverse=True)
    summaries = [year_summary(year, calendars, urls) for year in years]
    yield PageSpec(archive_path(), "archive.html", {"years": summaries}, last_change(blog.stories))

    for index, year in enumerate(years):
        stories = [s for m in calendars.months if m[0] == year for s in calendars.stories_in(m)]
        context = {
            "year": summaries[index],
            "calendars": [calendars.month(year, month) for month in range(1, 13)],
            "newer": year_link(years[index - 1], urls) if index > 0 else None,
            "older": year_link(years[index + 1], urls) if index + 1 < len(years) else None,
        }
        yield PageSpec(year_path(year), "year.html", context, last_change(stories),
                       in_sitemap=not all(story.draft for story in stories))  # fmt: skip

    for month in calendars.months:
        days = [
            Day(long_date(stories[0].date), day_anchor(number), tuple(stories))
            for number, stories in calendars.stories_by_day(month).items()
        ]
        # The sidebar shows the newest month, as elsewhere; `month` is this page's.
        context = {"month": calendars.month(*month), "days": days}
        stories = calendars.stories_in(month)
        yield PageSpec(month_path(*month), "month.html", context, last_change(stories),
                       in_sitemap=not all(story.draft for story in stories))  # fmt: skip


def year_summary(year: int, calendars: Calendars, urls: Urls) -> ArchiveYear:
    months = tuple(
        Count(MONTH_NAMES[m - 1], calendars.month_href((y, m)), len(calendars.stories_in((y, m))))
        for y, m in calendars.months
        if y == year
    )
    return ArchiveYear(year, urls.href(year_path(year)), sum(m.count for m in months), months)


def year_link(year: int, urls: Urls) -> Link:
    return Link(str(year), urls.href(year_path(year)))


@dataclass(frozen=True)
class Shelf:
    """One way to browse the lessons: an author's, the guests', a tag's, or (count None) all."""

    heading: str
    count: Count | None
    lessons: Sequence[Lesson]
    path_of: PathOf


def lesson_pages(blog: Blog, urls: Urls) -> Iterator[PageSpec]:
    """/lessons/, newest first, and the same list for each author, the guests, and each tag."""
    by_author, by_tag = blog.lessons_by_author, blog.lessons_by_tag

    def shelf(label: str, heading: str, lessons: Sequence[Lesson], path_of: PathOf) -> Shelf:
        return Shelf(heading, Count(label, urls.href(path_of(1)), len(lessons)), lessons, path_of)

    authors = [
        shelf(author.name, f"Lessons from {author.name}", by_author[author.slug],
              partial(author_lessons_path, author.slug))
        for author in blog.authors
        if author.slug in by_author
    ]  # fmt: skip
    guests = [
        shelf("Guest bloggers", "Lessons from our guest bloggers", by_author[GUESTS_SLUG],
              partial(author_lessons_path, GUESTS_SLUG))
    ] if GUESTS_SLUG in by_author else []  # fmt: skip
    tags = [
        shelf(tag.name, f"Lessons tagged ‘{tag.name}’", by_tag[tag.name],
              partial(tag_lessons_path, tag.name))
        for tag in blog.tags
        if tag.name in by_tag
    ]  # fmt: skip
    browse = {
        "lesson_authors": [s.count for s in authors],
        "guest_lessons": [s.count for s in guests],
        "lesson_tags": [s.count for s in tags],
    }
    everything = Shelf("Lessons", None, blog.lessons, lessons_path)
    for chosen in [everything, *authors, *guests, *tags]:
        yield from listing(
            "lessons.html", chosen.lessons, chosen.path_of, per_page=LESSONS_PER_PAGE,
            urls=urls, key="lessons", changed=attrgetter("story.last_change"),
            heading=chosen.heading, chosen=chosen.count, **browse,
        )  # fmt: skip


def feeds(blog: Blog, urls: Urls) -> Iterator[PageSpec]:
    """The blog's Atom feed and one per author: the newest published stories, never drafts."""
    published = [story for story in blog.stories if not story.draft]
    yield feed(feed_path(), blog.site.config.title, urls.absolute(home_path()), published)
    for author in blog.authors:
        stories = [story for story in blog.stories_by_author[author.slug] if not story.draft]
        title = f"{author.name} · {blog.site.config.title}"
        html_url = urls.absolute(author_path(author))
        yield feed(author_feed_path(author), title, html_url, stories)


def feed(path: str, title: str, html_url: str, stories: Sequence[Story]) -> PageSpec:
    newest = stories[:FEED_SIZE]
    updated = last_change(newest) or EMPTY_FEED_UPDATED
    context = {"title": title, "html_url": html_url, "stories": newest, "updated": updated}
    return PageSpec(path, "feed.xml", context, in_sitemap=False)


def last_change(stories: Sequence[Story]) -> datetime | None:
    return max((story.last_change for story in stories), default=None)


def sitemap(specs: Sequence[PageSpec], urls: Urls) -> PageSpec:
    """Every page's address and, as text, when it last changed."""
    entries = [
        (urls.absolute(spec.path), spec.lastmod.isoformat() if spec.lastmod else None)
        for spec in specs
        if spec.in_sitemap
    ]
    return PageSpec(sitemap_path(), "sitemap.xml", {"entries": entries}, in_sitemap=False)
