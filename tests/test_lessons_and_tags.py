"""The lessons library and tags: every key learning listed, tags merged by spelling."""

from __future__ import annotations

import pytest

from storyblog.errors import BuildFailed
from storyblog.slugs import slugify
from tests.conftest import MakeBlog, story, texts

CALLOUT_BODY = """\
First paragraph.

!!! lesson "A second lesson"
    Ask **one** more question.

!!! action
    Not a lesson.
"""


def test_the_lessons_page_lists_every_lesson_newest_first(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {
            "posts/a.md": story("Old", "2024-01-01", lesson='"Trust first."'),
            "posts/b.md": story(
                "New", "2024-06-01", lesson='"Listen <longer>."', body=CALLOUT_BODY
            ),
            "posts/c.md": story("None", "2024-07-01"),
            "posts/d.md": story("Guest", "2024-03-01", author="tom", lesson="Bake early."),
        }
    )
    page = blog.page("/lessons/")
    lessons = page.select("ol.lessons > li")
    assert texts(li.select_one(".lesson-text") for li in lessons) == [
        "Listen <longer>.",
        "Ask one more question.",
        "Bake early.",
        "Trust first.",
    ]
    assert lessons[1].select_one(".lesson-text strong").get_text() == "one"
    source = lessons[0].select_one(".lesson-source")
    assert source.a["href"] == "/2024/06/b/" and source.a.get_text() == "New"
    assert "Maya Okonkwo" in source.get_text() and source.time["datetime"].startswith("2024-06-01")


def test_lessons_can_be_browsed_by_author_guests_and_tag(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {
            "posts/a.md": story("A", "2024-01-01", lesson="One.", tags="[care]"),
            "posts/b.md": story(
                "B", "2024-02-01", author="tom", lesson="Two.", tags="[care, bread]"
            ),
            "posts/c.md": story("C", "2024-03-01", tags="[bread]"),
        }
    )
    browse = blog.page("/lessons/").select_one("nav.lesson-browse")
    links = {a.get_text(" ", strip=True): a["href"] for a in browse.select("a")}
    assert links == {
        "Maya Okonkwo (1)": "/lessons/authors/maya/",
        "Tom Gallagher (1)": "/lessons/authors/tom/",
        "Guest bloggers (1)": "/lessons/authors/guests/",
        "bread (1)": "/lessons/tags/bread/",
        "care (2)": "/lessons/tags/care/",
    }
    shown = {href: texts(blog.page(href).select(".lesson-text")) for href in links.values()}
    assert shown == {
        "/lessons/authors/maya/": ["One."],
        "/lessons/authors/tom/": ["Two."],
        "/lessons/authors/guests/": ["Two."],
        "/lessons/tags/bread/": ["Two."],
        "/lessons/tags/care/": ["Two.", "One."],
    }
    assert blog.page("/lessons/tags/care/").h1.get_text() == "Lessons tagged ‘care’"


def test_many_lessons_are_paginated(make_blog: MakeBlog) -> None:
    files = {f"posts/s{n:02d}.md": story(f"S{n}", f"2024-01-{n:02d}", lesson=f"L{n}.")
             for n in range(1, 31)}  # fmt: skip
    files |= {f"posts/t{n:02d}.md": story(f"T{n}", f"2024-02-{n:02d}", lesson=f"M{n}.")
              for n in range(1, 26)}  # fmt: skip
    blog = make_blog(files)
    assert len(blog.page("/lessons/").select("ol.lessons > li")) == 50
    assert texts(blog.page("/lessons/page/2/").select(".lesson-text")) == [
        f"L{n}." for n in range(5, 0, -1)
    ]


def test_tags_that_differ_in_case_or_spacing_are_one_tag(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {
            "posts/a.md": story("A", "2024-01-01", tags='["Small gestures", travel]'),
            "posts/b.md": story("B", "2024-01-02", tags='["small  gestures"]'),
            "posts/c.md": story("C", "2024-01-03", tags='["small gestures", "Small Gestures"]'),
        }
    )
    index = blog.page("/tags/")
    assert texts(index.select(".tag-index a")) == ["small gestures (3)", "travel (1)"]
    tag_page = blog.page("/tags/small-gestures/")
    assert texts(tag_page.select(".card-title")) == ["C", "B", "A"]
    assert texts(blog.page("/2024/01/a/").select(".story-tags a")) == ["small gestures", "travel"]
    assert [a["href"] for a in blog.page("/2024/01/c/").select(".story-tags a")] == [
        "/tags/small-gestures/"
    ]


def test_tags_in_any_script_get_readable_addresses(make_blog: MakeBlog) -> None:
    tags = ["Gastfreundschaft", "Café crème", "гостеприимство", "おもてなし"]
    quoted = ", ".join(f'"{tag}"' for tag in tags)
    blog = make_blog({"posts/a.md": story("A", "2024-01-01", tags=f"[{quoted}]")})
    hrefs = [a["href"] for a in blog.page("/tags/").select(".tag-index a")]
    assert sorted(hrefs) == sorted(f"/tags/{slugify(tag)}/" for tag in tags)
    assert "/tags/cafe-creme/" in hrefs and "/tags/gostepriimstvo/" in hrefs
    assert "/tags/o-mo-te-na-shi/" in hrefs
    for href in hrefs:
        assert blog.exists(href)


def test_tag_pages_are_paginated(make_blog: MakeBlog) -> None:
    files = {f"posts/s{n}.md": story(f"S{n}", f"2024-01-{n:02d}", tags="[care]")
             for n in range(1, 13)}  # fmt: skip
    blog = make_blog(files)  # ten stories a page by default
    assert len(blog.page("/tags/care/").select(".card")) == 10
    assert texts(blog.page("/tags/care/page/2/").select(".card-title")) == ["S2", "S1"]


def test_tags_that_only_share_an_address_are_an_error(
    make_blog: MakeBlog, capsys: pytest.CaptureFixture[str]
) -> None:
    blog = make_blog(
        {
            "posts/a.md": story("A", "2024-01-01", tags='["C++"]'),
            "posts/b.md": story("B", "2024-01-02", tags='["C#", "Café"]'),
            "posts/c.md": story("C", "2024-01-03", tags='["cafe"]'),
        },
        build=False,
    )
    with pytest.raises(BuildFailed) as failure:
        blog.build()
    assert [str(problem) for problem in failure.value.problems] == [
        f"{blog.content.as_posix()}/posts/b.md:5: the tags 'C#' and 'C++' (in "
        f"{blog.content.as_posix()}/posts/a.md) would share the address /tags/c/: "
        "spell one of them in other words"
    ]


def test_a_lesson_callout_on_the_lessons_page_has_no_footnote_marks_or_ids(
    make_blog: MakeBlog,
) -> None:
    body = "Text.[^1]\n\n!!! lesson\n    Trust first.[^1]\n\n    ## Why\n\n[^1]: A note.\n"
    blog = make_blog({"posts/a.md": story("A", "2024-01-01", body=body)})
    lesson = blog.page("/lessons/").select_one(".lesson-text")
    assert " ".join(lesson.get_text().split()) == "Trust first. Why"
    assert lesson.select("[id]") == [] and lesson.select("a") == []
