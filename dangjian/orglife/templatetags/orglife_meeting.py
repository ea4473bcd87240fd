"""The meeting part of an activity's page: `{% load orglife_meeting %}`.

    {% meeting_panel as m %}   → everything `orglife/_detail_meeting.html` shows (sign-in,
                                 attendance, minutes, follow-ups, votes, appraisal), read in a
                                 constant number of queries whatever the number of attendees.
    {{ version.body|minutes_html }}  → the stored minutes, sanitised once more on the way out.

The including page supplies `activity`, `can_manage`, `is_recorder`, `is_host` and
`my_attendance` (see the activity detail view); the rows are read through the activity, which
the page has already loaded in the viewer's scope.
"""

from dataclasses import dataclass, field
from datetime import datetime

import nh3
from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from dangjian.orglife import services
from dangjian.orglife.models import (
    Activity,
    ActivityStatus,
    AppraisalResult,
    Attendance,
    BallotCast,
    BallotTally,
    FollowUp,
    MeetingVote,
    MinutesVersion,
    Rating,
    SelfAssessment,
)
from dangjian.orglife.selectors import policy_for, requirement_of
from dangjian.rules import orglife as rules

register = template.Library()


def quorum_rule(activity: Activity) -> str:
    """The quorum rule code the services apply to this activity ("none" if none)."""
    req = requirement_of(activity.type, policy_for(activity.org))
    return req.quorum if req is not None else activity.type.quorum


def quorum_rule_text(activity: Activity) -> str:
    rule = quorum_rule(activity)
    return "" if rule == "none" else rules.QUORUMS[rule]


def signin_open(activity: Activity, *, at: datetime | None = None,
                minutes_signed: bool | None = None) -> bool:  # fmt: skip
    """Whether signing in is possible now: published or held, from an hour before the start to
    an hour after the end, and the minutes not yet signed (the services' window)."""
    at = at or timezone.now()
    if activity.status not in (ActivityStatus.PUBLISHED, ActivityStatus.HELD):
        return False
    end = activity.ends_at or activity.starts_at + services.DEFAULT_LENGTH
    if not (activity.starts_at - services.SIGNIN_EARLY <= at <= end + services.SIGNIN_LATE):
        return False
    if minutes_signed is None:
        minutes_signed = activity.minutes.filter(signed_at__isnull=False).exists()
    return not minutes_signed


@dataclass
class TallyRow:
    name: str
    counts: list[int]
    result: AppraisalResult | None = None


@dataclass
class Appraisal:
    status: str  # "", "open", "closed"
    cast: int
    i_voted: bool
    my_assessment: SelfAssessment | None
    ratings: list[str] = field(default_factory=lambda: [label for _v, label in Rating.choices])
    tally: list[TallyRow] = field(default_factory=list)
    my_result: AppraisalResult | None = None


@dataclass
class Panel:
    activity: Activity
    rows: list[Attendance]
    waiting: list[Attendance]  # not signed in yet (the manual sign-in choices)
    versions: list[MinutesVersion]
    follow_ups: list[FollowUp]
    votes: list[MeetingVote]
    rule_text: str
    rate: int | None  # percent
    signin_open: bool
    started: bool
    can_manage: bool
    is_recorder: bool
    is_host: bool
    may_record: bool
    my_attendance: Attendance | None
    appraisal: Appraisal | None
    today: object

    @property
    def latest(self) -> MinutesVersion | None:
        return self.versions[0] if self.versions else None

    @property
    def locked(self) -> bool:
        return any(v.is_signed for v in self.versions)

    @property
    def shown(self) -> bool:
        return self.activity.status in (ActivityStatus.PUBLISHED, ActivityStatus.HELD)

    @property
    def is_held(self) -> bool:
        return self.activity.status == ActivityStatus.HELD

    @property
    def may_hold(self) -> bool:
        return self.may_record and self.started and self.activity.status == ActivityStatus.PUBLISHED

    @property
    def can_sign(self) -> bool:
        return self.is_host and self.latest is not None and not self.latest.is_signed

    @property
    def my_signin_pending(self) -> bool:
        mine = self.my_attendance
        return self.signin_open and mine is not None and mine.signed_in_at is None


def _appraisal(activity: Activity, rows: list[Attendance], mine: Attendance | None,
               can_manage: bool) -> Appraisal:  # fmt: skip
    status = "closed" if activity.ballot_closed_at else "open" if activity.ballot_opened_at else ""
    voters = set(BallotCast.objects.filter(activity=activity).values_list("voter_id", flat=True))
    me = mine.person_id if mine else None
    view = Appraisal(
        status=status, cast=len(voters), i_voted=me in voters,
        my_assessment=SelfAssessment.objects.filter(activity=activity, person_id=me).first()
        if me else None,
    )  # fmt: skip
    if status != "closed":
        return view
    results = {r.person_id: r for r in AppraisalResult.objects.filter(activity=activity)}
    view.my_result = results.get(me)
    if can_manage:
        counts: dict[int, dict[str, int]] = {}
        for subject, rating, count in BallotTally.objects.filter(activity=activity).values_list(
            "subject_id", "rating", "count"
        ):
            counts.setdefault(subject, {})[rating] = count
        view.tally = [
            TallyRow(row.person.name, [counts.get(row.person_id, {}).get(v, 0)
                                       for v in Rating.values], results.get(row.person_id))
            for row in rows
        ]  # fmt: skip
    return view


@register.simple_tag(takes_context=True)
def meeting_panel(context) -> Panel:
    activity: Activity = context["activity"]
    can_manage = bool(context.get("can_manage"))
    is_recorder = bool(context.get("is_recorder"))
    mine = context.get("my_attendance")
    rows = list(activity.attendance.select_related("person").order_by("person__name", "pk"))
    versions = list(
        activity.minutes.select_related("written_by", "signed_by")
        .prefetch_related("files")
        .order_by("-number")
    )
    now = timezone.now()
    shown = activity.status in (ActivityStatus.PUBLISHED, ActivityStatus.HELD)
    rate = activity.attendance_rate
    return Panel(
        activity=activity,
        rows=rows,
        waiting=[r for r in rows if r.signed_in_at is None],
        versions=versions,
        follow_ups=list(activity.follow_ups.select_related("owner")) if shown else [],
        votes=list(activity.votes.select_related("person")) if shown else [],
        rule_text=quorum_rule_text(activity) if shown else "",
        rate=None if rate is None else round(rate * 100),
        signin_open=signin_open(activity, at=now,
                                minutes_signed=any(v.is_signed for v in versions)),
        started=now >= activity.starts_at,
        can_manage=can_manage,
        is_recorder=is_recorder,
        is_host=bool(context.get("is_host")),
        may_record=can_manage or is_recorder,
        my_attendance=mine,
        appraisal=_appraisal(activity, rows, mine, can_manage)
        if shown and activity.is_appraisal else None,
        today=timezone.localdate(),
    )  # fmt: skip


@register.filter
def minutes_html(body: str) -> str:
    """Stored minutes are sanitised when saved; sanitising again costs little and means a row
    written any other way still cannot carry markup into the page."""
    return mark_safe(nh3.clean(body or "", tags=services.MINUTES_TAGS, attributes={}))  # noqa: S308


@register.filter
def who(user) -> str:
    """An account's name for "written by" and "signed off by" lines ("—" for none)."""
    if user is None:
        return "—"
    return getattr(user, "name", "") or user.get_username()
