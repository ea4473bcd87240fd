"""check_timeline: every rule's boundary day, and properties over timelines built at the limits."""

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dangjian.rules import RuleError
from dangjian.rules.dates import add_months
from dangjian.rules.development import (
    DEVELOPMENT_2014,
    RULES,
    STEPS,
    approval_deadline,
    branch_meeting_deadline,
    check_timeline,
    conversion_approval_deadline,
    earliest_application_date,
    earliest_candidate_date,
    latest_notice_start,
    probation_end,
    talk_deadline,
)
from dangjian.rules.tests.local_policies import LOCAL_5
from dangjian.rules.tests.local_policies import LOCAL_5_WEEKENDS as WEEKENDS

DAY = timedelta(days=1)
NOTICE_RULES = {"public_notice_candidate", "public_notice_conversion", "working_days_unverifiable"}
POLICIES = pytest.mark.parametrize("policy", [DEVELOPMENT_2014, LOCAL_5], ids=["2014", "local_5"])


def periodic(start: date, end: date, months: int) -> list[date]:
    """One entry on the last day of every anchored period ending before `end`."""
    out, k = [], 1
    while (due := add_months(start, months * k)) < end:
        out.append(due)
        k += 1
    return out


def at_limits(application: date, policy=DEVELOPMENT_2014) -> dict:
    """A complete timeline with every constrained step exactly on its limit.

    The notices are recorded only when the policy has them (local practice); without a
    conversion notice the conversion application is made on the day of the meeting.
    """
    t: dict = {"birth_date": add_months(application, -12 * policy.minimum_age)}
    t["application"] = application
    t["talk"] = t["activist"] = talk_deadline(application, policy)
    t["activist_filed"] = t["contacts_assigned"] = t["activist"]
    t["candidate"] = earliest_candidate_date(t["activist"], policy)
    for key in ("candidate_filed", "introducers", "political_review", "training_start"):
        t[key] = t["candidate"]
    t["training_end"] = t["candidate"] + 2 * DAY  # exactly 3 days
    t["committee_review"] = t["pre_review"] = t["application_form"] = t["training_end"]
    t["branch_meeting"] = t["higher_talk"] = branch_meeting_deadline(t["pre_review"], policy)
    if notice := latest_notice_start(t["branch_meeting"], policy):
        t["notice_start"] = notice
    t["approval"] = approval_deadline(t["branch_meeting"], policy=policy)
    t["filed_with_department"] = t["placed"] = t["oath"] = t["approval"]
    t["conversion_meeting"] = probation_end(t["branch_meeting"], policy=policy)
    notice = latest_notice_start(t["conversion_meeting"], policy, conversion=True)
    if notice:
        t["conversion_notice_start"] = notice
    t["conversion_application"] = notice or t["conversion_meeting"]
    t["conversion_approval"] = conversion_approval_deadline(t["conversion_meeting"], policy)
    t["archived"] = t["conversion_approval"]
    t["activist_assessments"] = periodic(t["activist"], t["candidate"], 6)
    t["thought_reports"] = periodic(t["activist"], t["conversion_meeting"], 3)
    t["probation_assessments"] = [t["oath"]]
    t["introducers_full_members"], t["contacts_full_members"] = 2, 1
    return t


# (key, days moved, rule that must then name that key)
LIMIT_MOVES = [
    ("application", -1, "minimum_age"),
    ("talk", +1, "talk_within_limit"),
    ("candidate", -1, "candidate_after_cultivation"),
    ("training_end", -1, "training_minimum"),
    ("notice_start", +1, "public_notice_candidate"),
    ("branch_meeting", +1, "branch_meeting_after_pre_review"),
    ("approval", +1, "approval_within_limit"),
    ("conversion_notice_start", +1, "public_notice_conversion"),
    ("conversion_meeting", -1, "conversion_after_probation"),
    ("conversion_approval", +1, "conversion_approval_within_limit"),
    ("activist_assessments", +1, "activist_assessment_interval"),
    ("thought_reports", +1, "thought_report_interval"),
]
NATIONAL_MOVES = [m for m in LIMIT_MOVES if m[2] not in NOTICE_RULES]


def moved(t: dict, key: str, days: int) -> dict:
    t = dict(t)
    if isinstance(t[key], list):  # move the first entry of a periodic record
        t[key] = [t[key][0] + days * DAY, *t[key][1:]]
    else:
        t[key] = t[key] + days * DAY
    return t


