"""/members/: each area of the module keeps its own URL list, joined here in one namespace."""

from django.urls import include, path

app_name = "members"
urlpatterns = [
    path("", include("dangjian.members.urls_records")),
    path("", include("dangjian.members.urls_requests")),
    path("import/", include("dangjian.members.urls_import")),
    path("", include("dangjian.members.urls_insights")),
]
