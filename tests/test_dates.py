from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from storyblog.dates import DateError, long_date, parse_date

CHICAGO = ZoneInfo("America/Chicago")
UTC = ZoneInfo("UTC")


def test_a_day_is_midnight_in_the_sites_timezone() -> None:
    moment = parse_date("2024-11-27", CHICAGO)
    assert moment == datetime(2024, 11, 27, 6, tzinfo=UTC)
    assert moment.isoformat() == "2024-11-27T00:00:00-06:00"


def test_a_time_without_offset_is_local_and_keeps_its_day() -> None:
    moment = parse_date("2024-11-27 23:30", CHICAGO)
    assert (moment.year, moment.month, moment.day, moment.hour, moment.minute) == (
        2024, 11, 27, 23, 30,
    )  # fmt: skip
    assert moment.astimezone(UTC).day == 28  # the next day in UTC, still the 27th on the blog


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2024-11-27 18:30:15+02:00", datetime(2024, 11, 27, 16, 30, 15, tzinfo=UTC)),
        ("2024-11-27T18:30-05:00", datetime(2024, 11, 27, 23, 30, tzinfo=UTC)),
        ("2024-11-27 18:30Z", datetime(2024, 11, 27, 18, 30, tzinfo=UTC)),
        ("2024-11-27 18:30 +0100", datetime(2024, 11, 27, 17, 30, tzinfo=UTC)),
    ],
)
def test_an_offset_is_honoured_then_shown_in_the_sites_timezone(
    text: str, expected_utc: datetime
) -> None:
    moment = parse_date(text, CHICAGO)
    assert moment == expected_utc
    assert moment.tzinfo is CHICAGO


def test_an_offset_can_move_a_story_to_another_local_day() -> None:
    # 01:00 in Berlin is still the previous evening in Chicago.
    assert parse_date("2024-11-28 01:00+01:00", CHICAGO).day == 27


@pytest.mark.parametrize(
    "text", ["27/11/2024", "2024-11", "next tuesday", "2024-11-27 25:00", "2024-11-27 18:3"]
)
def test_text_that_is_not_a_date_says_how_to_write_one(text: str) -> None:
    with pytest.raises(DateError, match="YYYY-MM-DD"):
        parse_date(text, UTC)


@pytest.mark.parametrize("text", ["2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10"])
def test_an_impossible_day_is_refused(text: str) -> None:
    with pytest.raises(DateError, match="not a real date"):
        parse_date(text, UTC)


def test_february_29_exists_in_leap_years() -> None:
    assert parse_date("2024-02-29", UTC).day == 29


def test_an_impossible_offset_is_refused() -> None:
    with pytest.raises(DateError, match="offset"):
        parse_date("2024-11-27 10:00+25:00", UTC)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2012, 11, 27), "Tuesday, November 27, 2012"),
        (datetime(2024, 2, 29, 23, 59), "Thursday, February 29, 2024"),
        (datetime(2026, 1, 1), "Thursday, January 1, 2026"),
    ],
)
def test_long_dates_read_as_in_the_blogs_of_the_genre(moment: datetime, text: str) -> None:
    assert long_date(moment) == text


def test_a_time_skipped_by_daylight_saving_gets_its_real_offset() -> None:
    new_york = ZoneInfo("America/New_York")
    assert parse_date("2024-03-10 02:30", new_york).isoformat() == "2024-03-10T03:30:00-04:00"


def test_a_time_that_happens_twice_in_autumn_is_the_first_one() -> None:
    new_york = ZoneInfo("America/New_York")
    assert parse_date("2024-11-03 01:30", new_york).isoformat() == "2024-11-03T01:30:00-04:00"


@pytest.mark.parametrize(("text", "message"), [
    ("9999-12-31 23:00-05:00", "too far in the past or future"),
    ("0999-01-01", "before 1900: is the year a typo?"),
])  # fmt: skip
def test_dates_at_the_edges_are_refused_with_a_message(text: str, message: str) -> None:
    with pytest.raises(DateError, match=message):
        parse_date(text, CHICAGO)
