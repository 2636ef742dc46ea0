"""Month calendars for the archive and the sidebar: the grid of days, and where each day links.

The grid is plain date arithmetic, tested against Python's `calendar` module.
A day with one story links to the story; a day with several links to that day
on the month page. « and » lead to the nearest months that have stories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from storyblog.dates import MONTH_NAMES, WEEKDAY_NAMES
from storyblog.models import Story
from storyblog.urls import Urls, day_anchor, month_path

Month = tuple[int, int]
"""(year, month)"""


def month_weeks(year: int, month: int, first_weekday: int) -> list[list[int]]:
    """The month as weeks of seven day numbers, 0 for a day of the month before or after.
    first_weekday: 0 for Monday … 6 for Sunday."""
    first = date(year, month, 1)
    next_month = date(year + month // 12, month % 12 + 1, 1)
    leading = (first.weekday() - first_weekday) % 7
    cells = [0] * leading + list(range(1, (next_month - first).days + 1))
    cells += [0] * (-len(cells) % 7)
    return [cells[start : start + 7] for start in range(0, len(cells), 7)]


def weekday_names(first_weekday: int) -> tuple[str, ...]:
    return tuple(WEEKDAY_NAMES[(first_weekday + n) % 7] for n in range(7))


def month_title(month: Month) -> str:
    return f"{MONTH_NAMES[month[1] - 1]} {month[0]}"


@dataclass(frozen=True)
class Link:
    """To another month or year: `March 2025`."""

    title: str
    href: str


@dataclass(frozen=True)
class CalendarDay:
    number: int
    """0 for a cell that belongs to the month before or after."""
    href: str | None = None
    when: str = ""
    """`March 10, 2024`: with the stories' titles, the link's title for screen readers."""
    stories: tuple[Story, ...] = ()
    """The stories themselves, not their titles: a template that shows a title reads it, so
    an edited title is tracked to the pages that show it."""


PLAIN_DAYS = tuple(CalendarDay(number) for number in range(32))
"""Days without stories (0: a day of another month), shared by every calendar."""


@dataclass(frozen=True)
class MonthCalendar:
    year: int
    month: int
    title: str
    """March 2025"""
    href: str | None
    """The month's page, when it has stories."""
    weekdays: tuple[str, ...]
    """Full names, in the site's order: the template shortens them."""
    weeks: tuple[tuple[CalendarDay, ...], ...]
    older: Link | None
    newer: Link | None


class Calendars:
    """The calendar of any month of a blog, each built once however many pages show it."""

    def __init__(self, stories: Sequence[Story], first_weekday: int, urls: Urls) -> None:
        self.first_weekday = first_weekday
        self.urls = urls
        self.by_day: dict[Month, dict[int, list[Story]]] = {}
        for story in stories:
            month = (story.date.year, story.date.month)
            self.by_day.setdefault(month, {}).setdefault(story.date.day, []).append(story)
        self.months = sorted(self.by_day)
        """Months with stories, oldest first."""
        self.month = cache(self._month)

    @property
    def newest(self) -> MonthCalendar | None:
        return self.month(*self.months[-1]) if self.months else None

    def _month(self, year: int, month: int) -> MonthCalendar:
        days = self.by_day.get((year, month), {})
        weeks = [
            tuple(self._day(year, month, number, days.get(number, [])) for number in week)
            for week in month_weeks(year, month, self.first_weekday)
        ]
        return MonthCalendar(
            year=year,
            month=month,
            title=month_title((year, month)),
            href=self.month_href((year, month)) if days else None,
            weekdays=weekday_names(self.first_weekday),
            weeks=tuple(weeks),
            older=self._link(max((m for m in self.months if m < (year, month)), default=None)),
            newer=self._link(min((m for m in self.months if m > (year, month)), default=None)),
        )

    def _day(self, year: int, month: int, number: int, stories: Sequence[Story]) -> CalendarDay:
        if not stories:
            return PLAIN_DAYS[number]
        when = f"{MONTH_NAMES[month - 1]} {number}, {year}"
        if len(stories) == 1:
            href = self.urls.url_for("story", stories[0])
        else:
            href = f"{self.month_href((year, month))}#{day_anchor(number)}"
        return CalendarDay(number, href, when, tuple(stories))

    def _link(self, month: Month | None) -> Link | None:
        return None if month is None else Link(month_title(month), self.month_href(month))

    def month_href(self, month: Month) -> str:
        return self.urls.href(month_path(*month))

    def stories_in(self, month: Month) -> list[Story]:
        return [story for day in self.by_day.get(month, {}).values() for story in day]

    def stories_by_day(self, month: Month) -> Mapping[int, Sequence[Story]]:
        """The month's days with stories, latest day first, as its page lists them."""
        return dict(sorted(self.by_day.get(month, {}).items(), reverse=True))
