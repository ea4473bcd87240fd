"""step_window, next_step and periodic_due: every bound at its boundary, checked against
check_timeline (a step on a bound breaks no rule, one day outside breaks that rule)."""

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.rules import RuleError
from dangjian.rules.calendar import WeekendCalendar, data_years, working_days_between
from dangjian.rules.development import (
    DEVELOPMENT_2014,
    MAIN_DATE_STEPS,
    StepWindow,
    check_timeline,
    next_step,
    periodic_due,
    step_window,
)
from dangjian.rules.tests.local_policies import LOCAL_5, LOCAL_5_WEEKENDS
from dangjian.rules.tests.test_development_timeline import at_limits

DAY = timedelta(days=1)


def rules_on(timeline: dict, policy=DEVELOPMENT_2014) -> set[tuple[str, str]]:
    return {(v.step, v.rule) for v in check_timeline(timeline, policy)}


# (case id, timeline, step, policy, bound, expected day, rule, step named by the violation)
BOUNDS = [
    (
        "18th birthday",
        {"birth_date": date(2007, 3, 1)},
        "application",
        DEVELOPMENT_2014,
        "earliest",
        date(2025, 3, 1),
        "minimum_age",
        "application",
    ),
    (
        "18th birthday of a Feb 29 birth",
        {"birth_date": date(2008, 2, 29)},
        "application",
        DEVELOPMENT_2014,
        "earliest",
        date(2026, 3, 1),
        "minimum_age",
        "application",
    ),
    (
        "talk after the application",
        {"application": date(2025, 8, 31)},
        "talk",
        DEVELOPMENT_2014,
        "earliest",
        date(2025, 8, 31),
        "step_order",
        "talk",
    ),
    (
        "talk within a month, clamped: Aug 31 -> Sep 30",
        {"application": date(2025, 8, 31)},
        "talk",
        DEVELOPMENT_2014,
        "latest",
        date(2025, 9, 30),
        "talk_within_limit",
        "talk",
    ),
    (
        "candidate a year after Jan 31",
        {"application": date(2025, 1, 2), "talk": date(2025, 1, 9), "activist": date(2025, 1, 31)},
        "candidate",
        DEVELOPMENT_2014,
        "earliest",
        date(2026, 1, 31),
        "candidate_after_cultivation",
        "candidate",
    ),
    (
        "candidate a year after Feb 29",
        {"activist": date(2024, 2, 29)},
        "candidate",
        DEVELOPMENT_2014,
        "earliest",
        date(2025, 2, 28),
        "candidate_after_cultivation",
        "candidate",
    ),
    (
        "committee review after the latest of the candidate steps",
        {
            "candidate": date(2025, 3, 3),
            "introducers": date(2025, 3, 5),
            "political_review": date(2025, 3, 20),
            "training_start": date(2025, 3, 10),
            "training_end": date(2025, 3, 24),
        },
        "committee_review",
        DEVELOPMENT_2014,
        "earliest",
        date(2025, 3, 24),
        "step_order",
        "committee_review",
    ),
    (
        "branch meeting within a month of pre-review, clamped",
        {"pre_review": date(2025, 1, 31)},
        "branch_meeting",
        DEVELOPMENT_2014,
        "latest",
        date(2025, 2, 28),
        "branch_meeting_after_pre_review",
        "branch_meeting",
    ),
    (
        "political review valid a year, from Feb 29",
        {"political_review": date(2024, 2, 29)},
        "branch_meeting",
        DEVELOPMENT_2014,
        "latest",
        date(2025, 2, 28),
        "political_review_valid",
        "political_review",
    ),
    (
        "candidate notice over National Day 2025 (local)",
        {"notice_start": date(2025, 9, 29)},
        "branch_meeting",
        LOCAL_5,
        "earliest",
        date(2025, 10, 12),
        "public_notice_candidate",
        "notice_start",
    ),
    (
        "approval within three months, clamped",
        {"branch_meeting": date(2025, 8, 31)},
        "approval",
        DEVELOPMENT_2014,
        "latest",
        date(2025, 11, 30),
        "approval_within_limit",
        "approval",
    ),
    (
        "special approval within six months, clamped",
        {"branch_meeting": date(2025, 8, 31), "special_approval": True},
        "approval",
        DEVELOPMENT_2014,
        "latest",
        date(2026, 2, 28),
        "approval_within_limit",
        "approval",
    ),
    (
        "probation of a year from Feb 29",
        {"branch_meeting": date(2024, 2, 29)},
        "conversion_meeting",
        DEVELOPMENT_2014,
        "earliest",
        date(2025, 2, 28),
        "conversion_after_probation",
        "conversion_meeting",
    ),
    (
        "probation extended by six months",
        {"branch_meeting": date(2024, 2, 29), "extension_months": 6},
        "conversion_meeting",
        DEVELOPMENT_2014,
        "earliest",
        date(2025, 8, 29),
        "conversion_after_probation",
        "conversion_meeting",
    ),
    (
        "conversion notice over Spring Festival 2026 (local)",
        {"conversion_notice_start": date(2026, 2, 12)},
        "conversion_meeting",
        LOCAL_5,
        "earliest",
        date(2026, 2, 26),
        "public_notice_conversion",
        "conversion_notice_start",
    ),
    (
        "conversion approval within three months, clamped",
        {"conversion_meeting": date(2025, 8, 31)},
        "conversion_approval",
        DEVELOPMENT_2014,
        "latest",
        date(2025, 11, 30),
        "conversion_approval_within_limit",
        "conversion_approval",
    ),
]


