"""The organizational-life demo data: every count on an activity is what the services compute
from its attendance rows, most minutes are signed in time, the heat-map has red and green, and
the demo secretary's branch tells its story (no general meeting yet this quarter, last
December's appraisal by secret ballot, next month's plan published to the demo member)."""

from collections import Counter, defaultdict
from datetime import date, datetime, time
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import RequestFactory
from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.audit.models import AuditEvent
from dangjian.core import demo as core_demo
from dangjian.development.models import Vote
from dangjian.members.models import Person
from dangjian.orglife import compliance
from dangjian.orglife import demo as orglife_demo
from dangjian.orglife.models import (
    Activity,
    ActivityStatus,
    AppraisalResult,
    Attendance,
    BallotCast,
    BallotTally,
    ComplianceCell,
    MeetingVote,
    MinutesVersion,
    Reply,
    SigninMethod,
)
from dangjian.orglife.selectors import policy_for
from dangjian.orglife.services import attendance_refresh
from dangjian.orgs.models import Organization
from dangjian.rules import orglife as rules

# Within fifteen days of the quarter's end, so an unmet quarterly requirement is due soon.
TODAY = date(2026, 12, 18)
DERIVED = ("expected_count", "present_count", "leave_count", "entitled_count", "voters_present",
           "quorum_met")  # fmt: skip


@pytest.fixture
def seeded(db):
    core_demo.seed(members=300, seed=7, today=TODAY)
    return TODAY


def branch_a() -> Organization:
    return Organization.objects.get(code=core_demo.branch_a_code())


def test_every_count_is_what_the_services_compute_from_the_attendance_rows(seeded):
    activities = list(Activity.objects.select_related("type", "org").order_by("pk"))
    assert len(activities) > 500
    statuses = Counter(a.status for a in activities)
    assert statuses[ActivityStatus.HELD] > 10 * statuses[ActivityStatus.PUBLISHED] > 0
    assert statuses[ActivityStatus.PLANNED]
    stored = {a.pk: tuple(getattr(a, f) for f in DERIVED) for a in activities}
    for activity in activities:
        if activity.status == ActivityStatus.PLANNED:  # as activity_create leaves it
            assert stored[activity.pk] == (0, 0, 0, 0, 0, None) and not activity.published_at
        else:
            attendance_refresh(activity)
            assert tuple(getattr(activity, f) for f in DERIVED) == stored[activity.pk], activity
            assert activity.expected_count > 0 and activity.published_at <= activity.starts_at
        local = activity.starts_at.astimezone(orglife_demo.LOCAL).date()
        if activity.status == ActivityStatus.HELD:
            assert activity.held_on == local < seeded
            assert activity.minutes_due_on == rules.minutes_due(local, policy_for(activity.org))
        else:
            assert activity.held_on is None and activity.minutes_due_on is None
            if activity.status != ActivityStatus.CANCELLED:
                assert local >= seeded
    event = AuditEvent.objects.get(action="demo.seed")
    assert event.changes["orglife"]["activities"] == len(activities)
    assert event.changes["orglife"]["attendance"] == Attendance.objects.count()


def test_sign_ins_are_evidence(seeded):
    rows = Attendance.objects.select_related("activity", "person").filter(
        signed_in_at__isnull=False
    )
    methods = Counter()
    for row in rows:
        methods[row.method] += 1
        activity = row.activity
        assert activity.status == ActivityStatus.HELD
        assert row.reply == Reply.ATTENDING
        assert row.late == (row.signed_in_at > activity.starts_at + orglife_demo.MINUTE * 5)
        if row.method == SigninMethod.MANUAL:
            assert row.manual_reason and row.recorded_by_id == activity.recorder.user_id
        else:
            assert not row.manual_reason and row.recorded_by_id == row.person.user_id
        if row.method == SigninMethod.ONLINE:
            assert activity.online_url
    assert methods[SigninMethod.QR] > 10 * methods[SigninMethod.MANUAL] > 0
    away = Attendance.objects.filter(signed_in_at__isnull=True, activity__status="held")
    assert not away.filter(reply=Reply.ATTENDING).exists()
    for row in away.filter(reply=Reply.LEAVE_APPROVED)[:200]:
        assert row.leave_reason and row.leave_decided_by_id
    # Invited means a member of the branch (or party group) on the day, or of its committee.
    for row in Attendance.objects.select_related("activity__org", "person")[:2000]:
        assert row.person.join_date <= row.activity.starts_at.astimezone(orglife_demo.LOCAL).date()
        assert row.person.branch.path.startswith(row.activity.org.path) or (
            row.activity.org.path.startswith(row.person.branch.path)
        )


def test_most_minutes_are_signed_by_the_host_in_time_and_the_heat_map_has_red_and_green(seeded):
    held = Activity.objects.filter(status=ActivityStatus.HELD).select_related("host")
    signed = 0
    for activity in held:
        first = MinutesVersion.objects.get(activity=activity, number=1)
        if first.signed_at is None:
            assert activity.minutes_signed_on is None
            continue
        signed += 1
        assert first.signed_by_id == activity.host.user_id
        assert activity.minutes_signed_on == first.signed_at.astimezone(orglife_demo.LOCAL).date()
        assert activity.held_on <= activity.minutes_signed_on < seeded
    assert signed >= 0.9 * held.count()
    late = held.filter(minutes_signed_on__gt=F("minutes_due_on")).count()
    assert 0 < late < 0.05 * held.count()
    for revised in MinutesVersion.objects.filter(number=2):
        assert revised.change_reason
    months = Counter(
        ComplianceCell.objects.filter(period="month").values_list("severity", flat=True)
    )
    assert months[rules.RED] and months[rules.GREEN] > months[rules.RED]
    assert months[rules.AMBER]
    assert MeetingVote.objects.exists()


