"""Organizational life (三会一课 and more): frequencies, quorum and compliance — DOMAIN.md §3.

Source: 中国共产党支部工作条例（试行）, 2018. Every requirement names the activity type, how
often it is due (per month, quarter or year), what quorum applies and to which branches it
applies (every branch, branches with a committee, each party group). `ORGLIFE_2018` is the
shipped default; local variants (a party lecture every quarter, minutes signed within five
days) are new named policies built with `dataclasses.replace` or `policy_from_dict`, so every
colour on the compliance calendar can say which policy produced it.

Compliance is judged per branch and month. A requirement due per quarter or year is judged in
the month that closes its period (March, June, September, December for quarters; December for
the year); quarter and year cells are the worst of their months. Pure functions, no Django.
"""

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from dangjian.rules import RuleError

# Built-in activity types (code -> Chinese label). Custom types are defined by committees.
TYPES: Mapping[str, str] = MappingProxyType(
    {
        "general_meeting": "支部党员大会",
        "committee_meeting": "支部委员会会议",
        "group_meeting": "党小组会",
        "lecture": "党课",
        "theme_day": "主题党日",
        "orglife_meeting": "组织生活会",
        "appraisal": "民主评议党员",
        "talk": "谈心谈话",
    }
)
PERIODS = ("month", "quarter", "year")
PERIOD_MONTHS = MappingProxyType({"month": 1, "quarter": 3, "year": 12})
PERIOD_LABELS = MappingProxyType({"month": "每月", "quarter": "每季度", "year": "每年"})
# quorum rules: who must be present, "more than half" of them (DOMAIN.md §3)
QUORUMS = MappingProxyType(
    {
        "none": "无",
        "full_members": "须有半数以上有表决权的党员（正式党员）到会",
        "committee": "须有半数以上支部委员到会",
    }
)
# to which branches a requirement applies
APPLIES = MappingProxyType(
    {
        "branch": "每个党支部",
        "committee": "设支部委员会的党支部",
        "group": "每个党小组",
    }
)

# Severities of a compliance cell, in order: the worst of several is their max.
NONE, GREEN, AMBER, RED = 0, 1, 2, 3
SEVERITY_CODES = ("none", "green", "amber", "red")


@dataclass(frozen=True)
class Requirement:
    """One activity type that is due `times` per `period` under a policy."""

    activity: str
    period: str
    times: int = 1
    quorum: str = "none"
    applies: str = "branch"
    local: bool = False  # local practice, not national rule: say so when shown
    label: str = ""  # for custom types; built-ins take TYPES[activity]

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise RuleError(f"未知的周期：{self.period!r}（可选：每月、每季度、每年）。")
        if isinstance(self.times, bool) or not isinstance(self.times, int) or self.times < 1:
            raise RuleError(f"每个周期的次数必须是正整数，当前为 {self.times!r}。")
        if self.quorum not in QUORUMS:
            raise RuleError(f"未知的到会人数要求：{self.quorum!r}。")
        if self.applies not in APPLIES:
            raise RuleError(f"未知的适用范围：{self.applies!r}。")

    @property
    def name(self) -> str:
        return self.label or TYPES.get(self.activity, self.activity)

    def describe(self) -> str:
        times = "1 次" if self.times == 1 else f"{self.times} 次"
        text = f"{self.name}：{PERIOD_LABELS[self.period]}至少 {times}"
        if self.quorum != "none":
            text += f"，{QUORUMS[self.quorum]}"
        return text + ("（地方做法）" if self.local else "")


@dataclass(frozen=True)
class OrglifePolicy:
    """One named version of the organizational-life rules."""

    name: str
    requirements: tuple[Requirement, ...]
    # local practice: minutes signed by the host within this many days of the meeting
    minutes_sign_days: int = 7
    # warn the secretary when a period ends within this many days and a requirement is unmet
    warn_days: int = 15
    note: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise RuleError("组织生活政策必须有名称。")
        for value, label in ((self.minutes_sign_days, "会议记录签认天数"),
                             (self.warn_days, "提前提醒天数")):  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise RuleError(f"{label}必须是非负整数，当前为 {value!r}。")
        seen = [r.activity for r in self.requirements]
        if len(seen) != len(set(seen)):
            raise RuleError("同一活动类型在一个政策中只能有一条频次要求。")

    def requirement(self, activity: str) -> Requirement | None:
        return next((r for r in self.requirements if r.activity == activity), None)


