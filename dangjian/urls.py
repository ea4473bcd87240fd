"""Root URL map. Each app owns its own urls.py; the API lives under /api/ (dangjian/api)."""

from django.urls import include, path

urlpatterns = [
    path("", include("dangjian.core.urls")),
    path("accounts/", include("dangjian.accounts.urls")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("transfers/", include("dangjian.transfers.urls")),
    path("development/", include("dangjian.development.urls")),
    path("orglife/", include("dangjian.orglife.urls")),
    path("audit/", include("dangjian.audit.urls")),
    path("notifications/", include("dangjian.notifications.urls")),
    path("attachments/", include("dangjian.attachments.urls")),
    path("api/", include("dangjian.api.urls")),
]

handler400 = "dangjian.core.views.bad_request"
handler403 = "dangjian.core.views.permission_denied"
handler404 = "dangjian.core.views.page_not_found"
handler500 = "dangjian.core.views.server_error"