def test_the_demo_secretarys_branch_tells_its_story(seeded):
    branch = branch_a()
    activities = Activity.objects.filter(org__path__startswith=branch.path)
    quarter = rules.period_start(seeded, "quarter")
    previous = rules.period_start(rules.add_months(quarter, -1), "quarter")
    general = activities.filter(type__code="general_meeting")
    last_quarter = general.filter(status=ActivityStatus.HELD, held_on__gte=previous,
                                  held_on__lt=quarter)  # fmt: skip
    assert last_quarter.exists()
    for meeting in last_quarter:
        assert meeting.quorum_met and meeting.minutes_signed_on <= meeting.minutes_due_on
    assert not general.filter(status=ActivityStatus.HELD, held_on__gte=quarter).exists()
    # The secretary's home warns: this quarter's general meeting, last month's committee.
    secretary = User.objects.get(username="demo_secretary")
    request = RequestFactory().get("/")
    request.user = secretary
    panel = compliance.home_warnings(request, today=seeded)
    warned = {(w.activity, w.state) for item in panel["items"] for w in item["warnings"]}
    assert ("general_meeting", "due_soon") in warned
    assert ("committee_meeting", "missing") in warned
    # Next month's plan is published, the demo member invited and yet to reply.
    member = Person.objects.get(user__username="demo_member")
    next_month = rules.add_months(seeded.replace(day=1), 1)
    # a datetime bound, not `__date`: MariaDB without time-zone tables cannot convert
    start = timezone.make_aware(datetime.combine(next_month, time.min))
    upcoming = activities.filter(starts_at__gte=start)
    assert upcoming.exists()
    assert not upcoming.exclude(status=ActivityStatus.PUBLISHED).exists()
    invited = Attendance.objects.filter(activity__in=upcoming, person=member)
    assert invited.count() >= 2 and not invited.exclude(reply=Reply.PENDING).exists()


def test_last_decembers_appraisal_was_a_secret_ballot_with_decisions(seeded):
    appraisal = Activity.objects.get(
        org=branch_a(), type__code="appraisal", held_on__year=seeded.year - 1
    )
    assert appraisal.held_on.month == 12
    assert appraisal.ballot_opened_at < appraisal.ballot_closed_at
    attendees = set(appraisal.attendance.values_list("person_id", flat=True))
    voters = set(BallotCast.objects.filter(activity=appraisal).values_list("voter_id", flat=True))
    present = set(appraisal.attendance.filter(signed_in_at__isnull=False)
                  .values_list("person_id", flat=True))  # fmt: skip
    assert voters and voters <= present
    assert set(AppraisalResult.objects.filter(activity=appraisal)
               .values_list("person_id", flat=True)) == attendees  # fmt: skip


def test_ballot_counters_agree_with_the_ballots_cast(seeded):
    cast = defaultdict(set)
    for activity, voter in BallotCast.objects.values_list("activity_id", "voter_id"):
        cast[activity].add(voter)
    assert cast
    sums = Counter()
    cells = Counter()
    for activity, subject, count in BallotTally.objects.values_list("activity_id", "subject_id",
                                                                    "count"):  # fmt: skip
        sums[(activity, subject)] += count
        cells[(activity, subject)] += 1
    assert set(cells.values()) == {4}  # every rating of every member has its counter
    for (activity, subject), total in sums.items():
        assert total == len(cast[activity]) - (subject in cast[activity])


def test_development_votes_take_their_counts_from_the_meeting(seeded):
    votes = Vote.objects.select_related("meeting", "record__pipeline__person")
    linked = [v for v in votes if v.meeting_id]
    assert linked
    for vote in linked:
        meeting, person = vote.meeting, vote.record.pipeline.person
        assert meeting.type.code == "general_meeting" and meeting.status == ActivityStatus.HELD
        assert meeting.org_id == person.branch_id and meeting.held_on == vote.record.on
        assert (vote.entitled, vote.present) == (meeting.entitled_count, meeting.voters_present)
        assert vote.passed
        assert MeetingVote.objects.filter(activity=meeting, person=person, yes=vote.yes).exists()


def test_the_group_organs_work_under_the_quarterly_lecture_policy(seeded):
    organs = Organization.objects.get(code=orglife_demo.LOCAL_POLICY_ORG)
    branch = Organization.objects.filter(path__startswith=organs.path, kind="branch").first()
    assert policy_for(branch) == rules.ORGLIFE_2018_QUARTERLY_LECTURE
    lectures = Activity.objects.filter(org=branch, type__code="lecture", status="held")
    assert {rules.period_start(a.held_on, "quarter") for a in lectures} >= {
        date(seeded.year, month, 1) for month in (1, 4, 7, 10)
    }


def test_seed_demo_without_organizational_life(db):
    out = StringIO()
    call_command("seed_demo", members=40, seed=3, orglife_months=0, stdout=out)
    assert "0 organizational-life activities" in out.getvalue()
    assert not Activity.objects.exists()
