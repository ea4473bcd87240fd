"""Member-development rules (发展党员工作细则), as versioned policies. Source: DOMAIN.md §2.

Everything here is pure: dates in, dates / booleans / violations out. All month arithmetic is by
calendar month clamped to the month's end (Jan 31 + 1 month = Feb 28/29, see dates.add_months).

Policies
--------
A `DevelopmentPolicy` is a named, frozen set of parameters. `DEVELOPMENT_2014` (the 2014 细则) is
the shipped default. Local variants need no code: ``dataclasses.replace(DEVELOPMENT_2014,
name="某省细则", public_notice_working_days=7)`` or ``policy_from_dict({...})`` from an
administrator setting. Every deadline message and every `Violation` names the policy that
produced it.

Local practice (DOMAIN.md §2 "Local (configurable)") is never presented as national law; its
rule codes are listed in ``policy.local_rules``:

- The public notice (公示) for candidates and before conversion is not part of the national 2014
  rules, so `DEVELOPMENT_2014` has none (``public_notice_working_days`` and
  ``conversion_notice_working_days`` are None): no notice rule fires and no working-day calendar
  is consulted under it. A local policy switches it on, e.g. ``dataclasses.replace(
  DEVELOPMENT_2014, name="某省细则", public_notice_working_days=5,
  conversion_notice_working_days=5)``; the days are then counted on the policy's working-day
  calendar (statutory holidays by default).
- The other local or UNCONFIRMED parameters (thought reports, political-review validity, branch
  meeting after pre-review, conversion approval within 3 months) default to common practice and
  may be switched off with ``None``.

There is deliberately no ``DEVELOPMENT_2026``: the May 2026 revision's full text was not
available (DOMAIN.md, top), and a placeholder equal to 2014 under a 2026 name would make every
deadline claim a source it does not have. When the text is known, add it to `POLICIES` (or build
it with `policy_from_dict`) — only parameters change, not code.

Timeline
--------
`check_timeline` takes a mapping. Keys (see `STEPS` for the 25 steps with Chinese labels):

- dates of the 25 steps: application, talk, activist, activist_filed, contacts_assigned,
  [6: activist_assessments], candidate, candidate_filed, introducers, political_review,
  training_start, committee_review, pre_review, application_form, branch_meeting, higher_talk,
  approval, filed_with_department, placed, oath, [21: probation_assessments],
  conversion_application, conversion_meeting, conversion_approval, archived;
- other dates: birth_date, training_end, notice_start (candidate public notice),
  conversion_notice_start (public notice before conversion);
- lists of dates: activist_assessments, probation_assessments, thought_reports;
- numbers: training_days, training_hours, extension_months, introducers_full_members,
  contacts_full_members; boolean: special_approval (the 6-month approval limit applies).

A missing key or a None value means "not recorded"; a rule needing it is skipped (except
step_missing, which reports gaps before the latest recorded step). Unknown keys and values of the
wrong type raise RuleError (a typo must not silently switch a rule off).

Step windows
------------
`step_window` gives, for one main step, the first and last allowed day under the recorded facts
and the policy (with a Chinese reason per bound) and the earlier steps still missing;
`next_step` names the first main step not yet recorded; `periodic_due` gives the due date of the
current period of each periodic record still running. The bounds are the ones `check_timeline`
enforces: a step recorded on ``earliest`` or ``latest`` raises no violation of that rule, a day
outside does.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from dangjian.rules import RuleError
from dangjian.rules.calendar import (
    CALENDAR_NAMES,
    FALLBACKS,
    WorkingDayCalendar,
    add_working_days,
    get_calendar,
    working_days_between,
)
from dangjian.rules.dates import add_months, age_on, cn_date, first_day_of_age

_DAY = timedelta(days=1)

# ---------------------------------------------------------------------------------------------
# Steps and rules


@dataclass(frozen=True)
class Step:
    number: int  # 1–25 as numbered in the 2014 细则 (DOMAIN.md §2)
    key: str
    label: str


STEPS: tuple[Step, ...] = tuple(
    Step(number, key, label)
    for number, (key, label) in enumerate(
        [
            ("application", "递交入党申请书"),
            ("talk", "党组织派人谈话"),
            ("activist", "确定入党积极分子"),
            ("activist_filed", "入党积极分子报上级党委备案"),
            ("contacts_assigned", "指定培养联系人"),
            ("activist_assessments", "培养教育考察"),
            ("candidate", "确定发展对象"),
            ("candidate_filed", "发展对象报上级党委备案"),
            ("introducers", "确定入党介绍人"),
            ("political_review", "政治审查"),
            ("training_start", "集中培训"),
            ("committee_review", "支部委员会审查"),
            ("pre_review", "上级党委预审"),
            ("application_form", "填写入党志愿书"),
            ("branch_meeting", "支部党员大会讨论接收预备党员"),
            ("higher_talk", "上级党委派人谈话"),
            ("approval", "上级党委审批"),
            ("filed_with_department", "报上级党委组织部门备案"),
            ("placed", "编入党支部和党小组"),
            ("oath", "入党宣誓"),
            ("probation_assessments", "预备期教育考察"),
            ("conversion_application", "提出转正申请"),
            ("conversion_meeting", "支部党员大会讨论转正"),
            ("conversion_approval", "上级党委审批转正"),
            ("archived", "材料归档"),
        ],
        start=1,
    )
)
STEP_LABELS: dict[str, str] = {s.key: s.label for s in STEPS} | {
    "birth_date": "出生日期",
    "training_end": "集中培训结束",
    "notice_start": "发展对象公示",
    "conversion_notice_start": "转正公示",
    "thought_reports": "思想汇报",
    "training_days": "培训天数",
    "training_hours": "培训学时",
    "extension_months": "延长预备期",
    "introducers_full_members": "入党介绍人",
    "contacts_full_members": "培养联系人",
    "special_approval": "特殊情况审批",
}
LIST_KEYS = frozenset({"activist_assessments", "probation_assessments", "thought_reports"})
NUMBER_KEYS = frozenset(
    {
        "training_days",
        "training_hours",
        "extension_months",
        "introducers_full_members",
        "contacts_full_members",
    }
)
BOOL_KEYS = frozenset({"special_approval"})
DATE_KEYS = frozenset(STEP_LABELS) - LIST_KEYS - NUMBER_KEYS - BOOL_KEYS
# The dated main steps, in order: "skipping" is judged on these.
MAIN_DATE_STEPS: tuple[str, ...] = tuple(s.key for s in STEPS if s.key not in LIST_KEYS)

# Rule code -> Chinese title. Codes are stable: callers store and filter on them.
RULES: dict[str, str] = {
    "minimum_age": "申请入党须年满十八周岁",
    "talk_within_limit": "收到入党申请后一个月内派人谈话",
    "candidate_after_cultivation": "入党积极分子经一年以上培养方可列为发展对象",
    "activist_assessment_interval": "每半年对入党积极分子考察一次",
    "contacts_count": "培养联系人为一至两名正式党员",
    "introducers_count": "入党介绍人为两名正式党员",
    "training_minimum": "集中培训不少于三天或二十四学时",
    "public_notice_candidate": "发展对象公示",
    "political_review_valid": "政治审查结论的有效期",
    "branch_meeting_after_pre_review": "预审后一个月内召开支部党员大会",
    "approval_within_limit": "上级党委三个月内审批（特殊情况不超过六个月）",
    "probation_extension": "预备期延长一次，不少于六个月、不超过一年",
    "public_notice_conversion": "转正公示",
    "conversion_after_probation": "预备期满方可讨论转正",
    "conversion_approval_within_limit": "转正后三个月内审批",
    "thought_report_interval": "定期递交思想汇报",
    "step_order": "步骤先后顺序",
    "step_missing": "不得跳过步骤",
    "date_in_future": "日期不得晚于今天",
    "working_days_unverifiable": "无法按法定工作日核对",
}
# Local practice or UNCONFIRMED in DOMAIN.md §2: configurable, never presented as national law.
LOCAL_RULES_DEFAULT = frozenset(
    {
        "public_notice_candidate",
        "public_notice_conversion",
        "political_review_valid",
        "branch_meeting_after_pre_review",
        "conversion_approval_within_limit",
        "thought_report_interval",
        "working_days_unverifiable",
    }
)


# ---------------------------------------------------------------------------------------------
# Policies


@dataclass(frozen=True)
class DevelopmentPolicy:
    """One named version of the development rules. Local parameters: None = rule not applied."""

    name: str
    minimum_age: int = 18  # Party Constitution art. 1
    probation_months: int = 12
    extension_min_months: int = 6
    extension_max_months: int = 12
    talk_within_months: int = 1
    candidate_after_activist_months: int = 12
    activist_assessment_interval_months: int = 6
    contacts_min: int = 1
    contacts_max: int = 2
    introducers_required: int = 2
    training_min_days: int = 3
    training_min_hours: int = 24
    approval_months: int = 3
    approval_special_months: int = 6
    # local / UNCONFIRMED parameters (DOMAIN.md §2 "Local (configurable)")
    # the public notice (公示) is local practice, not in the 2014 rules: None = no notice
    public_notice_working_days: int | None = None
    conversion_notice_working_days: int | None = None
    thought_report_interval_months: int | None = 3
    political_review_valid_months: int | None = 12
    branch_meeting_after_pre_review_months: int | None = 1
    conversion_approval_months: int | None = 3  # UNCONFIRMED
    working_day_calendar: str = "statutory"  # or "weekends"
    calendar_fallback: str = "error"  # years without holiday data: "error" or "weekends"
    local_rules: frozenset[str] = field(default=LOCAL_RULES_DEFAULT)
    note: str = ""

    def __post_init__(self) -> None:
        _validate_policy(self)

    def is_local(self, rule: str) -> bool:
        """True when `rule` is local practice under this policy (present it as such)."""
        return rule in self.local_rules

    def calendar(self) -> WorkingDayCalendar:
        return get_calendar(self.working_day_calendar, self.calendar_fallback)


def _validate_policy(policy: DevelopmentPolicy) -> None:
    if not isinstance(policy.name, str) or not policy.name.strip():
        raise RuleError("发展党员政策必须有名称。")
    for f in dataclasses.fields(policy):
        value = getattr(policy, f.name)
        if f.type not in (int, int | None) or (value is None and f.type is not int):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RuleError(f"发展党员政策参数 {f.name} 必须是非负整数，当前为 {value!r}。")
    if policy.extension_min_months > policy.extension_max_months:
        raise RuleError("延长预备期的最短月数不能大于最长月数。")
    if policy.contacts_min > policy.contacts_max:
        raise RuleError("培养联系人的最少人数不能大于最多人数。")
    if policy.working_day_calendar not in CALENDAR_NAMES:
        raise RuleError(f"未知的工作日日历：{policy.working_day_calendar}。")
    if policy.calendar_fallback not in FALLBACKS:
        raise RuleError(f"未知的节假日数据缺失处理方式：{policy.calendar_fallback}。")
    unknown = set(policy.local_rules) - set(RULES)
    if unknown:
        raise RuleError(f"未知的规则代码：{'、'.join(sorted(unknown))}。")


DEVELOPMENT_2014 = DevelopmentPolicy(
    name="发展党员工作细则（2014）",
    note=(
        "中共中央办公厅2014年6月印发。公示（发展对象公示、转正公示）为地方做法，"
        "本政策不含，由地方政策配置；思想汇报、政审有效期等为常见地方做法，可配置。"
    ),
)
POLICIES: Mapping[str, DevelopmentPolicy] = MappingProxyType(
    {DEVELOPMENT_2014.name: DEVELOPMENT_2014}
)


def get_policy(name: str) -> DevelopmentPolicy:
    """A shipped policy by name (for an administrator setting)."""
    try:
        return POLICIES[name]
    except KeyError:
        raise RuleError(f"没有名为“{name}”的发展党员政策。") from None


def policy_from_dict(data: Mapping[str, Any]) -> DevelopmentPolicy:
    """A policy from stored settings: ``{"base": <name>, "name": <new name>, <param>: value}``.

    Overriding any parameter requires a new name, so local rules never carry a national name.
    """
    data = dict(data)
    base = get_policy(data.pop("base", DEVELOPMENT_2014.name))
    known = {f.name for f in dataclasses.fields(DevelopmentPolicy)}
    unknown = set(data) - known
    if unknown:
        raise RuleError(f"发展党员政策中有未知参数：{'、'.join(sorted(unknown))}。")
    if "local_rules" in data:
        data["local_rules"] = frozenset(data["local_rules"])
    overrides = {k: v for k, v in data.items() if k != "name" and getattr(base, k) != v}
    if overrides and data.get("name", base.name) == base.name:
        raise RuleError(f"修改了“{base.name}”的参数，须为新政策另起名称（如“某省细则”）。")
    return dataclasses.replace(base, **data)


# ---------------------------------------------------------------------------------------------
# Deadlines (the contract used by services, reminders and the dashboard)


def check_application_age(
    birth_date: date, applied_on: date, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> None:
    """Party Constitution art. 1: an applicant must be at least 18 on the application date."""
    if age_on(birth_date, applied_on) < policy.minimum_age:
        raise RuleError(
            f"申请入党时须年满{policy.minimum_age}周岁：申请日期"
            f"{applied_on:%Y年%m月%d日}时未满{policy.minimum_age}周岁（{policy.name}）。"
        )


def earliest_application_date(
    birth_date: date, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> date:
    """The 18th birthday (Feb 29 births: Mar 1 in common years)."""
    return first_day_of_age(birth_date, policy.minimum_age)


def talk_deadline(
    application_received_on: date, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> date:
    """Step 2: the last day the organization may talk with the applicant (within one month)."""
    return add_months(application_received_on, policy.talk_within_months)


def earliest_candidate_date(
    activist_on: date, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> date:
    """Step 7: the first day an activist may become a candidate (at least one year)."""
    return add_months(activist_on, policy.candidate_after_activist_months)


def approval_deadline(
    branch_meeting_on: date, special: bool = False, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> date:
    """Step 17: the higher committee approves within 3 months (special cases at most 6)."""
    months = policy.approval_special_months if special else policy.approval_months
    return add_months(branch_meeting_on, months)


def probation_end(
    admitted_on: date, extension_months: int = 0, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> date:
    """The day probation ends — the full-member date. One extension of 6–12 months allowed.

    Probation counts from the day the branch general meeting admits the member.
    """
    if extension_months and not (
        policy.extension_min_months <= extension_months <= policy.extension_max_months
    ):
        raise RuleError(
            f"预备期只能延长一次，时间不少于{policy.extension_min_months}个月、"
            f"不超过{policy.extension_max_months}个月（{policy.name}）。"
        )
    return add_months(admitted_on, policy.probation_months + extension_months)


def branch_meeting_deadline(
    pre_review_on: date, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> date | None:
    """Local: the branch general meeting within one month after pre-review (None = no limit)."""
    months = policy.branch_meeting_after_pre_review_months
    return None if months is None else add_months(pre_review_on, months)


def political_review_expires(
    review_on: date, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> date | None:
    """Local: the last day a branch meeting may rely on a political review (None = no limit)."""
    months = policy.political_review_valid_months
    return None if months is None else add_months(review_on, months)


def conversion_approval_deadline(
    conversion_meeting_on: date, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> date | None:
    """UNCONFIRMED: the higher committee approves a conversion within 3 months."""
    months = policy.conversion_approval_months
    return None if months is None else add_months(conversion_meeting_on, months)


def _notice_days(policy: DevelopmentPolicy, conversion: bool) -> int | None:
    days = (
        policy.conversion_notice_working_days if conversion else policy.public_notice_working_days
    )
    return days or None


def earliest_meeting_after_notice(
    notice_start: date, policy: DevelopmentPolicy = DEVELOPMENT_2014, *, conversion: bool = False
) -> date | None:
    """Local: the first day the meeting may be held after a notice starting on `notice_start`.

    The notice must span N working days from its first day (counted if a working day) up to and
    including the day before the meeting; the meeting itself may fall on any day.
    """
    days = _notice_days(policy, conversion)
    if days is None:
        return None
    return add_working_days(notice_start - _DAY, days, policy.calendar()) + _DAY


def latest_notice_start(
    meeting_on: date, policy: DevelopmentPolicy = DEVELOPMENT_2014, *, conversion: bool = False
) -> date | None:
    """Local: the last day a notice may start for a meeting on `meeting_on` (a working day)."""
    days = _notice_days(policy, conversion)
    if days is None:
        return None
    return add_working_days(meeting_on, -days, policy.calendar())


def training_sufficient(
    days: float | None, hours: float | None, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> bool:
    """Step 11: concentrated training of at least 3 days OR at least 24 class hours."""
    return (days or 0) >= policy.training_min_days or (hours or 0) >= policy.training_min_hours


# ---------------------------------------------------------------------------------------------
# Votes at the branch general meeting (steps 15 and 23)


@dataclass(frozen=True)
class VoteResult:
    quorate: bool
    passed: bool
    total_yes: int
    present_needed: int  # smallest number present that is a quorum
    yes_needed: int  # smallest yes total that passes
    message: str


def vote_result(
    *,
    full_members_entitled: int,
    voting_members_present: int,
    yes_votes: int,
    written_yes_votes: int = 0,
) -> VoteResult:
    """The vote rule (2014 细则; DOMAIN.md §2) with a Chinese explanation.

    - ``full_members_entitled``: full members with voting rights who should attend (应到会);
      probationary members never count.
    - ``voting_members_present``: of those, how many are present. Quorum: present > half of
      entitled. Written opinions do NOT make anyone present, so they never help the quorum.
    - ``yes_votes``: yes votes cast by members present (≤ present).
    - ``written_yes_votes``: yes opinions submitted in writing before the meeting by entitled
      members who are absent (≤ entitled − present).
    - Passes when quorate and yes_votes + written_yes_votes > half of entitled.

    Exactly half is never enough (both comparisons are strict). Zero entitled voters is not a
    meeting that can decide anything: RuleError.
    """
    counts = (full_members_entitled, voting_members_present, yes_votes, written_yes_votes)
    if any(isinstance(n, bool) or not isinstance(n, int) for n in counts):
        raise RuleError("表决人数必须是整数。")
    if min(counts) < 0:
        raise RuleError("表决人数不能为负数。")
    entitled, present, yes, written = counts
    if entitled == 0:
        raise RuleError("应到会有表决权的正式党员人数为0，无法表决。")
    if present > entitled:
        raise RuleError(f"实到会人数（{present}）不能超过应到会有表决权的人数（{entitled}）。")
    if yes > present:
        raise RuleError(f"到会党员的赞成票（{yes}）不能超过实到会人数（{present}）。")
    if written > entitled - present:
        raise RuleError(
            f"书面赞成意见（{written}）不能超过未到会的有表决权党员人数（{entitled - present}）。"
        )
    return _vote_outcome(entitled, present, yes + written)


def _vote_outcome(entitled: int, present: int, total_yes: int) -> VoteResult:
    needed = entitled // 2 + 1  # strictly more than half
    quorate, passed = present >= needed, present >= needed and total_yes >= needed
    if not quorate:
        message = (
            f"实到会{present}人，未超过应到会{entitled}人的半数（至少需{needed}人），会议无效。"
        )
    elif not passed:
        message = (
            f"赞成票（含书面意见）{total_yes}票，未超过应到会{entitled}人的半数"
            f"（至少需{needed}票），未通过。"
        )
    else:
        message = (
            f"实到会{present}人，赞成票（含书面意见）{total_yes}票，"
            f"超过应到会{entitled}人的半数，通过。"
        )
    return VoteResult(quorate, passed, total_yes, needed, needed, message)


def vote_passes(
    *,
    full_members_entitled: int,
    voting_members_present: int,
    yes_votes: int,
    written_yes_votes: int = 0,
) -> bool:
    """True when the meeting is quorate and the resolution passes; see `vote_result`."""
    return vote_result(
        full_members_entitled=full_members_entitled,
        voting_members_present=voting_members_present,
        yes_votes=yes_votes,
        written_yes_votes=written_yes_votes,
    ).passed


# ---------------------------------------------------------------------------------------------
# Timeline check (dashboard overdue list, guarded transitions, imports)


@dataclass(frozen=True)
class Violation:
    step: str  # a timeline key
    rule: str  # a code from RULES
    policy: str  # name of the policy that produced it
    message: str  # Chinese, names the dates and the limit
    local: bool = False  # local practice / UNCONFIRMED: never present as national law
    limit: date | None = None  # the deadline or earliest date involved, when there is one


# Steps in the same group may happen in any order (or on the same day); a step must not be
# dated before any step of an earlier group. Extra pairs order the keys outside the groups.
_ORDER_GROUPS: tuple[tuple[str, ...], ...] = (
    ("application",),
    ("talk",),
    ("activist",),
    ("activist_filed", "contacts_assigned"),
    ("candidate",),
    ("candidate_filed", "introducers", "political_review", "training_start"),
    ("committee_review",),
    ("pre_review",),
    ("application_form",),
    ("branch_meeting",),
    ("higher_talk",),
    ("approval",),
    ("filed_with_department", "placed", "oath"),
    ("conversion_application",),
    ("conversion_meeting",),
    ("conversion_approval",),
    ("archived",),
)
_EXTRA_ORDER = (
    ("training_start", "training_end"),
    ("training_end", "committee_review"),
    ("candidate", "notice_start"),
    ("approval", "conversion_notice_start"),
)


def _predecessors() -> dict[str, tuple[str, ...]]:
    preds: dict[str, list[str]] = {}
    earlier: list[str] = []
    for group in _ORDER_GROUPS:
        for key in group:
            preds[key] = list(earlier)
        earlier.extend(group)
    for before, after in _EXTRA_ORDER:
        preds.setdefault(after, []).append(before)
    return {k: tuple(v) for k, v in preds.items()}


_PREDECESSORS = _predecessors()
# Group index of each main step: a step is only "missing" when a step of a LATER group is
# recorded (steps of one group — e.g. filing with the committee and assigning contacts — are
# done in parallel, often by different bodies).
_GROUP_OF = {key: i for i, group in enumerate(_ORDER_GROUPS) for key in group}


def _earlier_missing(step: str, has) -> tuple[str, ...]:
    """Main steps of groups before `step`'s group that are not recorded."""
    return tuple(k for k in MAIN_DATE_STEPS if _GROUP_OF[k] < _GROUP_OF[step] and not has(k))


