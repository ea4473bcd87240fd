"""/orglife/: each area keeps its own URL list, joined here in one namespace."""

from django.urls import include, path

app_name = "orglife"
urlpatterns = [
    path("", include("dangjian.orglife.urls_activities")),
    path("", include("dangjian.orglife.urls_meeting")),
    path("", include("dangjian.orglife.urls_compliance")),
    path("", include("dangjian.orglife.urls_exports")),
]
