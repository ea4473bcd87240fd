"""/development/: each area keeps its own URL list, joined here in one namespace."""

from django.urls import include, path

app_name = "development"
urlpatterns = [
    path("", include("dangjian.development.urls_pipeline")),
    path("", include("dangjian.development.urls_insights")),
]
