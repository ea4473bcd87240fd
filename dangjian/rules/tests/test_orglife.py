"""Rules of organizational life (DOMAIN.md §3): frequencies, quorum, compliance cells."""

import dataclasses
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.rules import RuleError
from dangjian.rules import orglife as rules
from dangjian.rules.orglife import GREEN, NONE, RED, BranchFacts, Held

TODAY = date(2026, 11, 21)
BRANCH = BranchFacts(has_committee=True, groups=2)


def all_held(year: int, months: int = 12, groups: int = 2) -> dict:
    """Every monthly requirement met in the first `months` months; quarterly and yearly ones
    met in each quarter's first month and in January."""
    counts: dict = {}
    for m in range(1, months + 1):
        month = date(year, m, 1)
        for code in ("committee_meeting", "theme_day"):
            counts[(code, month)] = Held(held=1)
        counts[("group_meeting", month)] = Held(held=groups, groups=groups)
        if m % 3 == 1:
            counts[("general_meeting", month)] = Held(held=1)
        if m == 1:
            for code in ("lecture", "orglife_meeting", "appraisal", "talk"):
                counts[(code, month)] = Held(held=1)
    return counts


def cell(cells, period, month):
    return next(c for c in cells if c.period == period and c.start == date(2026, month, 1))


class TestPolicy:
    def test_the_2018_frequencies(self):
        freq = {r.activity: (r.period, r.times) for r in rules.ORGLIFE_2018.requirements}
        assert freq == {
            "general_meeting": ("quarter", 1), "committee_meeting": ("month", 1),
            "group_meeting": ("month", 1), "lecture": ("year", 1), "theme_day": ("month", 1),
            "orglife_meeting": ("year", 1), "appraisal": ("year", 1), "talk": ("year", 1),
        }  # fmt: skip

    def test_the_quarterly_lecture_is_marked_local(self):
        lecture = rules.ORGLIFE_2018_QUARTERLY_LECTURE.requirement("lecture")
        assert (lecture.period, lecture.local) == ("quarter", True)
        assert "地方做法" in lecture.describe()
        assert "地方做法" not in rules.ORGLIFE_2018.requirement("theme_day").describe()

    def test_a_local_variant_from_settings(self):
        policy = rules.policy_from_dict({
            "name": "某公司组织生活规定", "minutes_sign_days": 5,
            "requirements": {"lecture": {"period": "quarter"}, "talk": None},
        })  # fmt: skip
        assert policy.minutes_sign_days == 5
        assert policy.requirement("lecture").period == "quarter"
        assert policy.requirement("talk") is None

    @pytest.mark.parametrize("data, message", [
        ({"minutes_sign_days": 5}, "另起名称"),
        ({"name": "x", "colour": 1}, "未知参数"),
        ({"name": "x", "requirements": {"dance": {}}}, "未知的活动类型"),
        ({"name": "x", "requirements": {"lecture": {"period": "week"}}}, "未知的周期"),
        ({"name": "x", "requirements": {"lecture": {"times": 0}}}, "正整数"),
        ({"name": "x", "requirements": {"lecture": {"speed": 1}}}, "未知参数"),
        ({"base": "没有这个政策"}, "没有名为"),
        ({"name": "x", "minutes_sign_days": -1}, "非负整数"),
    ])  # fmt: skip
    def test_bad_settings_are_refused_in_chinese(self, data, message):
        with pytest.raises(RuleError, match=message):
            rules.policy_from_dict(data)

    def test_the_unchanged_base_keeps_its_name(self):
        assert rules.policy_from_dict({}) == rules.ORGLIFE_2018


class TestQuorum:
    @given(st.integers(min_value=1, max_value=500), st.integers(min_value=0, max_value=500))
    def test_more_than_half_never_exactly_half(self, entitled, present):
        met = rules.quorum_met("full_members", entitled=entitled, present=present)
        assert met == (present * 2 > entitled)

    def test_no_quorum_rule_says_none(self):
        assert rules.quorum_met("none", entitled=10, present=0) is None

    def test_nobody_entitled_is_no_quorum(self):
        assert rules.quorum_met("committee", entitled=0, present=0) is False

    def test_unknown_rule_and_negative_counts(self):
        with pytest.raises(RuleError):
            rules.quorum_met("two_thirds", entitled=3, present=2)
        with pytest.raises(RuleError):
            rules.quorum_met("committee", entitled=3, present=-1)


class TestPeriods:
    @given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
           st.sampled_from(rules.PERIODS))  # fmt: skip
    def test_every_day_lies_in_its_period(self, day, period):
        start = rules.period_start(day, period)
        assert start <= day <= rules.period_end(start, period)
        assert rules.period_start(rules.period_end(start, period), period) == start

    def test_labels(self):
        assert rules.period_label(date(2026, 10, 1), "quarter") == "2026年第4季度"
        assert rules.period_label(date(2026, 3, 1), "month") == "2026年3月"

    def test_minutes_due(self):
        assert rules.minutes_due(date(2026, 12, 28), rules.ORGLIFE_2018) == date(2027, 1, 4)


