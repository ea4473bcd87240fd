"""Demo data of member development, for `manage.py seed_demo` (called from `core.demo.seed`).

Every applicant, activist, candidate and probationary member of the demo group gets one active
pipeline whose recorded steps agree with the member record (application date, the activist and
candidate dates of the stage history, the joining date = the day of the branch general meeting)
and with the rules of the policy in force: talks within a month, assessments every six months,
thought reports every quarter, a year of cultivation, two introducers and one or two contacts
among the full members of the same branch, a passing vote, approval within three months.

On purpose, a few pipelines are overdue (the talk not held within a month, approval pending
for more than three months, an activist assessment missing) and a few steps are exceptions with
a written justification (a late talk, a short training), so the dashboard, the reminders and the
timeline show realistic content.

The power company's committee (供电有限公司党委) works under a local variant,
"某省发展党员实施细则（公示5个工作日）" (public notices of 5 working days before the branch
meeting and before conversion); the rest of the group, including the demo secretary's
综采一队党支部, keeps the national default (2014). Its pipelines past the candidate stage record
the notice. Each committee has an admission plan for the current year.

Branch A (综采一队党支部, the demo secretary's) always gets six extra people so the demo tells
its story there: two applicants (the talk of one overdue, the other's due within days), two
activists (one with an assessment missing, eligible to become a candidate), a candidate ready
for the branch general meeting and a probationary member whose probation ends in ten days.

Rows are written with bulk inserts, in chunks of pipelines (no services: 200 000 members must
still seed in minutes), and each pipeline's evaluation columns are computed in memory with the
same rules `services.pipeline_evaluate` applies (`evaluation`), so nothing needs re-evaluating.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from django.db.models import Count, DecimalField, JSONField
from django.utils import timezone

from dangjian.accounts.models import RoleAssignment, User
from dangjian.core.demo import ROOT_CODE, PeopleFactory, PersonSpec, RowInserter, branch_a_code
from dangjian.development.models import (
    COMMITTEE_STEPS,
    AdmissionPlan,
    Pipeline,
    PolicySetting,
    StepRecord,
    Vote,
)
from dangjian.development.services import evaluation_of
from dangjian.members.choices import Stage
from dangjian.members.models import Person, StageChange
from dangjian.orgs.models import Organization, OrgKind
from dangjian.rules import RuleError
from dangjian.rules import development as rules
from dangjian.rules.dates import add_months
from dangjian.rules.orgs import can_approve_members

DEVELOPMENT_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)
LOCAL_POLICY = {
    "base": rules.DEVELOPMENT_2014.name,
    "name": "某省发展党员实施细则（公示5个工作日）",
    "public_notice_working_days": 5,
    "conversion_notice_working_days": 5,
}
LOCAL_POLICY_ORG = f"{ROOT_CODE}20"  # 华北供电有限公司党委
CHUNK = 2000  # pipelines written per round (bounded memory)
DAY = timedelta(days=1)
ENTERED_AT = time(18)  # steps are entered on their day, after work
# Shares of the deliberate problems, per stage.
TALK_OVERDUE_SHARE = 0.25  # of applicants who applied 5 weeks to 4 months ago
ASSESSMENT_MISSING_SHARE = 0.1  # of activists with an assessment due
APPROVAL_OVERDUE_SHARE = 0.08  # of candidates
EXCEPTION_SHARE = 0.02  # of pipelines with a training or a late talk to record
TALK_LATE_REASON = (
    "申请人长期在外地项目部驻点，收到申请时无法当面谈话；返矿后支部书记即与其谈话，"
    "经党委研究同意作为例外记录。"
)
SHORT_TRAINING_REASON = (
    "该同志为井下一线骨干，集中培训期间被抽调参加抢险救灾，仅参加两天（16学时）；"
    "已补学党校网络课程，经党委研究同意，作为个别特殊情况处理。"
)


@dataclass
class DevelopmentSeed:
    """What seed_development wrote (counted in the demo's SeedResult and audit event)."""

    pipelines: int = 0
    steps: int = 0
    overdue: int = 0  # pipelines with at least one overdue item
    exceptions: int = 0  # step records setting a rule aside
    people: Counter = field(default_factory=Counter)  # people added to branch A, by stage

    def counts(self) -> dict[str, int]:
        return {"pipelines": self.pipelines, "steps": self.steps, "overdue": self.overdue,
                "exceptions": self.exceptions}  # fmt: skip


# --- the group as the planner needs it --------------------------------------------------------


@dataclass
class Group:
    """Branches, their committees, secretaries and full members, and the policies in force."""

    today: date
    root_path: str
    branch_paths: dict[int, str]
    approver: dict[int, tuple[int, str]]  # branch id -> (approving committee id, its name)
    secretary: dict[int, tuple[int | None, str]]  # branch id -> (user id, name)
    full: dict[int, list[tuple[date, int, str]]]  # branch id -> [(full date, id, name)], by date
    everyone_full: list[tuple[date, int, str]]
    committee_user: int | None
    policies: list[tuple[str, rules.DevelopmentPolicy]]  # (org path, policy), deepest first

    @classmethod
    def load(cls, root: Organization, today: date) -> Group:
        orgs = {
            pk: (path, kind, name, parent)
            for pk, path, kind, name, parent in Organization.objects.filter(
                path__startswith=root.path
            ).values_list("pk", "path", "kind", "name", "parent_id")
        }
        branch_paths, approver = {}, {}
        for pk, (path, kind, _name, parent) in orgs.items():
            if kind != OrgKind.BRANCH:
                continue
            branch_paths[pk] = path
            up = parent
            while up is not None and not can_approve_members(orgs[up][1]):
                up = orgs[up][3]
            approver[pk] = (up, orgs[up][2]) if up is not None else (root.pk, root.name)
        secretary = {
            org: (user, name)
            for org, user, name in RoleAssignment.objects.filter(
                role__code="branch_secretary", org__path__startswith=root.path
            )
            .order_by("id")
            .values_list("org_id", "user_id", "user__name")
        }
        full: dict[int, list] = {}
        everyone = []
        rows = Person.objects.filter(
            stage=Stage.FULL, is_active=True, branch__path__startswith=root.path
        ).values_list("branch_id", "full_member_date", "pk", "name")
        for branch, on, pk, name in rows.order_by("pk"):
            if on is not None:
                full.setdefault(branch, []).append((on, pk, name))
                everyone.append((on, pk, name))
        for members in full.values():
            members.sort()
        everyone.sort()
        committee_user = (
            User.objects.filter(username="demo_committee").values_list("pk", flat=True).first()
        )
        settings = PolicySetting.objects.filter(org__path__startswith=root.path)
        policies = sorted(
            ((s.org.path, rules.policy_from_dict(s.data)) for s in settings.select_related("org")),
            key=lambda item: -len(item[0]),
        )
        return cls(today, root.path, branch_paths, approver, secretary, full, everyone,
                   committee_user, policies)  # fmt: skip

    def policy(self, branch: int) -> rules.DevelopmentPolicy:
        """As selectors.policy_for: the setting of the nearest ancestor, else the default."""
        path = self.branch_paths[branch]
        return next((p for prefix, p in self.policies if path.startswith(prefix)),
                    rules.DEVELOPMENT_2014)  # fmt: skip

    def full_members(self, branch: int, on: date, count: int, rng) -> list[tuple[int, str]]:
        """`count` people who were full members of the branch on `on` (the whole group's
        longest-standing members if the branch has too few)."""
        pool = [m for m in self.full.get(branch, ()) if m[0] <= on]
        if len(pool) < count:
            pool = [m for m in self.everyone_full[: count * 20] if m[0] <= on] or pool
        chosen = rng.sample(pool, min(count, len(pool)))
        return [(pk, name) for _, pk, name in chosen]

    def entitled(self, branch: int, on: date) -> int:
        return sum(1 for m in self.full.get(branch, ()) if m[0] <= on)


# --- one pipeline -----------------------------------------------------------------------------


@dataclass
class Draft:
    """One person's pipeline before it is written: the records as dicts."""

    person_id: int
    branch: int
    name: str
    birth: date
    stage: str
    records: list[dict] = field(default_factory=list)
    introducers: str = ""

    def add(self, step: str, on: date, **extra) -> dict:
        record = {"step": step, "on": on, "end_on": None, "hours": None, "responsible": "",
                  "note": "", "people": [], "approving_org": None, "vote": None,
                  "exception_rules": [], "justification": "", "entered_by": None,
                  **extra}  # fmt: skip
        self.records.append(record)
        return record


def _day(rng, start: date, end: date) -> date:
    """A random day in [start, end] (start when the range is empty)."""
    return date.fromordinal(rng.randint(start.toordinal(), max(start, end).toordinal()))


class Planner:
    """Lawful histories for the stages of the member records (see the module docstring)."""

    def __init__(self, group: Group, rng: random.Random):
        self.group, self.rng, self.today = group, rng, group.today
        self.late_approvals = 0  # the first candidate who can have one gets one

    # -- shared pieces ---------------------------------------------------------------------

    def branch_step(self, draft: Draft, step: str, on: date, responsible: str, **extra) -> dict:
        """Entered by the branch secretary, or for the committee's steps and for exceptions by
        the group's committee administrator (who holds development.override)."""
        if step in COMMITTEE_STEPS or extra.get("exception_rules"):
            entered = self.group.committee_user
        else:
            entered = self.group.secretary.get(draft.branch, (None, ""))[0]
        return draft.add(step, on, responsible=responsible, entered_by=entered, **extra)

    def committee_name(self, draft: Draft) -> str:
        return self.group.approver[draft.branch][1]

    def application(self, draft: Draft, applied: date, talk: date | None, late: bool = False):
        self.branch_step(draft, "application", applied, draft.name, note="递交书面入党申请书")
        if talk is None:
            return
        secretary = self.group.secretary.get(draft.branch, (None, ""))[1]
        extra = {}
        if late:
            extra = {"exception_rules": ["talk_within_limit"], "justification": TALK_LATE_REASON}
        self.branch_step(draft, "talk", talk, f"党支部书记{secretary}", **extra)

    def talk_day(self, applied: date, until: date) -> date:
        return _day(self.rng, applied + 2 * DAY, min(applied + 25 * DAY, until))

    def activist(self, draft: Draft, activist: date, until: date) -> None:
        """Steps 3–5: selected, filed with the committee, contacts assigned (before `until`)."""
        rng = self.rng
        how = rng.choice(("党员推荐", "党员推荐", "团组织推优", "工会推荐"))
        self.branch_step(draft, "activist", activist, "支部委员会", note=how)
        self.branch_step(draft, "activist_filed", _day(rng, activist, min(activist + 15 * DAY,
                         until)), self.committee_name(draft))  # fmt: skip
        on = _day(rng, activist, min(activist + 10 * DAY, until))
        contacts = self.group.full_members(draft.branch, on, 2 if rng.random() < 0.7 else 1, rng)
        self.branch_step(draft, "contacts_assigned", on, "支部委员会",
                         people=[pk for pk, _ in contacts])  # fmt: skip

    def periodic(self, draft: Draft, step: str, start: date, months: int, end: date,
                 responsible: str, skip_last: bool = False) -> None:  # fmt: skip
        """One entry in every period of `months` from `start` that ends before `end` (as
        rules.check_timeline counts them); with `skip_last`, the latest such period has none."""
        days = []
        previous, k = start, 1
        while (due := add_months(start, months * k)) < end:
            days.append(_day(self.rng, max(previous, due - 40 * DAY), due))
            previous, k = due + DAY, k + 1
        if skip_last and days:
            days.pop()
        for on in days:
            self.branch_step(draft, step, on, responsible)

    def cultivation(self, draft: Draft, activist: date, end: date, *, skip_last=False) -> None:
        policy = self.group.policy(draft.branch)
        months = policy.activist_assessment_interval_months
        self.periodic(draft, "activist_assessments", activist, months, end, "支部委员会",
                      skip_last)  # fmt: skip

    def thought_reports(self, draft: Draft, activist: date) -> None:
        months = self.group.policy(draft.branch).thought_report_interval_months
        if months:
            self.periodic(draft, "thought_reports", activist, months, self.today, draft.name)

    # -- candidate and admission -----------------------------------------------------------

    def candidate_steps(self, draft: Draft, candidate: date, *, upto: str, pre_review=None,
                        meeting=None, short_training=False) -> None:  # fmt: skip
        """Steps 7–15 from `candidate`, recorded up to and including `upto` (a main step).

        `pre_review` (and `meeting`) anchor the late steps: committee review before the
        pre-review, a political review still valid at the meeting, the candidate notice of a
        local policy finished the day before the meeting.
        """
        rng, group = self.rng, self.group
        order = ["candidate", "candidate_filed", "introducers", "political_review",
                 "training_start", "committee_review", "pre_review", "application_form",
                 "branch_meeting"]  # fmt: skip
        wanted = order[: order.index(upto) + 1]
        last = pre_review or self.today
        review = None
        if "committee_review" in wanted:
            review = _day(rng, max(candidate + 3 * DAY, last - 12 * DAY), last)
        group_end = review or self.today  # candidate_filed … training end on or before this
        self.branch_step(draft, "candidate", candidate, "支部委员会",
                         note="听取党小组、培养联系人和党员群众意见")  # fmt: skip
        if "candidate_filed" in wanted:
            on = _day(rng, candidate, min(candidate + 15 * DAY, group_end))
            self.branch_step(draft, "candidate_filed", on, self.committee_name(draft))
        if "introducers" in wanted:
            on = _day(rng, candidate, min(candidate + 20 * DAY, group_end))
            introducers = group.full_members(draft.branch, on, 2, rng)
            draft.introducers = "、".join(name for _, name in introducers)[:100]
            self.branch_step(draft, "introducers", on, "支部委员会",
                             people=[pk for pk, _ in introducers])  # fmt: skip
        if "political_review" in wanted:
            # Valid a year: at most ~10 months before the (possible) branch meeting.
            earliest = candidate
            if pre_review is not None:
                earliest = max(candidate, (meeting or pre_review + 20 * DAY) - 300 * DAY)
            on = _day(rng, earliest, group_end)
            self.branch_step(draft, "political_review", on, "党委组织部",
                             note="政治审查合格")  # fmt: skip
        if "training_start" in wanted:
            start = _day(rng, candidate, group_end - 2 * DAY)  # the level guard leaves room
            end, hours = start + 2 * DAY, Decimal("24.0")
            extra = {}
            if short_training:
                end, hours = start + DAY, Decimal("16.0")
                extra = {"exception_rules": ["training_minimum"],
                         "justification": SHORT_TRAINING_REASON}  # fmt: skip
            self.branch_step(draft, "training_start", start, "党委党校", end_on=end, hours=hours,
                             note="发展对象集中培训班", **extra)  # fmt: skip
        if review is not None:
            self.branch_step(draft, "committee_review", review, "支部委员会")
        if "pre_review" in wanted:
            self.branch_step(draft, "pre_review", pre_review, self.committee_name(draft),
                             approving_org=group.approver[draft.branch][0])  # fmt: skip
        policy = group.policy(draft.branch)
        if "application_form" in wanted:
            end = meeting or self.today
            form = _day(rng, pre_review, min(pre_review + 10 * DAY, end))
            self.branch_step(draft, "application_form", form, draft.name)
            if policy.public_notice_working_days:
                self.notice(draft, "notice_start", candidate, pre_review, meeting, policy)
        if "branch_meeting" in wanted:
            self.branch_step(draft, "branch_meeting", meeting, "支部党员大会",
                             vote=self.vote(draft.branch, meeting))  # fmt: skip

    def notice(self, draft, step, after, around, meeting, policy) -> None:
        """The public notice of a local policy: started by the last day it may start."""
        latest = None
        if meeting is not None:
            try:
                latest = rules.latest_notice_start(meeting, policy)
            except RuleError:  # no holiday data for that year: a week and a half before
                latest = meeting - 10 * DAY
        on = max(after, min(around, latest) if latest else around)
        if on <= self.today:
            self.branch_step(draft, step, on, "支部委员会", note="在单位公示栏和党建平台公示")

    def vote(self, branch: int, on: date) -> dict:
        rng = self.rng
        entitled = max(self.group.entitled(branch, on), 1)
        needed = entitled // 2 + 1
        present = max(needed, entitled - rng.randint(0, max(0, entitled // 4)))
        yes = max(needed, present - rng.randint(0, 2))
        no = rng.randint(0, present - yes)
        vote = {"entitled": entitled, "present": present, "yes": yes, "no": no,
                "abstain": present - yes - no, "written_yes": 0, "written_no": 0,
                "meeting_id": None}  # fmt: skip
        result = rules.vote_result(full_members_entitled=entitled, voting_members_present=present,
                                   yes_votes=yes)  # fmt: skip
        vote["passed"], vote["result"] = result.passed, result.message
        return vote

    def admission(self, draft: Draft, meeting: date) -> None:
        """Steps 16–21 after the branch general meeting on `meeting` (the joining date)."""
        rng, today, group = self.rng, self.today, self.group
        approval = min(today, _day(rng, meeting + 10 * DAY, meeting + 60 * DAY))
        talk = _day(rng, meeting, approval)
        committee = self.committee_name(draft)
        self.branch_step(draft, "higher_talk", talk, f"{committee}组织委员")
        self.branch_step(draft, "approval", approval, committee,
                         approving_org=group.approver[draft.branch][0])  # fmt: skip
        on = approval
        for step, responsible in (("filed_with_department", committee),
                                  ("placed", "支部委员会"), ("oath", "党支部")):  # fmt: skip
            on = on + rng.randint(2, 20) * DAY
            if on > today:
                break
            self.branch_step(draft, step, on, responsible)
        k = 1
        while (due := add_months(approval, 6 * k)) < today:
            self.branch_step(draft, "probation_assessments", due - rng.randint(0, 20) * DAY,
                             "支部委员会")  # fmt: skip
            k += 1

    # -- by stage --------------------------------------------------------------------------

    def applicant(self, draft: Draft, applied: date, scenario: str = "") -> None:
        today, rng = self.today, self.rng
        deadline = rules.talk_deadline(applied)
        overdue = scenario == "talk_overdue" or (
            not scenario
            and deadline < today
            and applied >= today - 120 * DAY
            and rng.random() < TALK_OVERDUE_SHARE
        )
        pending = scenario == "talk_due" or (deadline >= today and rng.random() < 0.5)
        if overdue or pending or applied + 2 * DAY > today:
            self.application(draft, applied, None)
        else:
            self.application(draft, applied, self.talk_day(applied, today))

    def activist_stage(self, draft, applied, activist, scenario="") -> None:
        late = scenario == "" and self.exception_draw() and activist > add_months(applied, 1) + DAY
        talk = (_day(self.rng, add_months(applied, 1) + DAY, activist) if late
                else self.talk_day(applied, activist))  # fmt: skip
        self.application(draft, applied, talk, late=late)
        self.activist(draft, activist, self.today)
        missing = scenario == "assessment_missing" or (
            not scenario and self.rng.random() < ASSESSMENT_MISSING_SHARE
        )
        self.cultivation(draft, activist, self.today, skip_last=missing)
        self.thought_reports(draft, activist)

    def exception_draw(self) -> bool:
        return self.rng.random() < EXCEPTION_SHARE

    def candidate_stage(self, draft, applied, activist, candidate, scenario="") -> None:
        rng, today = self.rng, self.today
        self.application(draft, applied, self.talk_day(applied, activist))
        self.activist(draft, activist, candidate)
        self.cultivation(draft, activist, candidate)
        self.thought_reports(draft, activist)
        short = scenario == "" and self.exception_draw()
        if scenario == "ready":
            level = "application_form"
        else:
            draw = rng.random()
            level = ("candidate" if draw < 0.1 else "candidate_filed" if draw < 0.2
                     else "introducers" if draw < 0.3 else "political_review" if draw < 0.4
                     else "training_start" if draw < 0.5 else "committee_review" if draw < 0.62
                     else "pre_review" if draw < 0.7 else "application_form" if draw < 0.8
                     else "branch_meeting")  # fmt: skip
        lowest = candidate + 20 * DAY
        late = False
        if scenario == "" and not self.late_approvals and lowest <= today - 95 * DAY:
            level, late = "branch_meeting", True
        level = _within(level, (today - candidate).days)
        if level in ("candidate", "candidate_filed", "introducers", "political_review"):
            short = False
        pre_review = meeting = None
        if level == "branch_meeting":
            late = late or rng.random() < APPROVAL_OVERDUE_SHARE / 0.2
            meeting = _day(rng, max(lowest, today - (150 if late else 80) * DAY),
                           today - (95 if late else 1) * DAY)  # fmt: skip
            if meeting > today - DAY:  # too recent a candidate for a meeting
                level, meeting = _within("application_form", (today - candidate).days), None
            else:
                pre_review = _day(rng, max(candidate + 8 * DAY, meeting - 25 * DAY), meeting)
                self.late_approvals += rules.approval_deadline(meeting) < today
        if level in ("pre_review", "application_form"):
            pre_review = _day(rng, max(candidate + 8 * DAY, today - 20 * DAY), today)
        self.candidate_steps(draft, candidate, upto=level, pre_review=pre_review,
                             meeting=meeting, short_training=short)  # fmt: skip
        if level == "branch_meeting" and rng.random() < 0.5:
            self.branch_step(draft, "higher_talk", _day(rng, meeting, today),
                             f"{self.committee_name(draft)}组织委员")  # fmt: skip

    def probationary_stage(self, draft, applied, activist, candidate, joined, scenario="") -> None:
        rng = self.rng
        late = (scenario == "probation_ending" or (scenario == "" and self.exception_draw())) and (
            activist > add_months(applied, 1) + DAY
        )
        talk = (_day(rng, add_months(applied, 1) + DAY, activist) if late
                else self.talk_day(applied, activist))  # fmt: skip
        self.application(draft, applied, talk, late=late)
        self.activist(draft, activist, candidate)
        self.cultivation(draft, activist, candidate)
        self.thought_reports(draft, activist)
        short = scenario == "" and not late and self.exception_draw()
        pre_review = _day(rng, max(candidate + 8 * DAY, joined - 25 * DAY), joined)
        self.candidate_steps(draft, candidate, upto="branch_meeting", pre_review=pre_review,
                             meeting=joined, short_training=short)  # fmt: skip
        self.admission(draft, joined)


# --- evaluation (as services.pipeline_evaluate) -----------------------------------------------


def facts_of(draft: Draft, full_dates: dict[int, date]) -> dict:
    """What selectors.timeline_of builds from the stored records, built from the draft."""
    facts: dict = {"birth_date": draft.birth}
    facts.update({key: [] for key in ("activist_assessments", "probation_assessments",
                                      "thought_reports")})  # fmt: skip
    for record in draft.records:
        step, on = record["step"], record["on"]
        if step in facts and isinstance(facts[step], list):
            facts[step].append(on)
            continue
        facts[step] = on
        if step == "training_start":
            facts["training_end"] = record["end_on"]
            hours = record["hours"]
            facts["training_hours"] = float(hours) if hours is not None else None
        elif step in ("introducers", "contacts_assigned"):
            key = "introducers_full_members" if step == "introducers" else "contacts_full_members"
            facts[key] = sum(
                1 for pk in record["people"] if full_dates.get(pk) and full_dates[pk] <= on
            )
    facts["extension_months"] = None
    facts["special_approval"] = False
    return facts


# --- branch A's story -------------------------------------------------------------------------

SHOWCASE = (  # (scenario, stage)
    ("talk_overdue", Stage.APPLICANT),
    ("talk_due", Stage.APPLICANT),
    ("activist", Stage.ACTIVIST),
    ("assessment_missing", Stage.ACTIVIST),
    ("ready", Stage.CANDIDATE),
    ("probation_ending", Stage.PROBATIONARY),
)


def showcase_dates(scenario: str, today: date) -> dict[str, date]:
    """Application, activist, candidate and joining dates of branch A's six people."""
    if scenario == "talk_overdue":
        return {Stage.APPLICANT: today - 45 * DAY}
    if scenario == "talk_due":
        return {Stage.APPLICANT: add_months(today + 5 * DAY, -1)}  # the talk is due in 5 days
    if scenario == "activist":
        applied = today - 300 * DAY
        return {Stage.APPLICANT: applied, Stage.ACTIVIST: applied + 40 * DAY}
    if scenario == "assessment_missing":
        applied = today - 520 * DAY
        return {Stage.APPLICANT: applied, Stage.ACTIVIST: applied + 35 * DAY}
    if scenario == "ready":
        applied = today - 800 * DAY
        activist = applied + 45 * DAY
        return {Stage.APPLICANT: applied, Stage.ACTIVIST: activist,
                Stage.CANDIDATE: today - 200 * DAY}  # fmt: skip
    joined = add_months(today + 10 * DAY, -12)  # probation ends in ten days
    applied = joined - 700 * DAY
    return {Stage.APPLICANT: applied, Stage.ACTIVIST: applied + 60 * DAY,
            Stage.CANDIDATE: joined - 120 * DAY, Stage.PROBATIONARY: joined}  # fmt: skip


def add_showcase_people(records, planned, rng: random.Random, today: date) -> dict[int, str]:
    """Six people of branch A (no accounts) through core.demo's record builder; returns
    {person id: scenario}."""
    branch = next(org for org in planned if org.code == branch_a_code())
    group = next((org for org in planned if org.parent is branch), None)
    factory = PeopleFactory(rng)
    factory.first_day = date(1994, 1, 1).toordinal()  # young people, mostly
    factory.last_day = date(2002, 12, 31).toordinal()
    people, histories, scenarios = [], [], []
    for scenario, stage in SHOWCASE:
        identity = factory.person(0.75)
        person, _ = records.build(PersonSpec(identity, branch, stage, None, group), None)
        dates = showcase_dates(scenario, today)
        person.update(stage=stage, application_date=dates[Stage.APPLICANT],
                      join_date=dates.get(Stage.PROBATIONARY), full_member_date=None,
                      introducers="")  # fmt: skip
        if stage != Stage.PROBATIONARY:
            person["party_group_id"] = None
        people.append(person)
        histories.append(sorted(dates.items(), key=lambda item: item[1]))
        scenarios.append(scenario)
    records.save(people, histories)
    return {person["id"]: scenario for person, scenario in zip(people, scenarios, strict=True)}


# --- writing ----------------------------------------------------------------------------------


def seed_development(rng: random.Random, today: date, *, records, planned) -> DevelopmentSeed:
    """Pipelines for every development-stage person of the demo group (see module docstring).

    `records` and `planned` are core.demo's record builder and organization plan (for the
    people added to branch A).
    """
    result = DevelopmentSeed()
    root = planned[0].obj
    committee = {org.code: org.obj for org in planned if org.kind == OrgKind.COMMITTEE}
    if LOCAL_POLICY_ORG in committee:
        rules.policy_from_dict(LOCAL_POLICY)  # fails loudly if the rules change
        PolicySetting.objects.create(org=committee[LOCAL_POLICY_ORG], data=dict(LOCAL_POLICY))
    scenarios = add_showcase_people(records, planned, rng, today)
    result.people.update(stage for _, stage in SHOWCASE)
    group = Group.load(root, today)
    planner = Planner(group, rng)
    full_dates = {pk: on for on, pk, _ in group.everyone_full}

    columns = ("pk", "branch_id", "name", "birth_date", "stage", "application_date", "join_date")
    people = list(
        Person.objects.filter(stage__in=DEVELOPMENT_STAGES, branch__path__startswith=root.path)
        .order_by("pk")
        .values_list(*columns)
    )
    history: dict[int, dict[str, tuple[int, date]]] = {}
    changes = StageChange.objects.filter(
        person__stage__in=DEVELOPMENT_STAGES, person__branch__path__startswith=root.path
    ).values_list("pk", "person_id", "to_stage", "on")
    for pk, person, stage, on in changes.order_by("pk"):
        history.setdefault(person, {})[stage] = (pk, on)
    inserters = Inserters()
    for start in range(0, len(people), CHUNK):
        drafts, moved, applied_moved = [], [], []
        for pk, branch, name, birth, stage, applied, joined in people[start : start + CHUNK]:
            draft = Draft(pk, branch, name, birth, stage)
            dates = _lawful_dates(stage, birth, applied, history.get(pk, {}), moved)
            if dates["application"] != applied:
                applied_moved.append(Person(pk=pk, application_date=dates["application"]))
            scenario = scenarios.get(pk, "")
            if stage == Stage.APPLICANT:
                planner.applicant(draft, dates["application"], scenario)
            elif stage == Stage.ACTIVIST:
                planner.activist_stage(draft, dates["application"], dates["activist"], scenario)
            elif stage == Stage.CANDIDATE:
                planner.candidate_stage(draft, dates["application"], dates["activist"],
                                        dates["candidate"], scenario)  # fmt: skip
            else:
                planner.probationary_stage(draft, dates["application"], dates["activist"],
                                           dates["candidate"], joined, scenario)  # fmt: skip
            drafts.append(draft)
        _write(drafts, group, full_dates, today, result, inserters)
        StageChange.objects.bulk_update(moved, ["on"], batch_size=500)
        Person.objects.bulk_update(applied_moved, ["application_date"], batch_size=500)
    _plans(root, planned, group, today)
    return result


def _within(level: str, days: int) -> str:
    """The furthest candidate-stage step reachable `days` after becoming a candidate (training
    takes three days, the committee review and the pre-review come after it)."""
    needs = {"training_start": 2, "committee_review": 3, "pre_review": 8, "application_form": 8}
    steps = ["candidate", "candidate_filed", "introducers", "political_review",
             "training_start", "committee_review", "pre_review", "application_form"]  # fmt: skip
    if level == "branch_meeting":
        return level  # the caller dates the meeting within what is possible
    while needs.get(level, 0) > days:
        level = steps[steps.index(level) - 1]
    return level


def _lawful_dates(stage, birth, applied, history, moved) -> dict[str, date]:
    """The application, activist and candidate dates of the stage history, moved (rarely) by a
    day where month arithmetic differs from the history's days: "365 days" short of the rules'
    year, "18 years" of someone born on 29 February one day short of the 18th birthday."""
    dates = {"application": applied}
    adult = rules.earliest_application_date(birth)
    if applied < adult:
        dates["application"] = adult
        moved.append(StageChange(pk=history[Stage.APPLICANT][0], on=adult))
    if stage == Stage.APPLICANT:
        return dates
    pk, activist = history[Stage.ACTIVIST]
    dates["activist"] = activist
    if stage in (Stage.CANDIDATE, Stage.PROBATIONARY):
        pk, candidate = history[Stage.CANDIDATE]
        lawful = max(candidate, rules.earliest_candidate_date(activist))
        if lawful != candidate:
            moved.append(StageChange(pk=pk, on=lawful))
        dates["candidate"] = lawful
    return dates


LINKED_STEPS = ("contacts_assigned", "introducers", "branch_meeting", "conversion_meeting")


class Inserters:
    """core.demo's executemany inserter for the three big tables (a Django bulk_create spends
    most of its time preparing each value of each row); JSON and decimal columns go through
    their field, which knows the backend."""

    def __init__(self):
        from django.db import connection

        self.steps = self._for(StepRecord, connection)
        self.links = self._for(StepRecord.people.through, connection)
        self.votes = self._for(Vote, connection)

    @staticmethod
    def _for(model, connection) -> RowInserter:
        inserter = RowInserter(model, batch=2000)
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        for index, f in enumerate(fields):
            if isinstance(f, (JSONField, DecimalField)):
                inserter.adapters[index] = partial(f.get_db_prep_save, connection=connection)
        return inserter


def _write(drafts: list[Draft], group: Group, full_dates, today, result, inserters) -> None:
    pipelines = []
    for draft in drafts:
        draft.records.sort(key=lambda r: r["on"])  # entered in date order: "undo" takes the last
        columns = evaluation_of(facts_of(draft, full_dates), group.policy(draft.branch), today)
        pipelines.append(Pipeline(person_id=draft.person_id, **columns))
        result.overdue += columns["overdue_count"] > 0
    Pipeline.objects.bulk_create(pipelines, batch_size=500)
    if any(p.pk is None for p in pipelines):  # backends that return no ids from bulk inserts
        ids = dict(Pipeline.objects.filter(person_id__in=[d.person_id for d in drafts])
                   .values_list("person_id", "pk"))  # fmt: skip
        for pipeline in pipelines:
            pipeline.pk = ids[pipeline.person_id]
    rows = []
    for pipeline, draft in zip(pipelines, drafts, strict=True):
        policy = group.policy(draft.branch).name
        for record in draft.records:
            rows.append({
                "pipeline_id": pipeline.pk, "step": record["step"], "on": record["on"],
                "end_on": record["end_on"], "hours": record["hours"],
                "responsible": record["responsible"][:100],
                "approving_org_id": record["approving_org"], "note": record["note"],
                "exception_rules": record["exception_rules"],
                "justification": record["justification"], "policy_name": policy,
                "entered_by_id": record["entered_by"],
                "entered_at": timezone.make_aware(datetime.combine(record["on"], ENTERED_AT)),
            })  # fmt: skip
            result.exceptions += bool(record["exception_rules"])
    inserters.steps.insert(rows)
    result.pipelines += len(pipelines)
    result.steps += len(rows)
    # Contacts, introducers and votes hang off steps recorded once per pipeline.
    ids = {
        (pipeline, step): pk
        for pk, pipeline, step in StepRecord.objects.filter(
            pipeline_id__in=[p.pk for p in pipelines], step__in=LINKED_STEPS
        ).values_list("pk", "pipeline_id", "step")
    }
    links, votes = [], []
    for pipeline, draft in zip(pipelines, drafts, strict=True):
        for record in draft.records:
            if record["step"] not in LINKED_STEPS:
                continue
            pk = ids[(pipeline.pk, record["step"])]
            links += [{"steprecord_id": pk, "person_id": person} for person in record["people"]]
            if record["vote"]:
                votes.append({"record_id": pk, **record["vote"]})
    inserters.links.insert(links)
    inserters.votes.insert(votes)
    introduced = [Person(pk=d.person_id, introducers=d.introducers) for d in drafts
                  if d.stage == Stage.PROBATIONARY and d.introducers]  # fmt: skip
    Person.objects.bulk_update(introduced, ["introducers"], batch_size=500)


def _plans(root, planned, group: Group, today: date) -> None:
    """This year's admission plan of every committee: about as many as joined last year."""
    committees = [org.obj for org in planned if org.kind == OrgKind.COMMITTEE]
    joined = Counter()
    rows = (
        Person.objects.filter(stage=Stage.PROBATIONARY, branch__path__startswith=root.path)
        .values_list("branch__path")
        .annotate(n=Count("pk"))
    )
    for path, n in rows:
        for org in committees:
            if path.startswith(org.path):
                joined[org.pk] += n
    AdmissionPlan.objects.bulk_create([
        AdmissionPlan(org=org, year=today.year, target=max(1, round(joined[org.pk] * 1.1)),
                      updated_by_id=group.committee_user)
        for org in committees
    ])  # fmt: skip
