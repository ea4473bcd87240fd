"""Chinese date/time wording used in account messages (ARCHITECTURE.md §7: 2026年11月21日)."""

from datetime import datetime

from django.utils import dateformat, timezone


def datetime_text(value: datetime | None) -> str:
    """'2026年11月20日 08:30' in the display time zone; '' for None."""
    if value is None:
        return ""
    return dateformat.format(timezone.localtime(value), "Y年n月j日 H:i")


def unlock_time_text(value: datetime) -> str:
    """'08:30' when it is today (local time), else '11月21日 08:30'."""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return dateformat.format(local, "H:i")
    return dateformat.format(local, "n月j日 H:i")
