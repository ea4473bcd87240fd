"""Writes of organizational life: plan, publish, reply, sign in, hold, minute, sign off, vote,
appraise. Every function checks scope, validates, runs in a transaction and audits.

Facts come from evidence: attendance counts, the rate and the quorum are recomputed from the
sign-in rows (`attendance_refresh`) after every change and never accepted from a form. Who may
act: `orglife.manage` over the activity's organization (the secretary, a group leader for the
group's meetings); the recorder named on the activity writes the minutes and may add a manual
sign-in with a reason; only the host signs the minutes off; each attendee replies, signs in,
writes a self-assessment and casts one secret ballot for themselves.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.attachments.services import attachment_store
from dangjian.attachments.sniffing import DOCUMENTS, IMAGES
from dangjian.audit.services import audit_record
from dangjian.core.dates import cn_clock, cn_date, cn_datetime
from dangjian.core.scope import has_perm
from dangjian.core.services import OutOfScope, require_perm, rule_field
from dangjian.members.choices import Stage
from dangjian.members.models import Person
from dangjian.notifications.services import notify
from dangjian.orglife.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    AppraisalResult,
    Attendance,
    BallotCast,
    BallotTally,
    FollowUp,
    MeetingVote,
    MinutesVersion,
    PolicySetting,
    Rating,
    Reply,
    SelfAssessment,
    SigninMethod,
)
from dangjian.orglife.selectors import policy_for, requirement_of, types_for
from dangjian.orgs.models import CommitteeMember, OrgKind
from dangjian.rules import development as development_rules
from dangjian.rules import orglife as rules

MEMBER_STAGES = (Stage.PROBATIONARY, Stage.FULL)
SIGNIN_WINDOW_SECONDS = 30  # the QR code changes every 30 s ...
SIGNIN_WINDOWS_ACCEPTED = 3  # ... and a code stays good for 90 s (time to scan and tap)
SIGNIN_EARLY = timedelta(minutes=60)  # sign-in opens an hour before the start
SIGNIN_LATE = timedelta(minutes=60)  # and closes an hour after the end
DEFAULT_LENGTH = timedelta(hours=4)  # an activity without an end time
MINUTES_FILES = IMAGES | DOCUMENTS
MINUTES_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "ol", "ul", "li", "h3", "h4", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "span", "div",
}  # fmt: skip
# What a pasted script looks like: refused with a message rather than silently dropped, so the
# recorder knows the text was not stored as typed.
SCRIPT_LIKE = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|style|link|meta|form|svg)\b|\bon[a-z]+\s*=|"
    r"javascript\s*:",
    re.IGNORECASE,
)
EDITABLE = (ActivityStatus.PLANNED, ActivityStatus.PUBLISHED)


# ---------------------------------------------------------------------------------------------
# Helpers


def _audit(actor, action: str, activity: Activity, **changes) -> None:
    audit_record(actor=actor, action=action, target=activity, org=activity.org, changes=changes)


def _locked(activity: Activity) -> Activity:
    """The activity re-read under a row lock (concurrent sign-ins and replies serialise)."""
    return Activity.objects.select_for_update().select_related("type", "org").get(pk=activity.pk)


def _person_of(actor) -> Person | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return Person.objects.filter(user_id=actor.pk).first()


def _is(actor, person_id) -> bool:
    return person_id is not None and Person.objects.filter(pk=person_id, user_id=actor.pk).exists()


def _may_manage(actor, activity: Activity) -> bool:
    return actor is None or has_perm(actor, "orglife.manage", activity.org)


def _require_manage(actor, activity: Activity) -> None:
    require_perm(actor, "orglife.manage", activity.org)


def _require_recorder(actor, activity: Activity) -> None:
    """The recorder named on the activity, or someone who manages it."""
    if _may_manage(actor, activity) or _is(actor, activity.recorder_id):
        return
    raise OutOfScope("orglife.record")


def _end_of(activity: Activity) -> datetime:
    return activity.ends_at or activity.starts_at + DEFAULT_LENGTH


def _link(activity: Activity) -> str:
    return reverse("orglife:detail", kwargs={"pk": activity.pk})


def _check_times(starts_at, ends_at) -> None:
    if ends_at is not None and starts_at is not None and ends_at < starts_at:
        raise ValidationError({"ends_at": _("The end must not be before the start.")})


def _check_people(org, **people) -> None:
    """Host and recorder must belong to the organization (or, for a party group, its branch)."""
    for field, person in people.items():
        if person is None:
            continue
        path = person.branch.path
        if not (path.startswith(org.path) or org.path.startswith(path)):
            raise ValidationError({field: _("Choose a member of this organization.")})


def _check_type(org, activity_type: ActivityType) -> None:
    if not types_for(org).filter(pk=activity_type.pk).exists():
        raise ValidationError({"type": _("This activity type is not available here.")})
    if activity_type.audience == "group" and org.kind != OrgKind.PARTY_GROUP:
        raise ValidationError({"type": _("A party-group meeting is held by a party group.")})


def _after_commit_refresh(activity: Activity) -> None:
    """Keep the branch's compliance cells current (derived data; the daily task also does)."""
    from dangjian.orglife.compliance import branch_refresh

    org = activity.org
    transaction.on_commit(lambda: branch_refresh(org), robust=True)


