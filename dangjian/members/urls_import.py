"""/members/import/: member import from spreadsheets."""

from django.urls import path

from dangjian.members import import_views as views

urlpatterns = [
    path("", views.import_start, name="import_start"),
    path("template.xlsx", views.import_template, name="import_template"),
    path("template.csv", views.import_template_csv, name="import_template_csv"),
    path("<int:pk>/", views.import_job, name="import_job"),
    path("<int:pk>/status/", views.import_job_status, name="import_job_status"),
    path("<int:pk>/report.xlsx", views.import_report, name="import_report"),
]
