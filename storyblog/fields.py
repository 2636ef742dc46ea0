"""Front-matter values checked one key at a time, each mistake reported at its key's line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from types import MappingProxyType
from typing import Any

from storyblog.dates import DateError, parse_date
from storyblog.errors import Problems, closest
from storyblog.slugs import slugify
from storyblog.sources import Source

DATE_PREFIX = re.compile(r"^(\d{4}-\d{2}-\d{2})-")
"""The date a story's file name may start with; it is not part of the address."""


class Fields:
    """One file's front matter, read key by key."""

    def __init__(self, source: Source, problems: Problems, known: tuple[str, ...]) -> None:
        self.source = source
        self.problems = problems
        self.known = known

    def error(self, key: str, message: str) -> None:
        self.problems.error(self.source.display, self.source.line_of(key), message)

    def _value(self, key: str) -> Any:
        """The value, with text stripped; None when absent, blank or an empty list."""
        value = self.source.front.get(key)
        if isinstance(value, str):
            value = value.strip()
        return None if value in ("", []) else value

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
            return str(value)
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

    def tags(self, key: str) -> tuple[str, ...]:
        """Tags with their runs of spaces folded; each needs a letter or digit for its address."""
        tags = tuple(dict.fromkeys(" ".join(tag.split()) for tag in self.text_list(key)))
        for tag in tags:
            if not slugify(tag):
                self.error(key, f"the tag '{tag}' has no letter or digit to make its address "
                           "(/tags/…/) from: add a word to it, or remove it")  # fmt: skip
        return tuple(tag for tag in tags if slugify(tag))

    def date(self, key: str, tz: tzinfo, required: bool = False) -> datetime | None:
        value = self._value(key)
        if value is None:
            if required:
                self.error(key, f"missing '{key}': add the day it was published, e.g. 2024-11-27")
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
        """A path to a file under static/, as written: `images/maya.jpg`."""
        path = self.text(key)
        if not path:
            return None
        target = (static_dir / path).resolve()
        if not target.is_relative_to(static_dir.resolve()) or not target.is_file():
            self.error(
                key,
                f"no file {(static_dir / path).as_posix()}: '{key}' is a path under "
                "static/, e.g. images/maya.jpg for content/static/images/maya.jpg",
            )
            return None
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
            close = closest(key, self.known, cutoff=0.75)
            if close:
                self.problems.warning(
                    self.source.display, self.source.line_of(key),
                    f"unknown key '{key}': did you mean '{close}'? "
                    f"Until it is renamed, it is not used as the {close}",
                )  # fmt: skip
        return MappingProxyType(extra)


def unknown_author_message(slug: str, known: Iterable[str]) -> str:
    close = closest(slug, known)
    if close:
        return f"unknown author '{slug}': did you mean '{close}'?"
    return (
        f"unknown author '{slug}': add content/authors/{slug}.md with a name: line, "
        "or use the file name (without .md) of an author in content/authors/"
    )
