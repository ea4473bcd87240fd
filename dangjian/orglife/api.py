"""/api/v1/orglife/activities/: organizational life over the API, through the same services.

GET   orglife/activities/                        list (filters: org, type, status, date_from,
                                                 date_to, q)
GET   orglife/activities/{id}/                   one activity with its computed attendance
POST  orglife/activities/                        plan one (services.activity_create)
PATCH orglife/activities/{id}/                   change a planned or published one
POST  orglife/activities/{id}/publish/           invite the attendees and notify them
POST  orglife/activities/{id}/cancel/            {reason}
POST  orglife/activities/{id}/hold/              confirm it was held (not for a future date)
POST  orglife/activities/{id}/reply/             {attending, reason} — an attendee replies
POST  orglife/activities/{id}/signin/            {token} from the QR code, or {} online
GET   orglife/activities/{id}/attendance/        the attendance rows
GET   orglife/activities/{id}/minutes/           the minutes versions, latest first
POST  orglife/activities/{id}/minutes/           {body, resolutions, reason}
POST  orglife/activities/{id}/minutes/sign/      the host signs the latest version off

Reading needs orglife.view over the activity's organization; an attendee also reads the
activities they are invited to (their own attendance row and the signed minutes only). Each
write is the service's: it checks who may do it (the secretary, the recorder named on the
activity, the host, the attendee themself). Out of scope answers 404, a refusal 400 with the
Chinese reason per field.
"""

from datetime import datetime, time, timedelta

import django_filters
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dangjian.core.api import ScopedViewSetMixin
from dangjian.core.scope import has_perm
from dangjian.orglife import services
from dangjian.orglife.models import Activity, ActivityStatus, ActivityType, MinutesVersion
from dangjian.orglife.selectors import types_for
from dangjian.orglife.serializers import (
    ActivityCreateSerializer,
    ActivitySerializer,
    ActivityWriteSerializer,
    AttendanceSerializer,
    MinutesInputSerializer,
    MinutesVersionSerializer,
    ReasonSerializer,
    ReplySerializer,
    SigninSerializer,
)
from dangjian.orgs.models import Organization

VIEW = "orglife.view"


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


