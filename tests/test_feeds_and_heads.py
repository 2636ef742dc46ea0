"""What feed readers, crawlers and link previews see: Atom feeds, the sitemap, page heads."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import feedparser

from tests.conftest import MakeBlog, story

SITE = "title: Test Blog\nbase_url: https://example.org/blog/\ntimezone: Europe/London\n"
FILES = {
    "posts/a.md": story("First & best", "2024-01-05 10:00", lesson="Trust first.",
                        body="Hello [there](../../02/b/).", tags="[care]"),
    "posts/b.md": story("Second", "2024-02-05", author="[maya, tom]", updated="2024-03-01"),
    "posts/c.md": story("Hidden", "2024-02-06", draft="true"),
    "pages/about.md": "---\ntitle: About\n---\nAbout us.\n",
}  # fmt: skip


def test_the_feed_parses_with_every_published_story(make_blog: MakeBlog) -> None:
    blog = make_blog(FILES, site=SITE, drafts=True)
    feed = feedparser.parse(blog.file("/feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Test Blog"
    assert feed.feed.link == "https://example.org/blog/"
    assert [e.title for e in feed.entries] == ["Second", "First & best"]  # never a draft
    second, first = feed.entries
    assert [a.name for a in second.authors] == ["Maya Okonkwo", "Tom Gallagher"]
    assert second.link == "https://example.org/blog/2024/02/b/"
    assert second.published == "2024-02-05T00:00:00+00:00"
    assert second.updated == "2024-03-01T00:00:00+00:00"
    assert first.id == "tag:example.org,2024-01-05:/blog/2024/01/a/"
    content = first.content[0].value
    assert "Trust first." in content  # the lesson callout leads the full text
    assert 'href="https://example.org/blog/2024/02/b/"' in content  # relative links resolved
    assert [t.term for t in first.tags] == ["care"]


def test_feed_ids_are_the_same_in_every_build(make_blog: MakeBlog) -> None:
    blog = make_blog(FILES, site=SITE)
    before = blog.file("/feed.xml").read_bytes()
    blog.write({"posts/d.md": story("Third", "2024-04-01")})
    blog.build()
    ids = [e.id for e in feedparser.parse(blog.file("/feed.xml").read_bytes()).entries]
    old_ids = [e.id for e in feedparser.parse(before).entries]
    assert ids[1:] == old_ids


def test_each_author_has_a_feed_of_their_stories(make_blog: MakeBlog) -> None:
    blog = make_blog(FILES, site=SITE)
    feed = feedparser.parse(blog.file("/authors/tom/feed.xml").read_bytes())
    assert not feed.bozo
    assert feed.feed.title == "Tom Gallagher · Test Blog"
    assert [e.title for e in feed.entries] == ["Second"]
    head = blog.page("/authors/tom/").head
    feeds = [link["href"] for link in head.select('link[rel="alternate"]')]
    assert feeds == ["/blog/feed.xml", "/blog/authors/tom/feed.xml"]


def test_every_page_links_the_feed_in_its_head(make_blog: MakeBlog) -> None:
    blog = make_blog(FILES, site=SITE)
    for path in ("/", "/2024/01/a/", "/about/", "/lessons/", "/tags/", "/archive/2024/01/"):
        link = blog.page(path).head.select_one('link[type="application/atom+xml"]')
        assert link["href"] == "/blog/feed.xml", path


def test_the_sitemap_lists_every_page_and_robots_names_it(make_blog: MakeBlog) -> None:
    blog = make_blog(FILES, site=SITE, drafts=True)
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring(blog.file("/sitemap.xml").read_bytes())
    entries = {
        url.findtext("s:loc", namespaces=namespace): url.findtext("s:lastmod", namespaces=namespace)
        for url in root.findall("s:url", namespace)
    }
    html_files = {
        path.relative_to(blog.output).as_posix().removesuffix("index.html")
        for path in blog.output.rglob("index.html")
    }
    expected = {"https://example.org/blog/" + path for path in html_files} - {
        "https://example.org/blog/2024/02/c/"  # a draft, built only for the preview
    }
    assert set(entries) == expected
    assert entries["https://example.org/blog/2024/02/b/"] == "2024-03-01T00:00:00+00:00"
    assert entries["https://example.org/blog/"] == "2024-03-01T00:00:00+00:00"
    assert entries["https://example.org/blog/about/"] is not None
    assert not blog.exists("/robots.txt")  # crawlers read it only at the host's root


def test_robots_txt_names_the_sitemap(make_blog: MakeBlog) -> None:
    blog = make_blog(FILES)
    robots = blog.file("/robots.txt").read_text()
    assert "Sitemap: https://example.org/sitemap.xml" in robots.splitlines()


def test_a_robots_txt_of_the_blogs_own_replaces_the_default(make_blog: MakeBlog) -> None:
    blog = make_blog({**FILES, "static/robots.txt": "User-agent: *\nDisallow: /\n"})
    assert blog.file("/robots.txt").read_text() == "User-agent: *\nDisallow: /\n"


def test_a_story_head_has_description_canonical_open_graph_and_json_ld(
    make_blog: MakeBlog,
) -> None:
    blog = make_blog(FILES, site=SITE)
    head = blog.page("/2024/02/b/").head

    def meta(prop: str) -> list[str]:
        return [m["content"] for m in head.select(f'meta[property="{prop}"]')]

    assert head.title.get_text() == "Second · Test Blog"
    assert head.select_one('meta[name="description"]')["content"] == "A story."
    assert head.select_one('link[rel="canonical"]')["href"] == "https://example.org/blog/2024/02/b/"
    assert meta("og:type") == ["article"]
    assert meta("og:title") == ["Second"]
    assert meta("og:url") == ["https://example.org/blog/2024/02/b/"]
    assert meta("article:published_time") == ["2024-02-05T00:00:00+00:00"]
    assert meta("article:author") == [
        "https://example.org/blog/authors/maya/",
        "https://example.org/blog/authors/tom/",
    ]
    data = json.loads(head.select_one('script[type="application/ld+json"]').string)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Second"
    assert data["datePublished"] == "2024-02-05T00:00:00+00:00"
    assert data["dateModified"] == "2024-03-01T00:00:00+00:00"
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Maya Okonkwo",
            "url": "https://example.org/blog/authors/maya/",
        },
        {
            "@type": "Person",
            "name": "Tom Gallagher",
            "url": "https://example.org/blog/authors/tom/",
        },
    ]


def test_json_ld_cannot_break_out_of_its_script(make_blog: MakeBlog) -> None:
    blog = make_blog({"posts/a.md": story("</script><b>x", "2024-01-01")}, site=SITE)
    script = blog.page("/2024/01/a/").head.select_one('script[type="application/ld+json"]')
    assert json.loads(script.string)["headline"] == "</script><b>x"
