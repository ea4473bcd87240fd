"""The development demo data: one lawful pipeline per development-stage person, agreeing with the
member record; deliberate overdue items and justified exceptions only; stored evaluations equal
to what pipeline_evaluate stores; branch A tells the story the demo secretary shows."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.audit.models import AuditEvent
from dangjian.core import demo as core_demo
from dangjian.core.scope import has_perm
from dangjian.development import demo
from dangjian.development.models import (
    AdmissionPlan,
    Pipeline,
    PipelineStatus,
    PolicySetting,
    StepRecord,
    Vote,
)
from dangjian.development.selectors import pipeline_view, policy_for, records_of, timeline_of
from dangjian.development.services import due_items, pipeline_evaluate
from dangjian.members.choices import Stage
from dangjian.members.models import Person, StageChange
from dangjian.orgs.models import Organization, OrgKind
from dangjian.rules import development as rules

# The problems made on purpose (module docstring of development.demo).
DELIBERATE_OVERDUE = {"talk_within_limit", "approval_within_limit", "activist_assessment_interval"}
COLUMNS = ("policy_name", "next_step", "next_earliest", "next_latest", "violations",
           "overdue_count", "evaluated_on")  # fmt: skip


@pytest.fixture
def seeded(db):
    call_command("seed_demo", members=300, seed=7, stdout=StringIO())
    return timezone.localdate()


def pipelines():
    return list(Pipeline.objects.select_related("person__branch").order_by("pk"))


def test_every_development_stage_person_has_one_pipeline_agreeing_with_the_record(seeded):
    people = Person.objects.filter(stage__in=demo.DEVELOPMENT_STAGES)
    assert people.count() > 20
    rows = pipelines()
    assert sorted(p.person_id for p in rows) == sorted(people.values_list("pk", flat=True))
    assert all(p.status == PipelineStatus.ACTIVE for p in rows)
    history = {}
    for person, stage, on in StageChange.objects.values_list("person_id", "to_stage", "on"):
        history[(person, stage)] = on
    stage_of = {"approval": Stage.PROBATIONARY, "candidate": Stage.CANDIDATE,
                "activist": Stage.ACTIVIST, "application": Stage.APPLICANT}  # fmt: skip
    for pipeline in rows:
        person, records = pipeline.person, records_of(pipeline)
        dates = {r.step: r.on for r in records}
        reached = next(stage for step, stage in stage_of.items() if step in dates)
        assert reached == person.stage, (person.name, dates)
        assert dates["application"] == person.application_date
        for step, stage in (("activist", Stage.ACTIVIST), ("candidate", Stage.CANDIDATE)):
            if step in dates:
                assert dates[step] == history[(person.pk, stage)]
        if person.stage == Stage.PROBATIONARY:
            assert dates["branch_meeting"] == person.join_date
            introducers = next(r for r in records if r.step == "introducers")
            names = set(person.introducers.split("、"))
            assert names == {p.name for p in introducers.people.all()} and len(names) == 2
        for record in records:
            if record.step in ("contacts_assigned", "introducers"):
                helpers = list(record.people.all())
                assert helpers and all(p.stage == Stage.FULL for p in helpers)
                assert all(p.full_member_date <= record.on for p in helpers)
                assert sum(p.branch_id == person.branch_id for p in helpers) >= 1
            if record.step == "branch_meeting":
                assert record.vote.passed and "通过" in record.vote.result
            if record.step in ("pre_review", "approval"):
                assert record.approving_org.kind == OrgKind.COMMITTEE
                assert person.branch.path.startswith(record.approving_org.path)
            assert record.on <= seeded and record.policy_name == pipeline.policy_name
    assert Vote.objects.count() == StepRecord.objects.filter(step="branch_meeting").count()
    event = AuditEvent.objects.get(action="demo.seed")
    assert event.changes["development"]["pipelines"] == len(rows)
    assert event.changes["development"]["steps"] == StepRecord.objects.count()
    assert event.changes["people"] == Person.objects.count()


def test_recorded_steps_break_no_rule_except_the_deliberate_ones(seeded):
    overdue_rules, exception_rules = set(), set()
    committee = User.objects.get(username="demo_committee")
    for pipeline in pipelines():
        records = records_of(pipeline)
        facts = timeline_of(pipeline, records)
        policy = policy_for(pipeline.person.branch)
        justified = set()
        for record in records:
            if record.exception_rules:
                assert record.justification.strip() and record.entered_by == committee
                assert has_perm(committee, "development.override", pipeline.person.branch)
                justified.update(record.exception_rules)
        recorded = rules.check_timeline(facts, policy)
        assert {v.rule for v in recorded} <= justified, [v.message for v in recorded]
        assert all(v.rule not in {"step_order", "step_missing", "date_in_future"}
                   for v in recorded)  # fmt: skip
        exception_rules |= justified
        for violation in rules.check_timeline(facts, policy, today=seeded):
            if violation.rule not in justified:
                assert violation.rule in DELIBERATE_OVERDUE, violation.message
                overdue_rules.add(violation.rule)
    assert overdue_rules == DELIBERATE_OVERDUE
    assert "talk_within_limit" in exception_rules  # branch A's probationary member


def test_stored_evaluation_equals_what_pipeline_evaluate_stores(seeded):
    rows = pipelines()
    before = {p.pk: tuple(getattr(p, c) for c in COLUMNS) for p in rows}
    for pipeline in rows[::2]:
        pipeline_evaluate(pipeline, today=seeded)
    after = {
        p.pk: tuple(getattr(p, c) for c in COLUMNS)
        for p in Pipeline.objects.filter(pk__in=[p.pk for p in rows[::2]])
    }
    assert after == {pk: before[pk] for pk in after}
    assert sum(p.overdue_count > 0 for p in rows) >= 3
    # The power company works under the local variant; branch A under the national default.
    local = PolicySetting.objects.get()
    assert local.org.code == demo.LOCAL_POLICY_ORG and local.data == demo.LOCAL_POLICY
    names = {p.person.branch.path.startswith(local.org.path): p.policy_name for p in rows}
    assert names == {True: demo.LOCAL_POLICY["name"], False: rules.DEVELOPMENT_2014.name}
    notices = StepRecord.objects.filter(step="notice_start")
    assert all(r.pipeline.person.branch.path.startswith(local.org.path) for r in notices)


def test_branch_a_tells_the_story_of_the_demo(seeded):
    secretary = User.objects.get(username="demo_secretary")
    branch = Organization.objects.get(code=core_demo.branch_a_code())
    mine = [
        p for p in Pipeline.objects.restrict(secretary, "development.view")
        .select_related("person__branch")
    ]  # fmt: skip
    assert mine and all(p.person.branch_id == branch.pk for p in mine)
    by_stage: dict[str, list[Pipeline]] = {}
    for pipeline in mine:
        by_stage.setdefault(pipeline.person.stage, []).append(pipeline)
    applicants = by_stage[Stage.APPLICANT]
    assert len(applicants) >= 2
    assert any(v["rule"] == "talk_within_limit" and v["overdue"]
               for p in applicants for v in p.violations)  # fmt: skip
    activists = by_stage[Stage.ACTIVIST]
    assert len(activists) >= 2
    assert any(v["rule"] == "activist_assessment_interval" for p in activists
               for v in p.violations)  # fmt: skip
    ready = [p for p in by_stage[Stage.CANDIDATE] if p.next_step == "branch_meeting"]
    assert ready and all(p.overdue_count == 0 for p in ready)
    ends = [pipeline_view(p, seeded).probation_end for p in by_stage[Stage.PROBATIONARY]]
    assert any(seeded < end <= seeded + timedelta(days=30) for end in ends)
    # The daily reminders have something to say in branch A: an overdue talk, a talk due soon.
    items = [item for p in mine for item in due_items(p, seeded, 7)]
    assert {"overdue", "upcoming"} <= {item.kind for item in items}
    # One plan per committee for this year.
    committees = Organization.objects.filter(kind=OrgKind.COMMITTEE)
    plans = AdmissionPlan.objects.filter(year=seeded.year)
    assert sorted(plans.values_list("org_id", flat=True)) == sorted(
        committees.values_list("pk", flat=True)
    )
    assert all(plan.target >= 1 for plan in plans)