class ActivityApiFilter(django_filters.FilterSet):
    # Day boundaries in the local zone compared as datetimes (`__date` needs time-zone tables
    # on MySQL/MariaDB), as the audit log filters do.
    org = django_filters.NumberFilter(
        label=gettext_lazy("Organization id"), method="filter_org",
        help_text=gettext_lazy("The organization's activities and its sub-organizations'"),
    )  # fmt: skip
    type = django_filters.CharFilter(
        label=gettext_lazy("Activity type code"), field_name="type__code",
        help_text=gettext_lazy("e.g. general_meeting, lecture, theme_day"),
    )  # fmt: skip
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("status"), choices=ActivityStatus.choices
    )
    date_from = django_filters.DateFilter(
        label=gettext_lazy("Starting on or after"), method="filter_date_from"
    )
    date_to = django_filters.DateFilter(
        label=gettext_lazy("Starting on or before"), method="filter_date_to"
    )
    q = django_filters.CharFilter(
        label=gettext_lazy("Search"), field_name="topic", lookup_expr="icontains",
        help_text=gettext_lazy("Part of the topic"),
    )  # fmt: skip

    class Meta:
        model = Activity
        fields = ["org", "type", "status", "date_from", "date_to", "q"]

    def filter_org(self, queryset, name, value):
        path = Organization.objects.filter(pk=value).values_list("path", flat=True).first()
        return queryset.filter(org__path__startswith=path) if path else queryset.none()

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(starts_at__gte=_day_start(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(starts_at__lt=_day_start(value + timedelta(days=1)))


def _type(org, code: str) -> ActivityType:
    activity_type = types_for(org).filter(code=code).first()
    if activity_type is None:
        raise ValidationError({"type": _("This activity type is not available here.")})
    return activity_type


class ActivityViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Activities in the caller's scope and those they are invited to. Every write goes
    through the organizational-life services, which decide who may do it."""

    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    filterset_class = ActivityApiFilter
    view_action = VIEW
    manage_action = "orglife.manage"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scope_action(self) -> str:
        """Objects are found with the read scope even for writes: an attendee replies and signs
        in, the recorder writes the minutes, the host signs them — none of them needs
        orglife.manage, and each service checks its own permission (out of it: 404)."""
        return self.view_action

    def base_queryset(self):
        return Activity.objects.select_related("org", "type", "host", "recorder")

    def _read(self, activity: Activity, code=status.HTTP_200_OK) -> Response:
        activity = self.base_queryset().get(pk=activity.pk)
        return Response(ActivitySerializer(activity).data, code)

    def _input(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _sees_all(self, activity: Activity) -> bool:
        """A role over the organization, not only an invitation."""
        return has_perm(self.request.user, VIEW, activity.org)

    # -- plan ---------------------------------------------------------------------------------

    @extend_schema(
        request=ActivityCreateSerializer,
        responses={201: ActivitySerializer},
        description="Plan one activity (services.activity_create): status 'planned', visible "
        "to the organizers only until published. Needs orglife.manage on `org`. Materials are "
        "uploaded on the activity's page, not through the API.",
    )
    def create(self, request, *args, **kwargs):
        data = self._input(ActivityCreateSerializer)
        org = data.pop("org")
        data["type"] = _type(org, data["type"])
        activity = services.activity_create(actor=request.user, org=org, **data)
        return self._read(activity, status.HTTP_201_CREATED)

    @extend_schema(
        request=ActivityWriteSerializer,
        responses={200: ActivitySerializer},
        description="Change a planned or published activity (services.activity_update); "
        "attendees of a published one are told when the time or place moves.",
    )
    def partial_update(self, request, *args, **kwargs):
        activity = self.get_object()  # 404 before validating the body
        data = self._input(ActivityWriteSerializer, partial=True)
        if "type" in data:
            data["type"] = _type(activity.org, data["type"])
        return self._read(services.activity_update(actor=request.user, activity=activity, **data))

    @extend_schema(
        request=None,
        responses={200: ActivitySerializer},
        description="Publish: invite the default attendees (the branch's members, the party "
        "group's for a group meeting, the committee for a committee meeting) and notify them.",
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        activity = services.activity_publish(actor=request.user, activity=self.get_object())
        return self._read(activity)

    @extend_schema(
        request=ReasonSerializer,
        responses={200: ActivitySerializer},
        description="Cancel a planned or published activity, with the reason.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        activity = self.get_object()
        reason = self._input(ReasonSerializer)["reason"]
        return self._read(services.activity_cancel(actor=request.user, activity=activity,
                                                   reason=reason))  # fmt: skip

    @extend_schema(
        request=None,
        responses={200: ActivitySerializer},
        description="Confirm the activity was held, on the day it started; an activity dated "
        "after today is refused. By the recorder or whoever manages the activity.",
    )
    @action(detail=True, methods=["post"])
    def hold(self, request, *args, **kwargs):
        activity = services.activity_hold(actor=request.user, activity=self.get_object())
        return self._read(activity)

    # -- attendees ----------------------------------------------------------------------------

    @extend_schema(
        request=ReplySerializer,
        responses={200: AttendanceSerializer},
        description="The caller replies to the notice: attending, or asking for leave with "
        "the reason (the secretary approves it on the activity's page).",
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, *args, **kwargs):
        activity = self.get_object()
        data = self._input(ReplySerializer)
        row = services.activity_reply(actor=request.user, activity=activity, **data)
        return Response(AttendanceSerializer(row).data)

    @extend_schema(
        request=SigninSerializer,
        responses={200: AttendanceSerializer},
        description="Sign the caller in: with `token`, the code of the QR on the meeting-room "
        "screen (it changes every 30 seconds and is good for 90); without it, through an "
        "online meeting's link. Expired, forged or repeated sign-ins are refused (400).",
    )
    @action(detail=True, methods=["post"])
    def signin(self, request, *args, **kwargs):
        activity = self.get_object()
        token = self._input(SigninSerializer)["token"].strip()
        if not token:
            row = services.signin_online(actor=request.user, activity=activity)
        else:
            if services.activity_of_token(token).pk != activity.pk:
                raise ValidationError({"token": _("This QR code is not valid. Scan the code on "
                                                  "the meeting-room screen again.")})  # fmt: skip
            row = services.signin_with_token(actor=request.user, token=token)
        return Response(AttendanceSerializer(row).data)

    @extend_schema(
        responses={200: AttendanceSerializer(many=True)},
        description="The attendance rows (by name). An attendee without a role over the "
        "organization sees their own row only.",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def attendance(self, request, *args, **kwargs):
        activity = self.get_object()
        rows = activity.attendance.select_related("person").order_by("person__name_pinyin", "id")
        if not self._sees_all(activity):
            rows = rows.filter(person__user_id=request.user.pk)
        return Response(AttendanceSerializer(rows, many=True).data)

    # -- minutes ------------------------------------------------------------------------------

    def _versions(self, activity: Activity, *, written: bool = False):
        """The versions the caller may read (`written`: including one they just wrote)."""
        versions = (
            MinutesVersion.objects.filter(activity=activity)
            .select_related("written_by", "signed_by")
            .prefetch_related("files")
            .order_by("-number")
        )
        if not (written or self._sees_all(activity)):
            versions = versions.filter(signed_at__isnull=False)
        return versions

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: MinutesVersionSerializer(many=True)},
        description="Every version of the minutes, latest first. An attendee without a role "
        "over the organization sees the signed versions only.",
    )
    @extend_schema(
        methods=["POST"],
        request=MinutesInputSerializer,
        responses={201: MinutesVersionSerializer},
        description="Write the minutes of a held activity (services.minutes_save), by the "
        "recorder or whoever manages it. An unsigned draft is edited in place; once signed, a "
        "change makes a new version and needs `reason`. Scripts are refused.",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def minutes(self, request, *args, **kwargs):
        activity = self.get_object()
        if request.method == "GET":
            versions = self._versions(activity)
            return Response(MinutesVersionSerializer(versions, many=True).data)
        data = self._input(MinutesInputSerializer)
        version = services.minutes_save(actor=request.user, activity=activity, **data)
        version = self._versions(activity, written=True).get(pk=version.pk)
        return Response(MinutesVersionSerializer(version).data, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: MinutesVersionSerializer},
        description="The host signs the latest version off; it is locked from then on.",
    )
    @action(detail=True, methods=["post"], url_path="minutes/sign", url_name="minutes-sign")
    def sign_minutes(self, request, *args, **kwargs):
        activity = self.get_object()
        version = services.minutes_sign(actor=request.user, activity=activity)
        version = self._versions(activity, written=True).get(pk=version.pk)
        return Response(MinutesVersionSerializer(version).data)
