"""Slugs: the readable ASCII names in URLs, from titles and file names in any script."""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

NOT_SLUG = re.compile(r"[^a-z0-9]+")
INNER_APOSTROPHE = re.compile(r"(?<=[a-z0-9])'(?=[a-z0-9])")
SYLLABIC_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL")
"""Scripts written without spaces, whose every character is a syllable of its own."""


def slugify(text: str) -> str:
    """'Maya’s Café & Bar' → 'mayas-cafe-and-bar'; 'Привет, мир' → 'privet-mir';
    '日本語の話' → 'ri-ben-yu-no-hua'."""
    spaced = "".join(f" {char} " if _is_syllable(char) else char for char in text)
    ascii_text = anyascii(spaced).lower().replace("&", " and ")
    return NOT_SLUG.sub("-", INNER_APOSTROPHE.sub("", ascii_text)).strip("-")


def is_slug(text: str) -> bool:
    return bool(text) and slugify(text) == text


def _is_syllable(char: str) -> bool:
    return ord(char) > 0x2E7F and unicodedata.name(char, "").startswith(SYLLABIC_SCRIPTS)