class TestCompliance:
    def test_a_branch_that_held_everything_is_green_until_today(self):
        cells = rules.year_cells(rules.ORGLIFE_2018, 2026, all_held(2026, 11), BRANCH, TODAY)
        months = [c for c in cells if c.period == "month"]
        assert [c.status for c in months[:10]] == ["green"] * 10
        assert months[11].severity == NONE  # December has not begun
        assert cell(cells, "year", 1).severity == GREEN

    def test_a_quarter_without_a_general_meeting_is_red_in_its_last_month(self):
        counts = all_held(2026, 11)
        del counts[("general_meeting", date(2026, 4, 1))]
        cells = rules.year_cells(rules.ORGLIFE_2018, 2026, counts, BRANCH, TODAY)
        assert cell(cells, "month", 5).severity == GREEN
        june = cell(cells, "month", 6)
        assert june.severity == RED
        missing = [o for o in june.outcomes if o.state == "missing"]
        assert [o.message for o in missing] == [
            "2026年第2季度支部党员大会未按要求召开（已开 0 次，要求 1 次）。"
        ]
        assert cell(cells, "quarter", 4).severity == RED
        assert cell(cells, "year", 1).severity == RED

    def test_a_flawed_meeting_is_amber(self):
        counts = all_held(2026, 11)
        counts[("general_meeting", date(2026, 7, 1))] = Held(held=1, flawed=1)
        cells = rules.year_cells(rules.ORGLIFE_2018, 2026, counts, BRANCH, TODAY)
        assert cell(cells, "month", 9).status == "amber"
        assert "未达到会人数要求" in cell(cells, "month", 9).outcomes[0].message

    def test_the_current_month_is_amber_only_near_its_end(self):
        counts = all_held(2026, 10)
        early = rules.year_cells(rules.ORGLIFE_2018, 2026, counts, BRANCH, date(2026, 11, 5))
        assert cell(early, "month", 11).severity == NONE
        late = rules.year_cells(rules.ORGLIFE_2018, 2026, counts, BRANCH, date(2026, 11, 20))
        assert cell(late, "month", 11).status == "amber"

    def test_every_party_group_must_meet(self):
        counts = all_held(2026, 11)
        counts[("group_meeting", date(2026, 5, 1))] = Held(held=3, groups=1)  # one group twice
        cells = rules.year_cells(rules.ORGLIFE_2018, 2026, counts, BRANCH, TODAY)
        assert cell(cells, "month", 5).severity == RED

    def test_requirements_that_do_not_apply(self):
        small = BranchFacts(has_committee=False, groups=0)
        codes = {r.activity for r in rules.applicable(rules.ORGLIFE_2018, small)}
        assert "committee_meeting" not in codes and "group_meeting" not in codes

    def test_nothing_is_judged_before_the_branch_was_founded(self):
        cells = rules.year_cells(rules.ORGLIFE_2018, 2026, {}, BRANCH, TODAY,
                                 since=date(2026, 8, 10))  # fmt: skip
        assert cell(cells, "month", 6).severity == NONE
        assert cell(cells, "month", 8).severity == RED

    def test_a_custom_type_joins_the_judgement(self):
        extra = [rules.Requirement("custom-1", "month", label="安全讲堂", local=True)]
        cells = rules.year_cells(rules.ORGLIFE_2018, 2026, all_held(2026, 11), BRANCH, TODAY,
                                 extra=extra)  # fmt: skip
        assert cell(cells, "month", 3).severity == RED
        assert "安全讲堂" in cell(cells, "month", 3).outcomes[-1].message

    @given(
        st.dictionaries(
            st.tuples(
                st.sampled_from(sorted(rules.TYPES)),
                st.integers(min_value=1, max_value=12).map(lambda m: date(2026, m, 1)),
            ),
            st.builds(Held, st.integers(0, 3), st.just(0), st.integers(0, 3)),
            max_size=40,
        )
    )
    def test_quarter_and_year_are_the_worst_of_their_months(self, counts):
        cells = rules.year_cells(rules.ORGLIFE_2018, 2026, counts, BRANCH, TODAY)
        months = [c for c in cells if c.period == "month"]

        def expected(group):
            worst = max(c.severity for c in group)
            still_open = any(o.state == "open" for c in group for o in c.outcomes)
            return NONE if worst == GREEN and still_open else worst

        for q in range(4):
            assert cell(cells, "quarter", q * 3 + 1).severity == expected(months[q * 3 : q * 3 + 3])
        assert cell(cells, "year", 1).severity == expected(months)

    def test_warnings_name_what_is_due_soon_and_what_was_missed(self):
        counts = all_held(2026, 11)
        del counts[("general_meeting", date(2026, 7, 1))]
        del counts[("general_meeting", date(2026, 10, 1))]
        found = rules.warnings(rules.ORGLIFE_2018, counts, BRANCH, date(2026, 12, 20))
        states = {(o.activity, o.start, o.state) for o in found}
        assert ("general_meeting", date(2026, 10, 1), "due_soon") in states
        assert ("general_meeting", date(2026, 7, 1), "missing") in states
        assert ("theme_day", date(2026, 12, 1), "due_soon") in states
        assert not any(o.state == "ok" for o in found)

    def test_a_requirement_cannot_be_listed_twice(self):
        with pytest.raises(RuleError):
            dataclasses.replace(
                rules.ORGLIFE_2018,
                requirements=(
                    rules.Requirement("lecture", "year"),
                    rules.Requirement("lecture", "month"),
                ),
            )
