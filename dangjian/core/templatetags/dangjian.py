"""Template helpers shared by every app: `{% load dangjian %}`.

Filters
    {{ value|cn_date }}       → 2026年11月21日   (date or datetime; aware datetimes in local time)
    {{ value|cn_datetime }}   → 2026年11月21日 08:30
    {{ value|cn_weekday }}    → 星期六
    Both render "" for None / "" so templates can write `{{ x|cn_date|default:"—" }}`.

Tags
    {% render_panel panel %}  → a home panel (core.home) with its data as template variables
    {% has_template_library "notifications" as ok %}  → True when `{% load notifications %}`
        would succeed; lets the shell degrade while an app's tag library does not exist yet.
"""

import datetime

from django import template
from django.utils import timezone

register = template.Library()


def _local(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.filter
def cn_date(value) -> str:
    """2026年11月21日 — the prose date format of ARCHITECTURE.md §7."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.date):
        return str(value)
    value = _local(value)
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def cn_datetime(value) -> str:
    """2026年11月21日 08:30 (local time)."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.datetime):
        return cn_date(value)
    value = _local(value)
    return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"


@register.simple_tag
def has_template_library(name: str) -> bool:
    from django.template import engines

    for engine in engines.all():
        libraries = getattr(getattr(engine, "engine", None), "template_libraries", {})
        if name in libraries:
            return True
    return False


_WEEKDAYS = "一二三四五六日"


@register.filter
def cn_weekday(value) -> str:
    """星期六"""
    if not isinstance(value, datetime.date):
        return ""
    return "星期" + _WEEKDAYS[_local(value).weekday()]


@register.simple_tag(takes_context=True)
def render_panel(context, panel: dict):
    """Render a home panel's template with its data as variables (see core.home)."""
    template = context.template.engine.get_template(panel["template"])
    data = {k: v for k, v in panel.items() if k not in {"key", "title", "template"}}
    with context.push(panel=panel, **data):
        return template.render(context)