# ---------------------------------------------------------------------------------------------
# Plan


def activity_create(
    *,
    actor,
    org,
    type: ActivityType,
    topic: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    place: str = "",
    online_url: str = "",
    host: Person | None = None,
    recorder: Person | None = None,
    agenda: str = "",
    materials: Iterable = (),
) -> Activity:
    """Plan one activity (status 'planned': visible to the organizers, not yet to attendees)."""
    require_perm(actor, "orglife.manage", org)
    _check_type(org, type)
    _check_times(starts_at, ends_at)
    _check_people(org, host=host, recorder=recorder)
    if not topic or not topic.strip():
        raise ValidationError({"topic": _("Enter the topic.")})
    with transaction.atomic():
        activity = Activity.objects.create(
            org=org, type=type, topic=topic.strip(), starts_at=starts_at, ends_at=ends_at,
            place=place, online_url=online_url, host=host, recorder=recorder, agenda=agenda,
            signin_secret=secrets.token_hex(32),
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )  # fmt: skip
        _store_materials(actor, activity, materials)
        _audit(actor, "orglife.activity_create", activity, type=type.code, topic=activity.topic,
               starts_at=starts_at.isoformat())  # fmt: skip
    return activity


def _store_materials(actor, activity: Activity, uploads: Iterable) -> None:
    for upload in uploads:
        stored = attachment_store(
            actor=actor, org=activity.org, upload=upload, read_permission="orglife.view",
            permission="orglife.manage", allowed=MINUTES_FILES,
        )  # fmt: skip
        activity.materials.add(stored)


UPDATABLE = ("type", "topic", "starts_at", "ends_at", "place", "online_url", "host", "recorder",
             "agenda")  # fmt: skip


def activity_update(*, actor, activity: Activity, materials: Iterable = (), **fields) -> Activity:
    """Change a planned or published activity; attendees of a published one are told."""
    _require_manage(actor, activity)
    unknown = set(fields) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"not updatable: {sorted(unknown)}")
    with transaction.atomic():
        activity = _locked(activity)
        if activity.status not in EDITABLE:
            raise ValidationError(_("A held or cancelled activity can no longer be changed."))
        if "type" in fields and fields["type"].pk != activity.type_id:
            _check_type(activity.org, fields["type"])
            if activity.status == ActivityStatus.PUBLISHED:
                raise ValidationError({"type": _("The type of a published activity is fixed.")})
        _check_times(fields.get("starts_at", activity.starts_at),
                     fields.get("ends_at", activity.ends_at))  # fmt: skip
        _check_people(activity.org, host=fields.get("host"), recorder=fields.get("recorder"))
        old = {k: str(getattr(activity, k)) for k in fields}
        for key, value in fields.items():
            setattr(activity, key, value.strip() if key == "topic" else value)
        activity.save(update_fields=[*fields, "updated_at"])
        _store_materials(actor, activity, materials)
        changes = {k: [old[k], str(getattr(activity, k))] for k in fields if old[k] != str(
            getattr(activity, k))}  # fmt: skip
        _audit(actor, "orglife.activity_update", activity, **changes)
        moved = {"starts_at", "ends_at", "place", "online_url"} & set(changes)
        if activity.status == ActivityStatus.PUBLISHED and moved:
            _notify_attendees(actor, activity, _("Changed: %(topic)s") % {"topic": activity.topic},
                              _notice_body(activity))  # fmt: skip
    return activity


def activity_plan_year(*, actor, org, year: int) -> list[Activity]:
    """Draft the year's plan from the frequencies required of `org` (editable afterwards).

    One planned activity per required occurrence that the year does not yet have (planned,
    published or held), on a sensible default day: the 15th at 14:30, the quarter's middle
    month for quarterly and November for yearly activities (the organizational-life meeting
    and the appraisal are generally held in the fourth quarter).
    """
    require_perm(actor, "orglife.manage", org)
    policy = policy_for(org)
    existing = _planned_counts(org, year)
    created: list[Activity] = []
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        for activity_type in types_for(org).order_by("order", "id"):
            req = requirement_of(activity_type, policy)
            if req is None or not _applies_to(req, org):
                continue
            step = rules.PERIOD_MONTHS[req.period]
            for first in range(1, 13, step):
                start = date(year, first, 1)
                month = first + (step // 2 if step == 3 else 0) if step < 12 else 11
                have = existing.get((activity_type.pk, rules.period_start(start, req.period)), 0)
                for n in range(max(0, req.times - have)):
                    starts_at = datetime(year, month, min(15 + n * 7, 28), 14, 30, tzinfo=tz)
                    activity = Activity.objects.create(
                        org=org, type=activity_type, starts_at=starts_at,
                        topic=f"{year}年{month}月{activity_type.name}",
                        signin_secret=secrets.token_hex(32),
                        created_by=actor if actor is not None and actor.is_authenticated else None,
                    )  # fmt: skip
                    created.append(activity)
        audit_record(actor=actor, action="orglife.plan_generate", target=org, org=org,
                     changes={"year": year, "created": len(created)})  # fmt: skip
    return created


def _planned_counts(org, year: int) -> dict:
    """{(type id, period start): activities} of `org` in `year` that are not cancelled."""
    rows = (
        Activity.objects.filter(org=org, starts_at__year=year)
        .exclude(status=ActivityStatus.CANCELLED)
        .values_list("type_id", "type__code", "type__period", "starts_at")
    )
    policy = policy_for(org)
    out: dict = {}
    for type_id, code, own_period, starts_at in rows:
        req = policy.requirement(code)
        period = req.period if req else (own_period or "year")
        key = (type_id, rules.period_start(timezone.localtime(starts_at).date(), period))
        out[key] = out.get(key, 0) + 1
    return out


def _applies_to(req: rules.Requirement, org) -> bool:
    """Branch requirements to branches, group ones to party groups."""
    if req.applies == "group":
        return org.kind == OrgKind.PARTY_GROUP
    if org.kind == OrgKind.PARTY_GROUP:
        return False
    if req.applies == "committee":
        return _has_committee(org)
    return org.kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH)