@pytest.mark.parametrize(
    ("timeline", "step", "policy", "bound", "expected", "rule", "named"),
    [case[1:] for case in BOUNDS],
    ids=[case[0] for case in BOUNDS],
)
def test_every_bound_is_the_boundary_check_timeline_enforces(
    timeline, step, policy, bound, expected, rule, named
):
    window = step_window(timeline, step, policy)
    assert getattr(window, bound) == expected
    outside = expected - DAY if bound == "earliest" else expected + DAY
    assert (named, rule) not in rules_on({**timeline, step: expected}, policy)
    assert (named, rule) in rules_on({**timeline, step: outside}, policy)
    assert window.step == step and window.reasons


def test_national_day_2025_notice_counts_statutory_working_days():
    # Sep 29, 30 | Oct 1–8 holiday | Oct 9, 10, 11 (make-up Saturday): the 5th working day is
    # Oct 11, so the meeting may be on Sunday Oct 12, not on Oct 11.
    t = {"notice_start": date(2025, 9, 29)}
    window = step_window(t, "branch_meeting", LOCAL_5)
    assert window.earliest == date(2025, 10, 12)
    cal = LOCAL_5.calendar()
    assert working_days_between(date(2025, 9, 28), date(2025, 10, 11), cal) == 5
    assert working_days_between(date(2025, 9, 28), date(2025, 10, 10), cal) == 4
    (reason,) = window.reasons
    assert "公示5个工作日" in reason and "2025年9月29日" in reason and "2025年10月12日" in reason
    assert LOCAL_5.name in reason and "地方做法" in reason
    # counting weekends only would allow Oct 4 (wrongly, over the holidays)
    weekends = dataclasses.replace(LOCAL_5, name="仅周末", working_day_calendar="weekends")
    assert step_window(t, "branch_meeting", weekends).earliest == date(2025, 10, 4)


def test_no_notice_bound_under_the_2014_rules():
    t = {"notice_start": date(2025, 9, 29), "conversion_notice_start": date(2026, 2, 12)}
    for step in ("branch_meeting", "conversion_meeting"):
        window = step_window(t, step)
        assert window.earliest is None and window.reasons == ()
    # nor any calendar: a year without holiday data is fine
    late = {"notice_start": date(2031, 1, 2), "pre_review": date(2031, 1, 2)}
    assert step_window(late, "branch_meeting").earliest == date(2031, 1, 2)
    assert not any("公示" in r for r in step_window(late, "branch_meeting").reasons)