def _source(policy: DevelopmentPolicy, rule: str) -> str:
    """ "依据：<policy>", saying so when the rule is local practice under that policy."""
    local = "，属地方做法，非全国统一规定" if policy.is_local(rule) else ""
    return f"依据：{policy.name}{local}"


class _Checker:
    """Holds the normalized facts and collects violations; one method per rule."""

    def __init__(self, facts: dict[str, Any], policy: DevelopmentPolicy, today: date | None):
        self.f, self.policy, self.today = facts, policy, today
        self.out: list[Violation] = []

    def d(self, key: str) -> date | None:
        return self.f.get(key)

    def add(self, step: str, rule: str, message: str, limit: date | None = None) -> None:
        local = self.policy.is_local(rule)
        source = _source(self.policy, rule)
        self.out.append(
            Violation(step, rule, self.policy.name, f"{message}（{source}）", local, limit)
        )

    def latest(self, step: str, limit: date | None, rule: str, why: str) -> None:
        """`step` must be on or before `limit`; overdue if still missing after `today`."""
        if limit is None:
            return
        day = self.d(step)
        label = STEP_LABELS[step]
        if day is not None and day > limit:
            self.add(
                step, rule, f"{label}日期{cn_date(day)}晚于期限{cn_date(limit)}：{why}。", limit
            )
        elif day is None and self.today is not None and self.today > limit:
            self.add(step, rule, f"{label}尚未完成，已超过期限{cn_date(limit)}：{why}。", limit)

    def earliest(self, step: str, limit: date, rule: str, why: str) -> None:
        day = self.d(step)
        if day is not None and day < limit:
            label = STEP_LABELS[step]
            self.add(
                step,
                rule,
                f"{label}日期{cn_date(day)}早于最早允许日期{cn_date(limit)}：{why}。",
                limit,
            )

    # -- the rules, in pipeline order ----------------------------------------------------------

    def age(self) -> None:
        birth, applied = self.d("birth_date"), self.d("application")
        if birth and applied:
            limit = earliest_application_date(birth, self.policy)
            why = f"申请入党须年满{self.policy.minimum_age}周岁（出生日期{cn_date(birth)}）"
            self.earliest("application", limit, "minimum_age", why)

    def talk(self) -> None:
        if applied := self.d("application"):
            months = self.policy.talk_within_months
            why = f"收到入党申请（{cn_date(applied)}）后应在{months}个月内派人谈话"
            self.latest("talk", talk_deadline(applied, self.policy), "talk_within_limit", why)

    def candidate(self) -> None:
        if activist := self.d("activist"):
            months = self.policy.candidate_after_activist_months
            why = f"确定为入党积极分子（{cn_date(activist)}）后须经{months}个月以上培养教育"
            limit = earliest_candidate_date(activist, self.policy)
            self.earliest("candidate", limit, "candidate_after_cultivation", why)

    def counts(self) -> None:
        p, n = self.policy, self.f.get("contacts_full_members")
        if n is not None and not p.contacts_min <= n <= p.contacts_max:
            self.add(
                "contacts_assigned",
                "contacts_count",
                f"培养联系人应为{p.contacts_min}至{p.contacts_max}名正式党员，现为{n}名。",
            )
        n = self.f.get("introducers_full_members")
        if n is not None and n != p.introducers_required:
            self.add(
                "introducers",
                "introducers_count",
                f"入党介绍人应为{p.introducers_required}名正式党员，现为{n}名。",
            )

    def training(self) -> None:
        start, end = self.d("training_start"), self.d("training_end")
        days, hours = self.f.get("training_days"), self.f.get("training_hours")
        if days is None and start and end and end >= start:
            days = (end - start).days + 1  # calendar days, both ends included
        if days is None and hours is None:
            return
        if not training_sufficient(days, hours, self.policy):
            p, step = self.policy, "training_end" if end else "training_start"
            facts = "、".join(
                x
                for x in (days is not None and f"{days}天", hours is not None and f"{hours}学时")
                if x
            )
            self.add(
                step,
                "training_minimum",
                f"集中培训{facts}，不足{p.training_min_days}天且不足{p.training_min_hours}学时。",
            )

    def notice(self, conversion: bool) -> None:
        """Local: N working days of public notice, ending no later than the day before."""
        start_key = "conversion_notice_start" if conversion else "notice_start"
        meeting_key = "conversion_meeting" if conversion else "branch_meeting"
        rule = "public_notice_conversion" if conversion else "public_notice_candidate"
        days, meeting = _notice_days(self.policy, conversion), self.d(meeting_key)
        if days is None or meeting is None:
            return
        what = f"{STEP_LABELS[meeting_key]}（{cn_date(meeting)}）前须公示{days}个工作日"
        start = self.d(start_key)
        if start is None:
            self.add(start_key, rule, f"未记录公示开始日期：{what}。")
            return
        try:
            cal = self.policy.calendar()
            count = max(0, working_days_between(start - _DAY, meeting - _DAY, cal))
            latest = latest_notice_start(meeting, self.policy, conversion=conversion)
        except RuleError as exc:  # no holiday data for that year: say so, do not guess
            self.add(start_key, "working_days_unverifiable", str(exc).rstrip("。"))
            return
        if count < days:
            self.add(
                start_key,
                rule,
                f"公示自{cn_date(start)}开始，至会前一日仅{count}个工作日：{what}，"
                f"最迟应于{cn_date(latest)}开始公示。",
                latest,
            )

    def political_review(self) -> None:
        review, meeting = self.d("political_review"), self.d("branch_meeting")
        expires = political_review_expires(review, self.policy) if review else None
        if expires and meeting and meeting > expires:
            self.add(
                "political_review",
                "political_review_valid",
                f"政治审查（{cn_date(review)}）的有效期至{cn_date(expires)}，"
                f"支部党员大会（{cn_date(meeting)}）时已过期，须重新政审。",
                expires,
            )

    def branch_meeting(self) -> None:
        if pre := self.d("pre_review"):
            months = self.policy.branch_meeting_after_pre_review_months
            why = f"上级党委预审（{cn_date(pre)}）后应在{months}个月内召开支部党员大会"
            limit = branch_meeting_deadline(pre, self.policy)
            self.latest("branch_meeting", limit, "branch_meeting_after_pre_review", why)

    def approval(self) -> None:
        if meeting := self.d("branch_meeting"):
            special = bool(self.f.get("special_approval"))
            p = self.policy
            months = p.approval_special_months if special else p.approval_months
            why = f"支部党员大会（{cn_date(meeting)}）后上级党委应在{months}个月内审批" + (
                "（特殊情况）" if special else ""
            )
            limit = approval_deadline(meeting, special, p)
            self.latest("approval", limit, "approval_within_limit", why)

    def conversion(self) -> None:
        admitted = self.d("branch_meeting")
        if admitted is None:
            return
        try:
            end = probation_end(admitted, self.f.get("extension_months") or 0, self.policy)
        except RuleError as exc:
            self.add(
                "extension_months", "probation_extension", str(exc).split("（")[0].rstrip("。")
            )
            return
        why = f"预备期自支部党员大会通过之日（{cn_date(admitted)}）起计算，至{cn_date(end)}期满"
        self.earliest("conversion_meeting", end, "conversion_after_probation", why)

    def conversion_approval(self) -> None:
        if meeting := self.d("conversion_meeting"):
            months = self.policy.conversion_approval_months
            why = f"讨论转正的支部党员大会（{cn_date(meeting)}）后上级党委应在{months}个月内审批"
            limit = conversion_approval_deadline(meeting, self.policy)
            self.latest("conversion_approval", limit, "conversion_approval_within_limit", why)

    def intervals(self) -> None:
        p = self.policy
        self.periodic(
            "activist_assessments",
            "activist",
            "candidate",
            p.activist_assessment_interval_months,
            "activist_assessment_interval",
        )
        self.periodic(
            "thought_reports",
            "activist",
            "conversion_meeting",
            p.thought_report_interval_months,
            "thought_report_interval",
        )

    def periodic(
        self, key: str, start_key: str, end_key: str, months: int | None, rule: str
    ) -> None:
        """At least one dated entry in every full period of `months` from start to end.

        Periods are anchored on the start date (period k ends on start + k·months, clamped), so
        month-end clamping never drifts. The end is the closing step, else today, else the
        latest recorded date; a period ending on or after the end is not yet due. Skipped when
        the list is not given at all (the caller does not track it).
        """
        entries, start = self.f.get(key), self.d(start_key)
        if entries is None or start is None or not months:
            return
        end = self.d(end_key) or self.today or max(v for k, v in self.f.items() if k in DATE_KEYS)
        previous, k = start, 1
        while (due := add_months(start, months * k)) < end:
            if not any(previous <= e <= due for e in entries):
                self.add(
                    key,
                    rule,
                    f"{cn_date(previous)}至{cn_date(due)}期间没有{STEP_LABELS[key]}记录：应每{months}个月至少一次。",
                    due,
                )
            previous, k = due + _DAY, k + 1

    def order(self) -> None:
        for key, preds in _PREDECESSORS.items():
            day = self.d(key)
            dated = [(self.d(p), p) for p in preds if self.d(p) is not None]
            if day is None or not dated:
                continue
            latest, pred = max(dated)
            if day < latest:
                self.add(
                    key,
                    "step_order",
                    f"{STEP_LABELS[key]}日期{cn_date(day)}早于此前步骤“{STEP_LABELS[pred]}”的日期{cn_date(latest)}。",
                    latest,
                )

    def missing(self) -> None:
        recorded = [k for k in MAIN_DATE_STEPS if self._has(k)]
        if not recorded:
            return
        last = max(recorded, key=lambda k: _GROUP_OF[k])
        for key in _earlier_missing(last, self._has):
            self.add(
                key,
                "step_missing",
                f"已记录“{STEP_LABELS[last]}”，但缺少此前的步骤“{STEP_LABELS[key]}”。",
            )

    def _has(self, key: str) -> bool:
        if key == "training_start":  # training may be recorded by its end, days or hours only
            return any(
                self.f.get(k) is not None
                for k in ("training_start", "training_end", "training_days", "training_hours")
            )
        return self.d(key) is not None

    def future(self) -> None:
        if self.today is None:
            return
        for key, value in self.f.items():
            days = value if key in LIST_KEYS else [value] if key in DATE_KEYS else []
            for day in days:
                if day > self.today:
                    self.add(
                        key,
                        "date_in_future",
                        f"{STEP_LABELS[key]}日期{cn_date(day)}晚于今天（{cn_date(self.today)}）。",
                    )

    def run(self) -> list[Violation]:
        self.age()
        self.talk()
        self.candidate()
        self.counts()
        self.training()
        self.notice(conversion=False)
        self.political_review()
        self.branch_meeting()
        self.approval()
        self.conversion()
        self.notice(conversion=True)
        self.conversion_approval()
        self.intervals()
        self.order()
        self.missing()
        self.future()
        rank = {key: i for i, key in enumerate(STEP_LABELS)}
        return sorted(self.out, key=lambda v: (rank[v.step], v.rule))