def _has_committee(org, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    current = CommitteeMember.objects.filter(org=org, term_start__lte=today).filter(
        Q(term_end__isnull=True) | Q(term_end__gte=today)
    )
    return current.count() >= 3


# ---------------------------------------------------------------------------------------------
# Publish, reply, leave


def attendees_default(activity: Activity):
    """Who is expected by default: the branch's members (with its groups), the party group's
    members for a group meeting, the current committee for a committee meeting."""
    org = activity.org
    members = Person.objects.filter(is_active=True, stage__in=MEMBER_STAGES)
    if activity.type.audience == "committee":
        today = timezone.localtime(activity.starts_at).date()
        users = CommitteeMember.objects.filter(org=org, term_start__lte=today, user__isnull=False)
        users = users.filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
        return members.filter(user_id__in=users.values("user_id"))
    if org.kind == OrgKind.PARTY_GROUP:
        return members.filter(party_group=org)
    return members.filter(branch__path__startswith=org.path)


def activity_publish(*, actor, activity: Activity, attendees: Iterable[Person] | None = None
                     ) -> Activity:  # fmt: skip
    """Publish: invite the attendees (default `attendees_default`) and notify them.

    An activity that is already over (entered afterwards from paper records) is published
    without a notice; its attendance can then only be added by hand, with reasons.
    """
    _require_manage(actor, activity)
    with transaction.atomic():
        activity = _locked(activity)
        if activity.status != ActivityStatus.PLANNED:
            raise ValidationError(_("Only a planned activity can be published."))
        people = list(attendees_default(activity) if attendees is None else attendees)
        if not people:
            raise ValidationError(_("Nobody to invite: the organization has no members."))
        Attendance.objects.bulk_create(
            [Attendance(activity=activity, person=p, entitled=p.stage == Stage.FULL)
             for p in people], batch_size=500, ignore_conflicts=True,
        )  # fmt: skip
        activity.status = ActivityStatus.PUBLISHED
        activity.published_at = timezone.now()
        activity.save(update_fields=["status", "published_at", "updated_at"])
        attendance_refresh(activity)
        _audit(actor, "orglife.activity_publish", activity, attendees=len(people))
        if _end_of(activity) > timezone.now():
            _notify_attendees(actor, activity, _("Notice: %(topic)s") % {"topic": activity.topic},
                              _notice_body(activity))  # fmt: skip
    return activity


def _notice_body(activity: Activity) -> str:
    where = activity.place or activity.online_url or ""
    return _("%(type)s, %(when)s, %(where)s. Please reply whether you will attend.") % {
        "type": activity.type.name, "when": cn_datetime(activity.starts_at), "where": where,
    }  # fmt: skip


def _notify_attendees(actor, activity: Activity, title: str, body: str) -> None:
    users = [
        a.person.user
        for a in activity.attendance.select_related("person__user").filter(
            person__user__isnull=False
        )
    ]
    notify(recipients=users, title=title, body=body, link=_link(activity), category="orglife",
           actor=actor)  # fmt: skip


def activity_cancel(*, actor, activity: Activity, reason: str) -> Activity:
    """Cancel a planned or published activity, with the reason; attendees are told."""
    _require_manage(actor, activity)
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    with transaction.atomic():
        activity = _locked(activity)
        if activity.status not in EDITABLE:
            raise ValidationError(_("A held or cancelled activity cannot be cancelled."))
        was_published = activity.status == ActivityStatus.PUBLISHED
        activity.status = ActivityStatus.CANCELLED
        activity.cancel_reason = reason.strip()
        activity.save(update_fields=["status", "cancel_reason", "updated_at"])
        _audit(actor, "orglife.activity_cancel", activity, reason=activity.cancel_reason)
        if was_published:
            _notify_attendees(actor, activity,
                              _("Cancelled: %(topic)s") % {"topic": activity.topic},
                              activity.cancel_reason)  # fmt: skip
    return activity


def _own_attendance(actor, activity: Activity) -> Attendance:
    """The actor's own invitation; not invited is a clear message, not a 404."""
    row = (
        Attendance.objects.select_for_update()
        .filter(activity=activity, person__user_id=getattr(actor, "pk", None))
        .first()
    )
    if row is None:
        raise ValidationError(_("You are not on the list of attendees of this activity."))
    return row


def activity_reply(*, actor, activity: Activity, attending: bool, reason: str = "") -> Attendance:
    """An attendee replies: attending, or asking for leave with a reason."""
    with transaction.atomic():
        activity = _locked(activity)
        if activity.status != ActivityStatus.PUBLISHED:
            raise ValidationError(_("Replies are closed for this activity."))
        row = _own_attendance(actor, activity)
        if row.signed_in_at:
            raise ValidationError(_("You have already signed in."))
        if not attending and not reason.strip():
            raise ValidationError({"reason": _("Give the reason for asking for leave.")})
        row.reply = Reply.ATTENDING if attending else Reply.LEAVE_REQUESTED
        row.leave_reason = "" if attending else reason.strip()
        row.replied_at = timezone.now()
        row.leave_decided_by = None
        row.save(update_fields=["reply", "leave_reason", "replied_at", "leave_decided_by"])
        attendance_refresh(activity)
        _audit(actor, "orglife.reply", activity, reply=row.reply, reason=row.leave_reason)
        if not attending:
            from dangjian.accounts.selectors import nearest_holders

            notify(recipients=nearest_holders(activity.org, "orglife.manage"),
                   title=_("Leave requested: %(name)s") % {"name": row.person.name},
                   body=f"{activity.topic}：{row.leave_reason}", link=_link(activity),
                   category="orglife", actor=actor)  # fmt: skip
    return row


def leave_decide(*, actor, attendance: Attendance, approve: bool) -> Attendance:
    """The secretary approves or refuses a request for leave; the member is told."""
    activity = attendance.activity
    _require_manage(actor, activity)
    with transaction.atomic():
        activity = _locked(activity)
        row = Attendance.objects.select_for_update().get(pk=attendance.pk)
        if row.reply not in (Reply.LEAVE_REQUESTED, Reply.LEAVE_APPROVED, Reply.LEAVE_REFUSED):
            raise ValidationError(_("There is no request for leave to decide."))
        row.reply = Reply.LEAVE_APPROVED if approve else Reply.LEAVE_REFUSED
        row.leave_decided_by = actor if actor is not None and actor.is_authenticated else None
        row.save(update_fields=["reply", "leave_decided_by"])
        attendance_refresh(activity)
        _audit(actor, "orglife.leave_decide", activity, person=row.person.name, reply=row.reply)
        user = row.person.user
        if user is not None:
            title = (_("Leave approved: %(topic)s") if approve else
                     _("Leave refused: %(topic)s")) % {"topic": activity.topic}  # fmt: skip
            notify(recipients=[user], title=title, link=_link(activity), category="orglife",
                   actor=actor)  # fmt: skip
    return row


# ---------------------------------------------------------------------------------------------
# Sign-in from evidence


def _window(at: datetime) -> int:
    return int(at.timestamp()) // SIGNIN_WINDOW_SECONDS


def _mac(activity: Activity, window: int) -> str:
    key = f"{settings.SECRET_KEY}:{activity.signin_secret}".encode()
    return hmac.new(key, f"{activity.pk}:{window}".encode(), hashlib.sha256).hexdigest()[:24]


def signin_token(activity: Activity, at: datetime | None = None) -> str:
    """The code shown in the QR right now; it changes every 30 seconds."""
    window = _window(at or timezone.now())
    return f"{activity.pk}-{window}-{_mac(activity, window)}"


def activity_of_token(token: str) -> Activity:
    """The activity a token names, or a ValidationError saying the code is not valid."""
    invalid = ValidationError(_("This QR code is not valid. Scan the code on the meeting-room "
                                "screen again."))  # fmt: skip
    parts = (token or "").split("-")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise invalid
    activity = Activity.objects.select_related("type", "org").filter(pk=int(parts[0])).first()
    if activity is None or not hmac.compare_digest(_mac(activity, int(parts[1])), parts[2]):
        raise invalid
    return activity


def _check_signin_time(activity: Activity, at: datetime) -> None:
    if activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.HELD):
        raise ValidationError(_("Sign-in is not open for this activity."))
    if at < activity.starts_at - SIGNIN_EARLY:
        raise ValidationError(_("Sign-in opens an hour before the start (%(when)s).") % {
            "when": cn_datetime(activity.starts_at)})  # fmt: skip
    if activity.minutes.filter(signed_at__isnull=False).exists():
        raise ValidationError(_("The minutes are signed off: the attendance is locked."))


