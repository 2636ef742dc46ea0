"""The numbered record of what pages read: merged from workers, compacted, never mixed up."""

from __future__ import annotations

from collections.abc import Hashable

from storyblog.tracking import Access, PageReads


def story(slug: str, name: str) -> Access:
    return (("story", slug), "attr", name)


def seen(reads: PageReads) -> dict[str, set[tuple[Access, Hashable]]]:
    """Each page's reads, by what they are rather than by number."""
    every = list(reads.items())
    return {path: {every[n] for n in numbers} for path, numbers in reads.pages.items()}


def test_parts_merged_keep_each_page_s_reads_and_number_each_read_once() -> None:
    first, second = PageReads(), PageReads()
    first.add("a/", {story("a", "title"): "A", story("b", "title"): "B"})
    second.add("b/", {story("b", "title"): "B", story("b", "date"): 2024})
    second.add("c/", {story("a", "title"): "A"})
    merged = PageReads()
    merged.merge(first)
    merged.merge(second)
    assert len(merged.values) == 3
    assert seen(merged) == {
        "a/": {(story("a", "title"), "A"), (story("b", "title"), "B")},
        "b/": {(story("b", "title"), "B"), (story("b", "date"), 2024)},
        "c/": {(story("a", "title"), "A")},
    }


def test_a_newer_fingerprint_replaces_the_older() -> None:
    memory, later = PageReads(), PageReads()
    memory.add("a/", {story("a", "title"): "Old"})
    memory.add("b/", {story("a", "title"): "Old"})
    later.add("a/", {story("a", "title"): "New"})
    memory.merge(later)
    assert seen(memory)["b/"] == {(story("a", "title"), "New")}


def test_compacting_drops_only_reads_no_page_makes() -> None:
    reads = PageReads()
    reads.add("gone/", {story(str(n), "title"): n for n in range(10)})
    reads.add("kept/", {story("3", "title"): 3, story("x", "date"): 1})
    before = seen(reads)["kept/"]
    del reads.pages["gone/"]
    reads.compact()
    assert len(reads.values) == 2
    assert seen(reads) == {"kept/": before}