def test_a_configured_notice_not_yet_started_is_a_reason_without_a_bound():
    t = {"pre_review": date(2025, 9, 1)}
    window = step_window(t, "branch_meeting", LOCAL_5)
    assert window.earliest == date(2025, 9, 1)  # the pre-review only
    assert window.latest == date(2025, 10, 1)
    assert len(window.reasons) == 3  # pre-review as predecessor and as deadline, the notice
    notice = window.reasons[-1]
    assert "前须发展对象公示5个工作日" in notice and "尚未记录公示开始日期" in notice
    assert LOCAL_5.name in notice and "地方做法" in notice
    conversion = step_window({"branch_meeting": date(2025, 9, 1)}, "conversion_meeting", LOCAL_5)
    assert conversion.earliest == date(2026, 9, 1)
    assert any("转正公示5个工作日" in r and "尚未记录" in r for r in conversion.reasons)


def test_bounds_combine_max_and_min_with_one_reason_each():
    t = {
        "political_review": date(2024, 10, 8),  # valid until 2025-10-08
        "pre_review": date(2025, 9, 20),  # meeting by 2025-10-20
        "application_form": date(2025, 9, 25),
        "notice_start": date(2025, 9, 22),  # 5 working days: Sep 22–26 -> from Sep 27
    }
    window = step_window(t, "branch_meeting", LOCAL_5)
    assert (window.earliest, window.latest) == (date(2025, 9, 27), date(2025, 10, 8))
    assert len(window.reasons) == 4  # predecessor, notice, pre-review, political review
    assert "“填写入党志愿书”（2025年9月25日）" in window.reasons[0]
    assert all(LOCAL_5.name in r for r in window.reasons)
    # a notice starting too late leaves no allowed day: earliest > latest, both explained
    late = step_window({**t, "notice_start": date(2025, 9, 29)}, "branch_meeting", LOCAL_5)
    assert late.earliest == date(2025, 10, 12) > late.latest == date(2025, 10, 8)
    assert any("有效期至2025年10月8日" in r for r in late.reasons)


def test_reasons_name_the_policy_and_say_which_rules_are_local():
    (talk,) = step_window({"application": date(2025, 3, 1)}, "talk").reasons[1:]
    assert "1个月内" in talk and "最迟2025年4月1日" in talk
    assert f"依据：{DEVELOPMENT_2014.name}）" in talk and "地方做法" not in talk
    activist = {"activist": date(2025, 3, 1)}
    assert any(
        "确定为入党积极分子（2025年3月1日）后须满12个月" in r
        for r in step_window(activist, "candidate").reasons
    )
    window = step_window({"conversion_meeting": date(2025, 3, 1)}, "conversion_approval")
    (approval,) = window.reasons[1:]
    assert "3个月内" in approval and "最迟2025年6月1日" in approval and "地方做法" in approval


def test_blocked_by_lists_the_earlier_main_steps_not_recorded():
    t = {"application": date(2025, 1, 2), "activist": date(2025, 2, 1)}
    assert step_window(t, "application").blocked_by == ()
    assert step_window(t, "activist_filed").blocked_by == ("talk",)
    assert step_window(t, "candidate").blocked_by == ("talk", "activist_filed", "contacts_assigned")
    # training recorded by its hours only is recorded
    hours = {"training_hours": 24}
    assert "training_start" not in step_window(hours, "committee_review").blocked_by
    assert "training_start" in step_window({}, "committee_review").blocked_by
    assert step_window({}, "archived").blocked_by == MAIN_DATE_STEPS[:-1]


def test_a_recorded_step_still_has_its_window():
    t = {"application": date(2025, 3, 1), "talk": date(2025, 5, 1)}
    window = step_window(t, "talk")
    assert window == StepWindow(
        "talk", date(2025, 3, 1), date(2025, 4, 1), window.reasons, blocked_by=()
    )


