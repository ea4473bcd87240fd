"""/api/v1/orgs/: the organization tree over the API. Writes go through the same services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedViewSetMixin
from dangjian.orgs import services
from dangjian.orgs.filters import OrgApiFilter
from dangjian.orgs.forms import ORG_FORM_FIELDS
from dangjian.orgs.models import Organization


class OrgSerializer(serializers.ModelSerializer):
    """An organization as clients read it."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None)
    term_status = serializers.SerializerMethodField(
        help_text="'ended', 'ending' (within 90 days) or '' — the 换届 reminder."
    )

    class Meta:
        model = Organization
        fields = ["id", "code", "name", "short_name", "kind", "kind_display", "unit", "parent",
                  "parent_name", "path", "depth", "founded_on", "term_start", "term_end",
                  "term_status", "is_active"]  # fmt: skip
        read_only_fields = fields

    def get_term_status(self, org: Organization) -> str:
        return org.term_status()


@extend_schema_field(OpenApiTypes.INT)
class ManagedOrgField(serializers.PrimaryKeyRelatedField):
    """An organization id the caller manages; anything else reads as 'does not exist'."""

    def get_queryset(self):
        request = self.context["request"]
        return Organization.objects.restrict(request.user, "orgs.manage")


class OrgWriteSerializer(serializers.ModelSerializer):
    """Fields a client may set. Uniqueness and structural rules are the services' job."""

    class Meta:
        model = Organization
        fields = list(ORG_FORM_FIELDS)
        extra_kwargs = {"code": {"validators": []}}


class OrgCreateSerializer(OrgWriteSerializer):
    parent = ManagedOrgField(help_text=_("Id of the parent organization"))

    class Meta(OrgWriteSerializer.Meta):
        fields = ["parent", *ORG_FORM_FIELDS]


class OrgMoveSerializer(serializers.Serializer):
    parent = ManagedOrgField(help_text=_("Id of the new parent organization"))


class OrgViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Organizations in the caller's scope. Create under a parent you manage, change fields
    with PATCH, move a subtree with POST …/move/."""

    queryset = Organization.objects.all()
    serializer_class = OrgSerializer
    filterset_class = OrgApiFilter
    view_action = "orgs.view"
    manage_action = "orgs.manage"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return Organization.objects.select_related("parent")

    def _read(self, org: Organization, code=status.HTTP_200_OK) -> Response:
        org = Organization.objects.select_related("parent").get(pk=org.pk)
        return Response(OrgSerializer(org, context=self.get_serializer_context()).data, code)

    @extend_schema(request=OrgCreateSerializer, responses={201: OrgSerializer})
    def create(self, request, *args, **kwargs):
        serializer = OrgCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        org = services.org_create(actor=request.user, parent=data.pop("parent"), **data)
        return self._read(org, status.HTTP_201_CREATED)

    @extend_schema(request=OrgWriteSerializer, responses={200: OrgSerializer})
    def partial_update(self, request, *args, **kwargs):
        org = self.get_object()
        serializer = OrgWriteSerializer(
            org, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        org = services.org_update(actor=request.user, org=org, **serializer.validated_data)
        return self._read(org)

    @extend_schema(request=OrgMoveSerializer, responses={200: OrgSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request, *args, **kwargs):
        org = self.get_object()
        serializer = OrgMoveSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        org = services.org_move(
            actor=request.user, org=org, new_parent=serializer.validated_data["parent"]
        )
        return self._read(org)
