"""The numbered record of what pages read: merged from workers, compacted, never mixed up."""

from __future__ import annotations

import random

from storyblog.tracking import Access, PageReads


def story(slug: str, name: str) -> Access:
    return (("story", slug), "attr", name)


def add(reads: PageReads, path: str, accesses: list[Access]) -> None:
    """A page's reads, numbered as the renderer numbers them."""
    reads.add(path, [reads.number(access) for access in accesses])


def by_page(reads: PageReads) -> dict[str, set[Access]]:
    """Each page's reads, by what they are rather than by number."""
    every = {number: access for access, number in reads.numbers.items()}
    assert sorted(every) == list(range(len(reads.numbers)))
    return {path: {every[n] for n in numbers} for path, numbers in reads.pages.items()}


def test_parts_merged_keep_each_page_s_reads_and_number_each_read_once() -> None:
    first, second = PageReads(), PageReads()
    add(first, "a/", [story("a", "title"), story("b", "title")])
    add(second, "b/", [story("b", "title"), story("b", "date")])
    add(second, "c/", [story("a", "title")])
    merged = PageReads()
    assert merged.merge(first) == [0, 1]
    assert merged.merge(second) == [1, 2, 0]  # b's title, b's date, a's title
    assert by_page(merged) == {
        "a/": {story("a", "title"), story("b", "title")},
        "b/": {story("b", "title"), story("b", "date")},
        "c/": {story("a", "title")},
    }


def test_a_worker_numbers_only_new_reads_on_top_of_the_record_it_was_forked_from() -> None:
    merged = PageReads()
    add(merged, "a/", [story("a", "title"), story("b", "title")])
    known = dict(merged.numbers)  # as the worker sees it, forked now
    worker = PageReads(first=len(known))
    worker.add("c/", [known[story("b", "title")], worker.number(story("c", "date"))])
    add(merged, "d/", [story("d", "title")])  # merged from another worker meanwhile
    assert merged.merge(worker) == [0, 1, 3]  # c's date is the third read here, not the second
    assert by_page(merged)["c/"] == {story("b", "title"), story("c", "date")}
    assert by_page(merged)["d/"] == {story("d", "title")}
    assert len(merged.numbers) == 4


def test_compacting_drops_only_reads_no_page_makes_and_says_which_it_kept() -> None:
    reads = PageReads()
    add(reads, "gone/", [story(str(n), "title") for n in range(10)])
    add(reads, "kept/", [story("3", "title"), story("x", "date")])
    before = by_page(reads)["kept/"]
    assert reads.compact() is None  # every read is still made
    reads.drop("gone/")
    assert reads.compact() == [3, 10]  # 2 of 11 are made: their old numbers
    assert by_page(reads) == {"kept/": before}


def test_compacting_looks_again_only_after_a_page_is_dropped_or_the_reads_grow() -> None:
    reads = PageReads()
    add(reads, "first/", [story(str(n), "title") for n in range(8)])
    assert reads.compact() is None
    reads.pages["first/"] = reads.pages["first/"][:1]  # rendered again, reading less
    assert reads.compact() is None  # not looked: nothing dropped, nothing grown
    add(reads, "second/", [story("new", str(n)) for n in range(2)])
    assert reads.compact() == [0, 8, 9]  # grown by a quarter: looked


def test_reads_numbered_out_of_the_dict_s_order_compact_and_merge_by_number() -> None:
    """Changes loaded from the cache leave the numbers in the order of the state they were
    applied to: a page must still keep its own reads, not those at its numbers' places."""
    reads = PageReads()
    add(reads, "gone/", [story(str(n), "title") for n in range(10)])
    add(reads, "kept/", [story("3", "title"), story("x", "date")])
    before = by_page(reads)["kept/"]
    shuffled = list(reads.numbers.items())
    random.Random(5).shuffle(shuffled)
    reads.numbers = dict(shuffled)
    reads.drop("gone/")
    assert reads.compact() == [3, 10]
    assert by_page(reads) == {"kept/": before}

    worker = PageReads()
    add(worker, "new/", [story("a", "title"), story("b", "title")])
    add(worker, "other/", [story("x", "date")])
    worker.numbers = dict(reversed(worker.numbers.items()))
    numbers = reads.merge(worker)  # by the worker's numbers: a's title, b's title, x's date
    read_here = reads.numbers
    assert numbers == [read_here[story("a", "title")], read_here[story("b", "title")],
                       read_here[story("x", "date")]]  # fmt: skip
    assert by_page(reads)["new/"] == {story("a", "title"), story("b", "title")}
    assert by_page(reads)["other/"] == {story("x", "date")}


def test_reads_merged_into_none_keep_their_numbers_in_any_order() -> None:
    """A cold build's reads are taken as they are: each page keeps its own."""
    worker = PageReads()
    add(worker, "a/", [story("a", "title"), story("b", "title")])
    add(worker, "b/", [story("b", "date")])
    worker.numbers = dict(reversed(worker.numbers.items()))
    merged = PageReads()
    assert merged.merge(worker) == [0, 1, 2]
    assert by_page(merged) == by_page(worker)
    add(worker, "c/", [story("c", "title")])
    assert "c/" not in merged.pages and len(merged.numbers) == 3  # nothing shared to change
