"""Edits to what stories show are built from the last build's model, and never go stale.

A build whose only changes are to stories' bodies, titles, summaries or extra
front matter renders just the pages that read them (shown.py). Each build here
is made by a new Builder, as a new process would make it, and compared with a
clean build: after random edits, with the model or its edits damaged, and with
a story that has a warning.
"""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from test_incremental import RATING, WORDS, RandomBlog, tree

import storyblog.stats
from storyblog.builder import Builder, BuildOptions, BuildResult
from storyblog.errors import BuildFailed
from storyblog.shown import edited_files
from storyblog.stats import stat_of
from storyblog.writer import Staging

SEQUENCES = 12
STEPS = 8


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file saved a moment ago counts as settled: otherwise every file these tests write
    would be read again for two seconds, and no edit would be built from the model."""
    monkeypatch.setattr(storyblog.stats, "RACY_NS", -(10**12))


@pytest.fixture
def from_model(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each build, whether it was built from the model."""
    built: list[bool] = []
    edited_since = Builder._edited_since

    def spy(self: Builder, *args: object, **kwargs: object) -> BuildResult | None:
        result = edited_since(self, *args, **kwargs)  # type: ignore[arg-type]
        built.append(result is not None)
        return result

    monkeypatch.setattr(Builder, "_edited_since", spy)
    return built


