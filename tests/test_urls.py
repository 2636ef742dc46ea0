from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

import pytest

from storyblog.models import Author, Page
from storyblog.urls import Urls, dated_path, is_reserved_page_slug, output_file

AUTHOR = Author("maya", "Maya", False, None, None, None, MappingProxyType({}), "", "a.md")


def test_addresses_start_with_the_base_path() -> None:
    urls = Urls("https://example.org/blog/")
    assert urls.url_for("home") == "/blog/"
    assert urls.url_for("home", 3) == "/blog/page/3/"
    assert urls.url_for("author", AUTHOR) == "/blog/authors/maya/"
    assert urls.url_for("author", AUTHOR, 2) == "/blog/authors/maya/page/2/"
    assert urls.url_for("guests") == "/blog/authors/guests/"
    assert urls.url_for("page", Page("p.md", "about", "About", "", {})) == "/blog/about/"
    assert urls.url_for("static", "images/a photo.jpg") == "/blog/images/a%20photo.jpg"
    assert urls.absolute_url_for("404") == "https://example.org/blog/404.html"


def test_a_story_lives_under_its_year_and_month() -> None:
    assert dated_path(datetime(2024, 2, 9), "the-umbrella") == "2024/02/the-umbrella/"


def test_an_unknown_kind_of_page_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"no kind of page called 'sotry'.*story"):
        Urls("https://example.org/").url_for("sotry")


@pytest.mark.parametrize(
    ("path", "file"),
    [("", "index.html"), ("2024/02/a/", "2024/02/a/index.html"), ("404.html", "404.html")],
)
def test_pretty_urls_are_served_by_index_html(path: str, file: str) -> None:
    assert output_file(path) == file


def test_pages_cannot_take_the_blogs_own_addresses_or_a_year() -> None:
    assert is_reserved_page_slug("authors")
    assert is_reserved_page_slug("2024")
    assert not is_reserved_page_slug("about")
