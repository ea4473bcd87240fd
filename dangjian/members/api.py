"""/api/v1/members/: member records over the API, through the same services as the pages.

GET    members/                 list (filters: stage, branch, org, active, q) — always masked
GET    members/{id}/            one record; unmasked (and audited) for members.view_sensitive
                                on its branch, or for the person themself
POST   members/                 create (person_create)
PATCH  members/{id}/            change fields (person_update)
GET    members/statistics/      ?org=<id>&as_of=YYYY-MM-DD → member_statistics(...)
"""

from datetime import date

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedViewSetMixin
from dangjian.core.scope import get_scoped_or_404, has_perm
from dangjian.members import party_statistics, selectors, services
from dangjian.members.choices import Stage
from dangjian.members.models import Person
from dangjian.orgs.models import Organization
from dangjian.rules.orgs import BRANCH_KINDS, PARTY_GROUP

READ_FIELDS = [
    "id", "name", "name_pinyin", "name_initials", "sex", "ethnicity", "birth_date",
    "id_number", "phone", "address", "native_place", "education", "personnel_category",
    "work_unit", "job", "title", "branch", "branch_name", "party_group", "stage",
    "stage_display", "application_date", "join_date", "full_member_date",
    "probation_extension_months", "introducers", "standing", "lost_contact_since",
    "mobile_destination", "is_active", "masked", "updated_at",
]  # fmt: skip
WRITE_FIELDS = [
    "name", "sex", "ethnicity", "birth_date", "id_number", "phone", "address", "native_place",
    "education", "personnel_category", "work_unit", "job", "title", "branch", "party_group",
    "stage", "application_date", "join_date", "full_member_date", "probation_extension_months",
    "introducers", "standing", "lost_contact_since",
]  # fmt: skip


class MemberSerializer(serializers.ModelSerializer):
    """A record as clients read it. ID number, phone and address are masked
    (`1101**********002X`) unless `masked` is false."""

    branch_name = serializers.CharField(source="branch.name", read_only=True)
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    masked = serializers.SerializerMethodField(
        help_text=_("True when ID number, phone and address are shown masked.")
    )

    class Meta:
        model = Person
        fields = READ_FIELDS
        read_only_fields = READ_FIELDS

    def _reveal(self) -> bool:
        return bool(self.context.get("reveal"))

    def get_masked(self, person: Person) -> bool:
        return not self._reveal()

    def to_representation(self, person: Person) -> dict:
        data = super().to_representation(person)
        if not self._reveal():
            for field in services.SENSITIVE_FIELDS:
                data[field] = services.mask(field, getattr(person, field))
        return data


@extend_schema_field(OpenApiTypes.INT)
class ScopedOrgField(serializers.PrimaryKeyRelatedField):
    """An organization of `kinds` where the caller manages members; anything else reads as
    'does not exist'."""

    def __init__(self, *, kinds, **kwargs):
        self.kinds = kinds
        super().__init__(**kwargs)

    def get_queryset(self):
        user = self.context["request"].user
        return Organization.objects.restrict(user, "members.manage").filter(kind__in=self.kinds)


class MemberWriteSerializer(serializers.ModelSerializer):
    """Fields a client may set. Every consistency rule is the services' job (400 per field)."""

    branch = ScopedOrgField(kinds=BRANCH_KINDS, help_text=_("Id of the person's branch"))
    party_group = ScopedOrgField(
        kinds=(PARTY_GROUP,), required=False, allow_null=True,
        help_text=_("Id of a party group of the same branch"),
    )  # fmt: skip
    id_number = serializers.CharField(max_length=18, label=_("ID number"))
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = Person
        fields = WRITE_FIELDS


class MemberApiFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_(
            "Name, pinyin initials or full pinyin (prefix), or an exact ID or phone number."
        ),
    )
    stage = django_filters.MultipleChoiceFilter(label=_("Stage"), choices=Stage.choices)
    branch = django_filters.NumberFilter(label=_("Branch id"), field_name="branch_id")
    org = django_filters.NumberFilter(
        label=_("Organization id (its whole subtree)"), method="filter_org"
    )
    active = django_filters.BooleanFilter(label=_("Active (not exited)"), field_name="is_active")

    class Meta:
        model = Person
        fields = ["q", "stage", "branch", "org", "active"]

    def search(self, queryset, name, value):
        return selectors.person_search(queryset, value)

    def filter_org(self, queryset, name, value):
        org = Organization.objects.filter(pk=value).only("path").first()
        if org is None:
            return queryset.none()
        return queryset.filter(branch__path__startswith=org.path)


STATISTICS_PARAMETERS = [
    OpenApiParameter("org", OpenApiTypes.INT, required=True,
                     description="Organization id; its whole subtree is counted."),
    OpenApiParameter("as_of", OpenApiTypes.DATE, required=False,
                     description="Reference date (YYYY-MM-DD); default 31 December of last year."),
]  # fmt: skip


class StatisticsQuerySerializer(serializers.Serializer):
    org = serializers.IntegerField(label=_("Organization id"))
    as_of = serializers.DateField(label=_("Reference date"), required=False)

    def validate_as_of(self, value: date) -> date:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The date cannot be in the future."))
        return value


class MemberViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Member records in the caller's scope. Lists are always masked; one record is unmasked
    for a caller with members.view_sensitive on its branch (audited) or for the person."""

    queryset = Person.objects.all()
    serializer_class = MemberSerializer
    filterset_class = MemberApiFilter
    view_action = "members.view"
    manage_action = "members.manage"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        return Person.objects.select_related("branch")

    def _read(self, person: Person, code=status.HTTP_200_OK, *, reveal=False) -> Response:
        person = Person.objects.select_related("branch").get(pk=person.pk)
        context = {**self.get_serializer_context(), "reveal": reveal}
        return Response(MemberSerializer(person, context=context).data, code)

    def retrieve(self, request, *args, **kwargs):
        person = self.get_object()
        own = person.user_id is not None and person.user_id == request.user.pk
        reveal = own or has_perm(request.user, "members.view_sensitive", person.branch)
        if reveal and not own:
            for field in services.SENSITIVE_FIELDS:
                if getattr(person, field):
                    services.person_reveal(actor=request.user, person=person, field=field)
        return self._read(person, reveal=reveal)

    @extend_schema(request=MemberWriteSerializer, responses={201: MemberSerializer})
    def create(self, request, *args, **kwargs):
        serializer = MemberWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        person = services.person_create(actor=request.user, **serializer.validated_data)
        return self._read(person, status.HTTP_201_CREATED)

    @extend_schema(request=MemberWriteSerializer, responses={200: MemberSerializer})
    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        serializer = MemberWriteSerializer(
            person, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        person = services.person_update(
            actor=request.user, person=person, **serializer.validated_data
        )
        return self._read(person)

    @extend_schema(
        parameters=STATISTICS_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        description="Party statistics of an organization's subtree as of a date: totals and "
        "breakdowns by stage, sex, age band, education, join era, … (member_statistics).",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def statistics(self, request, *args, **kwargs):
        query = StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        org = get_scoped_or_404(
            Organization, request.user, "members.view", pk=query.validated_data["org"]
        )
        as_of = query.validated_data.get("as_of") or party_statistics.default_as_of()
        return Response(party_statistics.member_statistics(user=request.user, org=org, as_of=as_of))
