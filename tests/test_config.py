from __future__ import annotations

from typing import Any

import pytest

from storyblog.config import SiteConfig, config_from_mapping, normalize_base_url


def load(data: dict[str, Any]) -> tuple[SiteConfig, list[tuple[str, str]], list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    warnings: list[tuple[str, str]] = []
    config = config_from_mapping(
        data, lambda k, m: errors.append((k, m)), lambda k, m: warnings.append((k, m))
    )
    return config, errors, warnings


def test_every_key_has_a_default() -> None:
    config, errors, warnings = load({})
    assert (errors, warnings) == ([], [])
    assert config.posts_per_page == 10
    assert config.first_weekday == "monday"
    assert config.timezone == "UTC"
    assert config.base_url.endswith("/")


def test_values_are_read_and_unknown_keys_go_to_extra() -> None:
    config, errors, _ = load(
        {"title": "Stories", "timezone": "America/Chicago", "posts_per_page": 3,
         "first_weekday": "Sunday", "twitter": "@stories"}
    )  # fmt: skip
    assert errors == []
    assert config.title == "Stories"
    assert config.tz.key == "America/Chicago"
    assert config.posts_per_page == 3
    assert config.first_weekday == "sunday"
    assert config.extra == {"twitter": "@stories"}


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "IANA name"),
        ("posts_per_page", 0, "whole number"),
        ("posts_per_page", "ten", "whole number"),
        ("first_weekday", "funday", "day name"),
        ("base_url", "example.org", "full address"),
        ("title", ["a", "b"], "text"),
    ],
)
def test_a_bad_value_is_reported_and_the_default_kept(key: str, value: Any, message: str) -> None:
    config, errors, _ = load({key: value})
    assert len(errors) == 1
    assert errors[0][0] == key
    assert message in errors[0][1]
    assert getattr(config, key) == getattr(SiteConfig(), key)


def test_a_likely_typo_is_a_warning_naming_the_known_key() -> None:
    _, errors, warnings = load({"timezon": "UTC"})
    assert errors == []
    assert warnings == [("timezon", "unknown setting 'timezon': did you mean 'timezone'?")]


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("https://example.org", "https://example.org/"),
        ("https://example.org/blog", "https://example.org/blog/"),
        ("http://localhost:8000/blog/", "http://localhost:8000/blog/"),
        ("example.org/blog", None),
        ("ftp://example.org/", None),
        ("https://example.org/?x=1", None),
    ],
)
def test_base_url_is_a_full_address_ending_in_a_slash(given: str, normalized: str | None) -> None:
    assert normalize_base_url(given) == normalized
