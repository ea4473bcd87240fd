"""URL list of the compliance area (see urls.py): the committee heat-map and a branch's
calendar."""

from django.urls import path

from dangjian.orglife import compliance_views as views

urlpatterns = [
    path("compliance/", views.heatmap, name="compliance"),
    path("compliance/branch/<int:pk>/", views.calendar, name="calendar"),
]
