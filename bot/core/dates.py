"""Read the dates people type: 01-24, 2024-01-24, 01/24, Jan 24, 24 January 2024, 1월 24일."""

from __future__ import annotations

import calendar
import re
from datetime import date

from bot.core.errors import UserError, echo
from bot.core.i18n import N_

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_MONTH_WORD = "|".join(sorted(_MONTHS, key=lambda m: (-len(m), m)))
_SEPARATOR = r"\s*[-/.]\s*"
# Numeric: [YYYY sep] MM sep DD, with -, / or . (Korean writing uses 2024.01.24).
_NUMERIC = re.compile(rf"^(?:(\d{{4}}){_SEPARATOR})?(\d{{1,2}}){_SEPARATOR}(\d{{1,2}})\.?$")
# American, year last: 01/24/2024.
_YEAR_LAST = re.compile(r"^(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})$")
# English: "Jan 24", "January 24, 2024", "Jan. 24th".
_MONTH_FIRST = re.compile(
    rf"^({_MONTH_WORD})\.?\s*(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?$", re.IGNORECASE
)
# English, day first: "24 Jan", "24th of January 2024".
_DAY_FIRST = re.compile(
    rf"^(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?({_MONTH_WORD})\.?(?:,?\s+(\d{{4}}))?$",
    re.IGNORECASE,
)
# Korean: "1월 24일", "2024년 1월 24일".
_KOREAN = re.compile(r"^(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일?$")

FORMATS = "01-24, 2024-01-24, 01/24, Jan 24 or 1월 24일"


def parse_day(text: str, today: date) -> date:
    """Return the date ``text`` names; raise ``UserError`` saying why when it names none.

    Without a year the date falls in ``today``'s year (February 29 in the latest leap year,
    since a leap day is a fine day to ask about). With a year it must exist in that year.
    """
    cleaned = " ".join(text.strip().split())
    year, month, day = _split(cleaned)
    if month is None or day is None:
        raise UserError(
            N_("{text} is not a date I can read: try {formats}."),
            text=repr(echo(text)),
            formats=FORMATS,
        )
    if not 1 <= month <= 12:
        raise UserError(
            N_("{text} is not a date: there is no month {month}."),
            text=repr(echo(text)),
            month=month,
        )
    if year is None:
        year = today.year
        if (month, day) == (2, 29):
            while not calendar.isleap(year):
                year -= 1
    if year < 1:
        raise UserError(
            N_("{text} is not a date: there is no year {year}."), text=repr(echo(text)), year=year
        )
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        if (month, day) == (2, 29):
            raise UserError(
                N_("{text} is not a date: {year} is not a leap year, so February has 28 days."),
                text=repr(echo(text)),
                year=year,
            )
        raise UserError(
            N_("{text} is not a date: {month} has {days} days."),
            text=repr(echo(text)),
            month=calendar.month_name[month],
            days=last,
        )
    return date(year, month, day)


def _split(text: str) -> tuple[int | None, int | None, int | None]:
    """Return (year, month, day) as written, or Nones when no format matches."""
    if match := _NUMERIC.match(text):
        year, first, second = match.group(1), int(match.group(2)), int(match.group(3))
        # Month first, as in 01/24; a first number over 12 can only be a day (24/01).
        if first > 12 and second <= 12 and year is None:
            first, second = second, first
        return (int(year) if year else None), first, second
    if match := _YEAR_LAST.match(text):
        return int(match.group(3)), int(match.group(1)), int(match.group(2))
    if match := _MONTH_FIRST.match(text):
        year = match.group(3)
        return (int(year) if year else None), _MONTHS[match.group(1).lower()], int(match.group(2))
    if match := _DAY_FIRST.match(text):
        year = match.group(3)
        return (int(year) if year else None), _MONTHS[match.group(2).lower()], int(match.group(1))
    if match := _KOREAN.match(text):
        year = match.group(1)
        return (int(year) if year else None), int(match.group(2)), int(match.group(3))
    return None, None, None
