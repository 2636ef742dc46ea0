"""Link safety: the sample blog, hosted in a sub-folder, has no link that leads nowhere."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import SAMPLE_CONTENT, TEMPLATES

from storyblog.builder import BuildOptions, build

BASE = "https://moments.test/blog/"
"""Not the sample's own host: its authors' websites on example.org are other sites."""
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("linked") / "site"
    build(BuildOptions(SAMPLE_CONTENT, TEMPLATES, output, base_url=BASE))
    return output


def url_of(output: Path, file: Path) -> str:
    relative = file.relative_to(output).as_posix()
    return BASE + relative.removesuffix("index.html")


def links_in_page(output: Path, file: Path) -> list[str]:
    soup = BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")
    found = [tag[attr] for attr in ("href", "src") for tag in soup.find_all(attrs={attr: True})]
    return [urljoin(url_of(output, file), link) for link in found]


def links_in_feed(file: Path) -> list[str]:
    root = ET.parse(file).getroot()
    links = [link.get("href", "") for link in root.iter(f"{ATOM}link")]
    return links + [uri.text or "" for uri in root.iter(f"{ATOM}uri")]


def test_every_internal_link_asset_and_feed_link_resolves(output: Path) -> None:
    links: dict[str, set[str]] = {}
    for file in output.rglob("*.html"):
        for link in links_in_page(output, file):
            links.setdefault(link, set()).add(url_of(output, file))
    for file in output.rglob("feed.xml"):
        for link in links_in_feed(file):
            links.setdefault(link, set()).add(file.relative_to(output).as_posix())
    sitemap = ET.parse(output / "sitemap.xml").getroot()
    for loc in sitemap.iter(f"{SITEMAP}loc"):
        links.setdefault(loc.text or "", set()).add("sitemap.xml")

    broken = []
    checked = 0
    for link, pages in sorted(links.items()):
        parts = urlsplit(link)
        if parts.netloc != "moments.test":
            continue
        checked += 1
        target = resolve(output, parts.path)
        if target is None:
            broken.append(f"{link} (from {sorted(pages)[0]})")
        elif parts.fragment and target.suffix == ".html":
            soup = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
            if soup.find(id=parts.fragment) is None:
                broken.append(f"{link}: no #{parts.fragment} (from {sorted(pages)[0]})")
    assert broken == []
    assert checked > 150


def resolve(output: Path, path: str) -> Path | None:
    """The file a static host would serve for a path, or None (outside the blog, or missing)."""
    if not path.startswith("/blog/"):
        return None
    relative = unquote(path.removeprefix("/blog/"))
    target = output / relative
    if relative == "" or relative.endswith("/"):
        target = target / "index.html"
    return target if target.is_file() else None


def test_the_crawl_finds_a_broken_link(output: Path, tmp_path: Path) -> None:
    """The crawler itself can fail: a link to a page that does not exist is caught."""
    assert resolve(output, "/blog/archive/1999/") is None
    assert resolve(output, "/archive/") is None  # outside the sub-folder
    assert resolve(output, "/blog/archive/") == output / "archive" / "index.html"
