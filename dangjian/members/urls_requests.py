"""Self-service, correction requests and verification campaigns (joined in members.urls)."""

from django.urls import path

from dangjian.members import selfservice_views as views

urlpatterns = [
    path("me/", views.my_record, name="me"),
    path("me/reveal/", views.my_record_reveal, name="me_reveal"),
    path("me/corrections/new/", views.my_correction_create, name="me_correction_create"),
    path(
        "me/corrections/<int:pk>/withdraw/",
        views.my_correction_withdraw,
        name="me_correction_withdraw",
    ),
    path("corrections/", views.correction_list, name="correction_list"),
    path("corrections/<int:pk>/", views.correction_detail, name="correction_detail"),
    path("corrections/<int:pk>/approve/", views.correction_approve, name="correction_approve"),
    path("corrections/<int:pk>/reject/", views.correction_reject, name="correction_reject"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path(
        "campaigns/<int:pk>/branches/<int:branch_pk>/",
        views.campaign_branch,
        name="campaign_branch",
    ),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/confirm/", views.campaign_confirm, name="campaign_confirm"),
]