def normalize_timeline(timeline: Mapping[str, Any]) -> dict[str, Any]:
    """Validated facts: known keys only, None dropped, each value of its key's type."""
    facts: dict[str, Any] = {}
    for key, value in timeline.items():
        if key not in STEP_LABELS:
            raise RuleError(f"未知的发展党员步骤：{key}。")
        if value is None:
            continue
        label = STEP_LABELS[key]
        if key in LIST_KEYS:
            if isinstance(value, (str, bytes, date)) or not all(_is_date(v) for v in value):
                raise RuleError(f"“{label}”应为日期列表。")
            value = sorted(value)
        elif key in NUMBER_KEYS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise RuleError(f"“{label}”应为非负数。")
        elif key in BOOL_KEYS:
            if not isinstance(value, bool):
                raise RuleError(f"“{label}”应为是或否。")
        elif not _is_date(value):
            raise RuleError(f"“{label}”应为日期。")
        facts[key] = value
    return facts


def _is_date(value: Any) -> bool:
    # datetime is a date subclass but cannot be compared with dates: refuse it.
    return isinstance(value, date) and not isinstance(value, datetime)


def check_timeline(
    timeline: Mapping[str, Any],
    policy: DevelopmentPolicy = DEVELOPMENT_2014,
    *,
    today: date | None = None,
) -> list[Violation]:
    """Every rule broken by a person's recorded steps (see module docstring for the keys).

    Without `today`, only recorded dates are judged. With `today`, a missing step whose deadline
    has passed is reported as overdue under its rule, periodic records are due up to today, and
    dates after today are reported (date_in_future).
    """
    return _Checker(normalize_timeline(timeline), policy, today).run()


