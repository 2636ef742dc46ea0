"""The calendar archive: month grids, linked days, « » between months with stories."""

from __future__ import annotations

import calendar

import pytest
from bs4 import Tag

from storyblog.calendars import month_weeks
from tests.conftest import MakeBlog, story, texts


@pytest.mark.parametrize("first_weekday", range(7))
def test_month_grids_match_pythons_calendar(first_weekday: int) -> None:
    reference = calendar.Calendar(first_weekday)
    for year in (1999, 2000, 2023, 2024, 2025, 2100):
        for month in range(1, 13):
            expected = reference.monthdayscalendar(year, month)
            assert month_weeks(year, month, first_weekday) == expected, (year, month)


def test_six_week_months_and_leap_februaries() -> None:
    assert len(month_weeks(2025, 3, 0)) == 6  # March 2025 starts on a Saturday, has 31 days
    assert len(month_weeks(2026, 2, 6)) == 4  # February 2026 fills four Sunday-first weeks
    assert max(max(week) for week in month_weeks(2024, 2, 0)) == 29
    assert max(max(week) for week in month_weeks(2100, 2, 0)) == 28


def grid(table: Tag) -> list[list[int]]:
    """A calendar table read back as numbers, 0 for an empty cell."""
    rows = table.find("tbody").find_all("tr")
    return [[int(cell.get_text() or 0) for cell in row.find_all("td")] for row in rows]


def day_links(table: Tag) -> dict[int, str]:
    return {int(a.get_text()): a["href"] for a in table.select("td a")}


STORIES = {
    "posts/a.md": story("Leap", "2024-02-29"),
    "posts/b.md": story("March one", "2025-03-04"),
    "posts/c.md": story("March two", "2025-03-11 09:00"),
    "posts/d.md": story("March three", "2025-03-11 18:00"),
    "posts/e.md": story("Sunday", "2025-06-01"),
    "posts/f.md": story("Late", "2023-12-31 23:30"),
}


@pytest.mark.parametrize("first_weekday", ["monday", "sunday"])
def test_year_pages_show_twelve_correct_grids(make_blog: MakeBlog, first_weekday: str) -> None:
    site = f"base_url: https://example.org/\nfirst_weekday: {first_weekday}\n"
    blog = make_blog(STORIES, site=site)
    reference = calendar.Calendar(0 if first_weekday == "monday" else 6)
    for year in (2023, 2024, 2025):
        tables = blog.page(f"/archive/{year}/").select("main table.calendar")
        assert [" ".join(t.caption.get_text().split()) for t in tables] == [
            f"{calendar.month_name[m]} {year}" for m in range(1, 13)
        ]
        for month, table in enumerate(tables, start=1):
            assert grid(table) == reference.monthdayscalendar(year, month)
            headers = [th.abbr["title"] for th in table.select("thead th")]
            assert headers[0] == first_weekday.capitalize()
    assert not blog.exists("/archive/2022/")


def test_days_with_stories_link_to_the_story_or_to_the_day(make_blog: MakeBlog) -> None:
    blog = make_blog(STORIES)
    march = blog.page("/archive/2025/").select("main table.calendar")[2]
    assert day_links(march) == {
        4: "/2025/03/b/",
        11: "/archive/2025/03/#day_11",
    }
    assert march.caption.a["href"] == "/archive/2025/03/"
    april = blog.page("/archive/2025/").select("main table.calendar")[3]
    assert day_links(april) == {} and april.caption.a is None
    month = blog.page("/archive/2025/03/")
    day = month.find(id="day_11")
    assert texts(day.select(".card-title")) == ["March three", "March two"]
    headings = texts(month.select(".archive-day h2"))
    assert headings == ["Tuesday, March 11, 2025", "Tuesday, March 4, 2025"]


def test_a_story_late_in_the_evening_is_on_its_local_day(make_blog: MakeBlog) -> None:
    blog = make_blog(
        {"posts/a.md": story("Late", "2024-01-31 23:30")},
        site="base_url: https://example.org/\ntimezone: America/Chicago\n",
    )
    sidebar = blog.page("/2024/01/a/").select_one(".sidebar table.calendar")
    assert day_links(sidebar) == {31: "/2024/01/a/"}


def test_the_sidebar_shows_the_storys_month_and_arrows_to_nearest_months(
    make_blog: MakeBlog,
) -> None:
    blog = make_blog(STORIES)

    def arrows(path: str) -> tuple[str, str | None, str | None]:
        table = blog.page(path).select_one(".sidebar table.calendar")
        older, newer = table.caption.select(".calendar-arrow")
        title = table.select_one(".calendar-title").get_text()
        return (title, older.get("href"), newer.get("href"))

    assert arrows("/2025/03/b/") == ("March 2025", "/archive/2024/02/", "/archive/2025/06/")
    assert arrows("/2024/02/a/") == ("February 2024", "/archive/2023/12/", "/archive/2025/03/")
    # The ends: shown, but not links.
    assert arrows("/2023/12/f/") == ("December 2023", None, "/archive/2024/02/")
    assert arrows("/") == ("June 2025", "/archive/2025/03/", None)
    assert arrows("/authors/") == ("June 2025", "/archive/2025/03/", None)
    assert arrows("/archive/2024/02/") == ("June 2025", "/archive/2025/03/", None)


def test_the_archive_index_lists_every_year_and_month_with_counts(make_blog: MakeBlog) -> None:
    blog = make_blog(STORIES)
    page = blog.page("/archive/")
    assert texts(page.select(".archive-year h2")) == [
        "2025 (4 stories)",
        "2024 (1 story)",
        "2023 (1 story)",
    ]
    links = {a.get_text(" ", strip=True): a["href"] for a in page.select(".archive-year li a")}
    assert links == {
        "March (3)": "/archive/2025/03/",
        "June (1)": "/archive/2025/06/",
        "February (1)": "/archive/2024/02/",
        "December (1)": "/archive/2023/12/",
    }
    for href in links.values():
        assert blog.exists(href)


def test_a_blog_without_stories_has_an_archive_and_no_calendar(make_blog: MakeBlog) -> None:
    blog = make_blog()
    assert blog.page("/archive/").select_one(".empty") is not None
    assert blog.page("/").select_one(".sidebar table.calendar") is None
