"""Navigation entries and home panels of member development (registered from apps.ready).

Two panels: deadlines of the pipelines a manager looks after (overdue, or the next step's last
day within 14 days), and, for an applicant, activist, candidate or probationary member, where
their own development stands.
"""

from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.home import HomePanel
from dangjian.core.home import register as register_panel
from dangjian.core.navigation import NavEntry
from dangjian.core.navigation import register as register_entry
from dangjian.development.filters import due_soon_q
from dangjian.development.models import STEP_CHOICES, Pipeline, PipelineStatus
from dangjian.development.selectors import pipeline_view
from dangjian.members.choices import Stage

DUE_PANEL_ROWS = 8
STEP_LABELS = dict(STEP_CHOICES)
OWN_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)


def due_panel(request) -> dict | None:
    """Pipelines in the user's care needing attention soon, most urgent first (3 queries)."""
    queryset = (
        Pipeline.objects.restrict(request.user, "development.manage")
        .filter(due_soon_q(), status=PipelineStatus.ACTIVE)
        .select_related("person")
        .order_by(F("next_latest").asc(nulls_last=True), "-overdue_count", "pk")
    )
    rows = list(queryset[: DUE_PANEL_ROWS + 1])
    if not rows:
        return None
    for pipeline in rows:
        pipeline.next_label = STEP_LABELS.get(pipeline.next_step, "")
    return {
        "rows": rows[:DUE_PANEL_ROWS],
        "count": queryset.count() if len(rows) > DUE_PANEL_ROWS else len(rows),
        "more_url": reverse("development:list") + "?overdue=soon",
    }


def mine_panel(request) -> dict | None:
    """The user's own development in progress: the next step and the next thought report."""
    pipeline = (
        Pipeline.objects.restrict(request.user, "development.view")
        .filter(
            person__user_id=request.user.pk,
            person__stage__in=OWN_STAGES,
            status=PipelineStatus.ACTIVE,
        )
        .select_related("person__branch")
        .first()
    )
    if pipeline is None:
        return None
    view = pipeline_view(pipeline)
    periodic = dict(view.periodic)
    return {
        "pipeline": pipeline,
        "next_label": STEP_LABELS.get(view.next_step or "", ""),
        "window": view.next_window,
        "thought_report_due": periodic.get("thought_reports"),
        "today": timezone.localdate(),
    }


register_entry(NavEntry(key="development", label=_("Member development"),
                        url_name="development:list", icon="person-up",
                        permission="development.view", order=35))  # fmt: skip
register_panel(HomePanel(key="development.due", title=_("Development deadlines"),
                         template="development/home_due.html", context=due_panel,
                         permission="development.manage", order=35))  # fmt: skip
register_panel(HomePanel(key="development.mine", title=_("My application to join the party"),
                         template="development/home_mine.html", context=mine_panel,
                         order=36))  # fmt: skip
