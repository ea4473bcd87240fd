"""/api/v1/transfers/: membership transfers over the API, through the same services.

GET  transfers/                 both sides' transfers (filters: status, kind, direction)
GET  transfers/{id}/
POST transfers/request/         {person, to_branch, reason} — the sending branch starts one
POST transfers/{id}/approve/    sending committee
POST transfers/{id}/accept/     receiving committee: the person moves
POST transfers/{id}/refuse/     {reason} — receiving committee
POST transfers/{id}/cancel/     sending side, before acceptance
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedViewSetMixin
from dangjian.members.models import Person
from dangjian.transfers import services
from dangjian.transfers.forms import TransferFilter
from dangjian.transfers.models import Transfer, TransferKind


@extend_schema_field({"allOf": [{"type": "string", "enum": TransferKind.values}]})
class TransferKindField(serializers.CharField):
    """ "kind" is also the organizations' field, with other choices: kept inline (inside allOf)
    so the schema's enum naming does not collide. ENUM_NAME_OVERRIDES in settings would be
    the cleaner fix (see the module's hand-off note)."""


class TransferSerializer(serializers.ModelSerializer):
    kind = TransferKindField(read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    from_branch_name = serializers.CharField(
        source="from_branch.name", read_only=True, default=None
    )
    to_branch_name = serializers.CharField(source="to_branch.name", read_only=True, default=None)

    class Meta:
        model = Transfer
        fields = ["id", "person", "person_name", "kind", "kind_display", "status",
                  "status_display", "from_branch", "from_branch_name", "to_branch",
                  "to_branch_name", "external_org", "letter_number", "issued_on", "valid_until",
                  "reason", "refusal_reason", "requested_by", "requested_at", "approved_by",
                  "approved_at", "decided_by", "decided_at"]  # fmt: skip
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class TransferablePersonField(serializers.PrimaryKeyRelatedField):
    """A person of a branch where the caller may start transfers."""

    def get_queryset(self):
        user = self.context["request"].user
        return Person.objects.restrict(user, "transfers.request").select_related("branch")


@extend_schema_field(OpenApiTypes.INT)
class ReceivingBranchField(serializers.PrimaryKeyRelatedField):
    """Any active branch of the system: the receiving side need not be in the caller's scope."""

    def get_queryset(self):
        return services.receiving_branches()


class TransferRequestSerializer(serializers.Serializer):
    person = TransferablePersonField(help_text=_("Id of the person to transfer"))
    to_branch = ReceivingBranchField(help_text=_("Id of the receiving branch"))
    reason = serializers.CharField(max_length=500, label=_("reason"))


class RefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, label=_("Reason for refusing"))


class TransferViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Transfers seen by both sides (the sending branch's scope and the receiving one's);
    anyone else gets 404. Each step checks its own permission in the service."""

    queryset = Transfer.objects.all()
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    view_action = "transfers.request"
    manage_action = "transfers.request"

    def base_queryset(self):
        return Transfer.objects.select_related("person", "from_branch", "to_branch")

    def _read(self, transfer: Transfer, code=status.HTTP_200_OK) -> Response:
        transfer = self.base_queryset().get(pk=transfer.pk)
        return Response(TransferSerializer(transfer).data, code)

    @extend_schema(request=TransferRequestSerializer, responses={201: TransferSerializer})
    @action(detail=False, methods=["post"], url_path="request", url_name="request")
    def request_transfer(self, request, *args, **kwargs):
        serializer = TransferRequestSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        transfer = services.transfer_request(actor=request.user, **serializer.validated_data)
        return self._read(transfer, status.HTTP_201_CREATED)

    def _step(self, service, **extra) -> Response:
        transfer = self.get_object()
        return self._read(service(actor=self.request.user, transfer=transfer, **extra))

    @extend_schema(request=None, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._step(services.transfer_approve)

    @extend_schema(request=None, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        return self._step(services.transfer_accept)

    @extend_schema(request=RefuseSerializer, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request, *args, **kwargs):
        self.get_object()  # 404 before validating the body
        serializer = RefuseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._step(services.transfer_refuse, reason=serializer.validated_data["reason"])

    @extend_schema(request=None, responses={200: TransferSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        return self._step(services.transfer_cancel)
