"""Navigation entries and home panels of organizational life (registered from apps.ready).

Two panels: for everyone invited, the published activities of the next 14 days with reply
buttons and a sign-in hint; for those who manage organizational life, the compliance warnings
(overdue and due-soon requirements, committee terms ending) from `compliance.home_warnings`.
"""

from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.home import HomePanel
from dangjian.core.home import register as register_panel
from dangjian.core.navigation import NavEntry
from dangjian.core.navigation import register as register_entry
from dangjian.orglife.compliance import home_warnings
from dangjian.orglife.models import Activity, ActivityStatus, Reply

UPCOMING_DAYS = 14
UPCOMING_ROWS = 6


def upcoming_for(user, today, days: int = UPCOMING_DAYS):
    """Published activities from the start of `today` to `days` days ahead to which `user` is
    invited, each annotated with the user's own reply and sign-in (one query)."""
    start = datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone())
    # reading the user's own attendance row through the join the filter made (one row: an
    # attendee is invited once, and a person has one account)
    return (
        Activity.objects.restrict(user, "orglife.view")
        .filter(
            status=ActivityStatus.PUBLISHED,
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=days + 1),
            attendance__person__user_id=user.pk,
        )
        .select_related("type")
        .values(
            "pk", "topic", "starts_at", "place", "online_url", "type__name",
            "attendance__reply", "attendance__signed_in_at",
        )
        .order_by("starts_at", "pk")
    )  # fmt: skip


def upcoming_panel(request) -> dict | None:
    """The user's activities of the next 14 days (today's first) — two queries at most."""
    today = timezone.localdate()
    queryset = upcoming_for(request.user, today)
    rows = list(queryset[: UPCOMING_ROWS + 1])
    if not rows:
        return None
    for row in rows:
        local = timezone.localtime(row["starts_at"])
        row["is_today"] = local.date() == today
        row["reply"] = row["attendance__reply"]
        row["reply_label"] = Reply(row["reply"]).label
        row["signed_in"] = row["attendance__signed_in_at"] is not None
        row["can_reply"] = not row["signed_in"]
    return {
        "rows": rows[:UPCOMING_ROWS],
        "count": queryset.count() if len(rows) > UPCOMING_ROWS else len(rows),
        "more_url": reverse("orglife:list") + "?status=published",
        "pending": Reply.PENDING,
        "attending": Reply.ATTENDING,
    }


register_entry(NavEntry(key="orglife", label=_("Org life"), url_name="orglife:list",
                        icon="people", permission="orglife.view", order=40))  # fmt: skip
register_panel(HomePanel(key="orglife.upcoming", title=_("Activities to attend"),
                         template="orglife/home_upcoming.html", context=upcoming_panel,
                         order=14))  # fmt: skip
register_panel(HomePanel(key="orglife.compliance", title=_("Organizational life due"),
                         template="orglife/compliance_home.html", context=home_warnings,
                         permission="orglife.manage", order=15))  # fmt: skip
