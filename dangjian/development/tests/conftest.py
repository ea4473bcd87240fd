"""Fixtures of member development: an applicant, full members to act as contacts and
introducers, and `walk`, which records a valid pipeline up to any step.

PLAN is one lawful history under the 2014 policy (no notices): every date respects every limit,
so a test can move exactly one date across exactly one boundary.
"""

from datetime import date

import pytest

from dangjian.development.models import Pipeline
from dangjian.development.services import pipeline_start, step_record
from dangjian.members.tests.conftest import make_person  # noqa: F401 - fixture
from dangjian.rules.dates import add_months
from dangjian.rules.development import MAIN_DATE_STEPS

PLAN: dict[str, date] = {
    "application": date(2023, 3, 1),
    "talk": date(2023, 3, 20),
    "activist": date(2023, 6, 1),
    "activist_filed": date(2023, 6, 10),
    "contacts_assigned": date(2023, 6, 10),
    "activist_assessments": date(2023, 11, 30),
    "candidate": date(2024, 6, 1),
    "candidate_filed": date(2024, 6, 5),
    "introducers": date(2024, 6, 5),
    "political_review": date(2024, 6, 20),
    "training_start": date(2024, 7, 1),
    "committee_review": date(2024, 7, 10),
    "pre_review": date(2024, 7, 20),
    "application_form": date(2024, 7, 25),
    "branch_meeting": date(2024, 8, 10),
    "higher_talk": date(2024, 8, 20),
    "approval": date(2024, 9, 10),
    "filed_with_department": date(2024, 9, 20),
    "placed": date(2024, 9, 20),
    "oath": date(2024, 9, 25),
    "probation_assessments": date(2025, 2, 25),
    "conversion_application": date(2025, 7, 20),
    "conversion_meeting": date(2025, 8, 10),
    "conversion_approval": date(2025, 9, 10),
    "archived": date(2025, 9, 30),
}
TRAINING_END = date(2024, 7, 3)  # 3 calendar days
PASSING_VOTE = {"entitled": 9, "present": 8, "yes": 7, "no": 1, "abstain": 0}


@pytest.fixture
def full_members(make_person, tree):  # noqa: F811
    """Two full members of branch A (contacts and introducers)."""
    return [
        make_person(name="刘介绍", join_date=date(2010, 7, 1), full_member_date=date(2011, 7, 1)),
        make_person(name="陈介绍", join_date=date(2012, 7, 1), full_member_date=date(2013, 7, 1)),
    ]


@pytest.fixture
def applicant(make_person):  # noqa: F811
    return make_person(
        name="周申请", birth_date=date(1998, 5, 4), stage="employee", join_date=None,
        full_member_date=None,
    )  # fmt: skip


def step_kwargs(step: str, tree, full_members, on: date | None = None) -> dict:
    """What the form would send for `step` in the lawful PLAN."""
    kwargs: dict = {"step": step, "on": on or PLAN[step], "responsible": "支部委员会"}
    if step == "training_start":
        kwargs["end_on"] = TRAINING_END
    if step in ("contacts_assigned", "introducers"):
        kwargs["people"] = full_members
    if step in ("pre_review", "approval", "conversion_approval"):
        kwargs["approving_org"] = tree.company
    if step in ("branch_meeting", "conversion_meeting"):
        kwargs["vote"] = dict(PASSING_VOTE)
    return kwargs


@pytest.fixture
def walk(tree, personas, full_members, applicant):
    """walk(until) -> the applicant's pipeline with PLAN recorded up to and including `until`
    (None: nothing after the application). Recorded by the group committee administrator."""

    def run(until: str | None = None, *, actor=None, person=None, months=0) -> Pipeline:
        """`months`: shift every PLAN date by that many calendar months."""
        actor = actor or personas.committee_admin
        applied_on = add_months(PLAN["application"], months)
        pipeline = pipeline_start(actor=actor, person=person or applicant, applied_on=applied_on)
        steps = list(PLAN)
        for step in steps[1 : steps.index(until) + 1] if until else []:
            kwargs = step_kwargs(step, tree, full_members, add_months(PLAN[step], months))
            if "end_on" in kwargs:
                kwargs["end_on"] = add_months(kwargs["end_on"], months)
            step_record(actor=actor, pipeline=pipeline, **kwargs)
        pipeline.refresh_from_db()
        return pipeline

    return run


assert set(MAIN_DATE_STEPS) <= set(PLAN)
