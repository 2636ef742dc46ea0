"""The cache (--cache DIR) and the parallel build never change the output.

Every build here is made by a new Builder, as a new process would make it, and
compared byte for byte with a clean build into an empty folder, with no cache:
with the cache cold, warm, after edits, corrupted, from another version, and
with the work spread over forked workers.
"""

from __future__ import annotations

import os
import random
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import SAMPLE_CONTENT, TEMPLATES
from test_incremental import RandomBlog, tree

import storyblog.cache
import storyblog.parallel
import storyblog.stats
from storyblog import markup, render
from storyblog.builder import Builder, BuildOptions, BuildResult
from storyblog.config import config_from_mapping
from storyblog.errors import BuildFailed
from storyblog.models import Site
from storyblog.shown import Model
from storyblog.tracking import PageReads
from storyblog.writer import one_build_at_a_time

CACHED_SEQUENCES = 40


def mtimes(folder: Path) -> dict[str, int]:
    return {str(path): path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


class Blog:
    """The sample blog, copied so that tests may edit it, with a cache beside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = root / "content"
        shutil.copytree(SAMPLE_CONTENT, self.content)
        self.cache = root / "cache"
        self.options = BuildOptions(self.content, TEMPLATES, root / "site", cache=self.cache)

    def build(self) -> BuildResult:
        return Builder(self.options).build()

    def clean(self) -> dict[str, bytes]:
        shutil.rmtree(self.root / "clean", ignore_errors=True)
        Builder(BuildOptions(self.content, TEMPLATES, self.root / "clean")).build()
        return tree(self.root / "clean")

    def story(self) -> Path:
        return sorted((self.content / "posts").glob("*.md"))[0]

    def cache_files(self) -> list[Path]:
        return sorted(self.cache.iterdir())


@pytest.fixture
def blog(tmp_path: Path) -> Blog:
    return Blog(tmp_path)


def test_cold_then_warm_with_nothing_changed_writes_nothing(
    blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = blog.build()
    assert cold.written == cold.pages + len(list((blog.content / "static").rglob("*.*"))) + 1
    assert tree(blog.root / "site") == blog.clean()
    before = mtimes(blog.root / "site")
    monkeypatch.setattr(storyblog.stats, "RACY_NS", 50_000_000)
    time.sleep(0.1)
    warm = blog.build()
    assert (warm.written, warm.rendered, warm.pages) == (0, 0, cold.pages)
    assert mtimes(blog.root / "site") == before


def test_other_options_are_a_change(blog: Blog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storyblog.stats, "RACY_NS", 50_000_000)
    blog.build()
    time.sleep(0.1)
    blog.options = replace(blog.options, base_url="https://other.test/")
    assert blog.build().written > 0
    home = BeautifulSoup((blog.root / "site" / "index.html").read_text(), "html.parser")
    assert home.find("link", rel="canonical")["href"] == "https://other.test/"


def test_an_edit_renders_what_it_changes_and_matches_a_clean_build(blog: Blog) -> None:
    blog.build()
    story = blog.story()
    story.write_text(story.read_text().replace("title: ", "title: Edited ", 1))
    result = blog.build()
    assert 0 < result.rendered < result.pages
    assert tree(blog.root / "site") == blog.clean()


def test_the_manifest_holds_the_output_as_each_build_left_it(blog: Blog) -> None:
    """Its stats are patched from what the build wrote and removed, not looked up again:
    were one wrong, the next build with nothing changed would do the whole work again."""
    cache = storyblog.cache.Cache(blog.cache, blog.content, blog.root / "site")
    blog.build()
    edited, deleted = sorted((blog.content / "posts").glob("*.md"))[:2]
    edited.write_text(edited.read_text().replace("title: ", "title: Edited ", 1))
    deleted.unlink()
    result = blog.build()
    assert result.written > 1 and result.removed >= 1
    manifest = cache.load_manifest()
    assert manifest is not None
    assert manifest.outputs == storyblog.cache.files_under(blog.root / "site")


def test_an_edit_that_keeps_size_and_mtime_is_seen(
    blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest compares change times too, which no editor can set back."""
    monkeypatch.setattr(storyblog.stats, "RACY_NS", 50_000_000)
    blog.build()
    time.sleep(0.1)
    story = blog.story()
    text, mtime = story.read_text(), story.stat().st_mtime_ns
    story.write_text(text.replace("title: ", "title: X", 1).replace("\n\n", "\n", 1))
    assert len(story.read_bytes()) == len(text.encode())
    os.utime(story, ns=(mtime, mtime))
    assert blog.build().written > 0
    assert tree(blog.root / "site") == blog.clean()


def test_only_the_files_saved_since_they_were_read_are_read_again(
    blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storyblog.stats, "RACY_NS", 50_000_000)
    blog.build()
    time.sleep(0.1)
    blog.build()  # now every file is old enough to be trusted by its stat
    story = blog.story()
    story.write_text(story.read_text().replace("title: ", "title: Edited ", 1))
    read: list[Path] = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read.append(path) or read_bytes(path))
    blog.build()
    assert [path for path in read if path.suffix == ".md"] == [story]
    assert tree(blog.root / "site") == blog.clean()


