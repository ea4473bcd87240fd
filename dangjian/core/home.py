"""'My tasks' on the personal home page: each module registers panels here.

    register(HomePanel(key="orgs.term_reminders", title=_("Committee terms ending"),
                       template="orgs/home_terms.html", context=term_reminders,
                       permission="orgs.view", order=20))

`context(request) -> dict | None`; return None (or an empty dict) to hide the panel, so the
page shows only what needs the user's attention. Keep each panel to a constant number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass

from dangjian.core.scope import scope_paths


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


def panels_for(request) -> list[dict]:
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if panel.permission and not scope_paths(request.user, panel.permission):
            continue
        data = panel.context(request)
        if data:
            shown.append({"key": panel.key, "title": panel.title,
                          "template": panel.template, **data})  # fmt: skip
    return shown
