"""Where everything lives: the one place that maps the model to URLs and output files.

Paths here are relative to the site root (`2024/02/the-umbrella/`, `` for
the home page). `Urls` turns them into links that start with base_url's path,
so the blog works from a sub-folder, and into absolute URLs for feeds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from storyblog.models import Author, Page, Story

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
