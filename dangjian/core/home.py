"""'My tasks' on the personal home page: each module registers panels here.

    register(HomePanel(key="orgs.term_reminders", title=_("Committee terms ending"),
                       template="orgs/home_terms.html", context=term_reminders,
                       permission="orgs.view", order=20))

`context(request) -> dict | None`; return None (or an empty dict) to hide the panel, so the
page shows only what needs the user's attention. Keep each panel to a constant number of queries.

The panel template is rendered inside a card whose header shows `title`. It sees the keys of the
returned dict as variables (and the whole dict as `panel`). Optional keys the card itself uses:
    count     a number shown as a badge next to the title (e.g. 3 meetings to attend)
    more_url  a "view all" link in the card footer
A panel whose context raises is logged and left out (re-raised when DEBUG), so one broken module
cannot take the home page down.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from dangjian.core.scope import scope_paths

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HomePanel:
    key: str
    title: str
    template: str
    context: Callable
    permission: str | None = None
    order: int = 100


_PANELS: dict[str, HomePanel] = {}


def register(panel: HomePanel) -> None:
    _PANELS[panel.key] = panel


def unregister(key: str) -> None:
    """Remove a panel (tests use this to clean up after registering one)."""
    _PANELS.pop(key, None)


def panels_for(request) -> list[dict]:
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if panel.permission and not scope_paths(request.user, panel.permission):
            continue
        try:
            data = panel.context(request)
        except Exception:
            if settings.DEBUG:
                raise
            logger.exception("home panel %s failed; left out", panel.key)
            continue
        if data:
            shown.append({"key": panel.key, "title": panel.title,
                          "template": panel.template, **data})  # fmt: skip
    return shown
