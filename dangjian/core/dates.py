"""Chinese date wording used everywhere (ARCHITECTURE.md §7): 2026年11月21日 in prose.

Templates use these through `{% load dangjian %}` (cn_date, cn_datetime, cn_weekday); Python
code (messages, exports) imports them from here, so there is one way to write a date.
"""

import datetime

from django.utils import timezone

_WEEKDAYS = "一二三四五六日"


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def cn_date(value) -> str:
    """2026年11月21日 (date or datetime; aware datetimes in local time); '' for None."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.date):
        return str(value)
    value = _local(value)
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value) -> str:
    """2026年11月21日 08:30 (local time); '' for None."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.datetime):
        return cn_date(value)
    value = _local(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


def cn_weekday(value) -> str:
    """星期六"""
    if not isinstance(value, datetime.date):
        return ""
    return "星期" + _WEEKDAYS[_local(value).weekday()]


def cn_clock(value: datetime.datetime) -> str:
    """'08:30' when it is today (local time), else '11月21日 08:30' — for 'until …' messages."""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local.month}月{local.day}日 {local:%H:%M}"
