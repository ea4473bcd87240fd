"""Working days from the statutory calendar (chinesecalendar data, checked against it below)."""

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.rules import RuleError
from dangjian.rules.calendar import (
    STATUTORY_CALENDAR,
    StatutoryCalendar,
    WeekendCalendar,
    add_working_days,
    data_years,
    get_calendar,
    working_days_between,
)


def test_the_holiday_data_this_test_relies_on():
    # National Day 2025: Oct 1–8 off, Sat Oct 11 a make-up working day.
    assert all(chinese_calendar.is_holiday(date(2025, 10, d)) for d in range(1, 9))
    assert chinese_calendar.is_workday(date(2025, 10, 11))
    # Spring Festival 2026: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 make-up working days.
    assert all(chinese_calendar.is_holiday(date(2026, 2, d)) for d in range(15, 24))
    assert chinese_calendar.is_workday(date(2026, 2, 14))
    assert chinese_calendar.is_workday(date(2026, 2, 28))
    # National Day 2026: Oct 1–7 off; Mid-Autumn Sep 25–27 off.
    assert chinese_calendar.is_holiday(date(2026, 9, 25))
    assert all(chinese_calendar.is_holiday(date(2026, 10, d)) for d in range(1, 8))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2025, 9, 30), 1, date(2025, 10, 9)),  # over National Day 2025
        (date(2025, 9, 28), 5, date(2025, 10, 11)),  # Sep 29, 30, Oct 9, 10, 11 (make-up)
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # a make-up Saturday counts
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # over Spring Festival 2026
        (date(2026, 10, 9), -5, date(2026, 9, 24)),  # backwards over Oct 1–7 and Mid-Autumn
        (date(2025, 6, 6), 0, date(2025, 6, 6)),
        (date(2025, 6, 6), 1, date(2025, 6, 9)),  # Friday → Monday
    ],
)
def test_add_working_days_statutory(start, n, expected):
    assert add_working_days(start, n, STATUTORY_CALENDAR) == expected


def test_weekend_calendar_ignores_holidays():
    assert add_working_days(date(2025, 9, 30), 1, WeekendCalendar()) == date(2025, 10, 1)


def test_working_days_between_counts_after_start_up_to_end():
    assert working_days_between(date(2025, 9, 28), date(2025, 10, 11)) == 5
    assert working_days_between(date(2025, 10, 11), date(2025, 9, 28)) == -5
    assert working_days_between(date(2025, 10, 1), date(2025, 10, 8)) == 0
    assert working_days_between(date(2025, 6, 6), date(2025, 6, 6)) == 0


def test_years_without_holiday_data_raise_a_clear_error_by_default():
    first, last = data_years()
    assert first == 2004 and last >= 2026
    # The first year without holiday data is refused with a clear message, never guessed.
    with pytest.raises(RuleError, match=f"{last + 1}年"):
        add_working_days(date(last, 12, 31), 3)


def test_weekend_fallback_is_used_only_when_chosen():
    calendar = StatutoryCalendar(fallback="weekends")
    assert add_working_days(date(2026, 12, 31), 3, calendar) == date(2027, 1, 5)
    assert calendar.is_workday(date(2026, 10, 1)) is False  # data years still use the data


def test_get_calendar():
    assert get_calendar("weekends") == WeekendCalendar()
    assert get_calendar("statutory", "weekends") == StatutoryCalendar("weekends")
    with pytest.raises(RuleError):
        get_calendar("lunar")
    with pytest.raises(RuleError):
        get_calendar("statutory", "guess")


DATA_DATES = st.dates(min_value=date(2004, 1, 1), max_value=date(2026, 11, 30))


@given(DATA_DATES, st.integers(0, 15))
def test_working_days_between_inverts_add_working_days(start, n):
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    if n:
        assert STATUTORY_CALENDAR.is_workday(end)
        assert working_days_between(start, end - timedelta(days=1)) == n - 1


@given(DATA_DATES, DATA_DATES, st.integers(1, 10))
def test_add_working_days_is_monotonic(a, b, n):
    a, b = sorted((a, b))
    assert add_working_days(a, n) <= add_working_days(b, n)