def _sign(actor, activity: Activity, row: Attendance, method: str, at: datetime,
          reason: str = "") -> Attendance:  # fmt: skip
    if row.signed_in_at is not None:
        raise ValidationError(_("%(name)s already signed in at %(time)s.") % {
            "name": row.person.name, "time": cn_clock(row.signed_in_at)})  # fmt: skip
    row.signed_in_at = at
    row.method = method
    row.manual_reason = reason
    row.recorded_by = actor if actor is not None and actor.is_authenticated else None
    # entered by hand (often afterwards): lateness is marked explicitly, not read from the clock
    row.late = method != SigninMethod.MANUAL and at > activity.starts_at + timedelta(minutes=5)
    if row.reply == Reply.PENDING:
        row.reply = Reply.ATTENDING
    row.save(update_fields=["signed_in_at", "method", "manual_reason", "recorded_by", "late",
                            "reply"])  # fmt: skip
    attendance_refresh(activity)
    _audit(actor, "orglife.signin", activity, person=row.person.name, method=method,
           at=at.isoformat(), reason=reason)  # fmt: skip
    return row


def signin_with_token(*, actor, token: str, at: datetime | None = None) -> Attendance:
    """Sign the actor in with the code from the meeting-room screen (scanned on their phone)."""
    at = at or timezone.now()
    activity = activity_of_token(token)
    window = int(token.split("-")[1])
    now = _window(at)
    if window > now:
        raise ValidationError(_("This QR code is not valid. Scan the code on the meeting-room "
                                "screen again."))  # fmt: skip
    if now - window >= SIGNIN_WINDOWS_ACCEPTED:
        raise ValidationError(_("This QR code has expired. Scan the code now on the "
                                "meeting-room screen."))  # fmt: skip
    with transaction.atomic():
        activity = _locked(activity)
        _check_signin_time(activity, at)
        if at > _end_of(activity) + SIGNIN_LATE:
            raise ValidationError(_("Sign-in for this activity has closed."))
        return _sign(actor, activity, _own_attendance(actor, activity), SigninMethod.QR, at)


