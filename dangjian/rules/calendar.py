"""Working-day calendars for time limits counted in working days (no Django).

Local rules count the public notice (公示) for candidates and before conversion in **working
days of the statutory calendar** (DOMAIN.md §2, local): weekends are off, except make-up working
days (调休上班), and public holidays are off even on weekdays. The statutory calendar comes from
the `chinesecalendar` package, whose data covers a fixed range of years (2004–2026 in 1.11.0) and
raises NotImplementedError outside it. The policy chooses what happens then:

- ``fallback="error"`` (shipped default): raise RuleError naming the year — a deadline computed
  without the holidays could be a week early around Spring Festival or National Day;
- ``fallback="weekends"``: count Monday–Friday as working days for those years, a documented
  approximation an administrator may choose knowingly.

Counting conventions (used throughout the rules):

- ``add_working_days(start, n)`` is the n-th working day strictly after ``start`` (n > 0), the
  |n|-th working day strictly before it (n < 0), or ``start`` itself (n = 0) — like a spreadsheet
  WORKDAY; ``start`` itself never counts.
- ``working_days_between(start, end)`` counts working days d with start < d ≤ end, so that
  ``working_days_between(s, add_working_days(s, n)) == n`` for n ≥ 0; it is negative when
  end < start.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import chinese_calendar

from dangjian.rules import RuleError

STATUTORY = "statutory"
WEEKENDS = "weekends"
FALLBACK_ERROR = "error"
CALENDAR_NAMES = {STATUTORY: "国家法定节假日及调休安排", WEEKENDS: "仅按周六、周日休息推算"}
FALLBACKS = frozenset({FALLBACK_ERROR, WEEKENDS})
_DAY = timedelta(days=1)


class WorkingDayCalendar(Protocol):
    name: str

    def is_workday(self, day: date) -> bool: ...


@dataclass(frozen=True)
class WeekendCalendar:
    """Monday–Friday are working days; no holidays. Only an approximation for China."""

    name: str = WEEKENDS

    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5


@dataclass(frozen=True)
class StatutoryCalendar:
    """The State Council's holiday and make-up-day arrangements, via chinesecalendar."""

    fallback: str = FALLBACK_ERROR
    name: str = STATUTORY

    def is_workday(self, day: date) -> bool:
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            # Years the installed data does not cover: the policy decides (see module doc).
            if self.fallback == WEEKENDS:
                return day.weekday() < 5
            raise RuleError(
                f"法定节假日数据不含{day.year}年（已安装的 chinesecalendar 仅含"
                f"{data_years()[0]}—{data_years()[1]}年），无法按工作日计算期限。"
                "请升级 chinesecalendar，或在发展党员政策中明确选择按周末推算。"
            ) from None


def data_years() -> tuple[int, int]:
    """First and last year the installed statutory-holiday data covers."""
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


def get_calendar(name: str = STATUTORY, fallback: str = FALLBACK_ERROR) -> WorkingDayCalendar:
    """The calendar a policy names ("statutory" or "weekends")."""
    if fallback not in FALLBACKS:
        raise RuleError(f"未知的节假日数据缺失处理方式：{fallback}（可选：error、weekends）。")
    if name == STATUTORY:
        return StatutoryCalendar(fallback=fallback)
    if name == WEEKENDS:
        return WeekendCalendar()
    raise RuleError(f"未知的工作日日历：{name}（可选：statutory、weekends）。")


STATUTORY_CALENDAR = StatutoryCalendar()


def add_working_days(
    start: date, n: int, calendar: WorkingDayCalendar = STATUTORY_CALENDAR
) -> date:
    """The n-th working day after `start` (before it if n < 0); `start` itself never counts."""
    step = _DAY if n > 0 else -_DAY
    day, remaining = start, abs(n)
    while remaining:
        day += step
        remaining -= calendar.is_workday(day)
    return day


def working_days_between(
    start: date, end: date, calendar: WorkingDayCalendar = STATUTORY_CALENDAR
) -> int:
    """Working days d with start < d ≤ end (negative when end < start)."""
    if end < start:
        return -working_days_between(end, start, calendar)
    days = (end - start).days
    return sum(calendar.is_workday(start + _DAY * i) for i in range(1, days + 1))