def test_bad_input_raises_rule_error():
    for step in ("thought_reports", "activist_assessments", "notice_start", "aplication"):
        with pytest.raises(RuleError, match="不是发展党员的主要步骤"):
            step_window({}, step)
    with pytest.raises(RuleError, match="应为日期"):
        step_window({"application": "2025-03-01"}, "talk")
    with pytest.raises(RuleError, match="预备期只能延长一次"):
        step_window(
            {"branch_meeting": date(2025, 3, 1), "extension_months": 5}, "conversion_meeting"
        )


def test_working_day_calendar_errors_propagate_as_rule_error():
    year = data_years()[1] + 1  # the first year without holiday data
    t = {"notice_start": date(year, 3, 2)}
    with pytest.raises(RuleError, match=f"{year}年"):
        step_window(t, "branch_meeting", LOCAL_5)
    # the weekend fallback, when chosen, counts Monday–Friday
    fallback = step_window(t, "branch_meeting", LOCAL_5_WEEKENDS).earliest
    assert working_days_between(t["notice_start"] - DAY, fallback - DAY, WeekendCalendar()) == 5
    assert working_days_between(t["notice_start"] - DAY, fallback - 2 * DAY, WeekendCalendar()) == 4
    assert step_window(t, "branch_meeting").earliest is None  # 2014: no notice, no calendar


STATUTORY_APPLICATIONS = st.dates(min_value=date(2004, 1, 1), max_value=date(2023, 6, 30))
# the step at_limits places exactly on a bound, and which bound
ON_A_BOUND = {
    "talk": "latest",
    "candidate": "earliest",
    "branch_meeting": "latest",
    "approval": "latest",
    "conversion_meeting": "earliest",
    "conversion_approval": "latest",
}


@pytest.mark.parametrize("policy", [DEVELOPMENT_2014, LOCAL_5], ids=["2014", "local_5"])
@given(application=STATUTORY_APPLICATIONS)
def test_every_step_of_a_timeline_at_the_limits_lies_in_its_window(policy, application):
    t = at_limits(application, policy)
    for step in MAIN_DATE_STEPS:
        window = step_window(t, step, policy)
        assert window.blocked_by == ()
        assert window.earliest is None or window.earliest <= t[step], step
        assert window.latest is None or t[step] <= window.latest, step
        if step in ON_A_BOUND:
            assert getattr(window, ON_A_BOUND[step]) == t[step], step


# -- next_step --------------------------------------------------------------------------


def test_next_step():
    assert next_step({}) == "application"
    assert next_step({"birth_date": date(2000, 1, 1)}) == "application"
    assert next_step({"application": date(2025, 1, 2), "talk": date(2025, 1, 9)}) == "activist"
    # the first gap, even when later steps are recorded
    assert next_step({"application": date(2025, 1, 2), "activist": date(2025, 2, 1)}) == "talk"
    before_training = {
        k: date(2025, 1, 1) for k in MAIN_DATE_STEPS[: MAIN_DATE_STEPS.index("training_start")]
    }
    assert next_step(before_training) == "training_start"
    for recorded in (
        {"training_end": date(2025, 1, 5)},
        {"training_days": 3},
        {"training_hours": 24},
    ):
        assert next_step({**before_training, **recorded}) == "committee_review"
    assert next_step({**before_training, "training_start": None}) == "training_start"
    assert next_step(at_limits(date(2023, 3, 15))) is None
    with pytest.raises(RuleError):
        next_step({"aplication": date(2025, 1, 2)})


# -- periodic_due -----------------------------------------------------------------------


def test_periodic_due_is_the_end_of_the_period_containing_today():
    t = {"activist": date(2025, 8, 31), "activist_assessments": [], "thought_reports": []}
    assert periodic_due(t, today=date(2025, 9, 10)) == [
        ("activist_assessments", date(2026, 2, 28)),  # Aug 31 + 6 months, clamped
        ("thought_reports", date(2025, 11, 30)),
    ]
    # the last day of a period is still in it; the next day belongs to the next one
    assert periodic_due(t, today=date(2026, 2, 28))[0] == (
        "activist_assessments",
        date(2026, 2, 28),
    )
    assert periodic_due(t, today=date(2026, 3, 1))[0] == ("activist_assessments", date(2026, 8, 31))
    # before the activist date: the first period
    assert periodic_due(t, today=date(2025, 1, 1))[0] == ("activist_assessments", date(2026, 2, 28))


