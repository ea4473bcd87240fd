"""Serializers of the organizational-life API (dangjian.orglife.api).

Output serializers read what the pages show: an activity with its computed attendance (counts,
rate, quorum — never typed), its attendance rows and its minutes versions. Input serializers
only parse and scope: organizations, activity types and people are looked up within the
caller's scope (anything else reads as "does not exist", a field error); every rule is the
services' job.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dangjian.members.models import Person
from dangjian.orglife.models import (
    Activity,
    ActivityStatus,
    Attendance,
    MinutesVersion,
    Reply,
    SigninMethod,
)
from dangjian.orgs.models import Organization


def _inline_enum(values) -> dict:
    """An enum kept inline (inside allOf): "status" and other names have other choices on
    other resources, and named enums would collide (as development.serializers does)."""
    return {"allOf": [{"type": "string", "enum": list(values)}]}


@extend_schema_field(_inline_enum(ActivityStatus.values))
class ActivityStatusField(serializers.CharField):
    """planned, published, held or cancelled."""


@extend_schema_field(_inline_enum(Reply.values))
class ReplyField(serializers.CharField):
    """The attendee's reply (pending, attending, leave requested / approved / refused)."""


@extend_schema_field(_inline_enum(["", *SigninMethod.values]))
class SigninMethodField(serializers.CharField):
    """How the attendee signed in: qr, online or manual ('' when not signed in)."""


# --- output ------------------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    """An activity as lists show it, with its attendance computed from the sign-ins."""

    org_name = serializers.CharField(source="org.name", read_only=True)
    type = serializers.CharField(source="type.code", read_only=True)
    type_name = serializers.CharField(source="type.name", read_only=True)
    host_name = serializers.CharField(source="host.name", read_only=True, default=None)
    recorder_name = serializers.CharField(source="recorder.name", read_only=True, default=None)
    status = ActivityStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    attendance_rate = serializers.FloatField(
        read_only=True, allow_null=True,
        help_text=_("Present ÷ expected (0–1), computed from the sign-ins"),
    )  # fmt: skip

    class Meta:
        model = Activity
        fields = ["id", "org", "org_name", "type", "type_name", "topic", "starts_at", "ends_at",
                  "place", "online_url", "host", "host_name", "recorder", "recorder_name",
                  "agenda", "status", "status_display", "published_at", "held_on",
                  "cancel_reason", "expected_count", "present_count", "leave_count",
                  "entitled_count", "voters_present", "attendance_rate", "quorum_met",
                  "minutes_due_on", "minutes_signed_on", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class AttendanceSerializer(serializers.ModelSerializer):
    """One expected attendee: the reply, leave, and the sign-in evidence."""

    person_name = serializers.CharField(source="person.name", read_only=True)
    stage = serializers.CharField(source="person.stage", read_only=True)
    stage_display = serializers.CharField(source="person.get_stage_display", read_only=True)
    reply = ReplyField(read_only=True)
    reply_display = serializers.CharField(source="get_reply_display", read_only=True)
    method = SigninMethodField(read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    present = serializers.BooleanField(read_only=True, help_text=_("Signed in to the activity"))

    class Meta:
        model = Attendance
        fields = ["id", "person", "person_name", "stage", "stage_display", "entitled", "reply",
                  "reply_display", "leave_reason", "replied_at", "present", "signed_in_at",
                  "method", "method_display", "manual_reason", "late", "left_early"]  # fmt: skip
        read_only_fields = fields


class FileSerializer(serializers.Serializer):
    uid = serializers.UUIDField(help_text=_("Download at /attachments/<uid>/"))
    name = serializers.CharField(source="original_name")


class MinutesVersionSerializer(serializers.ModelSerializer):
    """One version of the minutes; signed versions never change."""

    written_by = serializers.CharField(source="written_by.name", read_only=True, default=None)
    signed_by = serializers.CharField(source="signed_by.name", read_only=True, default=None)
    is_signed = serializers.BooleanField(read_only=True)
    files = FileSerializer(many=True, read_only=True)

    class Meta:
        model = MinutesVersion
        fields = ["id", "number", "body", "resolutions", "change_reason", "files", "written_by",
                  "written_at", "is_signed", "signed_by", "signed_at"]  # fmt: skip
        read_only_fields = fields


# --- input -------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class ManagedOrgField(serializers.PrimaryKeyRelatedField):
    """An organization where the caller plans activities; anything else reads as 'does not
    exist'."""

    def get_queryset(self):
        return Organization.objects.restrict(self.context["request"].user, "orglife.manage")


@extend_schema_field(OpenApiTypes.INT)
class ScopedPersonField(serializers.PrimaryKeyRelatedField):
    """A person whose record the caller sees (the services check they belong to the
    organization)."""

    def get_queryset(self):
        user = self.context["request"].user
        return Person.objects.restrict(user, "members.view").select_related("branch")


class ActivityWriteSerializer(serializers.Serializer):
    """Fields of an activity a client may set (PATCH: any of them). Materials are uploaded on
    the activity's page, not through the API."""

    type = serializers.SlugField(
        max_length=40, label=_("type"),
        help_text=_("Code of an activity type available to the organization, e.g. "
                    "general_meeting, committee_meeting, group_meeting, lecture, theme_day, "
                    "orglife_meeting, appraisal, talk, or a committee's custom type"),
    )  # fmt: skip
    topic = serializers.CharField(max_length=200, label=_("topic"))
    starts_at = serializers.DateTimeField(label=_("starts at"))
    ends_at = serializers.DateTimeField(required=False, allow_null=True, label=_("ends at"))
    place = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                  label=_("place"))  # fmt: skip
    online_url = serializers.URLField(max_length=500, required=False, allow_blank=True,
                                      label=_("online meeting link"))  # fmt: skip
    host = ScopedPersonField(required=False, allow_null=True, label=_("host"))
    recorder = ScopedPersonField(required=False, allow_null=True, label=_("recorder"))
    agenda = serializers.CharField(required=False, allow_blank=True, label=_("agenda"))


class ActivityCreateSerializer(ActivityWriteSerializer):
    org = ManagedOrgField(help_text=_("Id of the organization holding the activity"))


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("reason"), allow_blank=True)


class ReplySerializer(serializers.Serializer):
    attending = serializers.BooleanField(label=_("will attend"))
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", label=_("reason for leave"),
        help_text=_("Needed when asking for leave (attending: false)"),
    )  # fmt: skip


class SigninSerializer(serializers.Serializer):
    token = serializers.CharField(
        required=False, allow_blank=True, default="", label=_("QR code"),
        help_text=_("The code of the QR on the meeting-room screen; leave it out to sign in "
                    "to an online meeting through its link"),
    )  # fmt: skip


class MinutesInputSerializer(serializers.Serializer):
    """Write the minutes. Photos and files are uploaded on the minutes page, not here."""

    body = serializers.CharField(
        label=_("minutes"), help_text=_("HTML; sanitised, scripts are refused")
    )
    resolutions = serializers.CharField(required=False, allow_blank=True, default="",
                                        label=_("resolutions"))  # fmt: skip
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", label=_("reason for the change"),
        help_text=_("Needed once a version is signed off: the change makes a new version"),
    )  # fmt: skip
