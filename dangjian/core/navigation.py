"""Role-based navigation: each app registers its menu entries here (in its AppConfig.ready or
at import of its urls). An entry shows when the user holds `permission` anywhere in scope,
or always for signed-in users when `permission` is None."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from dangjian.core.scope import scope_paths


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: str  # lazy translation
    url_name: str
    icon: str  # bootstrap-icons name, e.g. "diagram-3"
    permission: str | None = None
    order: int = 100


_ENTRIES: dict[str, NavEntry] = {}


def register(entry: NavEntry) -> None:
    _ENTRIES[entry.key] = entry


def navigation_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    items = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: (e.order, e.key)):
        if entry.permission and not scope_paths(user, entry.permission):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append({"key": entry.key, "label": entry.label, "url": url, "icon": entry.icon})
    return items