def test_periodic_due_is_anchored_on_the_start_date_and_never_drifts():
    t = {"activist": date(2025, 1, 31), "thought_reports": []}
    # Jan 31 + 3, 6, 9 months: Apr 30, Jul 31, Oct 31 (not Jul 30 after a clamped Apr 30)
    for today, due in [
        (date(2025, 4, 30), date(2025, 4, 30)),
        (date(2025, 5, 1), date(2025, 7, 31)),
        (date(2025, 8, 1), date(2025, 10, 31)),
        (date(2026, 1, 31), date(2026, 1, 31)),
    ]:
        assert periodic_due(t, today=today) == [("thought_reports", due)]


def test_periodic_due_agrees_with_check_timeline():
    t = {"activist": date(2025, 8, 31), "activist_assessments": []}
    ((_, due),) = periodic_due(t, today=date(2025, 12, 1))
    at_due = [v for v in check_timeline(t, today=due) if v.rule == "activist_assessment_interval"]
    assert at_due == []  # not overdue on its last day
    (late,) = [
        v for v in check_timeline(t, today=due + DAY) if v.rule == "activist_assessment_interval"
    ]
    assert late.limit == due


def test_periodic_due_only_while_running_and_tracked():
    t = {"activist": date(2025, 8, 31), "activist_assessments": [], "thought_reports": []}
    today = date(2026, 9, 10)
    assert [k for k, _ in periodic_due({**t, "candidate": date(2026, 9, 1)}, today=today)] == [
        "thought_reports"
    ]
    assert periodic_due({**t, "conversion_meeting": date(2026, 9, 1)}, today=today) == [
        ("activist_assessments", date(2027, 2, 28))
    ]
    assert periodic_due({**t, "activist": None}, today=today) == []
    assert periodic_due({"activist": date(2025, 8, 31)}, today=today) == []  # not tracked
    assert periodic_due({**t, "thought_reports": None}, today=today) == [
        ("activist_assessments", date(2027, 2, 28))
    ]
    no_reports = dataclasses.replace(
        DEVELOPMENT_2014, name="不要求思想汇报", thought_report_interval_months=None
    )
    assert [k for k, _ in periodic_due(t, no_reports, today=today)] == ["activist_assessments"]
    with pytest.raises(RuleError, match="日期列表"):
        periodic_due(
            {"activist": date(2025, 8, 31), "thought_reports": date(2025, 9, 1)}, today=today
        )


def test_steps_of_one_group_are_not_missing_for_each_other():
    from dangjian.rules.development import check_timeline

    t = {"application": date(2023, 3, 1), "talk": date(2023, 3, 2), "activist": date(2023, 6, 1),
         "contacts_assigned": date(2023, 6, 5)}  # fmt: skip
    assert not [v for v in check_timeline(t) if v.rule == "step_missing"]
    assert step_window(t, "activist_filed").blocked_by == ()
    t["candidate"] = date(2024, 6, 1)
    missing = [v.step for v in check_timeline(t) if v.rule == "step_missing"]
    assert missing == ["activist_filed"]
    assert step_window(t, "candidate_filed").blocked_by == ("activist_filed",)
    assert step_window({"application": date(2023, 3, 1)}, "activist").blocked_by == ("talk",)


def test_periodic_due_moves_on_once_the_current_period_has_an_entry():
    t = {"activist": date(2024, 1, 31), "thought_reports": [], "activist_assessments": []}
    today = date(2024, 3, 15)
    assert dict(periodic_due(t, today=today))["thought_reports"] == date(2024, 4, 30)
    t["thought_reports"] = [date(2024, 3, 1)]
    assert dict(periodic_due(t, today=today))["thought_reports"] == date(2024, 7, 31)
    assert dict(periodic_due(t, today=today))["activist_assessments"] == date(2024, 7, 31)
