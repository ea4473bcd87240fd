"""Role-based navigation: each app registers its menu entries here (in its AppConfig.ready or
at import of its urls). An entry shows when the user holds `permission` anywhere in scope,
or always for signed-in users when `permission` is None.

    from django.utils.translation import gettext_lazy as _
    from dangjian.core.navigation import NavEntry, register
    register(NavEntry(key="orgs", label=_("Organizations"), url_name="orgs:list",
                      icon="diagram-3", permission="orgs.view", order=20))

Keep labels short (2–4 Chinese characters): the menu must fit a 375 px phone and care mode.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

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


def unregister(key: str) -> None:
    """Remove an entry (tests use this to clean up after registering one)."""
    _ENTRIES.pop(key, None)


def _is_active(url: str, path: str) -> bool:
    if not path:
        return False
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


def navigation_for(user, path: str = "") -> list[dict]:
    """The menu for `user`; the entry whose URL is the longest prefix of `path` is active."""
    if user is None or not user.is_authenticated:
        return []
    items = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: (e.order, e.key)):
        if entry.permission and not scope_paths(user, entry.permission):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {"key": entry.key, "label": entry.label, "url": url, "icon": entry.icon,
             "active": False}
        )  # fmt: skip
    matches = [item for item in items if _is_active(item["url"], path)]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["active"] = True
    return items


register(NavEntry(key="core.home", label=_("My tasks"), url_name="core:home", icon="house-door",
                  order=0))  # fmt: skip