def named(violations, step, rule) -> bool:
    return any(v.step == step and v.rule == rule for v in violations)


def rules_of(violations) -> set[str]:
    return {v.rule for v in violations}


# Applications whose whole pipeline stays inside the statutory holiday data (2004–2026).
STATUTORY_APPLICATIONS = st.dates(min_value=date(2004, 1, 1), max_value=date(2023, 6, 30))


@POLICIES
@given(application=STATUTORY_APPLICATIONS)
def test_a_timeline_at_every_limit_has_no_violations(policy, application):
    t = at_limits(application, policy)
    assert ("notice_start" in t) is (policy is LOCAL_5)
    assert check_timeline(t, policy) == []
    assert check_timeline(t, policy, today=t["archived"]) == []


@given(STATUTORY_APPLICATIONS, st.sampled_from(LIMIT_MOVES))
def test_one_day_past_any_limit_is_a_violation_of_that_step_and_rule(application, move):
    t = at_limits(application, LOCAL_5)
    # Feb 29 applications have no birth date whose 18th birthday is that day: nothing to move.
    assume(earliest_application_date(t["birth_date"]) == application)
    key, days, rule = move
    violations = check_timeline(moved(t, key, days), LOCAL_5)
    assert named(violations, key, rule), violations
    assert all(v.policy == LOCAL_5.name for v in violations)
    assert all(v.local == LOCAL_5.is_local(v.rule) for v in violations)


# The 2014 rules count no working days: any year works, holiday data or not.
@given(
    st.dates(min_value=date(1960, 1, 1), max_value=date(2080, 1, 1)),
    st.sampled_from(NATIONAL_MOVES),
)
def test_one_day_past_any_national_limit_is_a_violation_in_any_year(application, move):
    t = at_limits(application)
    assume(earliest_application_date(t["birth_date"]) == application)
    assert check_timeline(t) == []
    key, days, rule = move
    violations = check_timeline(moved(t, key, days))
    assert named(violations, key, rule), violations
    assert all(v.policy == DEVELOPMENT_2014.name for v in violations)


ANY_DAY = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))


@st.composite
def notice_timelines(draw) -> dict:
    """Notices and meetings recorded or not, in any order, near each other (counting working
    days over decades is slow), in years with or without holiday data."""
    t, near = {}, st.integers(-40, 40)
    for notice, meeting in (
        ("notice_start", "branch_meeting"),
        ("conversion_notice_start", "conversion_meeting"),
    ):
        day = draw(ANY_DAY)
        if draw(st.booleans()):
            t[meeting] = day
        if draw(st.booleans()):
            t[notice] = day + draw(near) * DAY
    return t


@given(notice_timelines(), st.one_of(st.none(), ANY_DAY))
def test_no_notice_rule_ever_fires_under_the_2014_rules(timeline, today):
    # recorded or not, in any order, in years with or without holiday data
    assert not rules_of(check_timeline(timeline, today=today)) & NOTICE_RULES
    # ...while the local policy, given the same facts, does report a missing notice
    local = rules_of(check_timeline(timeline, LOCAL_5, today=today))
    if "branch_meeting" in timeline and "notice_start" not in timeline:
        assert "public_notice_candidate" in local
    if "conversion_meeting" in timeline and "conversion_notice_start" not in timeline:
        assert "public_notice_conversion" in local


@given(
    st.dates(min_value=date(1960, 1, 1), max_value=date(2080, 1, 1)), st.sampled_from(LIMIT_MOVES)
)
def test_local_limits_hold_in_any_year_with_the_weekend_fallback(application, move):
    t = at_limits(application, WEEKENDS)
    assume(earliest_application_date(t["birth_date"]) == application)
    assert check_timeline(t, WEEKENDS) == []
    key, days, rule = move
    assert named(check_timeline(moved(t, key, days), WEEKENDS), key, rule)


# -- concrete boundary days (one day before, on, after) -----------------------------------

BASE = at_limits(date(2023, 3, 15))
LOCAL_BASE = at_limits(date(2023, 3, 15), LOCAL_5)


