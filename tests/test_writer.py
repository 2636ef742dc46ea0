"""The writer: only changed files are written, stale ones removed, nothing outside the output."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from conftest import Blog, MakeBlog, story

from storyblog.builder import BuildResult
from storyblog.writer import safe_join

Rebuild = tuple[Blog, Callable[[], BuildResult]]


def test_an_unchanged_page_is_not_rewritten(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {"posts/a.md": story("A", "2024-01-01"), "posts/b.md": story("B", "2024-01-02")}
    )
    page = blog.file("/2024/01/a/")
    os.utime(page, ns=(1_000_000_000, 1_000_000_000))
    result = blog.build()
    assert result.written == 0
    assert result.unchanged == result.pages + 1  # the pages and the theme's stylesheet
    assert page.stat().st_mtime_ns == 1_000_000_000


def test_an_edit_rewrites_only_the_pages_it_changes(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01", body="Old words.\n\nMore.")})
    blog.write({"posts/a.md": story("A", "2024-01-01", body="Old words.\n\nNew ending.")})
    feeds = [blog.file("/feed.xml"), blog.file("/authors/maya/feed.xml")]
    before = {path: path.stat().st_mtime_ns for path in blog.root.rglob("*") if path.is_file()}
    assert blog.build().written == 3  # the story and the two feeds with its full text
    changed = [path for path, mtime in before.items() if path.stat().st_mtime_ns != mtime]
    assert sorted(changed) == sorted([blog.file("/2024/01/a/"), *feeds])
    assert "New ending." in blog.page("/2024/01/a/").get_text()


def test_pages_no_longer_made_are_removed(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01"), "static/old.txt": "x"})
    assert blog.exists("/2024/01/a/") and blog.exists("/old.txt")
    (blog.content / "posts" / "a.md").rename(blog.content / "posts" / "renamed.md")
    (blog.content / "static" / "old.txt").unlink()
    result = blog.build()
    assert result.removed == 2
    assert blog.exists("/2024/01/renamed/")
    assert not blog.exists("/2024/01/a/") and not blog.exists("/old.txt")
    assert not (blog.output / "2024" / "01" / "a").exists()


def test_static_files_are_copied_as_they_are_and_content_overrides_the_theme(
    make_blog: MakeBlog,
) -> None:
    blog = make_blog({"static/CNAME": "stories.example.org\n", "static/theme/style.css": "p{}"})
    assert blog.file("/CNAME").read_text() == "stories.example.org\n"
    assert blog.file("/theme/style.css").read_text() == "p{}"


@pytest.mark.parametrize("path", ["../escape.html", "/etc/passwd", "a/../../b", "", "."])
def test_safe_join_refuses_to_leave_the_output(tmp_path: Path, path: str) -> None:
    with pytest.raises(ValueError, match="outside the output folder"):
        safe_join(tmp_path, path)


def test_safe_join_refuses_a_symlink_that_leads_out(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path)
    with pytest.raises(ValueError, match="outside the output folder"):
        safe_join(tmp_path / "out", "link/file.html")
    assert safe_join(tmp_path / "out", "a/b.html") == tmp_path / "out" / "a" / "b.html"


def test_a_stale_file_where_a_folder_is_now_needed_is_replaced(make_blog: MakeBlog) -> None:
    blog = make_blog({"static/2024": "an old file", "static/about/index.html": "old page"})
    (blog.content / "static" / "2024").unlink()
    (blog.content / "static" / "about" / "index.html").unlink()
    (blog.content / "static" / "about").rmdir()
    blog.write({"posts/a.md": story("A", "2024-01-01"), "static/about": "now a file"})
    blog.build()
    assert blog.exists("/2024/01/a/")
    assert blog.file("/about").read_text() == "now a file"


@pytest.fixture(params=[False, True], ids=["without cache", "with cache"])
def built_once(request: pytest.FixtureRequest, make_blog: MakeBlog, tmp_path: Path) -> Rebuild:
    """A blog of one story, built; and its next build, with the cache or without."""
    options = {"cache": tmp_path / "cache"} if request.param else {}
    blog = make_blog({"posts/a.md": story("A", "2024-01-15")}, **options)
    return blog, partial(blog.build, **options)


def test_a_symlink_in_the_output_is_replaced_and_never_written_through(
    built_once: Rebuild, tmp_path: Path
) -> None:
    blog, rebuild = built_once
    elsewhere = tmp_path / "elsewhere"
    shutil.move(blog.output / "2024", elsewhere)  # the very bytes the build makes
    (blog.output / "2024").symlink_to(elsewhere)
    untouched = {path: path.stat().st_mtime_ns for path in elsewhere.rglob("*")}
    rebuild()
    assert not (blog.output / "2024").is_symlink()
    assert blog.file("/2024/01/a/").read_bytes() == (elsewhere / "01/a/index.html").read_bytes()
    assert {path: path.stat().st_mtime_ns for path in elsewhere.rglob("*")} == untouched


def test_symlinks_to_files_in_the_output_are_replaced_never_followed(
    built_once: Rebuild, tmp_path: Path
) -> None:
    blog, rebuild = built_once
    outside = tmp_path / "outside"
    (outside / "staging").mkdir(parents=True)
    page, marker = blog.file("/2024/01/a/"), blog.output / ".storyblog"
    (outside / "page.html").write_bytes(page.read_bytes())  # the very bytes the build makes
    (outside / "marker").write_text("someone else's file")
    links = {
        page: outside / "page.html",
        marker: outside / "marker",
        blog.output / ".storyblog-staging": outside / "staging",
        blog.output / "dangling": outside / "nowhere",
    }
    for link, target in links.items():
        link.unlink(missing_ok=True)
        link.symlink_to(target)
    untouched = {path: path.read_bytes() for path in outside.rglob("*") if path.is_file()}
    rebuild()
    assert not any(link.is_symlink() for link in links)
    assert page.read_bytes() == (outside / "page.html").read_bytes()
    assert {path: path.read_bytes() for path in outside.rglob("*") if path.is_file()} == untouched
    assert not any((outside / "staging").iterdir())


@pytest.mark.skipif(os.name == "nt", reason="no umask on Windows")
def test_pages_are_readable_by_anyone_whatever_the_umask(make_blog: MakeBlog) -> None:
    """A web server running as another user reads them: the build does not take the
    writer's umask for its pages and static files."""
    blog = make_blog({"posts/a.md": story("A", "2024-01-01")}, build=False)
    before = os.umask(0o077)
    try:
        blog.build()
    finally:
        os.umask(before)
    pages = [blog.file("/2024/01/a/"), blog.file("/"), blog.file("/theme/style.css")]
    assert [page.stat().st_mode & 0o777 for page in pages] == [0o644] * 3
