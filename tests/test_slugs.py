from __future__ import annotations

import pytest

from storyblog.slugs import is_slug, slugify


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("The Umbrella at Check-In", "the-umbrella-at-check-in"),
        ("Maya’s Café & Bar", "mayas-cafe-and-bar"),
        ("Don't Panic!", "dont-panic"),
        ("Привет, мир", "privet-mir"),
        ("Ελληνικά", "ellinika"),
        ("中文 博客", "zhong-wen-bo-ke"),
        ("日本語の話", "ri-ben-yu-no-hua"),
        ("한국어", "han-gug-eo"),
        ("Straße", "strasse"),
        ("  9 p.m. — “late”  ", "9-p-m-late"),
        ("2024-11-27-a-story", "2024-11-27-a-story"),
    ],
)
def test_any_script_gives_a_readable_ascii_slug(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_nothing_readable_gives_an_empty_slug() -> None:
    assert slugify("— ✦ —") == ""


def test_is_slug_accepts_only_what_slugify_keeps() -> None:
    assert is_slug("maya-okonkwo")
    assert not is_slug("Maya Okonkwo")
    assert not is_slug("")
