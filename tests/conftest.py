"""Shared test helpers: a tiny blog written inline, built into tmp_path, read back parsed."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from storyblog.builder import BuildOptions, BuildResult, build

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "templates"
SAMPLE_CONTENT = REPO / "content"

AUTHOR_MAYA = """\
---
name: Maya Okonkwo
role: Founder
website: https://example.org/maya
---
Maya ran hotel front desks for fifteen years.
"""
AUTHOR_TOM = """\
---
name: Tom Gallagher
guest: true
---
Tom bakes bread.
"""


def story(title: str, date: str, author: str = "maya", body: str = "A story.", **keys: str) -> str:
    """A story file's text; extra keys are written as given (quote them yourself)."""
    lines = ["---", f'title: "{title}"', f"author: {author}", f"date: {date}"]
    lines += [f"{key}: {value}" for key, value in keys.items()]
    return "\n".join([*lines, "---", "", textwrap.dedent(body)]) + "\n"


@dataclass
class Blog:
    """A built test blog: its folders, the build result, and its pages parsed."""

    root: Path
    result: BuildResult | None

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def output(self) -> Path:
        return self.root / "site"

    def exists(self, path: str) -> bool:
        return self.file(path).is_file()

    def file(self, path: str) -> Path:
        """The output file that serves a URL path such as `/2024/02/slug/`."""
        relative = path.lstrip("/")
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        return self.output / relative

    def page(self, path: str) -> BeautifulSoup:
        return BeautifulSoup(self.file(path).read_text(encoding="utf-8"), "html.parser")

    def write(self, files: Mapping[str, str | bytes]) -> None:
        for name, text in files.items():
            path = self.content / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(text, encoding="utf-8")

    def build(self, **options: object) -> BuildResult:
        self.result = build(
            BuildOptions(content=self.content, templates=TEMPLATES, output=self.output, **options)
        )
        return self.result


MakeBlog = Callable[..., Blog]


@pytest.fixture
def make_blog(tmp_path: Path) -> MakeBlog:
    """make_blog(files={...}) writes a blog under tmp_path/content and builds it into tmp_path/site.

    Without `authors`, the blog has two: maya (regular) and tom (guest).
    """

    def make(
        files: Mapping[str, str | bytes] | None = None,
        *,
        site: str = "title: Test Blog\nbase_url: https://example.org/\n",
        with_authors: bool = True,
        build: bool = True,
        **options: object,
    ) -> Blog:
        blog = Blog(tmp_path, None)
        defaults: dict[str, str | bytes] = {"site.yml": site}
        if with_authors:
            defaults |= {"authors/maya.md": AUTHOR_MAYA, "authors/tom.md": AUTHOR_TOM}
        blog.write({**defaults, **(files or {})})
        if build:
            blog.build(**options)
        return blog

    return make


def texts(elements: object) -> list[str]:
    """The visible text of each element, spaces folded."""
    return [" ".join(element.get_text(" ").split()) for element in elements]
