"""Demo data of organizational life (三会一课 and more), for `manage.py seed_demo` (called from
`core.demo.seed` after the member-development data).

Every branch of the demo group gets the activities its policy requires over the last `months`
months up to today (default 12, plus the current month so far), and next month's plan:

* branch general meetings once a quarter — among them the meetings at which the development
  demo's probationary members were admitted, on their joining day, with the vote on each of
  them (`MeetingVote`, and the development `Vote` taken at that meeting takes its entitled and
  present counts from the meeting's attendance, as `step_record(meeting=…)` does);
* branch committee meetings every month (branches with a current committee of three or more),
  a meeting of every party group every month, a theme party day on the branch's fixed day of
  the month, party lectures (every quarter under the local policy of the group's organs
  committee, 集团机关党委, else once a year around 1 July), heart-to-heart talks in November and
  the organizational-life meeting and the democratic appraisal in December.

Held activities carry their evidence: one attendance row per expected attendee (the members of
the branch or party group who had joined by the day, the committee for committee meetings),
with replies, leave asked for with a reason and approved by the secretary, sign-ins mostly by
the QR code a few minutes before the start (some late, a few online, a few added by the
recorder with a reason), and minutes written by the recorder and signed by the host, mostly
within the policy's days. The counts, the quorum and the minutes dates on each activity are
computed from those rows exactly as `services.attendance_refresh`, `activity_hold` and
`minutes_sign` compute them. Some meetings have follow-up items; a share of the democratic
appraisals used the secret ballot (`BallotCast` for each voter, `BallotTally` counters, the
branch's decisions).

On purpose there are gaps so the compliance heat-map shows red and amber: about 8 % of
branches skipped one quarter's general meeting, some committee meetings, theme days and
party-group meetings were not held, a few minutes were signed late or not at all, and a few
meetings missed their quorum. Activities in the next weeks are published (replies pending,
some leave requested); later ones of next month are planned.

The demo secretary's 综采一队党支部 tells one coherent story: last quarter's general meeting
held with signed minutes; this quarter's not held yet (planned, published when it falls within
the next three weeks), so its warning shows as the quarter's end nears; last month's committee
meeting missed (a red warning on the secretary's home at any date); last December's
organizational-life meeting and democratic appraisal held, the appraisal by secret ballot with
closed ballot box and decisions; next month's plan published with the demo member invited.

Rows are written with bulk inserts per chunk of branches (no services, bounded memory). The
compliance cells of the current year are refreshed at the end (`compliance.cells_refresh`).
"""

from __future__ import annotations

import random
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import DateTimeField, Max

from dangjian.accounts.models import RoleAssignment
from dangjian.core.demo import ROOT_CODE, RowInserter, branch_a_code
from dangjian.members.choices import Stage
from dangjian.members.models import Person
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
from dangjian.orgs.models import CommitteeMember, CommitteePost, Organization, OrgKind
from dangjian.rules import RuleError
from dangjian.rules import development as development_rules
from dangjian.rules import orglife as rules

MONTHS = 12  # months of history before the current one
BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH)
MEMBER_STAGES = (Stage.PROBATIONARY, Stage.FULL)
LOCAL_POLICY = {"base": rules.ORGLIFE_2018_QUARTERLY_LECTURE.name}
LOCAL_POLICY_ORG = f"{ROOT_CODE}01"  # 集团机关党委: a party lecture every quarter
CHUNK = 150  # branches per round of inserts
PUBLISHED_DAYS = 21  # activities within this many days are published, later ones planned
# Shares of the deliberate gaps and flaws.
GAP_QUARTER_SHARE = 0.08  # branches that skipped one quarter's general meeting
GAP_MONTH_SHARE = {"committee_meeting": 0.03, "theme_day": 0.015, "group_meeting": 0.008}
MINUTES_LATE_SHARE = 0.02
MINUTES_UNSIGNED_SHARE = 0.008
MINUTES_REVISED_SHARE = 0.01
QUORUM_FAILED_SHARE = 0.01  # general meetings where too many were away
CANCELLED_SHARE = 0.005  # theme days called off and held a week later
ELECTRONIC_BALLOT_SHARE = 0.1  # appraisals by the platform's secret ballot (others on paper)
FOLLOW_UP_SHARE = {"general_meeting": 0.3, "committee_meeting": 0.25}
ONLINE_SHARE = {"B": 0.3, "M": 0.0, "P": 0.08}  # activities with an online link, per company
PRESENCE = {
    "general_meeting": 0.9, "committee_meeting": 0.96, "group_meeting": 0.9, "lecture": 0.88,
    "theme_day": 0.86, "orglife_meeting": 0.94, "appraisal": 0.94, "talk": 1.0,
}  # fmt: skip

# --- content --------------------------------------------------------------------------------

