"""Menu entries and home panels of this area (imported by MembersConfig.ready)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.home import HomePanel, register

RECENT_DAYS = 7
SHOWN = 5


def recent_imports(request) -> dict | None:
    """The user's imports of the last week (running ones first): one query."""
    from dangjian.members.models import ImportJob

    since = timezone.now() - timedelta(days=RECENT_DAYS)
    jobs = list(
        ImportJob.objects.filter(created_by_id=request.user.pk, created_at__gte=since)
        .select_related("source")
        .order_by("-created_at")[: SHOWN + 1]
    )
    if not jobs:
        return None
    running = sum(1 for job in jobs if job.status in ("queued", "running"))
    return {"jobs": jobs[:SHOWN], "count": running or None, "more_url": None}


register(HomePanel(key="members.imports", title=_("My member imports"),
                   template="members/import/home_panel.html", context=recent_imports,
                   permission="members.manage", order=60))  # fmt: skip
