"""Downloads (see export_views): minutes and sign-in sheets as Word, attendance and the annual
activity register as spreadsheets."""

from django.urls import path

from dangjian.orglife import export_views as views

urlpatterns = [
    path("<int:pk>/minutes.docx", views.minutes_docx, name="minutes_docx"),
    path("<int:pk>/attendance.xlsx", views.attendance_xlsx, name="attendance_xlsx"),
    path("<int:pk>/attendance.docx", views.attendance_docx, name="attendance_docx"),
    path("register.xlsx", views.register_xlsx, name="register_xlsx"),
]
