"""Downloads of organizational life: the minutes (.docx), the attendance sheet (.xlsx) and the
paper sign-in sheet (.docx) of one activity, and an organization's annual activity register
(.xlsx). Every download is audited and carries the exporter's name and the time.

Who may download what: the activity is looked up through `restrict(user, "orglife.view")`, so
anything out of scope answers 404. An attendee who sees the activity only because they were
invited may print the minutes once signed off (the signed versions only); the attendance
sheets and the register need orglife.view over the organization itself (a role there).
"""

import io
import re
from datetime import date, datetime, time

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dangjian.audit.services import audit_record
from dangjian.core.exports import xlsx_response
from dangjian.core.scope import get_scoped_or_404, has_perm, scope_paths
from dangjian.development.documents import label
from dangjian.orglife import documents
from dangjian.orglife.models import Activity, ActivityStatus, Attendance, MinutesVersion
from dangjian.orgs.models import Organization

VIEW = "orglife.view"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
UNSAFE_IN_FILENAMES = re.compile(r'[\\/:*?"<>|\s]+')


def _filename(*parts: str) -> str:
    """A download name from `parts` (a topic may hold slashes or spaces)."""
    return "-".join(UNSAFE_IN_FILENAMES.sub("_", str(p)).strip("_") for p in parts)


def _docx_response(content: bytes, filename: str) -> FileResponse:
    """As core.exports.xlsx_response names its files: <name>-<yyyymmdd>.docx."""
    stamp = timezone.localdate().strftime("%Y%m%d")
    return FileResponse(io.BytesIO(content), as_attachment=True,
                        filename=f"{filename}-{stamp}.docx", content_type=DOCX)  # fmt: skip


def _activity(request, pk: int) -> Activity:
    queryset = Activity.objects.select_related("org", "type", "host", "recorder")
    return get_scoped_or_404(queryset, request.user, VIEW, pk=pk)


def _org_viewer(request, activity: Activity) -> None:
    """Attendance sheets are for those with a role over the organization, not for attendees
    who see the activity only because they were invited."""
    if not has_perm(request.user, VIEW, activity.org):
        raise Http404


def _rows(activity: Activity) -> list[Attendance]:
    return list(
        Attendance.objects.filter(activity=activity)
        .select_related("person")
        .order_by("person__name_pinyin", "id")
    )


# ---------------------------------------------------------------------------------------------
# Minutes


def _version(request, activity: Activity) -> MinutesVersion:
    """?version=N, else the latest; an attendee without a role sees signed versions only."""
    versions = MinutesVersion.objects.filter(activity=activity).select_related("signed_by")
    if not has_perm(request.user, VIEW, activity.org):
        versions = versions.filter(signed_at__isnull=False)
    number = request.GET.get("version", "")
    if number:
        if not number.isdigit():
            raise Http404
        versions = versions.filter(number=int(number))
    version = versions.prefetch_related("files").order_by("-number").first()
    if version is None:
        raise Http404
    return version


@login_required
@require_GET
def minutes_docx(request, pk: int):
    activity = _activity(request, pk)
    version = _version(request, activity)
    content = documents.minutes_docx(
        activity=activity,
        version=version,
        rows=_rows(activity),
        follow_ups=list(activity.follow_ups.select_related("owner")),
        votes=list(activity.votes.all()),
        user=request.user,
    )
    audit_record(
        actor=request.user,
        action="export.orglife_minutes",
        target=activity,
        org=activity.org,
        changes={"version": version.number, "signed": version.is_signed},
    )
    return _docx_response(content, _filename(_("Minutes"), activity.topic, f"v{version.number}"))


# ---------------------------------------------------------------------------------------------
# Attendance


def _yes(value: bool) -> str:
    return _("Yes") if value else ""


def attendance_headers() -> list[str]:
    return [
        label(Attendance, "person"), _("Stage"), label(Attendance, "reply"),
        label(Attendance, "leave_reason"), label(Attendance, "signed_in_at"),
        label(Attendance, "method"), label(Attendance, "manual_reason"),
        label(Attendance, "late"), label(Attendance, "left_early"),
    ]  # fmt: skip


def attendance_rows(activity: Activity, rows: list[Attendance]):
    """One line per expected attendee, then the summary computed from the sign-ins."""
    for row in rows:
        yield [
            row.person.name, row.person.get_stage_display(), row.get_reply_display(),
            row.leave_reason, row.signed_in_at, row.get_method_display(), row.manual_reason,
            _yes(row.late), _yes(row.left_early),
        ]  # fmt: skip
    roll = documents.Roll.of(rows)
    yield []
    yield [documents.minutes_title(activity), activity.topic]
    yield [_("Time"), documents.when_text(activity)]
    yield [_("Number expected"), roll.expected]
    yield [_("Number present"), len(roll.present)]
    yield [_("Number on leave"), len(roll.leave)]
    yield [_("Number absent"), len(roll.absent)]
    yield [_("Attendance rate"), documents.rate_text(activity)]
    yield [_("Quorum"), documents.quorum_text(activity)]