def test_base_timeline_dates_are_what_the_rules_say():
    assert BASE["talk"] == date(2023, 4, 15)
    assert BASE["candidate"] == date(2024, 4, 15)
    assert BASE["branch_meeting"] == date(2024, 5, 17)
    assert BASE["approval"] == date(2024, 8, 17)
    assert BASE["conversion_meeting"] == date(2025, 5, 17)
    assert "notice_start" not in BASE and "conversion_notice_start" not in BASE
    assert check_timeline(BASE) == []
    # Local notices before Fri 2024-05-17: May 16, 15, 14, 13 and Sat May 11 (make-up day
    # after Labour Day); before Sat 2025-05-17: May 16, 15, 14, 13, 12.
    assert LOCAL_BASE["notice_start"] == date(2024, 5, 11)
    assert LOCAL_BASE["conversion_notice_start"] == date(2025, 5, 12)
    assert {k: v for k, v in LOCAL_BASE.items() if "notice" not in k} == {
        **BASE,
        "conversion_application": date(2025, 5, 12),
    }
    assert check_timeline(LOCAL_BASE, LOCAL_5) == []
    assert check_timeline(LOCAL_BASE) == []  # recorded notices are harmless under 2014


@pytest.mark.parametrize(
    ("key", "rule", "ok_days", "bad_days"),
    [
        ("application", "minimum_age", (0, 1), (-1,)),
        ("talk", "talk_within_limit", (-1, 0), (1,)),
        ("candidate", "candidate_after_cultivation", (0, 1), (-1,)),
        ("branch_meeting", "branch_meeting_after_pre_review", (-1, 0), (1,)),
        ("approval", "approval_within_limit", (-1, 0), (1,)),
        ("conversion_meeting", "conversion_after_probation", (0, 1), (-1,)),
        ("conversion_approval", "conversion_approval_within_limit", (-1, 0), (1,)),
    ],
)
def test_boundary_days(key, rule, ok_days, bad_days):
    for days in ok_days:
        assert rule not in rules_of(check_timeline(moved(BASE, key, days))), days
    for days in bad_days:
        assert named(check_timeline(moved(BASE, key, days)), key, rule), days


def test_month_end_clamping_in_the_talk_rule():
    t = {"application": date(2025, 1, 31), "talk": date(2025, 2, 28)}
    assert check_timeline(t) == []
    (violation,) = check_timeline({**t, "talk": date(2025, 3, 1)})
    assert violation.rule == "talk_within_limit"
    assert "2025年2月28日" in violation.message and "1个月" in violation.message
    assert not violation.local and violation.limit == date(2025, 2, 28)
    leap = {"application": date(2024, 1, 31), "talk": date(2024, 2, 29)}
    assert check_timeline(leap) == []


def test_special_approval_allows_six_months():
    late = moved(BASE, "approval", 1)
    for key in ("filed_with_department", "placed", "oath"):
        late[key] = late["approval"]
    assert "approval_within_limit" in rules_of(check_timeline(late))
    assert check_timeline({**late, "special_approval": True}) == []
    six = {**late, "special_approval": True, "approval": date(2024, 11, 17)}
    six.update(filed_with_department=six["approval"], placed=six["approval"], oath=six["approval"])
    assert check_timeline(six) == []
    assert named(check_timeline(moved(six, "approval", 1)), "approval", "approval_within_limit")


@POLICIES
def test_extension_moves_the_conversion_date(policy):
    t = {**at_limits(date(2023, 3, 15), policy), "extension_months": 6}
    assert named(check_timeline(t, policy), "conversion_meeting", "conversion_after_probation")
    later = date(2025, 11, 17)
    t.update(conversion_meeting=later, conversion_approval=later, archived=later)
    t["conversion_application"] = later
    if policy is LOCAL_5:
        t["conversion_notice_start"] = t["conversion_application"] = date(2025, 11, 10)
        assert latest_notice_start(later, policy, conversion=True) == date(2025, 11, 10)
    t["thought_reports"] = [add_months(BASE["activist"], 3 * k) for k in range(1, 11)]
    assert check_timeline(t, policy) == []
    (bad,) = check_timeline({**t, "extension_months": 5}, policy)
    assert (bad.step, bad.rule) == ("extension_months", "probation_extension")


def test_political_review_valid_one_year_at_the_branch_meeting():
    meeting = BASE["branch_meeting"]  # 2024-05-17
    for review, ok in [(date(2023, 5, 16), False), (date(2023, 5, 17), True)]:
        t = {"political_review": review, "branch_meeting": meeting}
        violations = [v for v in check_timeline(t) if v.rule == "political_review_valid"]
        assert (violations == []) is ok
    (v,) = [
        v
        for v in check_timeline({"political_review": date(2023, 5, 16), "branch_meeting": meeting})
        if v.rule == "political_review_valid"
    ]
    assert v.step == "political_review" and v.local and "地方做法" in v.message


