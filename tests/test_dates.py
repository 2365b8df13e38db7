"""The dates people type into /onthisday: every common way, and a clear refusal of a non-date."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.dates import parse_day
from bot.core.errors import UserError

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01-24", date(2026, 1, 24)),
        ("2024-01-24", date(2024, 1, 24)),
        ("01/24", date(2026, 1, 24)),
        ("1/24", date(2026, 1, 24)),
        ("24/01", date(2026, 1, 24)),  # a first number over 12 can only be the day
        ("2024.01.24", date(2024, 1, 24)),
        ("01/24/2024", date(2024, 1, 24)),
        ("Jan 24", date(2026, 1, 24)),
        ("jan. 24th", date(2026, 1, 24)),
        ("January 24, 2024", date(2024, 1, 24)),
        ("24 January", date(2026, 1, 24)),
        ("1월 24일", date(2026, 1, 24)),
        ("1월24일", date(2026, 1, 24)),
        ("2024년 1월 24일", date(2024, 1, 24)),
        # A leap day without a year is a fine day to ask about.
        ("02-29", date(2024, 2, 29)),
        ("Feb 29", date(2024, 2, 29)),
    ],
)
def test_common_ways_of_writing_a_day(text: str, expected: date) -> None:
    assert parse_day(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2023-02-29", "2023 is not a leap year"),
        ("2023년 2월 29일", "2023 is not a leap year"),
        ("02/29/2023", "2023 is not a leap year"),
        ("04-31", "April has 30 days"),
        ("13-45", "no month 13"),
        ("Smarch 3", "try 01-24"),
        ("tomorrow", "try 01-24"),
    ],
)
def test_non_dates_are_refused_saying_why(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_day(text, TODAY)
    assert message in str(caught.value)
    assert repr(text) in str(caught.value)


def test_time_zones_work_without_a_system_time_zone_database(tmp_path) -> None:
    """Windows and slim images have no /usr/share/zoneinfo: the tzdata package stands in."""
    import subprocess
    import sys

    code = (
        "import zoneinfo, datetime\n"
        "assert zoneinfo.TZPATH == ()\n"
        "zone = zoneinfo.ZoneInfo('Asia/Seoul')\n"
        "print(datetime.datetime(2024, 1, 24, tzinfo=zone).utcoffset())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONTZPATH": ""},  # no system database at all
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "9:00:00"