@login_required
@require_GET
def attendance_xlsx(request, pk: int):
    activity = _activity(request, pk)
    _org_viewer(request, activity)
    rows = _rows(activity)
    response, _count = xlsx_response(
        filename=_filename(_("Attendance"), activity.topic),
        title=_("Attendance"),
        headers=attendance_headers(),
        rows=attendance_rows(activity, rows),
        user=request.user,
    )
    audit_record(
        actor=request.user,
        action="export.orglife_attendance",
        target=activity,
        org=activity.org,
        changes={"rows": len(rows)},
    )
    return response


@login_required
@require_GET
def attendance_docx(request, pk: int):
    activity = _activity(request, pk)
    _org_viewer(request, activity)
    rows = _rows(activity)
    content = documents.signin_sheet_docx(activity=activity, rows=rows, user=request.user)
    audit_record(
        actor=request.user,
        action="export.orglife_signin_sheet",
        target=activity,
        org=activity.org,
        changes={"rows": len(rows)},
    )
    return _docx_response(content, _filename(_("Sign-in sheet"), activity.topic))


# ---------------------------------------------------------------------------------------------
# Annual register


def _register_org(request) -> Organization:
    """?org=<id> (default: the highest organization the user sees) — one they hold
    orglife.view over; anything else is 404."""
    value = request.GET.get("org", "")
    if value:
        if not value.isdigit():
            raise Http404
        return get_scoped_or_404(Organization, request.user, VIEW, pk=int(value))
    paths = scope_paths(request.user, VIEW)
    if not paths:
        raise Http404
    return Organization.objects.get(path=paths[0])


def _register_year(request) -> int:
    value = request.GET.get("year", "")
    if value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    return timezone.localdate().year


def register_headers() -> list[str]:
    return [
        _("Date"), label(Activity, "org"), label(Activity, "type"), label(Activity, "topic"),
        label(Activity, "host"), label(Activity, "recorder"), label(Activity, "expected_count"),
        label(Activity, "present_count"), label(Activity, "leave_count"),
        _("Attendance rate (%)"), label(Activity, "quorum_met"), _("Held"),
        label(Activity, "minutes_signed_on"), _("Minutes signed in time"),
    ]  # fmt: skip


def minutes_on_time(activity: Activity, today: date) -> str:
    """Yes / No, or empty while the minutes are not yet due (or the activity not held)."""
    due, signed = activity.minutes_due_on, activity.minutes_signed_on
    if due is None:
        return ""
    if signed is not None:
        return _("Yes") if signed <= due else _("No")
    return _("No") if today > due else ""


def register_rows(activities, today: date):
    for a in activities:
        rate = a.attendance_rate
        quorum = "" if a.quorum_met is None else (_("Yes") if a.quorum_met else _("No"))
        yield [
            timezone.localtime(a.starts_at).date(), a.org.name, a.type.name, a.topic,
            a.host.name if a.host else "", a.recorder.name if a.recorder else "",
            a.expected_count, a.present_count, a.leave_count,
            None if rate is None else round(rate * 100, 1), quorum,
            _("Yes") if a.status == ActivityStatus.HELD else _("No"),
            a.minutes_signed_on, minutes_on_time(a, today),
        ]  # fmt: skip


def register_activities(user, org: Organization, year: int):
    """The year's activities (not cancelled) of `org`'s subtree, by date; streamed."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(date(year, 1, 1), time.min, tzinfo=tz)
    end = datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=tz)
    return (
        Activity.objects.restrict(user, VIEW)
        .filter(org__path__startswith=org.path, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=ActivityStatus.CANCELLED)
        .select_related("org", "type", "host", "recorder")
        .order_by("starts_at", "id")
        .iterator(chunk_size=2000)
    )


@login_required
@require_GET
def register_xlsx(request):
    org = _register_org(request)
    year = _register_year(request)
    today = timezone.localdate()
    title = _("Activity register %(year)s") % {"year": year}
    response, count = xlsx_response(
        filename=_filename(title, org.name),
        title=title,
        headers=register_headers(),
        rows=register_rows(register_activities(request.user, org, year), today),
        user=request.user,
    )
    audit_record(
        actor=request.user,
        action="export.orglife_register",
        target=org,
        org=org,
        changes={"year": year, "rows": count},
    )
    return response
