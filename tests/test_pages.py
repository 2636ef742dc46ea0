"""End to end: build small blogs and read the pages as a reader would see them."""

from __future__ import annotations

from conftest import MakeBlog, story, texts


def test_a_story_page_shows_date_title_byline_lesson_body_and_bio(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {
            "posts/2012-11-27-the-umbrella.md": story(
                "The Umbrella", "2012-11-27", lesson='"Trust the guest."',
                body="It rained *hard*.\n\nThen it stopped.",
            ),
        }
    )  # fmt: skip
    page = blog.page("/2012/11/the-umbrella/")
    article = page.select_one("main article.story")
    assert article.select_one("time").get_text() == "Tuesday, November 27, 2012"
    assert article.select_one("time")["datetime"].startswith("2012-11-27T00:00:00")
    assert article.h1.get_text() == "The Umbrella"
    assert texts(article.select(".byline")) == ["Written by Maya Okonkwo"]
    assert article.select_one(".byline a")["href"] == "/authors/maya/"
    lesson = article.select_one("aside.callout-lesson")
    assert texts(lesson.select("p")) == ["Key learning", "Trust the guest."]
    assert article.select_one(".story-body em").get_text() == "hard"
    box = article.select_one(".author-box")
    assert box.select_one(".author-box-name").get_text(strip=True) == "Maya Okonkwo"
    assert texts(box.select(".author-bio")) == ["Maya ran hotel front desks for fifteen years."]
    assert box.select_one('a[href="https://example.org/maya"]') is not None
    assert box.select_one(".avatar-initials").get_text() == "MO"
    assert page.title.get_text() == "The Umbrella · Test Blog"


