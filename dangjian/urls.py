from django.urls import include, path

urlpatterns = [
    path("", include("dangjian.core.urls")),
]
