"""Deadlines, policies and the vote rule (DOMAIN.md §2)."""

import dataclasses
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.rules import RuleError
from dangjian.rules.development import (
    DEVELOPMENT_2014,
    POLICIES,
    approval_deadline,
    branch_meeting_deadline,
    check_application_age,
    conversion_approval_deadline,
    earliest_application_date,
    earliest_candidate_date,
    earliest_meeting_after_notice,
    get_policy,
    latest_notice_start,
    policy_from_dict,
    political_review_expires,
    probation_end,
    talk_deadline,
    training_sufficient,
    vote_passes,
    vote_result,
)
from dangjian.rules.tests.local_policies import LOCAL_5

DATES = st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31))
LOCAL_7 = dataclasses.replace(DEVELOPMENT_2014, name="某省细则", public_notice_working_days=7)

# -- deadlines ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "last_day"),
    [
        (date(2025, 1, 31), date(2025, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2025, 3, 15), date(2025, 4, 15)),
        (date(2025, 12, 31), date(2026, 1, 31)),
    ],
)
def test_talk_deadline_is_one_calendar_month(received, last_day):
    assert talk_deadline(received) == last_day


def test_earliest_candidate_date_is_one_year_after_activist():
    assert earliest_candidate_date(date(2025, 3, 10)) == date(2026, 3, 10)
    assert earliest_candidate_date(date(2024, 2, 29)) == date(2025, 2, 28)


def test_approval_deadline_three_or_six_months():
    assert approval_deadline(date(2025, 8, 31)) == date(2025, 11, 30)
    assert approval_deadline(date(2025, 8, 31), special=True) == date(2026, 2, 28)
    assert approval_deadline(date(2023, 8, 31), True) == date(2024, 2, 29)


def test_probation_end_keeps_its_behaviour():
    assert probation_end(date(2025, 7, 1)) == date(2026, 7, 1)
    assert probation_end(date(2024, 2, 29)) == date(2025, 2, 28)
    assert probation_end(date(2025, 7, 1), 6) == date(2027, 1, 1)
    assert probation_end(date(2025, 7, 1), 12) == date(2027, 7, 1)
    for bad in (5, 13, -6):
        with pytest.raises(RuleError, match="预备期只能延长一次"):
            probation_end(date(2025, 7, 1), bad)


def test_check_application_age_boundaries():
    check_application_age(date(2007, 3, 1), date(2025, 3, 1))
    with pytest.raises(RuleError, match="须年满18周岁"):
        check_application_age(date(2007, 3, 1), date(2025, 2, 28))
    assert earliest_application_date(date(2008, 2, 29)) == date(2026, 3, 1)


def test_local_deadlines_and_their_switches():
    assert branch_meeting_deadline(date(2025, 1, 31)) == date(2025, 2, 28)
    assert political_review_expires(date(2024, 2, 29)) == date(2025, 2, 28)
    assert conversion_approval_deadline(date(2025, 8, 31)) == date(2025, 11, 30)
    off = dataclasses.replace(
        LOCAL_5,
        name="无地方规定",
        branch_meeting_after_pre_review_months=None,
        political_review_valid_months=None,
        conversion_approval_months=None,
        public_notice_working_days=None,
    )
    assert branch_meeting_deadline(date(2025, 1, 31), off) is None
    assert political_review_expires(date(2025, 1, 31), off) is None
    assert conversion_approval_deadline(date(2025, 1, 31), off) is None
    assert earliest_meeting_after_notice(date(2025, 1, 31), off) is None
    # switching one notice off leaves the other one on
    assert earliest_meeting_after_notice(date(2025, 1, 31), off, conversion=True) is not None
    assert latest_notice_start(date(2025, 2, 10), off) is None


def test_the_2014_policy_has_no_public_notice():
    assert DEVELOPMENT_2014.public_notice_working_days is None
    assert DEVELOPMENT_2014.conversion_notice_working_days is None
    assert "公示" in DEVELOPMENT_2014.note and "地方做法" in DEVELOPMENT_2014.note
    for conversion in (False, True):
        # also in years without holiday data: no calendar is consulted
        for day in (date(2025, 9, 29), date(2026, 2, 16), date(2031, 1, 1)):
            assert earliest_meeting_after_notice(day, conversion=conversion) is None
            assert latest_notice_start(day, conversion=conversion) is None
            assert (
                earliest_meeting_after_notice(day, DEVELOPMENT_2014, conversion=conversion) is None
            )


