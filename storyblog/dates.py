"""Story dates: parsed strictly, kept in the site's timezone, shown in long form.

A date written without an offset means the site's local time, and a story's
day is always its day in the site's timezone: a story posted at 23:30 in
Chicago stays on that day even when the build machine runs on UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

DATE_PATTERN = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\s*(?P<offset>Z|[+-]\d{2}:?\d{2}))?)?"
)

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

FIRST_YEAR = 1900
"""Stories are dated when they are published: an earlier year is a typo (and clocks then
kept local mean time, which no page can show)."""
HOW_TO_WRITE = "write it as YYYY-MM-DD, or YYYY-MM-DD HH:MM, e.g. 2024-11-27 or 2024-11-27 18:30"


class DateError(ValueError):
    """A date the author wrote that is not one; the message says how to write it."""


def parse_date(text: str, tz: tzinfo) -> datetime:
    """`2024-11-27`, `2024-11-27 18:30[:00]`, with an optional `±HH:MM` or `Z` → aware, in tz."""
    match = DATE_PATTERN.fullmatch(text.strip())
    if not match:
        raise DateError(f"'{text}' is not a date: {HOW_TO_WRITE}")
    part = {k: int(v) for k, v in match.groupdict().items() if v and k != "offset"}
    if part["year"] < FIRST_YEAR:
        raise DateError(f"'{text}' is before {FIRST_YEAR}: is the year a typo?")
    try:
        moment = datetime(
            part["year"], part["month"], part["day"],
            part.get("hour", 0), part.get("minute", 0), part.get("second", 0),
        )  # fmt: skip
    except ValueError as error:
        raise DateError(f"'{text}' is not a real date ({error}): {HOW_TO_WRITE}") from None
    offset = match.group("offset")
    written = moment.replace(tzinfo=tz if offset is None else _fixed_offset(offset))
    try:
        # Through UTC and back: a time that a DST change skips gets the offset it really has.
        return written.astimezone(UTC).astimezone(tz)
    except OverflowError:
        raise DateError(f"'{text}' is too far in the past or future: {HOW_TO_WRITE}") from None


def _fixed_offset(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise DateError(f"'{text}' is not a time offset: write it as +HH:MM, e.g. -05:00")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def long_date(moment: datetime) -> str:
    """Tuesday, November 27, 2012: in English, whatever the machine's locale."""
    weekday = WEEKDAY_NAMES[moment.weekday()]
    return f"{weekday}, {MONTH_NAMES[moment.month - 1]} {moment.day}, {moment.year}"
