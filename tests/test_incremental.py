"""Incremental builds never go stale: after any edits, the output is a clean build's, byte for byte.

Random sequences of edits (create, modify, rename and delete stories and
authors, change a template, change site.yml) run against a small blog; after
each edit one long-lived Builder rebuilds, and its output is compared with a
fresh build of the same content into an empty folder.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TEMPLATES

import storyblog.parallel
from storyblog.builder import Builder, BuildOptions
from storyblog.errors import BuildFailed
from storyblog.tracking import RenderMemory

SEQUENCES = 120
EDITS_PER_SEQUENCE = 5
WORDS = [
    "guest",
    "desk",
    "umbrella",
    "kettle",
    "night",
    "porter",
    "lift",
    "queue",
    "smile",
    "rain",
    "key",
    "ledger",
]
TAGS = ["care", "Care", "night shift", "Night  Shift", "travel", "bread"]
RATING = '{% if post.meta.rating is defined %}<p id="rating">{{ post.meta.rating }}</p>{% endif %}'
"""Shows a story's `rating:` on its page: a value the tests change between 1, true and 1.0."""


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


class RandomBlog:
    """A small blog on disk that random edits change."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root = root
        self.rng = rng
        self.content = root / "content"
        self.templates = root / "templates"
        shutil.copytree(TEMPLATES, self.templates)
        self.write("site.yml", "title: Random\nbase_url: https://example.org/\nposts_per_page: 2\n")
        for slug in ("ann", "bob"):
            self.write(f"authors/{slug}.md", self.author_text(slug))
        for _ in range(4):
            self.create_story()

    def show_on_story_pages(self, template: str) -> None:
        """Adds this to the content of every story page, before the story."""
        story = self.templates / "story.html"
        content = "{% block content %}"
        story.write_text(story.read_text().replace(content, content + template))

    def write(self, name: str, text: str) -> None:
        path = self.content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def files(self, folder: str) -> list[Path]:
        return sorted((self.content / folder).glob("*.md"))

    def phrase(self, count: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(count)).capitalize()

    def author_text(self, slug: str) -> str:
        guest = self.rng.choice(["true", "false"])
        return f"---\nname: {self.phrase(2)} {slug}\nguest: {guest}\n---\n{self.phrase(8)}.\n"

    def story_text(self) -> str:
        rng = self.rng
        authors = [path.stem for path in self.files("authors")] or ["nobody"]
        date = f"{rng.choice([2023, 2024])}-{rng.randint(1, 3):02d}-{rng.randint(1, 28):02d}"
        lines = [
            "---",
            f'title: "{self.phrase(3)}"',
            f"author: [{', '.join(rng.sample(authors, rng.randint(1, len(authors))))}]",
            f"date: {date} {rng.randint(0, 23):02d}:00",
            f"tags: [{', '.join(repr(t) for t in rng.sample(TAGS, rng.randint(0, 2)))}]",
        ]
        if rng.random() < 0.6:
            lines.append(f'lesson: "{self.phrase(6)}."')
        if rng.random() < 0.2:
            lines.append("draft: true")
        if rng.random() < 0.2:
            lines.append(f"updated: 2024-{rng.randint(4, 6):02d}-01")
        body = f"{self.phrase(12)}.\n\n## {self.phrase(2)}\n\n{self.phrase(10)}.\n"
        if rng.random() < 0.3:
            body += f"\n!!! lesson\n    {self.phrase(5)}.\n"
        return "\n".join([*lines, "---", "", body])

    # The edits: each changes the blog on disk and says what it did.

    def create_story(self) -> str:
        name = f"posts/s{self.rng.randint(0, 999)}.md"
        self.write(name, self.story_text())
        return f"create {name}"

    def modify_story(self) -> str:
        if not self.files("posts"):
            return self.create_story()
        path = self.rng.choice(self.files("posts"))
        text = path.read_text()
        if self.rng.random() < 0.5:
            text = self.story_text()  # everything may change: title, date, authors, tags
        else:
            text = text.replace(self.rng.choice(WORDS), self.rng.choice(WORDS), 1)
        path.write_text(text)
        return f"modify {path.name}"

    def rename_story(self) -> str:
        if not self.files("posts"):
            return self.create_story()
        path = self.rng.choice(self.files("posts"))
        target = path.with_name(f"r{self.rng.randint(0, 999)}.md")
        path.rename(target)
        return f"rename {path.name} {target.name}"

    def delete_story(self) -> str:
        if len(self.files("posts")) <= 1:
            return self.create_story()
        path = self.rng.choice(self.files("posts"))
        path.unlink()
        return f"delete {path.name}"

    def edit_author(self) -> str:
        slug = self.rng.choice(["ann", "bob", "cy"])
        path = self.content / "authors" / f"{slug}.md"
        if path.exists() and self.rng.random() < 0.3:
            path.unlink()  # stories naming this author now fail, on both sides alike
            return f"delete author {slug}"
        self.write(f"authors/{slug}.md", self.author_text(slug))
        return f"write author {slug}"

    def edit_template(self) -> str:
        name = self.rng.choice(["_sidebar.html", "story.html", "_macros.html", "base.html"])
        path = self.templates / name
        path.write_text(path.read_text() + f"{{# {self.phrase(1)} #}}<!-- {self.phrase(1)} -->\n")
        return f"template {name}"

    def edit_site(self) -> str:
        rng = self.rng
        self.write(
            "site.yml",
            f"title: {self.phrase(2)}\nbase_url: https://example.org/{rng.choice(['', 'b/'])}\n"
            f"posts_per_page: {rng.randint(1, 3)}\n"
            f"first_weekday: {rng.choice(['monday', 'sunday'])}\n"
            f"timezone: {rng.choice(['UTC', 'America/Chicago', 'Asia/Tokyo'])}\n",
        )
        return "site.yml"

    def random_edit(self) -> str:
        edits: list[tuple[float, Callable[[], str]]] = [
            (3, self.create_story), (6, self.modify_story), (2, self.rename_story),
            (2, self.delete_story), (2, self.edit_author), (1, self.edit_template),
            (1, self.edit_site),
        ]  # fmt: skip
        weights, choices = zip(*edits, strict=True)
        return self.rng.choices(choices, weights)[0]()


def outcome(builder: Builder) -> str | None:
    """None when the build succeeded, else its problems."""
    try:
        builder.build()
    except BuildFailed as failure:
        return "\n".join(str(problem) for problem in failure.problems)
    return None


def test_random_edit_sequences_match_a_clean_build(tmp_path: Path) -> None:
    for seed in range(SEQUENCES):
        root = tmp_path / str(seed)
        blog = RandomBlog(root, random.Random(seed))
        options = BuildOptions(blog.content, blog.templates, root / "site")
        builder = Builder(options)
        history = []
        outcome(builder)
        for _ in range(EDITS_PER_SEQUENCE):
            history.append(blog.random_edit())
            incremental = outcome(builder)
            shutil.rmtree(root / "clean", ignore_errors=True)
            clean = outcome(Builder(BuildOptions(blog.content, blog.templates, root / "clean")))
            where = f"seed {seed} after {history}"
            assert incremental == clean, where
            if clean is None:
                assert tree(root / "site") == tree(root / "clean"), where
        shutil.rmtree(root)


def test_the_comparison_catches_a_builder_that_skips_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test above can fail: when no read is seen to change, an edited title leaves
    stale pages, and the comparison with a clean build finds them."""
    blog = RandomBlog(tmp_path, random.Random(1))
    builder = Builder(BuildOptions(blog.content, blog.templates, tmp_path / "site"))
    builder.build()
    monkeypatch.setattr(RenderMemory, "changed_pages", lambda *_: set())
    story = blog.files("posts")[0]
    story.write_text(story.read_text().replace('title: "', 'title: "Changed '))
    builder.build()
    Builder(BuildOptions(blog.content, blog.templates, tmp_path / "clean")).build()
    assert tree(tmp_path / "site") != tree(tmp_path / "clean")


