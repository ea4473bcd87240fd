"""The project's URLs with the organizational-life API mounted, for the API tests while
dangjian/api/urls.py does not register `ActivityViewSet` yet (the lead adds it there); once it
does, this module adds nothing and can go."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from dangjian.api.urls import router as project_router
from dangjian.orglife.api import ActivityViewSet
from dangjian.urls import urlpatterns as project

urlpatterns = list(project)
if not any(viewset is ActivityViewSet for _prefix, viewset, _name in project_router.registry):
    router = SimpleRouter()
    router.register("orglife/activities", ActivityViewSet, basename="orglife-activity")
    urlpatterns.insert(0, path("api/v1/", include(router.urls)))
