"""The blog as pure data: stories, authors, pages and the site that holds them.

Everything is frozen: templates get read-only views, and nothing rendered
feeds back into the model. Front-matter keys storyblog does not know live in
one `meta` mapping, never as attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from storyblog.config import SiteConfig


@dataclass(frozen=True)
class Author:
    slug: str
    name: str
    guest: bool
    website: str | None
    photo: str | None
    """A path under static/, e.g. images/maya.jpg."""
    role: str | None
    meta: Mapping[str, Any]
    bio_html: str
    source: str

    @property
    def first_name(self) -> str:
        return (self.name.split() or [self.name])[0]

    @property
    def initials(self) -> str:
        """'Maya Okonkwo' → 'MO': shown in the author box when there is no photo."""
        words = [w for w in self.name.split() if w[:1].isalpha()]
        if not words:
            return self.name[:1].upper()
        return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


@dataclass(frozen=True)
class Story:
    source: str
    """The file it came from, relative to the content folder: posts/2024-02-12-umbrella.md."""
    slug: str
    title: str
    authors: tuple[Author, ...]
    date: datetime
    """Timezone-aware, in the site's timezone."""
    updated: datetime | None
    lesson: str | None
    tags: tuple[str, ...]
    summary: str
    draft: bool
    body_html: str
    body_lessons: tuple[str, ...]
    """The HTML of each `!!! lesson` callout in the body."""
    meta: Mapping[str, Any]

    @property
    def last_change(self) -> datetime:
        return self.updated or self.date

    @property
    def has_guest(self) -> bool:
        return any(author.guest for author in self.authors)


@dataclass(frozen=True)
class Page:
    source: str
    slug: str
    title: str
    body_html: str
    meta: Mapping[str, Any]


@dataclass(frozen=True)
class StaticFile:
    source: Path
    target: str
    """Where it goes, relative to the output folder."""


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    stories: tuple[Story, ...]
    """Newest first."""
    authors: tuple[Author, ...]
    """Regular authors, then guests, each group by name."""
    pages: tuple[Page, ...]
    static_files: tuple[StaticFile, ...]