TOPICS = {
    "general_meeting": (
        "学习贯彻党的二十届四中全会精神",
        "传达学习上级党委工作会议精神，通报支部季度工作",
        "学习《中国共产党纪律处分条例》，开展警示教育",
        "通报党费收缴和党员教育管理情况，部署下季度工作",
        "安全生产形势分析暨党员先锋岗评议",
        "学习《中国共产党支部工作条例（试行）》",
    ),
    "committee_meeting": (
        "研究本月支部重点工作",
        "研究发展党员和入党积极分子培养工作",
        "研究党员教育培训和“三会一课”安排",
        "研究主题党日活动方案",
        "研究困难党员帮扶和走访慰问事项",
        "分析班组安全生产和职工思想动态",
    ),
    "group_meeting": (
        "学习习近平总书记重要讲话精神，交流岗位体会",
        "学习安全生产法律法规，开展反“三违”讨论",
        "学习党章，交流党员先锋岗践诺情况",
        "学习违纪违法典型案例，开展廉洁从业讨论",
        "交流本月工作，查找身边安全隐患",
    ),
    "lecture": (
        "安全生产专题党课",
        "书记讲党课：以高质量党建引领企业高质量发展",
        "廉洁从业专题党课",
        "坚定理想信念，争做新时代合格党员",
        "传承红色基因，赓续精神血脉",
    ),
    "theme_day": (
        "主题党日：走进红色教育基地",
        "主题党日：重温入党誓词",
        "主题党日：党员志愿服务进社区",
        "主题党日：安全隐患排查党员先锋行",
        "主题党日：学习身边先进典型",
        "主题党日：节能降耗党员建言献策",
    ),
}
MONTH_TOPICS = {
    ("theme_day", 3): "主题党日：学雷锋志愿服务",
    ("theme_day", 7): "主题党日：庆祝中国共产党成立{anniversary}周年",
    ("lecture", 7): "“七一”专题党课：坚定理想信念，践行初心使命",
    ("lecture", 11): "党员冬训专题党课",
    ("lecture", 12): "党员冬训专题党课",
}
YEAR_TOPICS = {
    "orglife_meeting": "{year}年度组织生活会",
    "appraisal": "{year}年度民主评议党员",
    "talk": "{year}年度组织生活会前谈心谈话",
}
AGENDA = {
    "general_meeting": ("传达学习上级精神", "通报支部本季度工作和党员发展情况",
                        "讨论研究支部重要事项", "书记作总结讲话"),
    "committee_meeting": ("通报上月工作完成情况", "研究本月重点工作", "研究党员发展和教育管理事项"),
    "group_meeting": ("集中学习", "党员交流发言", "小组长小结"),
    "lecture": ("支部书记讲授专题党课", "党员交流学习体会"),
    "theme_day": ("重温入党誓词", "开展主题活动", "交流心得体会"),
    "orglife_meeting": ("通报支部班子对照检查情况", "支委会成员逐一对照检查",
                        "党员开展批评和自我批评", "明确整改措施"),
    "appraisal": ("党员个人总结和自我评价", "党员互评（无记名投票）", "支部综合评定"),
    "talk": ("支部书记与支委、党员逐一谈心谈话", "听取意见建议"),
}  # fmt: skip
RESOLUTIONS = {
    "general_meeting": "全体党员要把学习成果转化为推动安全生产和改革发展的实际行动。",
    "committee_meeting": "明确本月工作分工，由各支委分头落实，下次支委会通报进展。",
    "group_meeting": "小组成员结合岗位写出学习体会，在下次小组会上交流。",
    "lecture": "各党员结合党课内容查找自身差距，撰写学习心得。",
    "theme_day": "活动照片和心得体会在支部宣传栏展示。",
    "orglife_meeting": "支委会汇总查摆问题，形成整改清单，明确责任人和完成时限。",
    "appraisal": "评议结果报上级党委备案，并在支部内通报。",
    "talk": "谈心谈话中收集的意见建议由支委会研究答复。",
}
FOLLOW_UPS = (
    "组织党员开展井下安全隐患排查",
    "完成困难党员走访慰问",
    "更新支部党员先锋岗和责任区",
    "整理上报本季度党费收缴情况",
    "组织入党积极分子参加党校培训",
    "完善支部学习园地和宣传栏",
    "落实班组职工合理化建议的答复",
)
LEAVE_REASONS = (
    "病假", "出差", "倒班（夜班）", "井下值班", "外出参加培训", "家中有事，请事假", "休年假",
    "参加抢修任务", "陪护住院的父亲", "在外地项目部驻点",
)  # fmt: skip
MANUAL_REASONS = (
    "手机没电，无法扫码",
    "刚从井下升井，手机未随身携带",
    "年龄较大，不会使用手机扫码",
    "现场网络信号差，扫码失败",
)
NO_ACCOUNT_REASON = "未开通平台账号，由记录人代为签到"
CANCEL_REASON = "因上级临时安排防汛抢险任务，本次活动取消，顺延一周举行。"
REVISION_REASON = "补充会议决议的落实责任人和完成时限"
PLACES = {
    "M": ("队部会议室", "三楼党员活动室", "矿井口党员活动室", "调度楼二楼会议室"),
    "P": ("三楼党员活动室", "班组学习室", "运维站会议室", "公司党建活动中心"),
    "B": ("总部大楼12层党员活动室", "第三会议室", "党建活动中心"),
}
RED_SITES = ("西柏坡纪念馆", "狼牙山五壮士纪念馆", "冉庄地道战遗址", "白求恩柯棣华纪念馆")
HOURS = {"M": (time(16, 30), time(9, 30)), "P": (time(14, 30), time(15, 0)),
         "B": (time(15, 0), time(14, 30))}  # fmt: skip
LENGTH = {"theme_day": timedelta(hours=3), "committee_meeting": timedelta(minutes=90),
          "group_meeting": timedelta(minutes=60), "talk": timedelta(hours=3)}  # fmt: skip
SELF_ASSESSMENT = (
    "本年度认真学习党的理论，按时参加“三会一课”，按月足额缴纳党费。工作中坚守安全生产红线，"
    "带头完成班组生产任务。不足之处是理论学习还不够系统，今后要加强学习，发挥好先锋模范作用。"
)
ATTENDANCE_FIELDS = [
    "activity_id", "person_id", "entitled", "reply", "leave_reason", "replied_at",
    "leave_decided_by_id", "signed_in_at", "method", "manual_reason", "recorded_by_id", "late",
    "left_early",
]  # fmt: skip
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
# Plain strings for the hot loops (the enum members are str subclasses, slower to adapt).
PENDING, ATTENDING = Reply.PENDING.value, Reply.ATTENDING.value
LEAVE_REQUESTED, LEAVE_APPROVED = Reply.LEAVE_REQUESTED.value, Reply.LEAVE_APPROVED.value
LEAVE_REFUSED = Reply.LEAVE_REFUSED.value
QR, ONLINE, MANUAL = SigninMethod.QR.value, SigninMethod.ONLINE.value, SigninMethod.MANUAL.value
UNDECIDED = ("demo_member",)  # demo accounts that have not replied to what is published yet


@dataclass
class OrglifeSeed:
    """What seed_orglife wrote (counted in the demo's SeedResult and audit event)."""

    activities: int = 0
    held: int = 0
    attendance: int = 0
    minutes: int = 0
    follow_ups: int = 0
    votes: int = 0
    ballots: int = 0
    cells: int = 0
    statuses: Counter = field(default_factory=Counter)

    def counts(self) -> dict[str, int]:
        return {"activities": self.activities, "held": self.held, "attendance": self.attendance,
                "minutes": self.minutes, "follow_ups": self.follow_ups, "votes": self.votes,
                "ballots": self.ballots, "cells": self.cells}  # fmt: skip


# --- the group as the planner needs it --------------------------------------------------------


@dataclass(slots=True, eq=False)  # compared by identity
class Member:
    """A party member of a branch, as the planner needs them (one per `members.Person`)."""

    pk: int
    name: str
    user: int | None
    stage: str
    joined: date | None
    full: date | None
    group: int | None
    away: str  # '' | 'lost' (lost contact) | 'mobile' (working elsewhere)
    voting_from: date | None = None  # set from stage and full

    def __post_init__(self) -> None:
        # a full member votes from the day of full membership; probationary members do not
        self.voting_from = self.full if self.stage == Stage.FULL else None

    def member_on(self, day: date) -> bool:
        return self.joined is not None and self.joined <= day

    def entitled_on(self, day: date) -> bool:
        return self.voting_from is not None and self.voting_from <= day


