"""Statistics and the data-quality dashboard (joined into the members namespace)."""

from django.urls import path

from dangjian.members import insights_views as views

urlpatterns = [
    path("statistics/", views.statistics_page, name="statistics"),
    path("quality/", views.quality_page, name="quality"),
    path("quality/<int:pk>/<slug:check>/", views.quality_check, name="quality_check"),
]
