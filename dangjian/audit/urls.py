from django.urls import path

from dangjian.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.AuditEventListView.as_view(), name="list"),
    path("events/<int:seq>/", views.event_detail, name="detail"),
    path("verify/", views.verify, name="verify"),
]