def test_training_days_or_hours():
    t = {**BASE, "training_end": BASE["training_start"] + DAY}  # 2 days
    assert named(check_timeline(t), "training_end", "training_minimum")
    assert check_timeline({**t, "training_hours": 24}) == []
    assert named(check_timeline({**t, "training_hours": 23}), "training_end", "training_minimum")
    only = {"training_days": 2.5}
    assert "training_minimum" in rules_of(check_timeline(only))
    assert "training_minimum" not in rules_of(check_timeline({"training_days": 3}))


def test_candidate_public_notice_over_national_day_2025():
    # Notice from Mon Sep 29 2025: Sep 29, 30, Oct 9, 10, 11 (make-up Saturday).
    t = {"notice_start": date(2025, 9, 29)}
    assert "public_notice_candidate" not in rules_of(
        check_timeline({**t, "branch_meeting": date(2025, 10, 12)}, LOCAL_5)
    )
    (v,) = [
        v
        for v in check_timeline({**t, "branch_meeting": date(2025, 10, 11)}, LOCAL_5)
        if v.rule == "public_notice_candidate"
    ]
    assert v.step == "notice_start" and v.limit == date(2025, 9, 28)  # Sunday Sep 28 (make-up)
    assert "仅4个工作日" in v.message and "5个工作日" in v.message
    assert v.local and v.policy == LOCAL_5.name and "地方做法" in v.message
    national = check_timeline({**t, "branch_meeting": date(2025, 10, 11)})
    assert not rules_of(national) & NOTICE_RULES  # 2014: no notice


def test_conversion_notice_over_spring_festival_2026():
    t = {"conversion_notice_start": date(2026, 2, 12)}
    ok = check_timeline({**t, "conversion_meeting": date(2026, 2, 26)}, LOCAL_5)
    assert "public_notice_conversion" not in rules_of(ok)
    bad = check_timeline({**t, "conversion_meeting": date(2026, 2, 25)}, LOCAL_5)
    assert named(bad, "conversion_notice_start", "public_notice_conversion")
    assert not named(
        check_timeline({**t, "conversion_meeting": date(2026, 2, 25)}),
        "conversion_notice_start",
        "public_notice_conversion",
    )


def test_a_local_seven_day_notice_moves_the_deadline_and_names_the_local_policy():
    local = dataclasses.replace(DEVELOPMENT_2014, name="某省细则", public_notice_working_days=7)
    t = {"notice_start": date(2025, 9, 29), "branch_meeting": date(2025, 10, 12)}
    (v,) = [v for v in check_timeline(t, local) if v.rule == "public_notice_candidate"]
    assert v.policy == "某省细则" and v.local and "某省细则" in v.message
    # Oct 13 and 14 are the 6th and 7th working days: the meeting may be on Oct 15.
    later = check_timeline({**t, "branch_meeting": date(2025, 10, 15)}, local)
    assert "public_notice_candidate" not in rules_of(later)


def test_a_missing_notice_is_reported_and_a_switched_off_notice_is_not():
    t = {"branch_meeting": date(2025, 10, 12)}
    assert named(check_timeline(t, LOCAL_5), "notice_start", "public_notice_candidate")
    assert "public_notice_candidate" not in rules_of(check_timeline(t))  # 2014: no notice
    off = dataclasses.replace(LOCAL_5, name="不公示", public_notice_working_days=None)
    assert "public_notice_candidate" not in rules_of(check_timeline(t, off))
    conversion = {"conversion_meeting": date(2025, 10, 12)}
    assert named(
        check_timeline(conversion, off), "conversion_notice_start", "public_notice_conversion"
    )


def test_without_holiday_data_the_notice_is_reported_unverifiable_not_guessed():
    t = {"notice_start": date(2026, 12, 24), "branch_meeting": date(2027, 1, 8)}
    (v,) = [v for v in check_timeline(t, LOCAL_5) if v.step == "notice_start"]
    assert v.rule == "working_days_unverifiable" and "2027年" in v.message
    assert not any(v.step == "notice_start" for v in check_timeline(t, WEEKENDS))
    assert not rules_of(check_timeline(t)) & NOTICE_RULES  # 2014: no notice, no calendar