@dataclass
class PartyGroup:
    """A party group of a branch: its leader hosts its monthly meeting."""

    pk: int
    name: str
    leader: Member | None
    members: list[Member]


@dataclass
class Branch:
    """A branch with everything its activities are drawn from."""

    pk: int
    code: str
    name: str
    path: str
    policy: rules.OrglifePolicy
    members: list[Member]
    committee: list[Member]  # the current committee members' records
    committee_size: int  # current committee posts: 3 or more is a committee (compliance.facts_for)
    secretary: Member | None
    recorder: Member | None
    groups: list[PartyGroup]
    admissions: dict[date, list[tuple]]  # joining day -> development votes taken that day

    @property
    def letter(self) -> str:
        """M (coal), P (power) or B (group organs): how the demo codes its companies."""
        letter = self.code[len(ROOT_CODE) + 2 : len(ROOT_CODE) + 3]
        return letter if letter in PLACES else "B"

    @property
    def has_committee(self) -> bool:
        return self.committee_size >= 3 and bool(self.committee)

    @property
    def is_showcase(self) -> bool:
        return self.code == branch_a_code()


def _nearest_policy(path: str, settings: list[tuple[str, rules.OrglifePolicy]]):
    return next((p for prefix, p in settings if path.startswith(prefix)), rules.ORGLIFE_2018)


def _policies(root: Organization) -> list[tuple[str, rules.OrglifePolicy]]:
    """(org path, policy), deepest first — as selectors.policy_for resolves them."""
    out = []
    for path, data in PolicySetting.objects.filter(org__path__startswith=root.path).values_list(
        "org__path", "data"
    ):
        try:
            out.append((path, rules.policy_from_dict(data)))
        except RuleError:
            out.append((path, rules.ORGLIFE_2018))
    return sorted(out, key=lambda item: -len(item[0]))


def _vote_rows(ids: list[int], first: date) -> dict[int, dict[date, list[tuple]]]:
    """{branch: {day: [(vote id, step, person id, name)]}}: the development votes taken at
    branch general meetings since `first`."""
    from dangjian.development.models import VOTE_STEPS, Vote

    rows = Vote.objects.filter(
        record__step__in=VOTE_STEPS,
        record__on__gte=first,
        record__pipeline__person__branch_id__in=ids,
    ).values_list(
        "pk", "record__step", "record__on", "record__pipeline__person_id",
        "record__pipeline__person__name", "record__pipeline__person__branch_id",
    )  # fmt: skip
    out: dict[int, dict[date, list[tuple]]] = defaultdict(lambda: defaultdict(list))
    for pk, step, on, person, name, branch in rows.order_by("pk"):
        out[branch][on].append((pk, step, person, name))
    return out


def load_branches(chunk: list[tuple], policies, today: date, first: date) -> list[Branch]:
    """The branches of `chunk` ((pk, code, name, path) rows) with their members, current
    committee, party groups and their leaders, in a fixed number of queries."""
    ids = [row[0] for row in chunk]
    members: dict[int, list[Member]] = defaultdict(list)
    by_user: dict[int, Member] = {}
    rows = Person.objects.filter(branch_id__in=ids, is_active=True, stage__in=MEMBER_STAGES)
    for pk, branch, name, user, stage, joined, full, group, lost, mobile in rows.order_by(
        "pk"
    ).values_list(
        "pk", "branch_id", "name", "user_id", "stage", "join_date", "full_member_date",
        "party_group_id", "lost_contact_since", "mobile_destination",
    ):  # fmt: skip
        away = "lost" if lost else ("mobile" if mobile else "")
        member = Member(pk, name, user, stage, joined, full, group, away)
        members[branch].append(member)
        if user is not None:
            by_user[user] = member
    posts: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    sizes: Counter = Counter()
    committee = CommitteeMember.objects.filter(org_id__in=ids).order_by("pk")
    for org, post, user, start, end in committee.values_list(
        "org_id", "post", "user_id", "term_start", "term_end"
    ):
        if post == CommitteePost.SECRETARY:
            posts[org]["secretary"].append(user)
        if start <= today and (end is None or end >= today):
            sizes[org] += 1
            posts[org]["current"].append(user)
            posts[org][post].append(user)
    groups: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, parent, name in (
        Organization.objects.filter(parent_id__in=ids, kind=OrgKind.PARTY_GROUP, is_active=True)
        .order_by("pk")
        .values_list("pk", "parent_id", "name")
    ):
        groups[parent].append((pk, name))
    leaders = dict(
        RoleAssignment.objects.filter(role__code="group_leader", org__parent_id__in=ids)
        .order_by("pk")  # the last grant wins: the demo leader of branch A's first group
        .values_list("org_id", "user_id")
    )
    votes = _vote_rows(ids, first)
    out = []
    for pk, code, name, path in chunk:
        people = members.get(pk, [])
        if not people:
            continue
        own = {m.pk for m in people}

        def person(user, own=own):
            found = by_user.get(user) if user is not None else None
            return found if found is not None and found.pk in own else None

        committee = [m for u in posts[pk]["current"] if (m := person(u)) is not None]
        secretary = next((m for u in posts[pk]["secretary"] if (m := person(u))), people[0])
        recorder = next(
            (m for post in (CommitteePost.ORGANIZATION, CommitteePost.PROPAGANDA)
             for u in posts[pk][post] if (m := person(u)) is not None and m is not secretary),
            next((m for m in people if m is not secretary and m.user), None),
        )  # fmt: skip
        party_groups = []
        for group_pk, group_name in groups.get(pk, []):
            group_members = [m for m in people if m.group == group_pk]
            if group_members:
                leader = person(leaders.get(group_pk)) or group_members[0]
                party_groups.append(PartyGroup(group_pk, group_name, leader, group_members))
        admissions = {day: v for day, v in votes.get(pk, {}).items() if day >= first}
        out.append(Branch(pk, code, name, path, _nearest_policy(path, policies), people,
                          committee, sizes[pk], secretary, recorder, party_groups,
                          admissions))  # fmt: skip
    return out


# --- one activity -----------------------------------------------------------------------------


@dataclass
class Draft:
    """One activity before it is written: its columns and the rows that hang off it."""

    row: dict
    code: str
    branch: Branch
    host: Member | None
    recorder: Member | None
    attendees: list[Member]
    attendance: list[list] = field(default_factory=list)
    minutes: list[dict] = field(default_factory=list)
    follow_ups: list[dict] = field(default_factory=list)
    votes: list[dict] = field(default_factory=list)
    development_votes: list[tuple] = field(default_factory=list)  # (pk, step, person, name)
    development_counts: list[dict] = field(default_factory=list)  # what those votes become
    ballot: bool = False  # an appraisal by the platform's secret ballot


