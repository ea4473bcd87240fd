"""/api/: v1 resources, OpenAPI schema and offline docs (assets from drf-spectacular-sidecar)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from dangjian.api import schema  # noqa: F401 - registers the schema extensions
from dangjian.development.api import PipelineViewSet
from dangjian.members.api import MemberViewSet
from dangjian.orglife.api import ActivityViewSet
from dangjian.orgs.api import OrgViewSet
from dangjian.transfers.api import TransferViewSet

router = DefaultRouter()
router.register("orgs", OrgViewSet, basename="org")
router.register("members", MemberViewSet, basename="member")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("development/pipelines", PipelineViewSet, basename="development-pipeline")
router.register("orglife/activities", ActivityViewSet, basename="orglife-activity")

v1 = [
    *router.urls,
    path("", include("dangjian.accounts.api")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        name="api-schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[IsAuthenticated]),
        name="api-docs",
    ),
]