class ShownBlog(RandomBlog):
    """A random blog whose story pages show an extra front-matter value, `rating`."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        super().__init__(root, rng)
        self.show_on_story_pages(RATING)
        self.options = BuildOptions(
            self.content, self.templates, root / "site", cache=root / "cache"
        )

    def build(self) -> str | BuildResult:
        try:
            return Builder(self.options).build()
        except BuildFailed as failure:
            return "\n".join(str(problem) for problem in failure.problems)

    def clean(self) -> str | list[str]:
        shutil.rmtree(self.root / "clean", ignore_errors=True)
        try:
            result = Builder(
                BuildOptions(self.content, self.templates, self.root / "clean")
            ).build()
        except BuildFailed as failure:
            return "\n".join(str(problem) for problem in failure.problems)
        return [str(warning) for warning in result.warnings]

    def matches_a_clean_build(self, result: str | BuildResult) -> bool:
        clean = self.clean()
        if isinstance(clean, str) or isinstance(result, str):
            return clean == result
        warnings = [str(warning) for warning in result.warnings]
        return warnings == clean and tree(self.root / "site") == tree(self.root / "clean")

    def shown_edit(self) -> str:
        """An edit to what a story shows: its body, title, summary, or rating."""
        if not self.files("posts"):
            return self.create_story()
        path = self.rng.choice(self.files("posts"))
        _, front, body = path.read_text().split("---\n", 2)
        lines = [
            line for line in front.splitlines() if not line.startswith(("summary:", "rating:"))
        ]
        what = self.rng.choice(["body", "title", "summary", "rating", "nothing"])
        if what == "body":
            body = body.replace(self.rng.choice(WORDS), self.rng.choice(WORDS), 1) + "More.\n"
        elif what == "title":
            lines = [f'title: "{self.phrase(3)}"' if line.startswith("title:") else line
                     for line in lines]  # fmt: skip
        elif what == "summary":
            lines.append(f'summary: "{self.phrase(4)}"')
        elif what == "rating":
            lines.append(f"rating: {self.rng.choice(['1', 'true', '1.0', '[a, 1]'])}")
        path.write_text("---\n" + "\n".join(lines) + "\n---\n" + body)
        return f"{what} of {path.name}"


def test_shown_edits_are_built_from_the_model_as_a_clean_build(
    tmp_path: Path, from_model: list[bool]
) -> None:
    """Mostly edits to what stories show, and now and then any other edit, so that builds
    from the model follow whole builds and each other."""
    for seed in range(SEQUENCES):
        blog = ShownBlog(tmp_path / str(seed), random.Random(seed))
        blog.build()
        history: list[str] = []
        for _ in range(STEPS):
            edit = blog.shown_edit if blog.rng.random() < 0.7 else blog.random_edit
            history.append(edit())
            assert blog.matches_a_clean_build(blog.build()), f"seed {seed} after {history}"
        shutil.rmtree(blog.root)
    assert sum(from_model) >= len(from_model) / 3, "too few builds were built from the model"


@pytest.mark.parametrize("suffix", [".model", ".bodies", ".edits", ".manifest"])
def test_a_damaged_model_or_edits_file_is_not_trusted(
    tmp_path: Path, suffix: str, from_model: list[bool]
) -> None:
    blog = ShownBlog(tmp_path, random.Random(4))
    story = blog.files("posts")[0]
    blog.build()
    for damage in ("cut short", "garbage", "deleted"):
        story.write_text(story.read_text() + "\nAn edit built from the model.\n")
        assert blog.matches_a_clean_build(blog.build())
        assert from_model[-1], "the edit was not built from the model"
        file = next((blog.root / "cache").glob(f"*{suffix}"))
        if damage == "cut short":
            file.write_bytes(file.read_bytes()[:-100])
        elif damage == "garbage":
            file.write_bytes(b"storyblog cache\n" + bytes(200))
        else:
            file.unlink()
        story.write_text(story.read_text() + f"\nAn edit after the {suffix} file was {damage}.\n")
        assert blog.matches_a_clean_build(blog.build())
        assert not from_model[-1], "a damaged file was used"


def test_a_story_with_a_warning_is_read_with_the_whole_blog(
    tmp_path: Path, from_model: list[bool]
) -> None:
    """Its warning is reported again, or no longer once the mistake is mended."""
    blog = ShownBlog(tmp_path, random.Random(5))
    story = blog.content / "posts" / "2023-01-01-misdated.md"
    text = '---\ntitle: "Misdated"\nauthor: ann\ndate: 2024-02-02\n---\nA story.\n'
    story.write_text(text)
    first = blog.build()
    assert not isinstance(first, str) and first.warnings
    story.write_text(text + "\nMore of it.\n")
    assert blog.matches_a_clean_build(blog.build())
    story.write_text(text.replace("2024-02-02", "2023-01-01") + "\nMore of it.\n")
    mended = blog.build()
    assert blog.matches_a_clean_build(mended) and not isinstance(mended, str)
    assert not mended.warnings
    assert from_model == [False, False, False]


def test_edited_files_are_those_whose_stat_changed_or_may_have(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storyblog.stats, "RACY_NS", 2 * 10**9)
    folder, story, other = tmp_path / "posts", tmp_path / "posts" / "a.md", tmp_path / "b.md"
    folder.mkdir()
    story.write_text("one")
    other.write_text("two")

    def stats() -> dict[str, bytes]:
        return {str(path): stat_of(os.stat(path)) for path in (folder, story, other)}

    before, taken_ns = stats(), 10**30  # long after every file was saved: all settled
    assert edited_files(before, taken_ns, stats()) == []
    story.write_text("one, edited")
    (folder / "c.md").write_text("a new file changes the folder")
    (folder / "c.md").unlink()
    assert edited_files(before, taken_ns, stats()) == [str(story)]  # not the folder
    assert edited_files(before, 0, before) == [str(story), str(other)]  # none settled
    assert edited_files(before, taken_ns, {**stats(), str(folder / "c.md"): b""}) is None


def test_what_a_page_reads_after_an_edit_is_tracked_from_then_on(
    tmp_path: Path, from_model: list[bool]
) -> None:
    """An edit may make a page read what it did not: here a story page starts to show
    another story's title, which is then edited; then that story's body, which the
    model has not loaded: that build is the whole one."""
    blog = ShownBlog(tmp_path, random.Random(6))
    blog.show_on_story_pages(
        '{% if post.meta.pick is defined %}<p id="pick">{{ blog.stories[post.meta.pick].title }}'
        "</p>{% endif %}{% if post.meta.whole is defined %}"
        "{{ blog.stories[post.meta.whole].body_html|safe }}{% endif %}"
    )
    for file in blog.files("posts"):
        file.unlink()
    for month in (1, 2, 3):
        blog.write(f"posts/s{month}.md", f'---\ntitle: "S{month}"\nauthor: ann\n'
                   f"date: 2024-0{month}-01\n---\nStory {month}.\n")  # fmt: skip
    picking, newest = blog.files("posts")[0], blog.files("posts")[-1]
    page = tmp_path / "site" / "2024" / "01" / "s1" / "index.html"
    blog.build()
    picking.write_text(picking.read_text().replace("---\n", "---\npick: 0\n", 1))
    assert blog.matches_a_clean_build(blog.build())
    assert "S3" in page.read_text()
    newest.write_text(newest.read_text().replace("S3", "S3, edited"))
    assert blog.matches_a_clean_build(blog.build())
    picking.write_text(picking.read_text().replace("---\n", "---\nwhole: 0\n", 1))
    assert blog.matches_a_clean_build(blog.build())
    assert "Story 3." in page.read_text()
    newest.write_text(newest.read_text().replace("Story 3.", "Story 3, edited."))
    assert blog.matches_a_clean_build(blog.build())
    assert "Story 3, edited." in page.read_text()
    assert from_model == [False, True, True, False, True]


def test_a_preview_whose_rebuild_failed_leaves_no_model_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild that fails on the disk forgets what the pages read: the preview's save
    when it stops must not keep a model in which no page reads anything."""
    blog = ShownBlog(tmp_path, random.Random(7))
    for file in blog.files("posts"):
        file.unlink()
    for month in (1, 2):
        blog.write(f"posts/s{month}.md", f'---\ntitle: "S{month}"\nauthor: ann\n'
                   f"date: 2024-0{month}-01\n---\nStory {month}.\n")  # fmt: skip
    preview = Builder(blog.options)
    preview.build()
    preview.saving = False
    first, second = blog.files("posts")
    first.write_text(first.read_text() + "\nAn edit the preview built.\n")
    preview.build()
    first.write_text(first.read_text() + "\nAn edit the preview could not write.\n")

    def full_disk(*args: object) -> bool:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as disk:
        disk.setattr(Staging, "put", full_disk)
        with pytest.raises(OSError):
            preview.build()
    preview.save_cache()  # Ctrl-C
    second.write_text(second.read_text().replace('title: "', 'title: "Retitled ', 1))
    assert blog.matches_a_clean_build(blog.build())


def test_an_edit_built_from_the_model_with_progress_shown(tmp_path: Path) -> None:
    """The progress callback is the build's, not the cache's: it is not saved."""
    blog = ShownBlog(tmp_path, random.Random(8))
    blog.build()
    blog.options = replace(blog.options, progress=lambda what, done, total: None)
    story = blog.files("posts")[0]
    story.write_text(story.read_text() + "\nMore.\n")
    assert blog.matches_a_clean_build(blog.build())