def _workday(day: date, first: date, last: date) -> date:
    """`day` moved off the weekend, staying within [first, last]."""
    if day.weekday() == 5:
        day -= DAY
    elif day.weekday() == 6:
        day += DAY
    if day < first:
        day = first + DAY * (1 if first.weekday() == 6 else 2 if first.weekday() == 5 else 0)
    return min(day, last)


LOCAL = ZoneInfo(settings.TIME_ZONE)  # looked up once: timezone.localtime() costs per call


def _at(day: date, clock: time, minutes: int = 0) -> datetime:
    """`clock` local time on `day`, in UTC (what the database stores: cheap to adapt)."""
    moment = datetime.combine(day, clock, tzinfo=LOCAL) + timedelta(minutes=minutes)
    return moment.astimezone(UTC)


def _cn_datetime(value: datetime) -> str:
    """core.dates.cn_datetime for the demo's local time zone, without its per-call lookup."""
    local = value.astimezone(LOCAL)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


class Planner:
    """Draws every branch's activities (see the module docstring)."""

    def __init__(self, rng: random.Random, today: date, months: int, types: dict[str, int]):
        self.rng, self.today, self.types = rng, today, types
        this_month = today.replace(day=1)
        self.first = rules.add_months(this_month, -months)
        self.next_month = rules.add_months(this_month, 1)
        self.horizon = rules.add_months(this_month, 2) - DAY  # the end of next month
        self.months = [rules.add_months(self.first, i) for i in range(months + 2)]
        self.current_quarter = rules.period_start(today, "quarter")
        self.now = _at(today, time(8))
        self.stamp = _stamper()
        self.undecided = set(
            Person.objects.filter(user__username__in=UNDECIDED).values_list("pk", flat=True)
        )

    # -- the calendar of one branch ------------------------------------------------------

    def branch(self, b: Branch) -> list[Draft]:
        rng, drafts = self.rng, []
        hours = HOURS[b.letter]
        clock = hours[0] if rng.random() < 0.7 else hours[1]
        place = rng.choice(PLACES[b.letter])
        theme_day = rng.choice((5, 8, 10, 15, 20, 25))
        online = rng.random() < ONLINE_SHARE[b.letter]
        ctx = {"clock": clock, "place": place, "online": online}
        drafts += self.general_meetings(b, ctx)
        last_month = rules.add_months(self.today.replace(day=1), -1)
        for month in self.months:
            end = rules.period_end(month, "month")
            missed = b.is_showcase and month == last_month  # the story's red warning
            if b.has_committee and not missed and not self.skipped(b, month, "committee_meeting"):
                day = _workday(month + DAY * rng.randint(1, 10), month, end)
                drafts += self.one(b, "committee_meeting", day, ctx, org=b.pk,
                                   attendees=b.committee)  # fmt: skip
            if not self.skipped(b, month, "theme_day"):
                day = _workday(month.replace(day=theme_day), month, end)
                drafts += self.theme_day(b, day, ctx)
            for group in b.groups:
                if self.skipped(b, month, "group_meeting"):
                    continue
                day = _workday(month + DAY * rng.randint(11, 24), month, end)
                others = [m for m in group.members if m is not group.leader and m.user]
                drafts += self.one(b, "group_meeting", day, ctx, org=group.pk,
                                   attendees=group.members, host=group.leader,
                                   recorder=others[0] if others else group.leader,
                                   place=ctx["place"] if rng.random() < 0.5 else "班组学习室",
                                   online=False)  # fmt: skip
        drafts += self.lectures(b, ctx)
        drafts += self.yearly(b, ctx)
        return drafts

    def skipped(self, b: Branch, month: date, code: str) -> bool:
        """A deliberate gap: a past month only (the current one may still be made up)."""
        if b.is_showcase or month >= self.today.replace(day=1):
            return False
        return self.rng.random() < GAP_MONTH_SHARE[code]

    def general_meetings(self, b: Branch, ctx) -> list[Draft]:
        rng, today, drafts = self.rng, self.today, []
        quarters = sorted({rules.period_start(m, "quarter") for m in self.months})
        admitted = {q: sorted(d for d in b.admissions
                              if rules.period_start(d, "quarter") == q and d < today)
                    for q in quarters}  # fmt: skip
        ended = [q for q in quarters
                 if rules.period_end(q, "quarter") < today and not admitted[q]]  # fmt: skip
        gap = None
        if not b.is_showcase and ended and rng.random() < GAP_QUARTER_SHARE:
            gap = rng.choice(ended)
        for quarter in quarters:
            end = rules.period_end(quarter, "quarter")
            days = admitted[quarter]
            if b.is_showcase and quarter == self.current_quarter:
                days = []  # the story: this quarter's general meeting is still to come
            for day in days:
                drafts += self.one(b, "general_meeting", day, ctx, org=b.pk,
                                   attendees=b.members, admission=b.admissions[day])  # fmt: skip
            if days or quarter == gap:
                continue
            start = max(quarter, self.first)
            if b.is_showcase and quarter == self.current_quarter:
                start = max(start, today + 3 * DAY)  # not held yet
                if start > end:
                    continue
            day = _workday(start + DAY * rng.randint(0, max(0, (end - start).days)), start, end)
            drafts += self.one(b, "general_meeting", day, ctx, org=b.pk, attendees=b.members)
        return drafts

    def theme_day(self, b: Branch, day: date, ctx) -> list[Draft]:
        rng = self.rng
        visit = rng.random() < 0.15
        place = f"{rng.choice(RED_SITES)}" if visit else ctx["place"]
        topic = "主题党日：走进红色教育基地" if visit else None
        if day < self.today and rng.random() < CANCELLED_SHARE:
            later = day + 7 * DAY
            cancelled = self.one(b, "theme_day", day, ctx, org=b.pk, attendees=b.members,
                                 place=place, topic=topic, cancelled=True)  # fmt: skip
            if later >= self.today:
                return cancelled
            return cancelled + self.one(
                b, "theme_day", later, ctx, org=b.pk, attendees=b.members, place=place, topic=topic
            )
        return self.one(b, "theme_day", day, ctx, org=b.pk, attendees=b.members, place=place,
                        topic=topic)  # fmt: skip

    def when(self, first: date, last: date, end: date) -> date | None:
        """A workday in [first, last]; when that lies before the history begins, one between
        its beginning and `end` (the end of the period: the activity was held later)."""
        if last < self.first:
            first, last = self.first, end
        first = max(first, self.first)
        if first > last:
            return None
        return _workday(first + DAY * self.rng.randint(0, (last - first).days), first, last)

    def lectures(self, b: Branch, ctx) -> list[Draft]:
        req = b.policy.requirement("lecture")
        if req is None:
            return []
        drafts = []
        for start in sorted({rules.period_start(m, req.period) for m in self.months}):
            end = rules.period_end(start, req.period)
            if req.period == "year":  # around 1 July (“七一”党课)
                day = self.when(date(start.year, 6, 20), date(start.year, 7, 15), end)
            else:  # the quarter's middle month
                middle = rules.add_months(start, 1)
                day = self.when(middle, rules.period_end(middle, "month"), end)
            if day is not None:
                drafts += self.one(b, "lecture", day, ctx, org=b.pk, attendees=b.members)
        return drafts

    def yearly(self, b: Branch, ctx) -> list[Draft]:
        """Talks in November, the organizational-life meeting and the appraisal in December."""
        rng, drafts = self.rng, []
        for year in sorted({m.year for m in self.months}):
            end = date(year, 12, 31)
            talk = self.when(date(year, 11, 3), date(year, 11, 20), end)
            meeting = self.when(date(year, 12, 8), date(year, 12, 20), date(year, 12, 28))
            if b.is_showcase:
                meeting = _workday(date(year, 12, 12), date(year, 12, 1), date(year, 12, 28))
            appraisal = meeting and meeting + DAY * (1 if meeting.weekday() < 4 else 3)
            sample = rng.sample(b.members, min(5, len(b.members)))
            talkers = list(dict.fromkeys([*b.committee, *sample]))
            for code, day, attendees in (("talk", talk, talkers),
                                         ("orglife_meeting", meeting, b.members),
                                         ("appraisal", appraisal, b.members)):  # fmt: skip
                if day is not None and day >= self.first:
                    topic = YEAR_TOPICS[code].format(year=year)
                    drafts += self.one(b, code, day, ctx, org=b.pk, attendees=attendees,
                                       topic=topic)  # fmt: skip
        return drafts

    # -- one activity ----------------------------------------------------------------------

    def topic(self, code: str, day: date) -> str:
        special = MONTH_TOPICS.get((code, day.month))
        if special and self.rng.random() < 0.6:
            return special.format(anniversary=day.year - 1921)
        return self.rng.choice(TOPICS[code])

    def one(self, b: Branch, code: str, day: date, ctx, *, org: int, attendees: list[Member],
            host: Member | None = None, recorder: Member | None = None, place: str | None = None,
            topic: str | None = None, online: bool | None = None, cancelled: bool = False,
            admission: list[tuple] = ()) -> list[Draft]:  # fmt: skip
        """One activity on `day` (nothing past next month), its status from the date."""
        if day > self.horizon or day < self.first:
            return []
        rng, today = self.rng, self.today
        attendees = [m for m in attendees if m.member_on(day)]
        if not attendees:
            return []
        if admission:
            names = "、".join(name for _pk, step, _person, name in admission
                             if step == "branch_meeting")  # fmt: skip
            topic = f"讨论接收{names}同志为中共预备党员" if names else "讨论预备党员转正"
        starts = _at(day, ctx["clock"], rng.choice((0, 0, 0, -30, 30)))
        ends = starts + LENGTH.get(code, timedelta(minutes=120))
        online = ctx["online"] if online is None else online
        if day < today:
            status = ActivityStatus.CANCELLED if cancelled else ActivityStatus.HELD
        elif day <= today + PUBLISHED_DAYS * DAY or (b.is_showcase and day < self.horizon):
            status = ActivityStatus.PUBLISHED
        else:
            status = ActivityStatus.PLANNED
        host = host or b.secretary
        recorder = recorder or b.recorder
        published = None
        if status != ActivityStatus.PLANNED:
            published = min(_at(day, time(9, rng.randint(0, 59)), 0) - rng.randint(3, 10) * DAY,
                            self.now - DAY)  # fmt: skip
        created = (published or self.now) - rng.randint(1, 5) * DAY
        creator = b.secretary.user if b.secretary else None
        row = {
            "org_id": org, "type_id": self.types[code],
            "topic": topic or self.topic(code, day), "starts_at": starts, "ends_at": ends,
            "place": place or ctx["place"],
            "online_url": f"https://meeting.hbny.com.cn/j/{rng.randrange(10**9):09d}"
                          if online else "",
            "host_id": host.pk if host else None, "recorder_id": recorder.pk if recorder else None,
            "agenda": "\n".join(f"{i}. {item}" for i, item in enumerate(AGENDA[code], start=1)),
            "status": status, "published_at": published, "held_on": None,
            "cancel_reason": CANCEL_REASON if cancelled else "", "expected_count": 0,
            "present_count": 0, "leave_count": 0, "entitled_count": 0, "voters_present": 0,
            "quorum_met": None, "minutes_due_on": None, "minutes_signed_on": None,
            "signin_secret": secrets.token_hex(32), "ballot_opened_at": None,
            "ballot_closed_at": None, "created_by_id": creator, "created_at": created,
            "updated_at": published or created,
        }  # fmt: skip
        draft = Draft(row, code, b, host, recorder, attendees,
                      development_votes=list(admission))  # fmt: skip
        if status == ActivityStatus.HELD:
            self.held(draft, day)
        elif status in (ActivityStatus.PUBLISHED, ActivityStatus.CANCELLED):
            self.invited(draft, day)
        if status != ActivityStatus.PLANNED:
            self.count(draft)
        return [draft]

    def reply_window(self, draft: Draft) -> tuple[datetime, int]:
        """Replies come in from half an hour after publishing until two hours before the
        start (or today): (the first moment as a naive UTC datetime, minutes after it)."""
        published = draft.row["published_at"]
        latest = min(draft.row["starts_at"] - timedelta(hours=2), self.now)
        minutes = int((latest - published).total_seconds() // 60) - 30
        return (published + 30 * MINUTE).replace(tzinfo=None), max(30, minutes)

    def invited(self, draft: Draft, day: date) -> None:
        """A published (or cancelled) activity: replies so far, nobody signed in."""
        rnd, stamp, (base, span) = self.rng.random, self.stamp, self.reply_window(draft)
        decider = draft.branch.secretary.user if draft.branch.secretary else None
        rows = draft.attendance
        for m in draft.attendees:
            reply, reason, replied, decided = PENDING, "", None, None
            draw = rnd()
            if m.pk in self.undecided:
                pass  # the demo accounts have replies to give on their home page
            elif not m.away and draw < 0.45:
                reply, replied = ATTENDING, stamp(base + MINUTE * int(rnd() * span))
            elif draw < 0.52 or m.away == "mobile":
                reply = LEAVE_REQUESTED if rnd() < 0.6 else LEAVE_APPROVED
                reason, replied = self.leave_reason(m), stamp(base + MINUTE * int(rnd() * span))
                decided = decider if reply == LEAVE_APPROVED else None
            rows.append([None, m.pk, m.entitled_on(day), reply, reason, replied, decided, None,
                         "", "", None, False, False])  # fmt: skip

    def leave_reason(self, m: Member) -> str:
        if m.away == "mobile":
            return "外出务工（流动党员），在流入地参加组织生活"
        return LEAVE_REASONS[int(self.rng.random() * len(LEAVE_REASONS))]

    def held(self, draft: Draft, day: date) -> None:
        """Attendance with sign-ins, the minutes, follow-ups and votes of a held activity."""
        rng, b, row = self.rng, draft.branch, draft.row
        starts, code = row["starts_at"], draft.code
        presence = PRESENCE[code]
        ordinary = code == "general_meeting" and not draft.development_votes and not b.is_showcase
        if ordinary and rng.random() < QUORUM_FAILED_SHARE:
            presence = 0.4  # many away on shift: the meeting missed its quorum
        needed = 0
        if draft.development_votes:  # a meeting that admitted someone was quorate
            needed = sum(m.entitled_on(day) for m in draft.attendees) // 2 + 1
        for _attempt in range(10):
            rows, voters = self.signed_in(draft, day, presence)
            if voters >= needed:
                break
        draft.attendance = rows
        row["held_on"] = day
        row["minutes_due_on"] = rules.minutes_due(day, b.policy)
        self.write_minutes(draft, day)
        if rng.random() < FOLLOW_UP_SHARE.get(code, 0):
            self.add_follow_ups(draft, day)
        if code == "appraisal" and (b.is_showcase or rng.random() < ELECTRONIC_BALLOT_SHARE):
            draft.ballot = True
            row["ballot_opened_at"] = starts + 30 * MINUTE
            row["ballot_closed_at"] = starts + 90 * MINUTE

    def signed_in(self, draft: Draft, day: date, presence: float) -> tuple[list[list], int]:
        """The attendance rows of a held activity and how many full members signed in.

        Present: mostly replied beforehand, signed in by QR 1–26 minutes before the start
        (6 % arrive 6–26 minutes late), a few online or added by the recorder with a reason.
        Away: mostly on approved leave with a reason, some never replied."""
        rnd, stamp, (base, span) = self.rng.random, self.stamp, self.reply_window(draft)
        starts, online = draft.row["starts_at"].replace(tzinfo=None), bool(draft.row["online_url"])
        host, recorder = draft.host, draft.recorder
        recorder_user = recorder.user if recorder else None
        decider = draft.branch.secretary.user if draft.branch.secretary else None
        rows, voters = [], 0
        for m in draft.attendees:
            entitled = m.voting_from is not None and m.voting_from <= day  # m.entitled_on(day)
            if m is host or m is recorder:
                present = True
            elif m.away:
                present = m.away == "mobile" and rnd() < 0.2
            else:
                present = rnd() < presence
            if not present:
                draw = rnd()
                if m.away == "lost" or draw < 0.22:  # never replied, did not come
                    rows.append([None, m.pk, entitled, PENDING, "", None, None, None, "", "",
                                 None, False, False])  # fmt: skip
                else:
                    reply = LEAVE_REFUSED if draw > 0.97 else LEAVE_APPROVED
                    replied = stamp(base + MINUTE * int(rnd() * span))
                    rows.append([None, m.pk, entitled, reply, self.leave_reason(m), replied,
                                 decider, None, "", "", None, False, False])  # fmt: skip
                continue
            replied = stamp(base + MINUTE * int(rnd() * span)) if rnd() < 0.75 else None
            draw = rnd()
            manual = ""
            if m.user is None:
                method, manual = MANUAL, NO_ACCOUNT_REASON
            elif draw < 0.03:
                method, manual = MANUAL, MANUAL_REASONS[int(draw * 1000) % len(MANUAL_REASONS)]
            elif online and draw > 0.85:
                method = ONLINE
            else:
                method = QR
            draw = rnd()
            late = draw >= 0.94  # as services._sign: more than five minutes after the start
            if late:
                signed = stamp(starts + SECOND * (360 + int((draw - 0.94) * 20000)))
            else:
                signed = stamp(starts - SECOND * (60 + int(draw * 1500)))
            rows.append([None, m.pk, entitled, ATTENDING, "", replied, None, signed, method,
                         manual, recorder_user if method == MANUAL else m.user, late,
                         rnd() < 0.01])  # fmt: skip
            voters += entitled
        return rows, voters

    def write_minutes(self, draft: Draft, day: date) -> None:
        """Version 1 by the recorder, signed by the host mostly in time; a few late, a few
        unsigned, a few revised after the signature (version 2 with the reason)."""
        rng, b, row, today = self.rng, draft.branch, draft.row, self.today
        writer = draft.recorder.user if draft.recorder else None
        signer = draft.host.user if draft.host else None
        written = _at(day + DAY * rng.randint(0, 2), time(18, rng.randint(0, 59)))
        written = min(written, self.now)
        days = b.policy.minutes_sign_days
        draw = 1.0 if b.is_showcase else rng.random()
        if draw < MINUTES_UNSIGNED_SHARE or signer is None:
            sign_day = None
        elif draw < MINUTES_UNSIGNED_SHARE + MINUTES_LATE_SHARE:
            sign_day = day + DAY * rng.randint(days + 1, days + 20)
        else:
            sign_day = max(written.date(), day + DAY * rng.randint(0, days))
        if sign_day is not None and sign_day >= today:
            sign_day = None  # not signed yet
        signed_at = None
        if sign_day is not None:
            signed_at = max(_at(sign_day, time(rng.randint(8, 17), rng.randint(0, 59))),
                            written + timedelta(minutes=10))  # fmt: skip
            if signed_at.date() >= today:
                signed_at = None
        body = self.minutes_body(draft, day)
        draft.minutes.append({
            "number": 1, "body": body, "resolutions": RESOLUTIONS[draft.code],
            "change_reason": "", "written_by_id": writer, "written_at": written,
            "signed_by_id": signer if signed_at else None, "signed_at": signed_at,
        })  # fmt: skip
        row["updated_at"] = max(row["updated_at"], signed_at or written)
        if signed_at is None:
            return
        row["minutes_signed_on"] = signed_at.astimezone(LOCAL).date()
        if not b.is_showcase and rng.random() < MINUTES_REVISED_SHARE:
            revised = signed_at + DAY * rng.randint(1, 5)
            if revised.date() < today:
                signed_again = revised + timedelta(hours=2)
                again = signed_again.date() < today and rng.random() < 0.7
                draft.minutes.append({
                    "number": 2, "body": body, "change_reason": REVISION_REASON,
                    "resolutions": RESOLUTIONS[draft.code] + "（各项决议已明确责任人和完成时限）",
                    "written_by_id": writer, "written_at": revised,
                    "signed_by_id": signer if again else None,
                    "signed_at": signed_again if again else None,
                })  # fmt: skip

    def minutes_body(self, draft: Draft, day: date) -> str:
        row, rows = draft.row, draft.attendance
        present = sum(1 for r in rows if r[7] is not None)
        names = {m.pk: m.name for m in draft.attendees}
        away = [f"{names[r[1]]}（{r[4]}）" if r[4] else names[r[1]] for r in rows if r[7] is None]
        shown = "、".join(away[:6]) + ("等" if len(away) > 6 else "")
        host = draft.host.name if draft.host else ""
        recorder = draft.recorder.name if draft.recorder else ""
        items = "".join(f"<li>{item}</li>" for item in AGENDA[draft.code])
        return (
            f"<p>时间：{_cn_datetime(row['starts_at'])}　地点：{row['place']}</p>"
            f"<p>主持人：{host}　记录人：{recorder}</p>"
            f"<p>应到{len(rows)}人，实到{present}人"
            + (f"；未到：{shown}" if away else "")
            + "。</p>"
            f"<p><strong>{row['topic']}</strong></p><ol>{items}</ol>"
        )

    def add_follow_ups(self, draft: Draft, day: date) -> None:
        rng, owners = self.rng, draft.branch.committee or [draft.host]
        for title in rng.sample(FOLLOW_UPS, rng.randint(1, 2)):
            owner = rng.choice([o for o in owners if o is not None] or [draft.attendees[0]])
            due = day + DAY * rng.randint(14, 40)
            done = None
            if due < self.today and rng.random() < 0.85:
                done = min(due - DAY * rng.randint(0, 10), self.today - DAY)
                done = max(done, day)
            draft.follow_ups.append({
                "title": title, "owner_id": owner.pk, "due_on": due, "done_on": done,
                "done_note": "已按要求完成，情况已在支委会上通报。" if done else "",
                "created_at": _at(day, time(20)),
            })  # fmt: skip

    def count(self, draft: Draft) -> None:
        """The counts and the quorum, as services.attendance_refresh computes them."""
        row, rows = draft.row, draft.attendance
        row["expected_count"] = len(rows)
        row["present_count"] = sum(1 for r in rows if r[7] is not None)
        row["leave_count"] = sum(1 for r in rows if r[3] == Reply.LEAVE_APPROVED)
        row["entitled_count"] = sum(1 for r in rows if r[2])
        row["voters_present"] = sum(1 for r in rows if r[2] and r[7] is not None)
        req = draft.branch.policy.requirement(draft.code)
        rule = req.quorum if req is not None else "none"
        if rule == "full_members":
            row["quorum_met"] = rules.quorum_met(rule, entitled=row["entitled_count"],
                                                 present=row["voters_present"])  # fmt: skip
        else:
            row["quorum_met"] = rules.quorum_met(rule, entitled=row["expected_count"],
                                                 present=row["present_count"])  # fmt: skip
        if row["status"] == ActivityStatus.HELD:
            self.meeting_votes(draft)

    def meeting_votes(self, draft: Draft) -> None:
        """Admissions voted at the meeting: counts from its attendance, and the development
        vote taken there made to agree (as step_record(meeting=…) takes them)."""
        row, rng = draft.row, self.rng
        entitled, present = row["entitled_count"], row["voters_present"]
        if not draft.development_votes or entitled == 0:
            draft.development_votes = []
            return
        for vote_pk, step, person, name in draft.development_votes:
            needed = entitled // 2 + 1
            yes = max(needed, present - rng.randint(0, 2)) if present >= needed else present
            no = rng.randint(0, present - yes) if present > yes else 0
            result = development_rules.vote_result(full_members_entitled=entitled,
                                                   voting_members_present=present,
                                                   yes_votes=yes)  # fmt: skip
            subject = (f"接收{name}同志为中共预备党员" if step == "branch_meeting"
                       else f"{name}同志预备党员转为正式党员")  # fmt: skip
            counts = {"entitled": entitled, "present": present, "yes": yes, "no": no,
                      "abstain": present - yes - no, "passed": result.passed}  # fmt: skip
            draft.votes.append(
                {
                    "subject": subject,
                    "person_id": person,
                    **counts,
                    "recorded_by_id": draft.recorder.user if draft.recorder else None,
                    "recorded_at": row["starts_at"] + timedelta(hours=1),
                }
            )
            draft.development_counts.append({"pk": vote_pk, **counts, "result": result.message})


# --- writing ----------------------------------------------------------------------------------


def _stamper():
    """How an attendance row's times (naive UTC datetimes) are written: adapted for the
    database as the rows are drawn — for millions of rows the per-value adapter is the
    costliest part of writing them. On SQLite what the backend stores: the naive UTC text."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return str
    adapt = connection.ops.adapt_datetimefield_value
    return lambda value: adapt(value.replace(tzinfo=UTC))


def _sqlite_datetime(value: datetime) -> str:
    """What the SQLite backend stores for an aware datetime (naive UTC as text), without the
    general adapter's time-zone lookups: every datetime here is already in UTC."""
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _inserter(model, batch: int) -> RowInserter:
    inserter = RowInserter(model, batch=batch)
    if inserter.connection.vendor == "sqlite":
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]  # as RowInserter
        for index, f in enumerate(fields):
            if isinstance(f, DateTimeField):
                inserter.adapters[index] = _sqlite_datetime
    return inserter