# ---------------------------------------------------------------------------------------------
# Step windows (UI timeline and reminders)


@dataclass(frozen=True)
class StepWindow:
    """When one main step may happen, given what is recorded.

    ``earliest > latest`` means no day is allowed any more (e.g. the political review expires
    before the notice allows the meeting): the reasons say which bounds collide.
    """

    step: str  # a key of MAIN_DATE_STEPS
    earliest: date | None  # first allowed day (None: no lower bound known)
    latest: date | None  # last allowed day under a deadline rule (None: no deadline)
    reasons: tuple[str, ...]  # Chinese, one per bound that applies, each naming its policy
    blocked_by: tuple[str, ...]  # earlier main steps not recorded yet (empty if none)


def step_window(
    timeline: Mapping[str, Any], step: str, policy: DevelopmentPolicy = DEVELOPMENT_2014
) -> StepWindow:
    """The allowed days for main step `step` under the recorded `timeline` (module docstring).

    Lower bounds: the latest recorded predecessor (same day allowed) and, by step, the 18th
    birthday (application), one year as activist (candidate), the end of the candidate notice
    (branch_meeting, local) and of probation and the conversion notice (conversion_meeting).
    Upper bounds: the talk within a month, the branch meeting within a month of pre-review and
    while the political review is valid (local), approval within 3 (special: 6) months and
    conversion approval (UNCONFIRMED). A bound whose anchor is not recorded is left out; a
    configured notice whose start is not recorded leaves the meeting's earliest day unknowable,
    which a reason says. Only the bounds of `step` itself are given, not those of unrecorded
    earlier steps (see ``blocked_by``).

    Raises RuleError for a step not in MAIN_DATE_STEPS, an invalid timeline (as
    `check_timeline`), an invalid extension_months, and — under a policy with a notice — when
    the working-day calendar cannot count the notice (no holiday data for the year and the
    policy's calendar_fallback is "error").
    """
    if step not in MAIN_DATE_STEPS:
        raise RuleError(f"“{step}”不是发展党员的主要步骤，无法计算办理期限。")
    facts = normalize_timeline(timeline)
    facts_of = _Checker(facts, policy, None)
    d, p = facts_of.d, policy
    lower: list[tuple[date, str, str]] = []  # (bound, rule, reason without its source)
    upper: list[tuple[date, str, str]] = []
    notes: list[tuple[str, str]] = []  # (rule, reason) of bounds that cannot be dated

    dated = [(d(k), k) for k in _PREDECESSORS.get(step, ()) if d(k) is not None]
    if dated:
        day, pred = max(dated)
        why = f"不得早于此前步骤“{STEP_LABELS[pred]}”（{cn_date(day)}），可为同一天"
        lower.append((day, "step_order", why))

    if step == "application" and (birth := d("birth_date")):
        limit = earliest_application_date(birth, p)
        why = f"申请入党须年满{p.minimum_age}周岁（出生日期{cn_date(birth)}），最早{cn_date(limit)}"
        lower.append((limit, "minimum_age", why))
    elif step == "talk" and (applied := d("application")):
        limit = talk_deadline(applied, p)
        why = (
            f"收到入党申请（{cn_date(applied)}）后应在{p.talk_within_months}个月内派人谈话，"
            f"最迟{cn_date(limit)}"
        )
        upper.append((limit, "talk_within_limit", why))
    elif step == "candidate" and (activist := d("activist")):
        limit = earliest_candidate_date(activist, p)
        why = (
            f"确定为入党积极分子（{cn_date(activist)}）后须满"
            f"{p.candidate_after_activist_months}个月，最早{cn_date(limit)}"
        )
        lower.append((limit, "candidate_after_cultivation", why))
    elif step == "branch_meeting":
        _notice_bound(facts_of, conversion=False, lower=lower, notes=notes)
        if (pre := d("pre_review")) and (limit := branch_meeting_deadline(pre, p)):
            months = p.branch_meeting_after_pre_review_months
            why = (
                f"上级党委预审（{cn_date(pre)}）后应在{months}个月内召开支部党员大会，"
                f"最迟{cn_date(limit)}"
            )
            upper.append((limit, "branch_meeting_after_pre_review", why))
        if (review := d("political_review")) and (limit := political_review_expires(review, p)):
            why = f"政治审查（{cn_date(review)}）的有效期至{cn_date(limit)}，过期须重新政审"
            upper.append((limit, "political_review_valid", why))
    elif step == "approval" and (meeting := d("branch_meeting")):
        special = bool(facts.get("special_approval"))
        limit = approval_deadline(meeting, special, p)
        months = p.approval_special_months if special else p.approval_months
        why = (
            f"支部党员大会（{cn_date(meeting)}）后上级党委应在{months}个月内审批"
            f"{'（特殊情况）' if special else ''}，最迟{cn_date(limit)}"
        )
        upper.append((limit, "approval_within_limit", why))
    elif step == "conversion_meeting":
        if admitted := d("branch_meeting"):
            extension = facts.get("extension_months") or 0
            limit = probation_end(admitted, extension, p)
            why = (
                f"预备期自支部党员大会通过之日（{cn_date(admitted)}）起计算，"
                f"至{cn_date(limit)}期满，最早{cn_date(limit)}"
            )
            lower.append((limit, "conversion_after_probation", why))
        _notice_bound(facts_of, conversion=True, lower=lower, notes=notes)
    elif (
        step == "conversion_approval"
        and (meeting := d("conversion_meeting"))
        and (limit := conversion_approval_deadline(meeting, p))
    ):
        why = (
            f"讨论转正的支部党员大会（{cn_date(meeting)}）后上级党委应在"
            f"{p.conversion_approval_months}个月内审批，最迟{cn_date(limit)}"
        )
        upper.append((limit, "conversion_approval_within_limit", why))

    reasons = tuple(
        f"{why}（{_source(p, rule)}）"
        for _, rule, why in [*lower, *upper, *((None, r, w) for r, w in notes)]
    )
    return StepWindow(
        step=step,
        earliest=max((b for b, _, _ in lower), default=None),
        latest=min((b for b, _, _ in upper), default=None),
        reasons=reasons,
        blocked_by=_earlier_missing(step, facts_of._has),
    )


