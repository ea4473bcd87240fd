from django.urls import path

from dangjian.transfers import views

app_name = "transfers"
urlpatterns = [
    path("", views.TransferListView.as_view(), name="list"),
    path("new/", views.transfer_start, name="start"),
    path("branches/", views.branch_search, name="branch_search"),
    path("outgoing/", views.transfer_outgoing, name="outgoing"),
    path("incoming/", views.transfer_incoming, name="incoming"),
    path("<int:pk>/", views.transfer_detail, name="detail"),
    path("<int:pk>/approve/", views.transfer_step, {"step": "approve"}, name="approve"),
    path("<int:pk>/accept/", views.transfer_step, {"step": "accept"}, name="accept"),
    path("<int:pk>/refuse/", views.transfer_step, {"step": "refuse"}, name="refuse"),
    path("<int:pk>/cancel/", views.transfer_step, {"step": "cancel"}, name="cancel"),
    path("mobile/", views.MobileListView.as_view(), name="mobile"),
    path("mobile/new/", views.mobile_register, name="mobile_register"),
    path("mobile/<int:pk>/end/", views.mobile_end, name="mobile_end"),
]