class Writer:
    """Inserts the drafts of a chunk: activities first (ids found again by their unique
    sign-in secret), then everything that hangs off them."""

    def __init__(self):
        self.activities = _inserter(Activity, 2000)
        self.attendance = _inserter(Attendance, 5000)
        if self.attendance.names != ATTENDANCE_FIELDS:  # the lists below follow this order
            raise RuntimeError(f"Attendance columns changed: {self.attendance.names}")
        self.others = {
            model: _inserter(model, 2000)
            for model in (MinutesVersion, FollowUp, MeetingVote, SelfAssessment, BallotCast,
                          BallotTally, AppraisalResult)
        }  # fmt: skip

    def write(self, drafts: list[Draft], result: OrglifeSeed) -> None:
        before = Activity.objects.aggregate(last=Max("pk"))["last"] or 0
        self.activities.insert([d.row for d in drafts])
        ids = dict(Activity.objects.filter(pk__gt=before).values_list("signin_secret", "pk"))
        attendance, rows, development = [], defaultdict(list), []
        for draft in drafts:
            pk = ids[draft.row["signin_secret"]]
            for r in draft.attendance:
                r[0] = pk
            attendance += draft.attendance
            for model, items in ((MinutesVersion, draft.minutes), (FollowUp, draft.follow_ups),
                                 (MeetingVote, draft.votes)):  # fmt: skip
                rows[model] += [{"activity_id": pk, **item} for item in items]
            if draft.ballot:
                self.ballot(draft, pk, rows)
            development += [(pk, counts) for counts in draft.development_counts]
            result.statuses[draft.row["status"]] += 1
        self.insert_lists(attendance)
        for model, items in rows.items():
            self.others[model].insert(items)
        self.link_development(development)
        result.activities += len(drafts)
        result.held = result.statuses[ActivityStatus.HELD]
        result.attendance += len(attendance)
        result.minutes += len(rows[MinutesVersion])
        result.follow_ups += len(rows[FollowUp])
        result.votes += len(rows[MeetingVote])
        result.ballots += len(rows[BallotCast])

    def insert_lists(self, rows: list[list]) -> None:
        """The attendance rows: lists in ATTENDANCE_FIELDS order, their times already adapted
        (`_stamper`)."""
        inserter = self.attendance
        with inserter.connection.cursor() as cursor:
            for start in range(0, len(rows), inserter.batch):
                cursor.executemany(inserter.sql, rows[start : start + inserter.batch])

    @staticmethod
    def ballot(draft: Draft, pk: int, rows) -> None:
        """The secret ballot of an appraisal: who voted (one row each, the day only), counters
        per member and rating (each voter rated every other attendee), self-assessments and
        the branch's decisions."""
        rng = random.Random(pk)  # independent of how the branches were chunked
        day, starts = draft.row["held_on"], draft.row["starts_at"]
        users = {m.pk: m.user for m in draft.attendees}
        voters = {r[1] for r in draft.attendance if r[7] is not None and users[r[1]]}
        decider = draft.branch.secretary.user if draft.branch.secretary else None
        ratings = Rating.values  # excellent, qualified, basic, unqualified
        for r in draft.attendance:
            subject = r[1]
            if subject in voters:
                rows[SelfAssessment].append({
                    "activity_id": pk, "person_id": subject, "text": SELF_ASSESSMENT,
                    "submitted_at": starts - DAY * rng.randint(1, 5),
                })  # fmt: skip
                rows[BallotCast].append({"activity_id": pk, "voter_id": subject, "cast_on": day})
            ballots = len(voters) - (subject in voters)
            lean = rng.random()
            weights = ((0.55, 0.43, 0.02, 0.0) if lean < 0.2 else (0.12, 0.85, 0.03, 0.0)
                       if lean < 0.97 else (0.0, 0.4, 0.55, 0.05))  # fmt: skip
            counts = Counter(rng.choices(ratings, weights=weights, k=ballots))
            for rating in ratings:
                rows[BallotTally].append({"activity_id": pk, "subject_id": subject,
                                          "rating": rating, "count": counts[rating]})  # fmt: skip
            best = max(ratings, key=lambda x: (counts[x], -ratings.index(x)))
            decided = best if counts[best] * 2 > ballots else Rating.QUALIFIED
            rows[AppraisalResult].append({
                "activity_id": pk, "person_id": subject, "rating": decided,
                "note": "" if decided == Rating.QUALIFIED else "经支部党员大会综合评定",
                "decided_by_id": decider, "decided_at": starts + DAY,
            })  # fmt: skip

    @staticmethod
    def link_development(votes: list[tuple[int, dict]]) -> None:
        """The development votes taken at a meeting: linked to it, with its counts."""
        if not votes:
            return
        from dangjian.development.models import Vote

        objs = [
            Vote(pk=v["pk"], meeting_id=meeting, entitled=v["entitled"], present=v["present"],
                 yes=v["yes"], no=v["no"], abstain=v["abstain"], written_yes=0, written_no=0,
                 passed=v["passed"], result=v["result"])
            for meeting, v in votes
        ]  # fmt: skip
        Vote.objects.bulk_update(objs, ["meeting", "entitled", "present", "yes", "no", "abstain",
                                        "written_yes", "written_no", "passed", "result"],
                                 batch_size=500)  # fmt: skip