def test_steps_out_of_order():
    t = {"application": date(2025, 3, 10), "talk": date(2025, 3, 9)}
    (v,) = check_timeline(t)
    assert (v.step, v.rule, v.limit) == ("talk", "step_order", date(2025, 3, 10))
    assert "早于此前步骤“递交入党申请书”" in v.message
    same_day = {"application": date(2025, 3, 10), "talk": date(2025, 3, 10)}
    assert check_timeline(same_day) == []
    # steps in one group may come in any order
    parallel = {**BASE, "introducers": BASE["candidate"] + DAY}
    assert check_timeline(parallel) == []


def test_skipped_steps():
    t = {"application": date(2025, 3, 10), "activist": date(2025, 4, 1)}
    violations = check_timeline(t)
    assert [(v.step, v.rule) for v in violations] == [("talk", "step_missing")]
    no_training = {k: v for k, v in BASE.items() if k not in ("training_start", "training_end")}
    assert named(check_timeline(no_training), "training_start", "step_missing")
    by_hours = {**no_training, "training_hours": 24}
    assert check_timeline(by_hours) == []


def test_counts_of_introducers_and_contacts():
    assert named(
        check_timeline({"introducers_full_members": 1}), "introducers", "introducers_count"
    )
    assert named(
        check_timeline({"contacts_full_members": 3}), "contacts_assigned", "contacts_count"
    )
    assert check_timeline({"contacts_full_members": 2, "introducers_full_members": 2}) == []


def test_periodic_records():
    activist = date(2025, 8, 31)
    t = {"activist": activist, "candidate": date(2026, 8, 31), "activist_assessments": []}
    (v,) = [v for v in check_timeline(t) if v.rule == "activist_assessment_interval"]
    assert v.limit == date(2026, 2, 28)  # Aug 31 + 6 months, clamped
    assert not [
        v
        for v in check_timeline({**t, "activist_assessments": [date(2026, 2, 28)]})
        if v.rule == "activist_assessment_interval"
    ]
    # not given at all: not tracked, not checked
    assert "activist_assessment_interval" not in rules_of(
        check_timeline({"activist": activist, "candidate": date(2026, 8, 31)})
    )


def test_thought_reports_every_quarter_until_today():
    t = {"activist": date(2025, 1, 15), "thought_reports": [date(2025, 4, 1)]}
    violations = [
        v for v in check_timeline(t, today=date(2025, 10, 20)) if v.step == "thought_reports"
    ]
    assert [v.limit for v in violations] == [date(2025, 7, 15), date(2025, 10, 15)]
    assert all(v.local for v in violations)


def test_today_reports_overdue_and_future_dates():
    t = {"application": date(2025, 1, 31)}
    assert check_timeline(t, today=date(2025, 2, 28)) == []
    (v,) = check_timeline(t, today=date(2025, 3, 1))
    assert (v.step, v.rule) == ("talk", "talk_within_limit") and "尚未完成" in v.message
    (v,) = check_timeline({"application": date(2025, 3, 2)}, today=date(2025, 3, 1))
    assert (v.step, v.rule) == ("application", "date_in_future")


def test_bad_input_raises_a_chinese_rule_error():
    with pytest.raises(RuleError, match="未知的发展党员步骤"):
        check_timeline({"aplication": date(2025, 1, 1)})
    with pytest.raises(RuleError, match="应为日期"):
        check_timeline({"application": "2025-01-01"})
    with pytest.raises(RuleError, match="应为日期"):
        check_timeline({"application": datetime(2025, 1, 1, 9)})
    with pytest.raises(RuleError, match="非负数"):
        check_timeline({"training_hours": -1})
    with pytest.raises(RuleError, match="日期列表"):
        check_timeline({"thought_reports": date(2025, 1, 1)})
    assert check_timeline({"application": date(2025, 1, 1), "talk": None}) == []


def test_catalogue():
    assert [s.number for s in STEPS] == list(range(1, 26))
    assert len({s.key for s in STEPS}) == 25
    codes = {rule for _, _, rule in LIMIT_MOVES}
    assert codes <= set(RULES)
    assert all("\u4e00" <= RULES[c][0] <= "\u9fff" for c in RULES)  # Chinese titles