def test_a_value_equal_in_python_but_shown_otherwise_renders_again(tmp_path: Path) -> None:
    """`1`, `true` and `1.0` are equal in Python, as are a list and a tuple of the same
    items; a page that shows one is rendered again when it becomes another. A set and
    bytes (YAML's !!set and !!binary) are tracked too."""
    blog = RandomBlog(tmp_path, random.Random(2))
    blog.show_on_story_pages(RATING)
    story = blog.files("posts")[0]
    text = story.read_text()
    builder = Builder(BuildOptions(blog.content, blog.templates, tmp_path / "site"))
    shown = []
    ratings = ("1", "true", "1.0", "1", "!!pairs [a: 1]", "[[a, 1]]", "!!set {a}", "!!binary aGk=")
    for rating in ratings:
        story.write_text(text.replace("---\n", f"---\nrating: {rating}\n", 1))
        builder.build()
        clean = tmp_path / f"clean-{len(shown)}"
        Builder(BuildOptions(blog.content, blog.templates, clean)).build()
        assert tree(tmp_path / "site") == tree(clean), f"after rating: {rating}"
        page = next(p for p in clean.rglob("index.html") if 'id="rating"' in p.read_text())
        shown.append(page.read_text().split('id="rating">')[1].split("<")[0])
    assert shown == ["1", "True", "1.0", "1", "[(&#39;a&#39;, 1)]", "[[&#39;a&#39;, 1]]",
                     "{&#39;a&#39;}", "b&#39;hi&#39;"]  # fmt: skip


def test_a_long_lived_builder_mends_an_output_changed_behind_its_back(tmp_path: Path) -> None:
    """The preview builds for hours: a page deleted or changed in site/ by hand, or by
    another build, is written again, and a stray file goes, as a clean build would."""
    blog = RandomBlog(tmp_path, random.Random(3))
    builder = Builder(BuildOptions(blog.content, blog.templates, tmp_path / "site"))
    builder.build()
    pages = sorted((tmp_path / "site").rglob("index.html"))
    pages[0].unlink()
    pages[1].write_text("changed by hand")
    (tmp_path / "site" / "stray.html").write_text("not the blog's")
    builder.build()
    Builder(BuildOptions(blog.content, blog.templates, tmp_path / "clean")).build()
    assert tree(tmp_path / "site") == tree(tmp_path / "clean")


@pytest.mark.parametrize("bodies", [1, 200])  # in this process, and over workers
def test_a_build_after_a_failed_one_converts_what_the_failed_one_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bodies: int
) -> None:
    """A failed build stops before every body it handed over is converted: the next build
    converts them again, and its output is a clean build's."""
    monkeypatch.setattr(storyblog.parallel, "cores", lambda: 2)
    blog = RandomBlog(tmp_path, random.Random(5))
    for _ in range(bodies):
        blog.create_story()
    builder = Builder(BuildOptions(blog.content, blog.templates, tmp_path / "site"))
    builder.build()
    story = blog.files("posts")[0]
    text = story.read_text().replace("---\n\n", "---\n\nA new first line.\n\n", 1)
    story.write_text(text.replace("author: [", "author: [nobody, ", 1))
    assert outcome(builder) is not None
    story.write_text(text)
    builder.build()
    Builder(BuildOptions(blog.content, blog.templates, tmp_path / "clean")).build()
    assert tree(tmp_path / "site") == tree(tmp_path / "clean")