ORGLIFE_2018 = OrglifePolicy(
    name="中国共产党支部工作条例（试行）（2018）",
    requirements=(
        Requirement("general_meeting", "quarter", quorum="full_members"),
        Requirement("committee_meeting", "month", quorum="committee", applies="committee"),
        Requirement("group_meeting", "month", applies="group"),
        # the 条例 asks the branch secretary for at least one party lecture a year; a lecture
        # every quarter is common local practice (ORGLIFE_2018_QUARTERLY_LECTURE)
        Requirement("lecture", "year"),
        Requirement("theme_day", "month"),
        Requirement("orglife_meeting", "year"),
        Requirement("appraisal", "year"),
        Requirement("talk", "year"),
    ),
    note="中共中央2018年10月印发。支部书记每年至少讲1次党课；党课每季度1次为常见地方做法，"
    "可选用“党课每季度一次”的地方政策。会议记录签认期限为地方做法。",
)
ORGLIFE_2018_QUARTERLY_LECTURE = dataclasses.replace(
    ORGLIFE_2018,
    name="支部工作条例（2018）· 党课每季度一次",
    requirements=tuple(
        Requirement("lecture", "quarter", local=True) if r.activity == "lecture" else r
        for r in ORGLIFE_2018.requirements
    ),
    note="在2018年条例基础上，党课每季度至少1次（地方做法）。",
)
POLICIES: Mapping[str, OrglifePolicy] = MappingProxyType(
    {p.name: p for p in (ORGLIFE_2018, ORGLIFE_2018_QUARTERLY_LECTURE)}
)


def get_policy(name: str) -> OrglifePolicy:
    try:
        return POLICIES[name]
    except KeyError:
        raise RuleError(f"没有名为“{name}”的组织生活政策。") from None


def policy_from_dict(data: Mapping[str, Any]) -> OrglifePolicy:
    """A policy from stored settings: ``{"base": <name>, "name": <new name>, "minutes_sign_days":
    5, "requirements": {"lecture": {"period": "quarter", "times": 1}}}``.

    `requirements` overrides per activity type (missing keys keep the base's values; ``null``
    drops the requirement). Overriding anything requires a new name.
    """
    data = dict(data)
    base = get_policy(data.pop("base", ORGLIFE_2018.name))
    name = data.pop("name", base.name)
    changes = data.pop("requirements", None) or {}
    known = {"minutes_sign_days", "warn_days", "note"}
    unknown = set(data) - known
    if unknown:
        raise RuleError(f"组织生活政策中有未知参数：{'、'.join(sorted(unknown))}。")
    requirements = {r.activity: r for r in base.requirements}
    for activity, change in changes.items():
        if activity not in TYPES:
            raise RuleError(f"未知的活动类型：{activity}。")
        if change is None:
            requirements.pop(activity, None)
            continue
        current = requirements.get(activity) or Requirement(activity, "year")
        try:
            requirements[activity] = dataclasses.replace(current, local=True, **change)
        except TypeError:
            raise RuleError(f"{TYPES[activity]}的频次设置中有未知参数。") from None
    policy = dataclasses.replace(base, name=name, requirements=tuple(requirements.values()),
                                 **data)  # fmt: skip
    same = dataclasses.replace(policy, name=base.name, note=base.note) == base
    if not same and name == base.name:
        raise RuleError(f"修改了“{base.name}”的参数，须为新政策另起名称（如“某公司规定”）。")
    return policy


# ---------------------------------------------------------------------------------------------
# Periods and quorum


def period_start(day: date, period: str) -> date:
    """First day of the month / quarter / year containing `day`."""
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if period == "year":
        return date(day.year, 1, 1)
    raise RuleError(f"未知的周期：{period!r}。")