def signin_online(*, actor, activity: Activity, at: datetime | None = None) -> Attendance:
    """An online attendee signs in through the activity's page while the meeting is on."""
    at = at or timezone.now()
    with transaction.atomic():
        activity = _locked(activity)
        if not activity.online_url:
            raise ValidationError(_("This activity has no online meeting: scan the QR code in "
                                    "the meeting room."))  # fmt: skip
        _check_signin_time(activity, at)
        if at > _end_of(activity) + SIGNIN_LATE:
            raise ValidationError(_("Sign-in for this activity has closed."))
        return _sign(actor, activity, _own_attendance(actor, activity), SigninMethod.ONLINE, at)


def signin_manual(*, actor, activity: Activity, person: Person, reason: str,
                  at: datetime | None = None) -> Attendance:  # fmt: skip
    """The recorder signs someone in by hand — only with a reason; marked as manual."""
    _require_recorder(actor, activity)
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("A manual sign-in needs a reason (e.g. phone "
                                           "without network).")})  # fmt: skip
    at = at or timezone.now()
    with transaction.atomic():
        activity = _locked(activity)
        _check_signin_time(activity, at)
        row = Attendance.objects.select_for_update().filter(activity=activity,
                                                            person=person).first()  # fmt: skip
        if row is None:
            raise ValidationError({"person": _("%(name)s is not on the list of attendees.") % {
                "name": person.name}})  # fmt: skip
        return _sign(actor, activity, row, SigninMethod.MANUAL, at, reason.strip())


def attendance_mark(*, actor, attendance: Attendance, late: bool, left_early: bool) -> Attendance:
    """The recorder marks a late arrival or an early departure."""
    activity = attendance.activity
    _require_recorder(actor, activity)
    with transaction.atomic():
        activity = _locked(activity)
        if activity.minutes.filter(signed_at__isnull=False).exists():
            raise ValidationError(_("The minutes are signed off: the attendance is locked."))
        row = Attendance.objects.select_for_update().get(pk=attendance.pk)
        if row.signed_in_at is None:
            raise ValidationError(_("Only someone who signed in can be marked late or leaving "
                                    "early."))  # fmt: skip
        row.late, row.left_early = late, left_early
        row.save(update_fields=["late", "left_early"])
        _audit(actor, "orglife.attendance_mark", activity, person=row.person.name, late=late,
               left_early=left_early)  # fmt: skip
    return row


def attendance_refresh(activity: Activity) -> Activity:
    """Recompute the counts, the voters present and the quorum from the attendance rows."""
    counts = Attendance.objects.filter(activity=activity).aggregate(
        n_expected=Count("id"),
        n_present=Count("id", filter=Q(signed_in_at__isnull=False)),
        n_leave=Count("id", filter=Q(reply=Reply.LEAVE_APPROVED)),
        n_entitled=Count("id", filter=Q(entitled=True)),
        n_voters=Count("id", filter=Q(entitled=True, signed_in_at__isnull=False)),
    )
    req = requirement_of(activity.type, policy_for(activity.org))
    rule = req.quorum if req is not None else activity.type.quorum
    if rule == "full_members":
        quorum = rules.quorum_met(rule, entitled=counts["n_entitled"], present=counts["n_voters"])
    else:
        quorum = rules.quorum_met(rule, entitled=counts["n_expected"], present=counts["n_present"])
    activity.expected_count = counts["n_expected"]
    activity.present_count = counts["n_present"]
    activity.leave_count = counts["n_leave"]
    activity.entitled_count = counts["n_entitled"]
    activity.voters_present = counts["n_voters"]
    activity.quorum_met = quorum
    activity.save(update_fields=["expected_count", "present_count", "leave_count",
                                 "entitled_count", "voters_present", "quorum_met"])  # fmt: skip
    if activity.status == ActivityStatus.HELD:
        _after_commit_refresh(activity)
    return activity


# ---------------------------------------------------------------------------------------------
# Held, minutes, sign-off, follow-ups


