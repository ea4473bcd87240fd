"""URL list of this area (see urls.py): the pipeline list, one person's timeline and its forms."""

from django.urls import path

from dangjian.development import views

urlpatterns = [
    path("", views.PipelineListView.as_view(), name="list"),
    path("start/", views.pipeline_start, name="start"),
    path("<int:pk>/", views.pipeline_detail, name="detail"),
    path("<int:pk>/steps/<slug:step>/", views.step_record, name="step"),
    path("steps/<int:pk>/undo/", views.step_undo, name="undo"),
    path("steps/<int:pk>/documents/", views.step_attach, name="attach"),
    path("<int:pk>/extend/", views.probation_extend, name="extend"),
    path("<int:pk>/stop/", views.pipeline_stop, name="stop"),
]
