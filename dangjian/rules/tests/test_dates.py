from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.rules.dates import add_months, age_on, cn_date, first_day_of_age


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # clamped to the month's end
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 8, 31), 3, date(2025, 11, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),  # year boundary
        (date(2025, 3, 31), -1, date(2025, 2, 28)),  # backwards too
        (date(2025, 5, 10), 0, date(2025, 5, 10)),
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_age_on_counts_full_years_and_feb_29_birthdays_from_march_1():
    assert age_on(date(2007, 3, 1), date(2025, 2, 28)) == 17
    assert age_on(date(2007, 3, 1), date(2025, 3, 1)) == 18
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_first_day_of_age():
    assert first_day_of_age(date(2007, 3, 1), 18) == date(2025, 3, 1)
    assert first_day_of_age(date(2008, 2, 29), 18) == date(2026, 3, 1)
    assert first_day_of_age(date(2006, 2, 28), 18) == date(2024, 2, 28)


def test_cn_date_has_no_leading_zeros():
    assert cn_date(date(2025, 3, 5)) == "2025年3月5日"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 240))
def test_add_months_is_monotonic_and_never_moves_backwards(start, months):
    assert add_months(start, months) >= start
    assert add_months(start + timedelta(days=1), months) >= add_months(start, months)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2080, 1, 1)), st.integers(1, 100))
def test_first_day_of_age_is_the_first_day_with_that_age(birth, years):
    day = first_day_of_age(birth, years)
    assert age_on(birth, day) == years
    assert age_on(birth, day - timedelta(days=1)) == years - 1