def activity_hold(*, actor, activity: Activity, today: date | None = None) -> Activity:
    """Confirm the activity took place (on the day it started). A future date is refused."""
    _require_recorder(actor, activity)
    today = today or timezone.localdate()
    with transaction.atomic():
        activity = _locked(activity)
        if activity.status != ActivityStatus.PUBLISHED:
            raise ValidationError(_("Only a published activity can be confirmed as held."))
        held_on = timezone.localtime(activity.starts_at).date()
        if held_on > today:
            raise ValidationError(_("The activity is dated %(date)s, after today: it cannot be "
                                    "marked as held.") % {"date": cn_date(held_on)})  # fmt: skip
        activity.status = ActivityStatus.HELD
        activity.held_on = held_on
        activity.minutes_due_on = rules.minutes_due(held_on, policy_for(activity.org))
        activity.save(update_fields=["status", "held_on", "minutes_due_on", "updated_at"])
        attendance_refresh(activity)
        _audit(actor, "orglife.activity_hold", activity, held_on=held_on.isoformat(),
               present=activity.present_count, expected=activity.expected_count)  # fmt: skip
    return activity


def clean_minutes(body: str) -> str:
    """Sanitised minutes HTML; pasted scripts are refused with a message, not dropped."""
    if SCRIPT_LIKE.search(body or ""):
        raise ValidationError({"body": _("The minutes contain scripts or code (such as "
                                         "<script> or event attributes). Remove them and save "
                                         "again.")})  # fmt: skip
    cleaned = nh3.clean(body or "", tags=MINUTES_TAGS, attributes={}, link_rel=None).strip()
    if not re.sub(r"<[^>]+>|&nbsp;|\s", "", cleaned):
        raise ValidationError({"body": _("Write the minutes.")})
    return cleaned


def minutes_save(*, actor, activity: Activity, body: str, resolutions: str = "",
                 reason: str = "", files: Iterable = ()) -> MinutesVersion:  # fmt: skip
    """Write the minutes of a held activity. An unsigned draft is edited in place; once a
    version is signed it is locked and a change makes a new version, which needs a reason."""
    _require_recorder(actor, activity)
    cleaned = clean_minutes(body)
    files = list(files)
    with transaction.atomic():
        activity = _locked(activity)
        if activity.status != ActivityStatus.HELD:
            raise ValidationError(_("Confirm that the activity was held before writing its "
                                    "minutes."))  # fmt: skip
        latest = activity.minutes.order_by("-number").first()
        user = actor if actor is not None and actor.is_authenticated else None
        if latest is not None and not latest.is_signed:
            version = latest
            version.body, version.resolutions, version.written_by = cleaned, resolutions, user
            if reason.strip():
                version.change_reason = reason.strip()
            version.save()
        else:
            if latest is not None and not reason.strip():
                raise ValidationError({"reason": _("The minutes are signed off: give the "
                                                   "reason for the change.")})  # fmt: skip
            version = MinutesVersion.objects.create(
                activity=activity, number=(latest.number + 1) if latest else 1, body=cleaned,
                resolutions=resolutions, change_reason=reason.strip(), written_by=user,
            )  # fmt: skip
            if latest is not None:
                version.files.set(latest.files.all())
        for upload in files:
            version.files.add(attachment_store(
                actor=actor, org=activity.org, upload=upload, read_permission="orglife.view",
                permission=None if _may_manage(actor, activity) else "orgs.view",
                allowed=MINUTES_FILES,
            ))  # fmt: skip
        _audit(actor, "orglife.minutes_save", activity, version=version.number,
               reason=version.change_reason, files=len(files))  # fmt: skip
    return version


def minutes_sign(*, actor, activity: Activity) -> MinutesVersion:
    """The host signs the latest version off; it is locked from then on."""
    if not _is(actor, activity.host_id):
        raise ValidationError(_("Only the host of the activity can sign the minutes off."))
    with transaction.atomic():
        activity = _locked(activity)
        latest = activity.minutes.select_for_update().order_by("-number").first()
        if latest is None:
            raise ValidationError(_("There are no minutes to sign yet."))
        if latest.is_signed:
            raise ValidationError(_("This version is already signed."))
        latest.signed_by, latest.signed_at = actor, timezone.now()
        latest.save(update_fields=["signed_by", "signed_at"])
        if activity.minutes_signed_on is None:  # timeliness is judged on the first sign-off
            activity.minutes_signed_on = timezone.localdate(latest.signed_at)
            activity.save(update_fields=["minutes_signed_on", "updated_at"])
        _audit(actor, "orglife.minutes_sign", activity, version=latest.number)
        _after_commit_refresh(activity)
    return latest


def follow_up_add(*, actor, activity: Activity, title: str, owner: Person, due_on: date
                  ) -> FollowUp:  # fmt: skip
    """A decision of the meeting becomes an item with an owner and a due date."""
    _require_recorder(actor, activity)
    if not title or not title.strip():
        raise ValidationError({"title": _("Describe the decision to carry out.")})
    if activity.held_on and due_on < activity.held_on:
        raise ValidationError({"due_on": _("The due date cannot be before the meeting.")})
    with transaction.atomic():
        item = FollowUp.objects.create(activity=activity, title=title.strip(), owner=owner,
                                       due_on=due_on)  # fmt: skip
        _audit(actor, "orglife.follow_up_add", activity, title=item.title, owner=owner.name,
               due_on=due_on.isoformat())  # fmt: skip
        if owner.user is not None:
            notify(recipients=[owner.user], title=_("New task: %(title)s") % {"title": item.title},
                   body=_("Due %(date)s") % {"date": cn_date(due_on)}, link=_link(activity),
                   category="orglife", actor=actor)  # fmt: skip
    return item


