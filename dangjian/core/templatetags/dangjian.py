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

from django import template

from dangjian.core import dates

register = template.Library()


register.filter("cn_date", dates.cn_date)
register.filter("cn_datetime", dates.cn_datetime)
register.filter("cn_weekday", dates.cn_weekday)


@register.simple_tag
def has_template_library(name: str) -> bool:
    from django.template import engines

    for engine in engines.all():
        libraries = getattr(getattr(engine, "engine", None), "template_libraries", {})
        if name in libraries:
            return True
    return False


@register.simple_tag(takes_context=True)
def render_panel(context, panel: dict):
    """Render a home panel's template with its data as variables (see core.home)."""
    template = context.template.engine.get_template(panel["template"])
    data = {k: v for k, v in panel.items() if k not in {"key", "title", "template"}}
    with context.push(panel=panel, **data):
        return template.render(context)