def _notice_bound(
    facts: _Checker,
    *,
    conversion: bool,
    lower: list[tuple[date, str, str]],
    notes: list[tuple[str, str]],
) -> None:
    """The meeting's earliest day after a configured notice (calendar errors propagate)."""
    policy = facts.policy
    days = _notice_days(policy, conversion)
    if days is None:
        return
    start_key = "conversion_notice_start" if conversion else "notice_start"
    meeting_key = "conversion_meeting" if conversion else "branch_meeting"
    rule = "public_notice_conversion" if conversion else "public_notice_candidate"
    what = f"{STEP_LABELS[meeting_key]}前须{STEP_LABELS[start_key]}{days}个工作日"
    start = facts.d(start_key)
    if start is None:
        notes.append((rule, f"{what}，尚未记录公示开始日期，最早日期待定"))
        return
    if limit := earliest_meeting_after_notice(start, policy, conversion=conversion):
        lower.append((limit, rule, f"{what}（自{cn_date(start)}开始），最早{cn_date(limit)}"))


def next_step(timeline: Mapping[str, Any]) -> str | None:
    """The first main step (MAIN_DATE_STEPS order) not recorded; None when all are.

    Training counts as recorded by its start, end, days or hours (as in step_missing).
    """
    facts = _Checker(normalize_timeline(timeline), DEVELOPMENT_2014, None)
    return next((k for k in MAIN_DATE_STEPS if not facts._has(k)), None)


