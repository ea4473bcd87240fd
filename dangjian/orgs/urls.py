from django.urls import path

from dangjian.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.OrgListView.as_view(), name="list"),
    path("tree/", views.org_tree, name="tree"),
    path("tree/<int:pk>/children/", views.org_tree_children, name="tree_children"),
    path("<int:pk>/", views.org_detail, name="detail"),
    path("<int:parent_pk>/new/", views.org_create, name="create"),
    path("<int:pk>/edit/", views.org_edit, name="edit"),
    path("<int:pk>/move/", views.org_move, name="move"),
    path("<int:pk>/deactivate/", views.org_deactivate, name="deactivate"),
    path("<int:pk>/committee/new/", views.committee_add, name="committee_add"),
    path("committee/<int:pk>/edit/", views.committee_edit, name="committee_edit"),
    path("committee/<int:pk>/end/", views.committee_end, name="committee_end"),
]
