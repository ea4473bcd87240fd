"""URL list of the activity pages (see urls.py): the list, one activity and its forms, the
year plan, activity types and the policy."""

from django.urls import path

from dangjian.orglife import views

urlpatterns = [
    path("", views.ActivityListView.as_view(), name="list"),
    path("new/", views.activity_create, name="create"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/files/<uuid:uid>/", views.activity_file, name="file"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/publish/", views.activity_publish, name="publish"),
    path("<int:pk>/cancel/", views.activity_cancel, name="cancel"),
    path("<int:pk>/reply/", views.activity_reply, name="reply"),
    path("<int:pk>/leave/<int:attendance_pk>/", views.leave_decide, name="leave"),
    path("plan/", views.plan, name="plan"),
    path("types/", views.types, name="types"),
    path("types/new/", views.type_edit, name="type_edit"),
    path("types/<int:pk>/edit/", views.type_edit, name="type_edit"),
    path("policy/", views.policy, name="policy"),
]
