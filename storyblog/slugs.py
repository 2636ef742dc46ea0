"""Slugs: the readable ASCII names in URLs, from titles and file names in any script."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

NOT_SLUG = re.compile(r"[^a-z0-9]+")
INNER_APOSTROPHE = re.compile(r"(?<=[a-z0-9])'(?=[a-z0-9])")
SYLLABIC_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL")
"""Scripts written without spaces, whose every character is a syllable of its own."""
SYLLABLES_FROM = "\u2e7f"
"""Every character of those scripts comes after this one."""


@lru_cache(maxsize=8192)
def slugify(text: str) -> str:
    """'Maya’s Café & Bar' → 'mayas-cafe-and-bar'; 'Привет, мир' → 'privet-mir';
    '日本語の話' → 'ri-ben-yu-no-hua'. Memoized: tags and headings repeat."""
    if not text.isascii():
        if max(text) > SYLLABLES_FROM:
            text = "".join(f" {char} " if _is_syllable(char) else char for char in text)
        text = anyascii(text)
    ascii_text = text.lower().replace("&", " and ")
    return NOT_SLUG.sub("-", INNER_APOSTROPHE.sub("", ascii_text)).strip("-")


def is_slug(text: str) -> bool:
    return bool(text) and slugify(text) == text


def _is_syllable(char: str) -> bool:
    return char > SYLLABLES_FROM and unicodedata.name(char, "").startswith(SYLLABIC_SCRIPTS)