def test_notice_over_national_day_2025():
    # Sep 29, 30 | Oct 1–8 holiday | Oct 9, 10, 11 (make-up Saturday): 5th working day Oct 11.
    assert earliest_meeting_after_notice(date(2025, 9, 29), LOCAL_5) == date(2025, 10, 12)
    assert latest_notice_start(date(2025, 10, 12), LOCAL_5) == date(2025, 9, 29)
    assert earliest_meeting_after_notice(date(2025, 9, 29), LOCAL_5, conversion=True) == date(
        2025, 10, 12
    )
    # A 7-working-day local variant moves the meeting on: Oct 13 (Mon), 14 (Tue).
    assert earliest_meeting_after_notice(date(2025, 9, 29), LOCAL_7) == date(2025, 10, 15)
    weekends = dataclasses.replace(LOCAL_5, name="仅周末", working_day_calendar="weekends")
    assert earliest_meeting_after_notice(date(2025, 9, 29), weekends) == date(2025, 10, 4)


def test_notice_over_spring_festival_2026():
    # Feb 12, 13, 14 (make-up Saturday) | Feb 15–23 holiday | Feb 24, 25.
    assert earliest_meeting_after_notice(date(2026, 2, 12), LOCAL_5) == date(2026, 2, 26)
    # A notice starting on a holiday counts from the next working day: Feb 24–27 and the
    # make-up Saturday Feb 28 — the meeting may be on Sunday Mar 1.
    assert earliest_meeting_after_notice(date(2026, 2, 16), LOCAL_5) == date(2026, 3, 1)
    assert earliest_meeting_after_notice(date(2026, 2, 16), LOCAL_5, conversion=True) == date(
        2026, 3, 1
    )


def test_training_minimum_is_days_or_hours():
    assert training_sufficient(3, None)
    assert training_sufficient(None, 24)
    assert training_sufficient(2, 24)
    assert not training_sufficient(2, 23.5)
    assert not training_sufficient(None, None)


@given(DATES, DATES)
def test_deadlines_are_monotonic(a, b):
    a, b = sorted((a, b))
    for deadline in (talk_deadline, earliest_candidate_date, approval_deadline, probation_end):
        assert deadline(a) <= deadline(b)
    assert approval_deadline(a, special=True) <= approval_deadline(b, special=True)


@given(DATES, st.sampled_from([0, *range(6, 13)]))
def test_probation_end_is_after_admission(admitted, extension):
    end = probation_end(admitted, extension)
    assert end > admitted
    assert probation_end(admitted) <= end


@given(DATES)
def test_deadlines_are_after_their_anchor(day):
    assert talk_deadline(day) > day
    assert earliest_candidate_date(day) > day
    assert day < approval_deadline(day) <= approval_deadline(day, special=True)


# -- policies -----------------------------------------------------------------------------


def test_local_policy_by_replace_and_validation():
    assert LOCAL_7.public_notice_working_days == 7
    assert LOCAL_7.conversion_notice_working_days is None  # only what was replaced changes
    assert LOCAL_7.is_local("public_notice_candidate")
    assert not LOCAL_7.is_local("talk_within_limit")
    with pytest.raises(RuleError, match="非负整数"):
        dataclasses.replace(DEVELOPMENT_2014, name="x", approval_months=-1)
    with pytest.raises(RuleError, match="非负整数"):
        dataclasses.replace(DEVELOPMENT_2014, name="x", approval_months=True)
    with pytest.raises(RuleError, match="名称"):
        dataclasses.replace(DEVELOPMENT_2014, name=" ")
    with pytest.raises(RuleError, match="日历"):
        dataclasses.replace(DEVELOPMENT_2014, name="x", working_day_calendar="lunar")
    with pytest.raises(RuleError, match="规则代码"):
        dataclasses.replace(DEVELOPMENT_2014, name="x", local_rules=frozenset({"nope"}))


