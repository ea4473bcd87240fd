"""Calendar arithmetic shared by the rules (no Django)."""

import calendar
from datetime import date, timedelta


def add_months(start: date, months: int) -> date:
    """Calendar months, clamped to the month's end: Jan 31 + 1 month = Feb 28 (or 29)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def age_on(birth_date: date, on: date) -> int:
    """Full years of age on a date (a birthday on Feb 29 counts from Mar 1 in other years)."""
    years = on.year - birth_date.year
    return years - ((on.month, on.day) < (birth_date.month, birth_date.day))


def first_day_of_age(birth_date: date, years: int) -> date:
    """The first day on which a person born on `birth_date` is `years` old (Feb 29 → Mar 1)."""
    day = add_months(birth_date, 12 * years)
    return day if age_on(birth_date, day) >= years else day + timedelta(days=1)


def cn_date(day: date) -> str:
    """A date as written in Chinese documents: 2025年3月5日 (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"
