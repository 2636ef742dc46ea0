"""Site settings from `content/site.yml`: a default for every key, checked once.

Keys the theme wants (anything not listed here) are kept in `extra`, so a
template reads `site.extra.twitter` without storyblog knowing about it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storyblog.errors import closest

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

ReportFn = Callable[[str, str], None]
"""Called with (key, message) for each mistake, so the reader can name the line."""


@dataclass(frozen=True)
class SiteConfig:
    title: str = "My Story Blog"
    description: str = "Stories of service, each with a lesson."
    base_url: str = "http://localhost:8000/"
    language: str = "en"
    timezone: str = "UTC"
    posts_per_page: int = 10
    first_weekday: str = "monday"
    extra: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


KNOWN_KEYS = tuple(f.name for f in fields(SiteConfig) if f.name != "extra")


def normalize_base_url(value: str) -> str | None:
    """`https://example.org/blog` → `https://example.org/blog/`; None when it is not a URL."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return None
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def config_from_mapping(data: Mapping[str, Any], report: ReportFn, warn: ReportFn) -> SiteConfig:
    """Check each known key, keep the rest as `extra`; a bad value falls back to its default."""
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in data.items():
        key = str(key)
        if key not in KNOWN_KEYS:
            extra[key] = value
            close = closest(key, KNOWN_KEYS, cutoff=0.75)
            if close:
                warn(key, f"unknown setting '{key}': did you mean '{close}'?")
            continue
        checked = _check(key, value, report)
        if checked is not None:
            values[key] = checked
    return SiteConfig(**values, extra=extra)


def _check(key: str, value: Any, report: ReportFn) -> Any:
    if key in ("title", "description", "language"):
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
        report(key, f"'{key}' should be text; put it in quotes")
    elif key == "base_url":
        url = normalize_base_url(value) if isinstance(value, str) else None
        if url:
            return url
        report(key, "'base_url' should be the blog's full address, like https://example.org/blog/")
    elif key == "timezone":
        if isinstance(value, str) and _is_timezone(value):
            return value
        report(key, f"unknown timezone {value!r}: use an IANA name like Europe/Berlin or UTC")
    elif key == "posts_per_page":
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        report(key, "'posts_per_page' should be a whole number above 0, like 10")
    elif key == "first_weekday":
        if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
            return value.strip().lower()
        report(key, "'first_weekday' should be a day name, like monday or sunday")
    return None


def _is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