def test_the_lesson_callout_comes_between_the_byline_and_the_body(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01", lesson='"L."', body="Body.")})
    article = blog.page("/2024/01/a/").select_one("article.story")
    order = [child.get("class", [child.name])[0] for child in article.find_all(recursive=False)]
    assert order == ["story-header", "callout", "story-body", "story-footer"]


def test_co_authors_each_get_a_link_and_a_bio_box(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/together.md": story("Together", "2024-03-01", author="[maya, tom]")})
    article = blog.page("/2024/03/together/").select_one("article.story")
    assert texts(article.select(".byline")) == ["Written by Maya Okonkwo and Tom Gallagher"]
    assert [a["href"] for a in article.select(".byline a")] == ["/authors/maya/", "/authors/tom/"]
    names = [
        box.select_one(".author-box-name a").get_text() for box in article.select(".author-box")
    ]
    assert names == ["Maya Okonkwo", "Tom Gallagher"]
    for path in ("/authors/maya/", "/authors/tom/", "/authors/guests/"):
        assert "Together" in texts(blog.page(path).select(".card-title")), path


def test_previous_and_next_stories_are_linked_in_date_order(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {
            "posts/first.md": story("First", "2024-01-01"),
            "posts/second.md": story("Second", "2024-02-01"),
            "posts/third.md": story("Third", "2024-03-01"),
        }
    )
    nav = blog.page("/2024/02/second/").select_one("nav.story-nav")
    assert nav.select_one('a[rel="prev"]')["href"] == "/2024/01/first/"
    assert nav.select_one('a[rel="next"]')["href"] == "/2024/03/third/"
    assert blog.page("/2024/01/first/").select_one('nav.story-nav a[rel="prev"]') is None
    assert blog.page("/2024/03/third/").select_one('nav.story-nav a[rel="next"]') is None


def test_the_home_page_lists_newest_first_and_paginates(make_blog: MakeBlog) -> None:
    posts = {f"posts/s{n}.md": story(f"Story {n}", f"2024-01-{n:02d}") for n in range(1, 6)}
    blog = make_blog(posts, site="title: T\nposts_per_page: 2\n")
    assert texts(blog.page("/").select("main .card-title")) == ["Story 5", "Story 4"]
    assert texts(blog.page("/page/2/").select("main .card-title")) == ["Story 3", "Story 2"]
    assert texts(blog.page("/page/3/").select("main .card-title")) == ["Story 1"]
    assert not blog.exists("/page/4/") and not blog.exists("/page/1/")
    first = blog.page("/").select_one("nav.pagination")
    assert first.select_one('a[rel="prev"]') is None
    assert first.select_one('a[rel="next"]')["href"] == "/page/2/"
    middle = blog.page("/page/2/").select_one("nav.pagination")
    assert middle.select_one('a[rel="prev"]')["href"] == "/"
    assert middle.select_one('a[rel="next"]')["href"] == "/page/3/"
    assert "Page 2 of 3" in middle.get_text()


def test_listings_show_summary_and_lesson(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {
            "posts/a.md": story(
                "A", "2024-01-01", body="First words.\n\nMore.", lesson='"Be kind."'
            ),
            "posts/b.md": story("B", "2024-01-02", summary='"Told in one line."', body="Body."),
        }
    )
    cards = blog.page("/").select("main article.card")
    assert texts(cards[0].select(".card-summary")) == ["Told in one line."]
    assert texts(cards[1].select(".card-summary")) == ["First words."]
    assert texts(cards[1].select(".callout-lesson p:not(.callout-label)")) == ["Be kind."]
    assert cards[0].select(".callout-lesson") == []


def test_the_authors_index_lists_regulars_then_guests(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {
            "authors/ann.md": "---\nname: Ann Zed\n---\nBio.",
            "authors/bob.md": "---\nname: Bob Guest\nguest: true\n---\nBio.",
            "posts/a.md": story("A", "2024-01-01", author="ann"),
        }
    )
    main = blog.page("/authors/").main
    sections = main.select("section")
    assert texts(sections[0].select(".author-card-name")) == ["Ann Zed", "Maya Okonkwo"]
    assert texts(sections[1].select(".author-card-name")) == ["Bob Guest", "Tom Gallagher"]
    assert texts(sections[0].select(".author-card-count")) == ["1 story", "0 stories"]


def test_an_author_page_has_bio_website_photo_and_paginated_stories(make_blog: MakeBlog) -> None:
    posts = {f"posts/s{n}.md": story(f"Story {n}", f"2024-02-{n:02d}") for n in range(1, 4)}
    blog = make_blog(
        {
            **posts,
            "authors/maya.md": "---\nname: Maya Okonkwo\nwebsite: https://example.org/m\n"
            "photo: images/maya.jpg\n---\nShe ran hotels.",
            "static/images/maya.jpg": b"\xff\xd8 not really a jpeg",
        },
        site="posts_per_page: 2\n",
    )
    page = blog.page("/authors/maya/")
    assert page.h1.get_text(strip=True) == "Maya Okonkwo"
    assert texts(page.select("main .author-bio")) == ["She ran hotels."]
    assert page.select_one('main a[href="https://example.org/m"]') is not None
    assert page.select_one("main img.avatar")["src"] == "/images/maya.jpg"
    assert blog.exists("/images/maya.jpg")
    assert texts(page.select("main .card-title")) == ["Story 3", "Story 2"]
    assert texts(blog.page("/authors/maya/page/2/").select("main .card-title")) == ["Story 1"]


def test_an_author_with_no_stories_yet_still_has_a_page(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01")})
    page = blog.page("/authors/tom/")
    assert page.h1.get_text(" ", strip=True) == "Tom Gallagher Guest"
    assert "not published a story yet" in page.main.get_text()


def test_the_guest_bloggers_page_gathers_every_guest_story(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {
            "authors/ada.md": "---\nname: Ada Visitor\nguest: true\n---\nBio.",
            "posts/a.md": story("By Maya", "2024-01-01"),
            "posts/b.md": story("By Tom", "2024-01-02", author="tom"),
            "posts/c.md": story("By Ada", "2024-01-03", author="ada"),
        }
    )
    page = blog.page("/authors/guests/")
    assert page.h1.get_text() == "Guest Bloggers"
    assert texts(page.select("main .card-title")) == ["By Ada", "By Tom"]
    assert texts(page.select("main .guest-list a")) == ["AV Ada Visitor", "TG Tom Gallagher"]


def test_every_page_has_the_sidebar_with_authors_and_guest_bloggers(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {"posts/a.md": story("A", "2024-01-01"), "pages/about.md": "---\ntitle: About\n---\nHi."}
    )
    for path in ("/", "/2024/01/a/", "/authors/", "/authors/maya/", "/authors/guests/",
                 "/about/", "/404.html"):  # fmt: skip
        sidebar = blog.page(path).select_one("body > .layout > aside.sidebar")
        assert sidebar is not None, path
        authors = sidebar.select(".sidebar-authors a")
        assert [a["href"] for a in authors] == ["/authors/maya/"], path
        assert "All of Maya’s posts (1)" in authors[0].get_text(), path
        assert sidebar.select_one('a[href="/authors/guests/"]') is not None, path


def test_standalone_pages_and_the_404_page(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {
            "posts/a-story.md": story("A Story", "2024-01-01"),
            "pages/about.md": "---\ntitle: About us\n---\nWe *write*.",
        }
    )
    about = blog.page("/about/")
    assert about.h1.get_text() == "About us"
    assert about.select_one("main em").get_text() == "write"
    assert about.select_one('nav.site-nav a[href="/about/"]')["aria-current"] == "page"
    missing = blog.page("/404.html")
    assert missing.h1.get_text() == "This page is not here"
    assert [a["href"] for a in missing.select("main .story-list a")] == ["/2024/01/a-story/"]


def test_front_matter_reaches_the_page_as_text(make_blog: MakeBlog) -> None:
    title = "Bread & Circus <after> 9 p.m."
    blog = make_blog({"posts/a.md": story(title, "2024-01-01", lesson='"Use <b> & smile"')})
    page = blog.page("/2024/01/a/")
    assert page.h1.get_text() == title
    assert page.h1.find("after") is None
    assert page.title.get_text() == f"{title} · Test Blog"
    assert page.select_one("main .callout-lesson b") is None
    assert "Use <b> & smile" in page.select_one("main .callout-lesson").get_text()


def test_every_link_honours_a_base_url_with_a_path(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {"posts/a.md": story("A", "2024-01-01"), "pages/about.md": "---\ntitle: About\n---\nx"},
        site="base_url: https://example.org/blog\n",
    )
    for path in ("/", "/2024/01/a/", "/authors/maya/", "/about/"):
        page = blog.page(path)
        links = [a["href"] for a in page.select("a[href]")] + [
            link["href"] for link in page.select("link[rel=stylesheet]")
        ]
        internal = [h for h in links if not h.startswith(("https://example.org/maya", "#"))]
        assert internal, path
        assert all(h.startswith("/blog/") for h in internal), (path, internal)
    canonical = blog.page("/2024/01/a/").select_one('link[rel="canonical"]')["href"]
    assert canonical == "https://example.org/blog/2024/01/a/"


def test_base_url_given_on_the_command_line_wins(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01")}, base_url="https://x.test/sub/")
    assert blog.page("/").select_one(".site-title a")["href"] == "/sub/"


def test_a_late_evening_story_stays_on_its_local_day(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {"posts/late.md": story("Late", "2024-12-31 23:30")}, site="timezone: America/Chicago\n"
    )
    page = blog.page("/2024/12/late/")
    assert page.select_one("article time").get_text() == "Tuesday, December 31, 2024"
    assert page.select_one("article time")["datetime"] == "2024-12-31T23:30:00-06:00"


def test_an_offset_moves_the_story_to_its_day_in_the_sites_timezone(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {"posts/a.md": story("A", "2025-01-01 01:00+01:00")}, site="timezone: America/Chicago\n"
    )
    assert blog.exists("/2024/12/a/")
    assert blog.page("/2024/12/a/").select_one("article time").get_text().endswith("31, 2024")


def test_slugs_come_from_the_file_name_without_its_date(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {
            "posts/2024-05-01-Café Crème.md": story("Anything", "2024-05-01"),
            "posts/nested/folder/Привет.md": story("Hello", "2024-05-02"),
            "posts/x.md": story("Chosen", "2024-05-03", slug="My Own Slug"),
        }
    )
    assert blog.exists("/2024/05/cafe-creme/")
    assert blog.exists("/2024/05/privet/")
    assert blog.exists("/2024/05/my-own-slug/")


def test_updated_is_shown_on_the_story(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01", updated="2024-02-03")})
    updated = blog.page("/2024/01/a/").select_one(".updated")
    assert " ".join(updated.get_text().split()) == "Updated Saturday, February 3, 2024"


def test_other_front_matter_reaches_templates_as_meta(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/a.md": story("A", "2024-01-01", reprint='"First in the Gazette."')})
    assert texts(blog.page("/2024/01/a/").select(".reprint")) == ["First in the Gazette."]


def test_drafts_are_left_out_unless_asked_for(make_blog: MakeBlog) -> None:
    files = {
        "posts/a.md": story("Published", "2024-01-01"),
        "posts/unfinished.md": story("Unfinished", "2024-01-02", draft="true"),
    }
    blog = make_blog(files)
    assert not blog.exists("/2024/01/unfinished/")
    assert "Unfinished" not in blog.page("/").get_text()
    blog.build(drafts=True)
    assert blog.exists("/2024/01/unfinished/")
    assert texts(blog.page("/2024/01/unfinished/").select("article .badge")) == ["Draft"]


def test_a_blog_without_site_yml_or_stories_still_builds(make_blog: MakeBlog) -> None:
    blog = make_blog({}, with_authors=False)
    (blog.content / "site.yml").unlink()
    result = blog.build()
    assert result.stories == 0
    assert blog.page("/").select_one(".site-title").get_text() == "My Story Blog"
    assert blog.exists("/authors/") and blog.exists("/authors/guests/") and blog.exists("/404.html")


def test_ids_are_unique_on_a_page_with_a_body_and_bios_alike(make_blog: MakeBlog) -> None:
    bio = "---\nname: {name}\n---\n## Content\n\nA bio.[^1]\n\n[^1]: A bio note.\n"
    body = "## Content\n\nThe story.[^1]\n\n## Site content\n\nMore.\n\n[^1]: A story note.\n"
    blog = make_blog(
        {
            "authors/maya.md": bio.format(name="Maya Okonkwo"),
            "authors/tom.md": bio.format(name="Tom Gallagher"),
            "posts/a.md": story("A", "2024-01-01", author="[maya, tom]", body=body),
        }
    )
    page = blog.page("/2024/01/a/")
    ids = [element["id"] for element in page.select("[id]")]
    assert len(ids) == len(set(ids)), sorted(ids)
    assert page.select_one(".skip-link")["href"] == "#site_content"
    for link in page.select('main a[href^="#"]'):
        assert page.find(id=link["href"][1:]) is not None, link
    assert page.select_one(".story-body h2")["id"] == "content"


def test_a_story_file_with_a_byte_order_mark_and_windows_line_ends(make_blog: MakeBlog) -> None:
    text = story("Windows", "2024-01-01", lesson='"Works."').replace("\n", "\r\n")
    blog = make_blog({"posts/win.md": "\ufeff" + text})
    page = blog.page("/2024/01/win/")
    assert page.h1.get_text() == "Windows"
    assert texts(page.select("main .callout-lesson p:not(.callout-label)")) == ["Works."]