def periodic_due(
    timeline: Mapping[str, Any], policy: DevelopmentPolicy = DEVELOPMENT_2014, *, today: date
) -> list[tuple[str, date]]:
    """The end of the current period of each periodic record still running, for reminders.

    ``("activist_assessments", due)`` from the activist date until the candidate step is
    recorded, and ``("thought_reports", due)`` from the activist date until the conversion
    meeting is recorded (skipped when the policy has no thought-report interval). Only for a
    list key present in the timeline (an empty list counts: the caller tracks it). Periods are
    anchored on the activist date as in `check_timeline` (period k ends on start + k·months,
    clamped); the due date is the end of the period containing `today` (the first period end
    on or after `today`), or of the next period when this one already has an entry. Earlier
    periods without one are `check_timeline`'s business (with ``today``).
    """
    facts = normalize_timeline(timeline)
    out: list[tuple[str, date]] = []
    for key, end_key, months in (
        ("activist_assessments", "candidate", policy.activist_assessment_interval_months),
        ("thought_reports", "conversion_meeting", policy.thought_report_interval_months),
    ):
        start = facts.get("activist")
        if not months or key not in facts or start is None or facts.get(end_key) is not None:
            continue
        k, previous = 1, start
        while (due := add_months(start, months * k)) < today:
            previous, k = due + _DAY, k + 1
        if any(previous <= e <= due for e in facts[key]):  # this period is done: the next one
            due = add_months(start, months * (k + 1))
        out.append((key, due))
    return out
