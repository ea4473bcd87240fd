"""URL list of this area (see urls.py): the dashboard, the policy and plan settings and the
printable Word forms."""

from django.urls import path

from dangjian.development import insights_views as views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("policy/", views.policy, name="policy"),
    path("policy/revert/", views.policy_revert, name="policy_revert"),
    path("plans/", views.plans, name="plans"),
    path("<int:pk>/checklist.docx", views.checklist, name="checklist"),
    path("registers/<int:pk>/<slug:kind>.docx", views.register, name="register"),
]
