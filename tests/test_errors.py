"""Bad input: every mistake reported at once as `path:line: message`, and nothing lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import TEMPLATES, Blog, MakeBlog, story

from storyblog.cli import main


def run(blog: Blog, *extra: str, templates: Path = TEMPLATES) -> int:
    arguments = ["--content", str(blog.content), "--templates", str(templates)]
    return main([*arguments, "--output", str(blog.output), *extra])


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def good_blog(make_blog: MakeBlog) -> Blog:
    return make_blog({"posts/good.md": story("Good", "2024-01-01")})


def break_and_build(
    blog: Blog, capsys: pytest.CaptureFixture[str], files: dict[str, str | bytes]
) -> list[str]:
    """Writes the broken files, builds, checks the build failed and changed nothing."""
    before = snapshot(blog.output)
    blog.write(files)
    assert run(blog) == 1
    assert snapshot(blog.output) == before
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].endswith("still holds the last good build.")
    return lines[:-1]


def where(blog: Blog, relative: str) -> str:
    return (blog.content / relative).as_posix()


def test_invalid_yaml_names_the_line_of_the_yaml_error(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    text = '---\ntitle: "Fine"\nauthor: maya\nlesson: "unclosed\ndate: 2024-01-01\n---\nBody'
    [line] = break_and_build(good_blog, capsys, {"posts/bad.md": text})
    assert line == (
        f"{where(good_blog, 'posts/bad.md')}:4: this line of the front matter opens a quote "
        'that is never closed: add the closing " at the end of the value'
    )


def test_a_colon_in_an_unquoted_title_gets_a_hint(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "---\nauthor: maya\ntitle: Lesson one: listen\ndate: 2024-01-01\n---\n"
    [line] = break_and_build(good_blog, capsys, {"posts/bad.md": text})
    assert line == (
        f"{where(good_blog, 'posts/bad.md')}:3: this line of the front matter has a colon inside "
        "a value, or starts with spaces: put a value with a colon in double quotes "
        '(title: "Lesson one: listen") and start each key at the line\'s start'
    )


def test_text_after_a_closing_quote_gets_a_hint(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    text = '---\nauthor: maya\ndate: 2024-01-01\ntitle: "Last" Train Sandwich\n---\n'
    [line] = break_and_build(good_blog, capsys, {"posts/bad.md": text})
    assert line.startswith(f"{where(good_blog, 'posts/bad.md')}:4: this line of the front matter")
    assert line.endswith("has text after a closing quote: put the whole value in double quotes, "
                         "with curly quotes “ ” or single quotes inside it")  # fmt: skip


@pytest.mark.parametrize(
    ("key", "hint"),
    [("title", "title:"), ("author", "maya"), ("date", "2024-11-27")],
)
def test_a_missing_required_key_is_named_with_an_example(
    good_blog: Blog, capsys: pytest.CaptureFixture[str], key: str, hint: str
) -> None:
    keys = {"title": 'title: "T"', "author": "author: maya", "date": "date: 2024-01-01"}
    del keys[key]
    text = "---\n" + "\n".join(keys.values()) + "\n---\nBody\n"
    [line] = break_and_build(good_blog, capsys, {"posts/bad.md": text})
    assert line.startswith(f"{where(good_blog, 'posts/bad.md')}:1: missing '{key}'")
    assert hint in line


def test_an_unknown_author_suggests_the_closest_slug(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    [line] = break_and_build(
        good_blog, capsys, {"posts/bad.md": story("T", "2024-01-01", author="mya")}
    )
    assert (
        line == f"{where(good_blog, 'posts/bad.md')}:3: unknown author 'mya': did you mean 'maya'?"
    )


def test_an_unknown_author_with_nothing_close_says_how_to_add_one(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {"posts/bad.md": story("T", "2024-01-01", author="[maya, zebulon]")}
    [line] = break_and_build(good_blog, capsys, files)
    assert "unknown author 'zebulon': add content/authors/zebulon.md" in line


def test_an_unparseable_date_says_how_to_write_one(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    [line] = break_and_build(good_blog, capsys, {"posts/bad.md": story("T", "27/11/2024")})
    assert line.startswith(
        f"{where(good_blog, 'posts/bad.md')}:4: 'date': '27/11/2024' is not a date"
    )
    assert "YYYY-MM-DD" in line


def test_a_file_that_is_not_utf8_names_the_line(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    latin1 = story("Café", "2024-01-01", body="Line one.\n\nCaf\xe9 au lait.").encode("latin-1")
    [line] = break_and_build(good_blog, capsys, {"posts/bad.md": latin1})
    assert line.startswith(f"{where(good_blog, 'posts/bad.md')}:2: this file is not UTF-8 text")
    assert "save it as UTF-8" in line


def test_two_stories_with_one_address_name_each_other(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "posts/2024-01-05-same.md": story("One", "2024-01-05"),
        "posts/other/same.md": story("Two", "2024-01-20"),
    }
    lines = break_and_build(good_blog, capsys, files)
    first = where(good_blog, "posts/2024-01-05-same.md")
    second = where(good_blog, "posts/other/same.md")
    advice = "give one of them another slug: line"
    assert lines == [f"{second}:1: same address /2024/01/same/ as {first}: {advice}"]


def test_an_author_called_guests_collides_with_the_guest_bloggers_page(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    [line] = break_and_build(good_blog, capsys, {"authors/guests.md": "---\nname: G\n---\n"})
    assert line.startswith(f"{where(good_blog, 'authors/guests.md')}:1: the author slug 'guests'")


def test_an_author_file_name_must_be_a_slug(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    [line] = break_and_build(good_blog, capsys, {"authors/Ann Lee.md": "---\nname: Ann\n---\n"})
    assert line.endswith("rename it to ann-lee.md")


def test_a_missing_photo_names_the_file_it_looked_for(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "---\nname: Ann\nphoto: images/ann.jpg\n---\n"
    [line] = break_and_build(good_blog, capsys, {"authors/ann.md": text})
    assert line.startswith(f"{where(good_blog, 'authors/ann.md')}:3: no file ")
    assert "static/images/ann.jpg" in line


def test_a_page_cannot_take_an_address_of_the_blog(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    [line] = break_and_build(good_blog, capsys, {"pages/authors.md": "---\ntitle: A\n---\n"})
    assert "the address /authors/ is the blog's own" in line


@pytest.mark.parametrize(
    "static", ["index.html", "2024", "authors", "404.html/oops.txt", "2024/01/good/index.html"]
)
def test_a_static_file_cannot_take_the_place_of_a_page_or_its_folder(
    good_blog: Blog, capsys: pytest.CaptureFixture[str], static: str
) -> None:
    [line] = break_and_build(good_blog, capsys, {f"static/{static}": "x"})
    assert line == (
        f"{where(good_blog, 'static/' + static)}:1: this file would take the place of the "
        f"blog's own /{static}: rename or move it"
    )


def test_a_static_file_beside_a_page_is_fine(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01"), "static/2024/01/a/map.png": "png"})
    assert blog.exists("/2024/01/a/map.png") and blog.exists("/2024/01/a/")


def test_files_without_front_matter_or_never_closed(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = break_and_build(
        good_blog, capsys,
        {"posts/none.md": "Just text.\n", "posts/open.md": "---\ntitle: T\nNo end.\n"},
    )  # fmt: skip
    assert lines == [
        f"{where(good_blog, 'posts/none.md')}:1: no front matter: start the file with a line ---, "
        "then lines like title: and date:, then another line ---",
        f"{where(good_blog, 'posts/open.md')}:1: the front matter is never closed: "
        "add a line --- after its last key",
    ]


def test_wrong_kinds_of_values(good_blog: Blog, capsys: pytest.CaptureFixture[str]) -> None:
    text = story("T", "2024-01-01", tags="{a: 1}", draft="maybe", lesson="[one, two]")
    lines = break_and_build(good_blog, capsys, {"posts/bad.md": text})
    assert [line.split(": ", 1)[1] for line in lines] == [
        "'tags' should be a list of text, e.g. tags: [hospitality, travel]",
        "'draft' should be true or false",
        "'lesson' should be text, not a list or mapping",
    ]


def test_a_tag_with_no_letter_or_digit_is_named(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    text = story("T", "2024-01-01", tags='[care, "!!!"]')
    lines = break_and_build(good_blog, capsys, {"posts/bad.md": text})
    assert lines == [
        f"{where(good_blog, 'posts/bad.md')}:5: the tag '!!!' has no letter or digit to make "
        "its address (/tags/…/) from: add a word to it, or remove it"
    ]


def test_a_yes_no_word_as_a_title_asks_for_quotes(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "---\ntitle: No\nauthor: maya\ndate: 2024-01-01\n---\n"
    [line] = break_and_build(good_blog, capsys, {"posts/bad.md": text})
    assert line.endswith(":2: 'title' was read as yes/no: put the text in double quotes")


def test_every_error_of_a_build_is_listed_at_once_in_file_order(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = break_and_build(
        good_blog, capsys,
        {
            "posts/b.md": story("B", "2024-02-31"),
            "posts/a.md": story("A", "2024-01-01", author="nobody"),
            "site.yml": "timezone: Nowhere/Land\n",
        },
    )  # fmt: skip
    assert [line.split(":")[0] for line in lines] == [
        where(good_blog, "posts/a.md"), where(good_blog, "posts/b.md"), where(good_blog, "site.yml")
    ]  # fmt: skip


def test_a_template_syntax_error_names_the_template_and_line(
    good_blog: Blog, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "base.html").write_text("<title>x</title>\n{% block content %}{% endblock %}\n")
    for name in ("index", "authors", "author", "guests", "page", "404", "archive", "year",
                 "month", "lessons", "tags", "tag"):  # fmt: skip
        (theme / f"{name}.html").write_text('{% extends "base.html" %}\n')
    for name in ("feed.xml", "sitemap.xml", "robots.txt"):
        (theme / name).write_text("")
    (theme / "story.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n{{ post.title }\n'
    )
    before = snapshot(good_blog.output)
    assert run(good_blog, templates=theme) == 1
    assert snapshot(good_blog.output) == before
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith(f"{(theme / 'story.html').as_posix()}:3: template syntax:")


def test_a_key_that_looks_like_a_typo_is_a_warning_and_the_build_goes_on(
    make_blog: MakeBlog, capsys: pytest.CaptureFixture[str]
) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01", lessons='"Typo."')}, build=False)
    assert run(blog) == 0
    err = capsys.readouterr().err.strip()
    assert err.splitlines()[0] == (
        f"{where(blog, 'posts/a.md')}:5: warning: unknown key 'lessons': did you mean 'lesson'? "
        "Until it is renamed, it is not used as the lesson"
    )


def test_a_draft_is_checked_too(good_blog: Blog, capsys: pytest.CaptureFixture[str]) -> None:
    files = {"posts/d.md": story("D", "2024-13-01", draft="true")}
    [line] = break_and_build(good_blog, capsys, files)
    assert "'date'" in line


def test_invalid_yaml_in_site_yml_is_named_as_settings(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    [line] = break_and_build(good_blog, capsys, {"site.yml": "title: A\ntimezone: [UTC\n"})
    assert line == (
        f"{where(good_blog, 'site.yml')}:2: this line of the settings opens a [ or {{ that is "
        "never closed: add the closing ] or } on this line"
    )


def test_a_broken_author_file_is_one_error_not_also_an_unknown_author(
    good_blog: Blog, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "authors/lena.md": "---\nname: Lena Hartmann\n---\nCaf\xe9.\n".encode("latin-1"),
        "posts/lena.md": story("By Lena", "2024-01-01", author="lena"),
    }
    [line] = break_and_build(good_blog, capsys, files)
    assert line.startswith(f"{where(good_blog, 'authors/lena.md')}:4: this file is not UTF-8")


def test_files_that_are_not_markdown_are_named_not_skipped_silently(
    make_blog: MakeBlog, capsys: pytest.CaptureFixture[str]
) -> None:
    blog = make_blog(
        {
            "posts/one.markdown": story("One", "2024-01-01"),
            "posts/TWO.MD": story("Two", "2024-01-02"),
            "posts/three.md.txt": story("Three", "2024-01-03"),
            "posts/.four.md.swp": "editor swap file",
            "posts/five.md~": "editor backup",
        },
        build=False,
    )
    assert run(blog) == 0
    assert blog.exists("/2024/01/one/") and blog.exists("/2024/01/two/")
    warnings = capsys.readouterr().err.strip().splitlines()
    assert warnings[0] == (
        f"{where(blog, 'posts/three.md.txt')}:1: warning: skipped: only files ending in .md are "
        "read in posts/: rename it to three.md if it is one, or move it to static/"
    )
    assert len(warnings) == 1


def test_a_file_name_date_that_disagrees_with_date_is_a_warning(
    make_blog: MakeBlog, capsys: pytest.CaptureFixture[str]
) -> None:
    blog = make_blog({"posts/2026-11-05-keys.md": story("Keys", "2026-10-30")}, build=False)
    assert run(blog) == 0
    assert blog.exists("/2026/10/keys/")
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{where(blog, 'posts/2026-11-05-keys.md')}:4: warning: the file name says 2026-11-05 "
        "but date: says 2026-10-30, which decides the address (/2026/10/…): "
        "correct whichever is wrong"
    )


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ("{{ post.titel }}", "a Story has no 'titel': did you mean 'title'?"),
        ("{{ psot.title }}", "'psot' is not defined on this page: did you mean 'post'?"),
        ("{{ post.meta.reprint }}", "no 'reprint' here: check for it first with "
         "{% if ….reprint is defined %}"),
    ],
)  # fmt: skip
def test_a_mistake_in_a_template_is_explained_at_its_file_and_line(
    good_blog: Blog, capsys: pytest.CaptureFixture[str], tmp_path: Path, mistake: str, message: str
) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    for template in TEMPLATES.glob("*.*"):
        (theme / template.name).write_text(template.read_text())
    lines = (theme / "story.html").read_text().split("\n")
    number = next(n for n, line in enumerate(lines, 1) if "{{ post.title }}" in line)
    lines[number - 1] = lines[number - 1].replace("{{ post.title }}", mistake)
    (theme / "story.html").write_text("\n".join(lines))
    assert run(good_blog, templates=theme) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert first == f"{(theme / 'story.html').as_posix()}:{number}: {message}"


def test_stray_files_and_folders_in_authors_are_each_named_once(
    make_blog: MakeBlog, capsys: pytest.CaptureFixture[str]
) -> None:
    blog = make_blog(
        {"authors/maya.jpg": b"\xff\xd8", "authors/old/ann.md": "---\nname: Ann\n---\n"},
        build=False,
    )
    assert run(blog) == 0
    assert capsys.readouterr().err.strip().splitlines() == [
        f"{where(blog, 'authors/maya.jpg')}:1: warning: skipped: only files ending in .md are "
        "read in authors/: rename it to maya.md if it is one, or move it to static/",
        f"{where(blog, 'authors/old')}:1: warning: skipped: sub-folders of authors/ are not read",
    ]


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("posts/blank.md", story("   ", "2024-01-01"), ":2: missing 'title'"),
        ("authors/blank.md", '---\nname: "   "\n---\n', ":2: missing 'name'"),
    ],
)
def test_a_blank_required_value_is_missing(
    good_blog: Blog, capsys: pytest.CaptureFixture[str], file: str, text: str, message: str
) -> None:
    [line] = break_and_build(good_blog, capsys, {file: text})
    assert line.startswith(where(good_blog, file) + message)


@pytest.mark.parametrize("photo", ["/etc/hostname", "../site.yml"])
def test_a_photo_must_be_under_static(
    good_blog: Blog, capsys: pytest.CaptureFixture[str], photo: str
) -> None:
    text = f"---\nname: Ann\nphoto: {photo}\n---\n"
    [line] = break_and_build(good_blog, capsys, {"authors/ann.md": text})
    assert "'photo' is a path under static/" in line


def test_an_unreadable_static_file_is_an_error_before_anything_is_written(
    good_blog: Blog, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = good_blog.content / "static" / "secret.txt"
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: Path(path) != secret and real_access(path, mode)
    )
    [line] = break_and_build(good_blog, capsys, {"static/secret.txt": "x"})
    advice = "allow reading it, or move it out of static/"
    assert line == f"{secret.as_posix()}:1: storyblog may not read this file: {advice}"


def test_base_url_on_the_command_line_replaces_a_bad_one_in_site_yml(
    make_blog: MakeBlog, capsys: pytest.CaptureFixture[str]
) -> None:
    blog = make_blog(site="base_url: not a url\n", build=False)
    assert run(blog, "--base-url", "https://example.org/x/") == 0
    assert blog.page("/").select_one(".site-title a")["href"] == "/x/"


def test_pages_rendered_before_one_fails_are_not_written(
    good_blog: Blog, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Every page changes (base.html does), only the story's fails: the other pages were
    staged, and are thrown away with it; a first build leaves no output folder at all."""
    theme = tmp_path / "theme"
    theme.mkdir()
    for template in TEMPLATES.glob("*.*"):
        (theme / template.name).write_text(template.read_text())
    (theme / "base.html").write_text((theme / "base.html").read_text() + "<!-- new -->\n")
    story_html = (theme / "story.html").read_text()
    (theme / "story.html").write_text(story_html.replace("{{ post.title }}", "{{ post.titel }}"))
    before = snapshot(good_blog.output)
    assert run(good_blog, templates=theme) == 1
    assert snapshot(good_blog.output) == before
    fresh = tmp_path / "fresh"
    assert main(["--content", str(good_blog.content), "--templates", str(theme),
                 "--output", str(fresh)]) == 1  # fmt: skip
    assert not fresh.exists()
    assert "has no 'titel'" in capsys.readouterr().err