def follow_up_done(*, actor, follow_up: FollowUp, done_on: date, note: str = "") -> FollowUp:
    """Mark a follow-up done — by its owner or by whoever manages the activity."""
    activity = follow_up.activity
    if not (_may_manage(actor, activity) or _is(actor, follow_up.owner_id)):
        raise OutOfScope("orglife.follow_up")
    with transaction.atomic():
        follow_up.done_on, follow_up.done_note = done_on, note.strip()
        follow_up.save(update_fields=["done_on", "done_note"])
        _audit(actor, "orglife.follow_up_done", activity, title=follow_up.title,
               done_on=done_on.isoformat())  # fmt: skip
    return follow_up


def vote_record(*, actor, activity: Activity, subject: str, yes: int, no: int, abstain: int,
                person: Person | None = None) -> MeetingVote:  # fmt: skip
    """A vote in the meeting, counted against the attendance computed for it: entitled = full
    members invited, present = those of them who signed in. Passes with yes votes from more
    than half of those entitled, the meeting being quorate (2014 细则 vote rule)."""
    _require_recorder(actor, activity)
    if not subject or not subject.strip():
        raise ValidationError({"subject": _("Say what was voted on.")})
    with transaction.atomic():
        activity = _locked(activity)
        if activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.HELD):
            raise ValidationError(_("Votes are taken in a meeting that is on or was held."))
        attendance_refresh(activity)
        entitled, present = activity.entitled_count, activity.voters_present
        if min(yes, no, abstain) < 0:
            raise ValidationError({"yes": _("Votes cannot be negative.")})
        if yes + no + abstain > present:
            raise ValidationError({"yes": _("%(cast)s votes cast, but only %(present)s members "
                                            "entitled to vote signed in.") % {
                "cast": yes + no + abstain, "present": present}})  # fmt: skip
        with rule_field("yes"):
            result = development_rules.vote_result(full_members_entitled=entitled,
                                                   voting_members_present=present,
                                                   yes_votes=yes)  # fmt: skip
        vote = MeetingVote.objects.create(
            activity=activity, subject=subject.strip(), person=person, entitled=entitled,
            present=present, yes=yes, no=no, abstain=abstain, passed=result.passed,
            recorded_by=actor if actor is not None and actor.is_authenticated else None,
        )  # fmt: skip
        _audit(actor, "orglife.vote_record", activity, subject=vote.subject, entitled=entitled,
               present=present, yes=yes, no=no, abstain=abstain, passed=result.passed)  # fmt: skip
    return vote


# ---------------------------------------------------------------------------------------------
# Democratic appraisal (secret ballot)


def _appraisal(activity: Activity) -> None:
    if activity.type.code != "appraisal":
        raise ValidationError(_("This is not a democratic appraisal."))


def appraisal_open(*, actor, activity: Activity) -> Activity:
    """Open the ballot box. Every counter (person × rating) is created now, at zero, so casting
    a ballot only increments counters and leaves no row that could be matched to a voter."""
    _require_manage(actor, activity)
    with transaction.atomic():
        activity = _locked(activity)
        _appraisal(activity)
        if activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.HELD):
            raise ValidationError(_("Publish the appraisal before opening the ballot."))
        if activity.ballot_opened_at is not None:
            raise ValidationError(_("The ballot is already open."))
        subjects = list(activity.attendance.values_list("person_id", flat=True))
        BallotTally.objects.bulk_create(
            [BallotTally(activity=activity, subject_id=s, rating=r)
             for s in subjects for r in Rating.values], batch_size=1000,
        )  # fmt: skip
        activity.ballot_opened_at = timezone.now()
        activity.save(update_fields=["ballot_opened_at", "updated_at"])
        _audit(actor, "orglife.ballot_open", activity, subjects=len(subjects))
    return activity


def self_assessment_submit(*, actor, activity: Activity, text: str) -> SelfAssessment:
    """An attendee's self-assessment (editable until the ballot closes)."""
    if not text or not text.strip():
        raise ValidationError({"text": _("Write your self-assessment.")})
    with transaction.atomic():
        activity = _locked(activity)
        _appraisal(activity)
        if activity.ballot_closed_at is not None:
            raise ValidationError(_("The appraisal is closed."))
        row = _own_attendance(actor, activity)
        assessment, _created = SelfAssessment.objects.update_or_create(
            activity=activity, person=row.person, defaults={"text": text.strip()}
        )
        _audit(actor, "orglife.self_assessment", activity, person=row.person.name)
    return assessment


