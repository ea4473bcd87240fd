from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def unread_panel(request) -> dict | None:
    """Home page: the newest unread notices, or nothing when all are read (two queries)."""
    from django.urls import reverse

    from dangjian.notifications.services import for_user

    unread = for_user(request.user).filter(read_at__isnull=True)
    latest = list(unread[:5])
    if not latest:
        return None
    return {"count": unread.count(), "notifications": latest,
            "more_url": reverse("notifications:list") + "?show=unread"}  # fmt: skip


class NotificationsConfig(AppConfig):
    name = "dangjian.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from dangjian.core.home import HomePanel, register

        register(HomePanel(key="notifications.unread", title=_("Unread notices"),
                           template="notifications/home_unread.html", context=unread_panel,
                           order=10))  # fmt: skip
