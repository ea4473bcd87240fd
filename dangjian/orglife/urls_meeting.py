"""URL list of this area (see urls.py): at and after the meeting — the sign-in QR screen and the
phone's sign-in page, online and manual sign-in, marks, held, minutes and sign-off, follow-up
items, votes and the democratic appraisal."""

from django.urls import path

from dangjian.orglife import meeting_views as views

urlpatterns = [
    path("<int:pk>/qr/", views.qr_screen, name="qr"),
    path("<int:pk>/qr/code/", views.qr_code, name="qr_code"),
    path("signin/<str:token>/", views.signin, name="signin"),
    path("<int:pk>/signin/online/", views.signin_online, name="signin_online"),
    path("<int:pk>/signin/manual/", views.signin_manual, name="signin_manual"),
    path("<int:pk>/attendance/<int:attendance_pk>/mark/", views.attendance_mark, name="mark"),
    path("<int:pk>/hold/", views.activity_hold, name="hold"),
    path("<int:pk>/minutes/", views.minutes_edit, name="minutes"),
    path("<int:pk>/minutes/sign/", views.minutes_sign, name="minutes_sign"),
    path("<int:pk>/minutes/<int:number>/", views.minutes_version, name="minutes_version"),
    path("<int:pk>/follow-ups/new/", views.follow_up_add, name="follow_up_add"),
    path("<int:pk>/follow-ups/<int:item_pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("<int:pk>/votes/new/", views.vote_record, name="vote"),
    path("<int:pk>/appraisal/open/", views.appraisal_open, name="appraisal_open"),
    path("<int:pk>/appraisal/close/", views.appraisal_close, name="appraisal_close"),
    path("<int:pk>/appraisal/self/", views.self_assessment, name="self_assessment"),
    path("<int:pk>/appraisal/ballot/", views.ballot, name="ballot"),
    path("<int:pk>/appraisal/decide/", views.appraisal_decide, name="appraisal_decide"),
]