def ballot_cast(*, actor, activity: Activity, ratings: dict) -> None:
    """Cast the actor's one ballot: a rating for every other attendee. Only counters change;
    the audit event says that the actor voted, never how."""
    with transaction.atomic():
        activity = _locked(activity)
        _appraisal(activity)
        if activity.ballot_opened_at is None or activity.ballot_closed_at is not None:
            raise ValidationError(_("The ballot is not open."))
        row = _own_attendance(actor, activity)
        subjects = set(activity.attendance.exclude(person=row.person)
                       .values_list("person_id", flat=True))  # fmt: skip
        given = {int(k): v for k, v in ratings.items()}
        if set(given) != subjects:
            raise ValidationError(_("Rate every other member on the list, and only them."))
        if any(value not in Rating.values for value in given.values()):
            raise ValidationError(_("Choose one of: excellent, qualified, basically qualified, "
                                    "unqualified."))  # fmt: skip
        try:
            with transaction.atomic():
                BallotCast.objects.create(activity=activity, voter=row.person,
                                          cast_on=timezone.localdate())  # fmt: skip
        except IntegrityError:
            raise ValidationError(_("You have already voted: each member has one ballot.")
                                  ) from None  # fmt: skip
        for subject, rating in given.items():
            BallotTally.objects.filter(activity=activity, subject_id=subject,
                                       rating=rating).update(count=F("count") + 1)  # fmt: skip
        audit_record(actor=actor, action="orglife.ballot_cast", target=activity, org=activity.org)


def appraisal_close(*, actor, activity: Activity) -> Activity:
    """Close the ballot box; only then is the tally shown."""
    _require_manage(actor, activity)
    with transaction.atomic():
        activity = _locked(activity)
        _appraisal(activity)
        if activity.ballot_opened_at is None or activity.ballot_closed_at is not None:
            raise ValidationError(_("The ballot is not open."))
        activity.ballot_closed_at = timezone.now()
        activity.save(update_fields=["ballot_closed_at", "updated_at"])
        cast = BallotCast.objects.filter(activity=activity).count()
        _audit(actor, "orglife.ballot_close", activity, ballots=cast)
    return activity


def tally_of(activity: Activity) -> dict[int, dict[str, int]]:
    """{person id: {rating: count}} — only once the ballot is closed."""
    if activity.ballot_closed_at is None:
        raise ValidationError(_("The tally is shown once the ballot is closed."))
    out: dict[int, dict[str, int]] = {}
    for subject, rating, count in BallotTally.objects.filter(activity=activity).values_list(
        "subject_id", "rating", "count"
    ):
        out.setdefault(subject, dict.fromkeys(Rating.values, 0))[rating] = count
    return out


def appraisal_decide(*, actor, activity: Activity, person: Person, rating: str, note: str = ""
                     ) -> AppraisalResult:  # fmt: skip
    """Record the branch's decision on one member after the ballot."""
    _require_manage(actor, activity)
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose a rating.")})
    with transaction.atomic():
        activity = _locked(activity)
        _appraisal(activity)
        if activity.ballot_closed_at is None:
            raise ValidationError(_("Close the ballot before recording the decision."))
        if not activity.attendance.filter(person=person).exists():
            raise ValidationError({"person": _("%(name)s is not on the list of attendees.") % {
                "name": person.name}})  # fmt: skip
        result, _created = AppraisalResult.objects.update_or_create(
            activity=activity, person=person,
            defaults={"rating": rating, "note": note.strip(), "decided_by": actor},
        )  # fmt: skip
        _audit(actor, "orglife.appraisal_decide", activity, person=person.name, rating=rating)
    return result


# ---------------------------------------------------------------------------------------------
# Configuration


def activity_type_save(*, actor, org, name: str, period: str, times: int = 1,
                       quorum: str = "none", audience: str = "branch",
                       activity_type: ActivityType | None = None) -> ActivityType:  # fmt: skip
    """Define or change a committee's custom activity type (its own frequency)."""
    require_perm(actor, "orglife.configure", org)
    if activity_type is not None and (activity_type.org_id != org.pk):
        raise OutOfScope("orglife.configure")
    if not name or not name.strip():
        raise ValidationError({"name": _("Enter the name.")})
    if period:
        with rule_field("period"):
            rules.Requirement("custom", period, times=times, quorum=quorum)
    with transaction.atomic():
        if activity_type is None:
            activity_type = ActivityType(org=org, code=f"custom-{secrets.token_hex(4)}")
        activity_type.name, activity_type.period, activity_type.times = name.strip(), period, times
        activity_type.quorum, activity_type.audience = quorum, audience
        activity_type.save()
        changes = {"name": activity_type.name, "period": period, "times": times}
        audit_record(actor=actor, action="orglife.type_save", target=activity_type, org=org,
                     changes=changes)  # fmt: skip
    return activity_type


def policy_set(*, actor, org, data: dict | None) -> PolicySetting | None:
    """Set (or with None, remove) the organizational-life policy of `org`'s subtree."""
    require_perm(actor, "orglife.configure", org)
    with transaction.atomic():
        old = PolicySetting.objects.filter(org=org).first()
        if data is None:
            if old is not None:
                old.delete()
            setting = None
        else:
            with rule_field("data"):
                rules.policy_from_dict(data)
            setting, _created = PolicySetting.objects.update_or_create(
                org=org, defaults={"data": data, "updated_by": actor}
            )
        audit_record(actor=actor, action="orglife.policy_set", target=org, org=org,
                     changes={"data": [old.data if old else None, data]})  # fmt: skip
    return setting