def test_policy_from_dict():
    policy = policy_from_dict(
        {"base": DEVELOPMENT_2014.name, "name": "某省细则", "public_notice_working_days": 7}
    )
    assert policy == LOCAL_7
    assert policy_from_dict({}) is not None  # the 2014 policy itself
    assert policy_from_dict({}) == DEVELOPMENT_2014
    listed = policy_from_dict({"name": "某市", "local_rules": ["political_review_valid"]})
    assert listed.local_rules == frozenset({"political_review_valid"})
    with pytest.raises(RuleError, match="未知参数"):
        policy_from_dict({"name": "某省", "public_notice_days": 7})
    with pytest.raises(RuleError, match="另起名称"):
        policy_from_dict({"public_notice_working_days": 7})
    with pytest.raises(RuleError, match="没有名为"):
        policy_from_dict({"base": "发展党员工作细则（2026）", "name": "x"})


def test_registry_is_read_only_and_has_no_invented_2026_rules():
    assert get_policy(DEVELOPMENT_2014.name) is DEVELOPMENT_2014
    assert list(POLICIES) == [DEVELOPMENT_2014.name]
    with pytest.raises(TypeError):
        POLICIES["x"] = DEVELOPMENT_2014  # type: ignore[index]


# -- votes --------------------------------------------------------------------------------


def vote(entitled, present, yes, written=0):
    return vote_passes(
        full_members_entitled=entitled,
        voting_members_present=present,
        yes_votes=yes,
        written_yes_votes=written,
    )


@pytest.mark.parametrize(
    ("entitled", "present", "yes", "written", "passes"),
    [
        (10, 5, 5, 0, False),  # exactly half present: no quorum
        (10, 6, 5, 0, False),  # exactly half yes: not enough
        (10, 6, 6, 0, True),
        (10, 6, 5, 1, True),  # a written opinion of an absentee counts as a vote
        (10, 5, 5, 5, False),  # ...but never makes anyone present
        (9, 5, 5, 0, True),  # odd: 5 > 4.5
        (9, 4, 4, 5, False),
        (3, 2, 2, 0, True),  # the smallest branch
        (1, 1, 1, 0, True),
        (1, 0, 0, 1, False),
    ],
)
def test_vote_boundaries(entitled, present, yes, written, passes):
    assert vote(entitled, present, yes, written) is passes


def test_vote_result_explains_in_chinese():
    result = vote_result(full_members_entitled=10, voting_members_present=5, yes_votes=5)
    assert (result.quorate, result.passed, result.present_needed) == (False, False, 6)
    assert "未超过应到会10人的半数" in result.message
    assert (
        "通过"
        in vote_result(full_members_entitled=10, voting_members_present=6, yes_votes=6).message
    )


@pytest.mark.parametrize(
    ("entitled", "present", "yes", "written", "match"),
    [
        (-1, 0, 0, 0, "负数"),
        (10, 6, -1, 0, "负数"),
        (0, 0, 0, 0, "为0"),
        (10, 11, 6, 0, "不能超过应到会"),
        (10, 6, 7, 0, "不能超过实到会"),
        (10, 8, 6, 3, "未到会"),
        (10, 6, True, 0, "整数"),
        (10.0, 6, 6, 0, "整数"),
    ],
)
def test_impossible_votes_raise(entitled, present, yes, written, match):
    with pytest.raises(RuleError, match=match):
        vote(entitled, present, yes, written)


@st.composite
def consistent_votes(draw):
    entitled = draw(st.integers(1, 300))
    present = draw(st.integers(0, entitled))
    yes = draw(st.integers(0, present))
    written = draw(st.integers(0, entitled - present))
    return entitled, present, yes, written


@given(consistent_votes())
def test_consistent_votes_never_raise_and_are_monotonic_in_yes(args):
    entitled, present, yes, written = args
    result = vote(*args)
    assert result == (2 * present > entitled and 2 * (yes + written) > entitled)
    if yes < present:
        assert vote(entitled, present, yes + 1, written) >= result
    if written < entitled - present:
        assert vote(entitled, present, yes, written + 1) >= result
