"""Where everything lives: the one place that maps the model to URLs and output files.

Paths here are relative to the site root (`2024/02/the-umbrella/`, `` for
the home page). `Urls` turns them into links that start with base_url's path,
so the blog works from a sub-folder, and into absolute URLs for feeds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

from storyblog.models import Author, Page, Story
from storyblog.slugs import slugify

GUESTS_SLUG = "guests"
RESERVED_PAGE_SLUGS = frozenset({"authors", "page", "archive", "lessons", "tags"})
"""Top-level folders of the blog's own pages: a standalone page cannot take their names."""


def is_reserved_page_slug(slug: str) -> bool:
    """A standalone page may not take the name of a blog page, nor a year (`/2024/`)."""
    return slug in RESERVED_PAGE_SLUGS or (len(slug) == 4 and slug.isdigit())


def paginated(path: str, number: int) -> str:
    """Page 1 is the path itself; page N is `path/page/N/`."""
    return path if number == 1 else f"{path}page/{number}/"


def home_path(number: int = 1) -> str:
    return paginated("", number)


def story_path(story: Story) -> str:
    return dated_path(story.date, story.slug)


def dated_path(date: datetime, slug: str) -> str:
    return f"{date.year:04d}/{date.month:02d}/{slug}/"


def authors_path() -> str:
    return "authors/"


def author_path(author: Author, number: int = 1) -> str:
    return paginated(f"authors/{author.slug}/", number)


def guests_path() -> str:
    return f"authors/{GUESTS_SLUG}/"


def page_path(page: Page) -> str:
    return f"{page.slug}/"


def not_found_path() -> str:
    return "404.html"


def archive_path() -> str:
    return "archive/"


def year_path(year: int) -> str:
    return f"archive/{year:04d}/"


def month_path(year: int, month: int) -> str:
    return f"archive/{year:04d}/{month:02d}/"


def day_anchor(day: int) -> str:
    """The id of a day's stories on its month page (the theme's ids have a `_`)."""
    return f"day_{day:02d}"


def lessons_path(number: int = 1) -> str:
    return paginated("lessons/", number)


def author_lessons_path(author_slug: str, number: int = 1) -> str:
    """`guests` is a slug no author may take: it stands for every guest's lessons."""
    return paginated(f"lessons/authors/{author_slug}/", number)


def tag_lessons_path(tag: str, number: int = 1) -> str:
    return paginated(f"lessons/tags/{tag_slug(tag)}/", number)


def tags_path() -> str:
    return "tags/"


def tag_path(tag: str, number: int = 1) -> str:
    return paginated(f"tags/{tag_slug(tag)}/", number)


@cache
def tag_slug(tag: str) -> str:
    """Tags that differ in case, spacing or accents share one address."""
    return slugify(tag)


def feed_path() -> str:
    return "feed.xml"


def author_feed_path(author: Author) -> str:
    return f"authors/{author.slug}/feed.xml"


def sitemap_path() -> str:
    return "sitemap.xml"


def robots_path() -> str:
    return "robots.txt"


def output_file(path: str) -> str:
    """The file that serves a path: pretty URLs end in `/` and are served by index.html."""
    return path + "index.html" if path == "" or path.endswith("/") else path


PATHS: dict[str, Callable[..., str]] = {
    "home": home_path,
    "story": story_path,
    "authors": authors_path,
    "author": author_path,
    "guests": guests_path,
    "page": page_path,
    "404": not_found_path,
    "archive": archive_path,
    "year": year_path,
    "month": month_path,
    "lessons": lessons_path,
    "author_lessons": author_lessons_path,
    "tag_lessons": tag_lessons_path,
    "tags": tags_path,
    "tag": tag_path,
    "feed": feed_path,
    "author_feed": author_feed_path,
    "sitemap": sitemap_path,
    "static": lambda name: quote(name.lstrip("/")),
}


class Urls:
    """Links for templates: `url_for('story', post)`, `url_for('author', a, 2)`."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.base_path = urlsplit(base_url).path

    def path(self, kind: str, *args: Any) -> str:
        try:
            make = PATHS[kind]
        except KeyError:
            known = ", ".join(sorted(PATHS))
            raise ValueError(f"url_for: no kind of page called '{kind}' (known: {known})") from None
        return make(*args)

    def href(self, path: str) -> str:
        """A link from any page of the site: `/blog/2024/02/the-umbrella/`."""
        return self.base_path + path

    def absolute(self, path: str) -> str:
        """For canonical links and feeds: `https://example.org/blog/2024/02/the-umbrella/`."""
        return self.base_url + path

    def url_for(self, kind: str, *args: Any) -> str:
        return self.href(self.path(kind, *args))

    def absolute_url_for(self, kind: str, *args: Any) -> str:
        return self.absolute(self.path(kind, *args))

    def entry_id(self, story: Story) -> str:
        """A feed entry's id (RFC 4151 tag URI): the same in every build while the story
        keeps its address, and unlike a URL it stays when the blog moves to https."""
        host = urlsplit(self.base_url).hostname or "localhost"
        return f"tag:{host},{story.date:%Y-%m-%d}:{self.href(story_path(story))}"