def test_what_a_stopped_build_left_staged_is_never_taken_for_the_output(blog: Blog) -> None:
    blog.build()
    settings = blog.content / "site.yml"
    settings.write_text(settings.read_text().replace("title: ", "title: Edited ", 1))
    site = blog.root / "site"
    leftover = site / ".storyblog-staging" / "index.html"  # as a killed build leaves it
    leftover.parent.mkdir()
    leftover.write_text("half a build")
    blog.build()
    assert tree(site) == blog.clean()
    shutil.rmtree(site)
    leftover.parent.mkdir(parents=True)  # a first build, stopped before anything moved in
    leftover.write_text("half a build")
    blog.build()
    assert tree(site) == blog.clean()


def test_an_output_file_changed_by_hand_is_rendered_again(blog: Blog) -> None:
    blog.build()
    page = blog.root / "site" / "index.html"
    page.write_text("stale")
    (blog.root / "site" / "stray.html").write_text("not storyblog's")
    blog.build()
    assert tree(blog.root / "site") == blog.clean()


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "garbage"])
def test_a_corrupt_cache_is_not_trusted(blog: Blog, damage: str) -> None:
    blog.build()
    story = blog.story()
    story.write_text(story.read_text().replace("title: ", "title: Edited ", 1))
    for file in blog.cache_files():
        data = bytearray(file.read_bytes())
        if damage == "flip":
            data[len(data) // 2] ^= 0xFF
        elif damage == "truncate":
            data = data[: len(data) // 2]
        elif damage == "empty":
            data = bytearray()
        else:
            data = bytearray(b"storyblog cache\n" + bytes(range(256)) * 4)
        file.write_bytes(bytes(data))
    result = blog.build()
    assert result.rendered == result.pages
    assert tree(blog.root / "site") == blog.clean()
    assert blog.build().rendered == 0  # and the cache is good again


def test_an_edit_saves_only_its_changes_and_they_load_as_saved(tmp_path: Path) -> None:
    cache = storyblog.cache.Cache(tmp_path / "cache", tmp_path / "content", tmp_path / "site")
    state = {"pages": {f"p{n}": (n, "x") for n in range(1000)}, "seen": list(range(1000)),
             "options": "first"}  # fmt: skip
    cache.save(state, manifest(1), no_model)
    assert not cache.changes_file.exists()
    loaded = storyblog.cache.Cache(cache.folder, tmp_path / "content", tmp_path / "site")
    state = loaded.load_state()
    assert state is not None
    state["pages"]["p1"] = ("edited",)
    state["pages"]["new"] = ("added",)
    del state["pages"]["p2"]
    state["seen"][3:5] = [-1, -2]
    del state["seen"][-10:]
    state["options"] = "second"
    loaded.save(state, manifest(2), no_model)
    whole_size = cache.state_file.stat().st_size
    assert cache.changes_file.stat().st_size < whole_size / 10
    again = storyblog.cache.Cache(cache.folder, tmp_path / "content", tmp_path / "site")
    assert again.load_state() == state
    for page in range(600):  # many changes: the whole state is saved again, without changes
        state["pages"][f"p{page}"] = ("edited again",)
    again.save(state, manifest(3), no_model)
    assert not cache.changes_file.exists()
    assert (
        storyblog.cache.Cache(cache.folder, tmp_path / "content", tmp_path / "site").load_state()
        == state
    )


def test_changes_are_never_applied_to_another_state(tmp_path: Path) -> None:
    folders = tmp_path / "cache", tmp_path / "content", tmp_path / "site"
    first = storyblog.cache.Cache(*folders)
    first.save({"pages": {f"p{n}": n for n in range(100)}}, manifest(1), no_model)
    second = storyblog.cache.Cache(*folders)
    state = second.load_state()
    assert state is not None
    state["pages"]["p1"] = "changed"
    second.save(state, manifest(2), no_model)
    assert second.changes_file.exists()
    saved_changes = second.changes_file.read_bytes()
    first.save({"pages": {"z": 26}}, manifest(3), no_model)  # another build saves a new whole state
    second.changes_file.write_bytes(saved_changes)  # and the old changes are found beside it
    assert storyblog.cache.Cache(*folders).load_state() == {"pages": {"z": 26}}


def test_a_damaged_changes_file_leaves_an_older_state_that_is_still_safe(blog: Blog) -> None:
    blog.build()
    for title in ("First ", "Second "):
        story = blog.story()
        story.write_text(story.read_text().replace("title: ", f"title: {title}", 1))
        blog.build()
    changes = next(file for file in blog.cache_files() if file.suffix == ".changes")
    changes.write_bytes(changes.read_bytes()[:-10])
    story = blog.story()
    story.write_text(story.read_text() + "\nOne more line.\n")
    blog.build()
    assert tree(blog.root / "site") == blog.clean()


def manifest(number: int) -> storyblog.cache.Manifest:
    return storyblog.cache.Manifest(None, number, {}, {}, None)


def no_model() -> Model:
    """A model of nothing, for the tests of the state alone."""
    site = Site(config_from_mapping({}, print, print), (), (), (), ())
    return Model(site, {}, [], PageReads(), [], {})  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["0.1.0 cache 13", "99.0 cache 14"])
def test_a_cache_from_another_version_or_format_is_not_used(
    blog: Blog, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    blog.build()
    monkeypatch.setattr(storyblog.cache, "VERSION", version.encode().ljust(32, b"\0"))
    result = blog.build()
    assert result.rendered == result.pages


def test_two_blogs_sharing_a_cache_folder_keep_apart(tmp_path: Path) -> None:
    first, second = Blog(tmp_path / "first"), Blog(tmp_path / "second")
    second.cache = first.cache
    second.options = replace(second.options, cache=first.cache)
    story = second.story()
    story.write_text(story.read_text().replace("title: ", "title: Second ", 1))
    for blog in (first, second, first, second):
        blog.build()
        assert tree(blog.root / "site") == blog.clean()
    assert len(first.cache_files()) == 10  # each: state, changes, model, bodies, manifest


def test_random_edits_with_a_new_builder_each_time_match_a_clean_build(tmp_path: Path) -> None:
    """As test_incremental's, but each build is a new Builder that has only the cache."""
    for seed in range(CACHED_SEQUENCES):
        root = tmp_path / str(seed)
        blog = RandomBlog(root, random.Random(seed))
        options = BuildOptions(blog.content, blog.templates, root / "site", cache=root / "cache")
        history: list[str] = []
        for step in range(6):
            if step:
                history.append(blog.random_edit())
            cached = outcome(Builder(options))
            shutil.rmtree(root / "clean", ignore_errors=True)
            clean = outcome(Builder(BuildOptions(blog.content, blog.templates, root / "clean")))
            where = f"seed {seed} after {history}"
            assert cached == clean, where
            if clean is None:
                assert tree(root / "site") == tree(root / "clean"), where
        shutil.rmtree(root)


def outcome(builder: Builder) -> str | None:
    try:
        builder.build()
    except BuildFailed as failure:
        return "\n".join(str(problem) for problem in failure.problems)
    return None


def test_where_the_system_cannot_fork_all_the_work_stays_in_this_process(
    blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork(method: str) -> None:
        raise AssertionError(f"a {method} was started")

    monkeypatch.setattr(markup, "MARKDOWN_IN_PARALLEL_FROM", 1)
    monkeypatch.setattr(render, "PAGES_IN_PARALLEL_FROM", 1)
    monkeypatch.setattr(storyblog.parallel, "cores", lambda: 2)
    monkeypatch.setattr(storyblog.parallel, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setattr(storyblog.parallel, "get_context", no_fork)
    blog.build()
    story = blog.story()
    story.write_text(story.read_text().replace("title: ", "title: Edited ", 1))
    blog.build()  # with the cache: the output is looked through here too
    assert tree(blog.root / "site") == blog.clean()


def test_work_spread_over_workers_gives_the_same_output(
    blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(markup, "MARKDOWN_IN_PARALLEL_FROM", 1)
    monkeypatch.setattr(render, "PAGES_IN_PARALLEL_FROM", 1)
    monkeypatch.setattr(storyblog.parallel, "cores", lambda: 2)
    seen: list[tuple[str, int, int]] = []
    options = BuildOptions(blog.content, TEMPLATES, blog.root / "site",
                           progress=lambda *report: seen.append(report))  # fmt: skip
    Builder(options).build()
    assert tree(blog.root / "site") == blog.clean()
    for what in ("stories converted", "pages rendered"):
        reports = [report for report in seen if report[0] == what]
        assert len(reports) > 1 and reports[-1][1] == reports[-1][2], what


def test_work_begun_elsewhere_that_fails_fails_here_once(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The forked process's error is not shown: the work is done again here, and its
    error is raised here, once."""
    monkeypatch.setattr(storyblog.parallel, "cores", lambda: 2)
    assert storyblog.parallel._may_fork()  # else nothing here is tested
    calls = []

    def unreadable() -> None:
        calls.append(os.getpid())
        raise PermissionError("not readable")

    wait = storyblog.parallel.begun(unreadable)
    with pytest.raises(PermissionError):
        wait()
    assert calls == [os.getpid()]  # the forked one's call is in its own memory
    assert "not readable" not in capfd.readouterr().err


def test_a_second_build_of_a_blog_waits_until_the_first_is_done(
    blog: Blog, capfd: pytest.CaptureFixture[str]
) -> None:
    """The preview and a build in another terminal never stage or save at once, even with
    another cache."""
    blog.options = replace(blog.options, cache=blog.root / "another cache")
    holding, release = threading.Event(), threading.Event()

    def first_build() -> None:
        with one_build_at_a_time(blog.options.output, lambda: None):
            holding.set()
            release.wait()

    first = threading.Thread(target=first_build, daemon=True)
    first.start()
    holding.wait()
    second = threading.Thread(target=blog.build, daemon=True)
    second.start()
    told = ""
    try:
        for _ in range(3000):  # a guard against hanging, not a timing: the message comes first
            told += capfd.readouterr().err
            if "waiting for another build" in told:
                break
            time.sleep(0.01)
        assert f"waiting for another build into {blog.options.output}/" in told
        assert not blog.options.output.exists()  # nothing was written while it waited
    finally:
        release.set()
    first.join()
    second.join()
    assert tree(blog.root / "site") == blog.clean()