def add_months(day: date, months: int) -> date:
    """First day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_end(start: date, period: str) -> date:
    """Last day of the period starting at `start`."""
    return date.fromordinal(add_months(start, PERIOD_MONTHS[period]).toordinal() - 1)


def period_label(start: date, period: str) -> str:
    if period == "month":
        return f"{start.year}年{start.month}月"
    if period == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年"


def quorum_needed(entitled: int) -> int:
    """'More than half' of `entitled`: the smallest number present that is a majority."""
    if entitled < 0:
        raise RuleError("应到人数不能为负数。")
    return entitled // 2 + 1 if entitled else 0


def quorum_met(rule: str, *, entitled: int, present: int) -> bool | None:
    """True / False for a rule with a quorum, None for a rule without one."""
    if rule not in QUORUMS:
        raise RuleError(f"未知的到会人数要求：{rule!r}。")
    if rule == "none":
        return None
    if present < 0 or entitled < 0:
        raise RuleError("到会人数不能为负数。")
    return entitled > 0 and present >= quorum_needed(entitled)


def attendance_rate(*, expected: int, present: int) -> float | None:
    """Share of the expected attendees who signed in (None when nobody was expected)."""
    return present / expected if expected else None


# ---------------------------------------------------------------------------------------------
# Compliance


@dataclass(frozen=True)
class BranchFacts:
    """What decides which requirements apply to a branch."""

    has_committee: bool = False
    groups: int = 0


@dataclass(frozen=True)
class Held:
    """Activities of one type held by a branch in one month (aggregated by the caller).

    `held` counts activities marked held; `flawed` those of them whose quorum was not met or
    whose minutes were not signed in time; `groups` the distinct party groups that met (group
    meetings only).
    """

    held: int = 0
    flawed: int = 0
    groups: int = 0


@dataclass(frozen=True)
class Outcome:
    """One requirement judged for one period: 'ok', 'flawed', 'open', 'due_soon', 'missing'."""

    activity: str
    name: str
    period: str
    start: date
    state: str
    required: int
    held: int
    message: str

    @property
    def severity(self) -> int:
        return {"ok": GREEN, "flawed": AMBER, "open": NONE, "due_soon": AMBER,
                "missing": RED}[self.state]  # fmt: skip


def applicable(policy: OrglifePolicy, facts: BranchFacts,
               extra: Iterable[Requirement] = ()) -> list[Requirement]:  # fmt: skip
    """The requirements that apply to a branch (custom types in `extra`)."""
    out = []
    for req in (*policy.requirements, *extra):
        if req.applies == "committee" and not facts.has_committee:
            continue
        if req.applies == "group" and facts.groups < 1:
            continue
        out.append(req)
    return out


def judge(req: Requirement, start: date, counts: Mapping[tuple[str, date], Held],
          facts: BranchFacts, today: date, warn_days: int = 15) -> Outcome:  # fmt: skip
    """Judge one requirement for the period starting at `start` (`counts` by type and month).

    An unmet requirement of a period still running is 'open', or 'due_soon' (amber) within
    `warn_days` of the period's end; of a period that has ended, 'missing' (red).
    """
    end = period_end(start, req.period)
    months = [add_months(start, i) for i in range(PERIOD_MONTHS[req.period])]
    cells = [counts.get((req.activity, m), Held()) for m in months]
    if req.applies == "group":
        # each party group meets: the month counts when every group met (a quarter sums months)
        required = req.times * facts.groups
        held = sum(min(c.groups, facts.groups) for c in cells)
    else:
        required = req.times
        held = sum(c.held for c in cells)
    flawed = sum(c.flawed for c in cells)
    label = period_label(start, req.period)
    if held >= required:
        if flawed and held - flawed < required:
            return Outcome(req.activity, req.name, req.period, start, "flawed", required, held,
                           f"{label}{req.name}已开 {held} 次，其中 {flawed} 次未达到会人数要求"
                           "或会议记录未按时签认。")  # fmt: skip
        return Outcome(req.activity, req.name, req.period, start, "ok", required, held,
                       f"{label}{req.name}已开 {held} 次（要求 {required} 次）。")  # fmt: skip
    if today <= end:
        days = (end - today).days
        state = "due_soon" if days <= warn_days else "open"
        return Outcome(req.activity, req.name, req.period, start, state, required, held,
                       f"{label}{req.name}尚未开够（已开 {held} 次，要求 {required} 次），"
                       f"距期末还有 {days} 天。")  # fmt: skip
    return Outcome(req.activity, req.name, req.period, start, "missing", required, held,
                   f"{label}{req.name}未按要求召开"
                   f"（已开 {held} 次，要求 {required} 次）。")  # fmt: skip


@dataclass(frozen=True)
class Cell:
    """Compliance of one branch for one period: the outcomes judged in it and their worst."""

    period: str
    start: date
    outcomes: tuple[Outcome, ...]

    @property
    def severity(self) -> int:
        """The worst outcome; a period with something still open is not green yet."""
        worst = max((o.severity for o in self.outcomes), default=NONE)
        if worst == GREEN and any(o.state == "open" for o in self.outcomes):
            return NONE
        return worst

    @property
    def status(self) -> str:
        return SEVERITY_CODES[self.severity]


def year_cells(policy: OrglifePolicy, year: int, counts: Mapping[tuple[str, date], Held],
               facts: BranchFacts, today: date, *, since: date | None = None,
               extra: Iterable[Requirement] = ()) -> list[Cell]:  # fmt: skip
    """Every month, quarter and year cell of `year` for one branch.

    A requirement is judged in the month that closes its period; months that have not begun
    are left unjudged (grey), and so is anything before `since` (the branch's founding). A
    quarter or year cell holds every outcome of its months.
    """
    reqs = applicable(policy, facts, extra)
    months: list[Cell] = []
    for m in range(1, 13):
        month = date(year, m, 1)
        outcomes: list[Outcome] = []
        if month <= today:
            for req in reqs:
                start = period_start(month, req.period)
                if since is not None and start < period_start(since, req.period):
                    continue
                closes = add_months(start, PERIOD_MONTHS[req.period] - 1) == month
                # an open period is judged in the current month too, so it shows as pending
                current = month == period_start(today, "month")
                if closes or (current and today <= period_end(start, req.period)):
                    outcomes.append(judge(req, start, counts, facts, today, policy.warn_days))
        months.append(Cell("month", month, tuple(outcomes)))
    quarters = [
        Cell("quarter", date(year, q * 3 + 1, 1),
             tuple(o for c in months[q * 3 : q * 3 + 3] for o in c.outcomes))
        for q in range(4)
    ]  # fmt: skip
    whole = Cell("year", date(year, 1, 1), tuple(o for c in months for o in c.outcomes))
    return months + quarters + [whole]


def warnings(policy: OrglifePolicy, counts: Mapping[tuple[str, date], Held],
             facts: BranchFacts, today: date, *, since: date | None = None,
             extra: Iterable[Requirement] = ()) -> list[Outcome]:  # fmt: skip
    """What a secretary should hear about today: requirements of the current period not yet
    met whose period ends within `warn_days`, and those of the period just ended that were
    missed."""
    out = []
    for req in applicable(policy, facts, extra):
        start = period_start(today, req.period)
        outcome = judge(req, start, counts, facts, today, policy.warn_days)
        if outcome.state == "due_soon":
            out.append(outcome)
        previous = period_start(date.fromordinal(start.toordinal() - 1), req.period)
        if since is not None and previous < period_start(since, req.period):
            continue
        missed = judge(req, previous, counts, facts, today)
        if missed.state == "missing":
            out.append(missed)
    return out


def minutes_due(held_on: date, policy: OrglifePolicy) -> date:
    """The last day the host may sign the minutes and still be on time."""
    return date.fromordinal(held_on.toordinal() + policy.minutes_sign_days)


__all__ = [
    "AMBER",
    "APPLIES",
    "GREEN",
    "NONE",
    "ORGLIFE_2018",
    "ORGLIFE_2018_QUARTERLY_LECTURE",
    "PERIODS",
    "POLICIES",
    "QUORUMS",
    "RED",
    "TYPES",
    "BranchFacts",
    "Cell",
    "Held",
    "OrglifePolicy",
    "Outcome",
    "Requirement",
    "add_months",
    "applicable",
    "attendance_rate",
    "get_policy",
    "judge",
    "minutes_due",
    "period_end",
    "period_label",
    "period_start",
    "policy_from_dict",
    "quorum_met",
    "quorum_needed",
    "warnings",
    "year_cells",
]