def seed_orglife(rng: random.Random, today: date, *, root: Organization,
                 months: int = MONTHS) -> OrglifeSeed:  # fmt: skip
    """Activities of every branch under `root` (see the module docstring); `months` of history
    before the current month (0: none)."""
    result = OrglifeSeed()
    if months <= 0:
        return result
    local = Organization.objects.filter(code=LOCAL_POLICY_ORG, path__startswith=root.path).first()
    if local is not None and not PolicySetting.objects.filter(org=local).exists():
        rules.policy_from_dict(LOCAL_POLICY)  # fails loudly if the rules change
        PolicySetting.objects.create(org=local, data=dict(LOCAL_POLICY))
    types = dict(ActivityType.objects.filter(org__isnull=True).values_list("code", "pk"))
    planner = Planner(rng, today, months, types)
    policies = _policies(root)
    writer = Writer()
    branches = list(
        Organization.objects.filter(path__startswith=root.path, kind__in=BRANCH_KINDS)
        .order_by("pk")
        .values_list("pk", "code", "name", "path")
    )
    for start in range(0, len(branches), CHUNK):
        loaded = load_branches(branches[start : start + CHUNK], policies, today, planner.first)
        drafts = [d for b in loaded for d in planner.branch(b)]
        writer.write(drafts, result)
    result.cells = refresh_cells(today, planner.first)
    return result


def refresh_cells(today: date, first: date) -> int:
    """The compliance cells of the current year (the previous year's only when the history
    covers all of it: a partly seeded year would show its empty months as missed)."""
    from dangjian.orglife.compliance import cells_refresh

    years = [today.year - 1] if first <= date(today.year - 1, 1, 1) else []
    return sum(cells_refresh(year=year, today=today) for year in [*years, today.year])


__all__ = ["MONTHS", "OrglifeSeed", "seed_orglife"]
