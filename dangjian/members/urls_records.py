"""Member list, detail, create / edit, stage, unmasking, record sets and exports."""

from django.urls import path

from dangjian.members import views

urlpatterns = [
    path("", views.PersonListView.as_view(), name="person_list"),
    path("new/", views.person_create, name="person_create"),
    path("party-groups/", views.party_group_options, name="party_group_options"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/stage/", views.person_stage, name="person_stage"),
    path("<int:pk>/reveal/<str:field>/", views.person_reveal, name="person_reveal"),
    path("<int:pk>/records/<str:kind>/new/", views.record_add, name="record_add"),
    path("records/<str:kind>/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<str:kind>/<int:pk>/delete/", views.record_delete, name="record_delete"),
]
