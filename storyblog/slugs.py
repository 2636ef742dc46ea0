"""Slugs: the readable ASCII names in URLs, from titles and file names in any script."""

from __future__ import annotations

import re

from anyascii import anyascii

NOT_SLUG = re.compile(r"[^a-z0-9]+")
INNER_APOSTROPHE = re.compile(r"(?<=[a-z0-9])'(?=[a-z0-9])")


def slugify(text: str) -> str:
    """'Maya’s Café & Bar' → 'mayas-cafe-and-bar'; 'Привет, мир' → 'privet-mir'."""
    ascii_text = anyascii(text).lower().replace("&", " and ")
    return NOT_SLUG.sub("-", INNER_APOSTROPHE.sub("", ascii_text)).strip("-")


def is_slug(text: str) -> bool:
    return bool(text) and slugify(text) == text
