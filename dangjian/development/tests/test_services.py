"""Guarded transitions (issue 4 §3–§6): every rule the services enforce, at its boundary day."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from dangjian.audit.models import AuditEvent
from dangjian.core.testing import make_user
from dangjian.development.models import Pipeline, PipelineStatus, StepRecord, Vote
from dangjian.development.services import (
    pipeline_evaluate,
    pipeline_start,
    pipeline_stop,
    probation_extend,
    reminders_send,
    step_record,
    step_undo,
)
from dangjian.development.tests.conftest import PASSING_VOTE, PLAN, step_kwargs
from dangjian.notifications.models import Notification
from dangjian.rules.development import probation_end

DAY = timedelta(days=1)


def messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def record(pipeline, step, tree, full_members, actor, **overrides):
    kwargs = step_kwargs(step, tree, full_members) | overrides
    return step_record(actor=actor, pipeline=pipeline, **kwargs)


@pytest.fixture
def admin(personas):
    return personas.committee_admin


# -- starting -----------------------------------------------------------------------------------


def test_start_sets_the_member_record_to_applicant_and_audits(walk, applicant):
    pipeline = walk()
    applicant.refresh_from_db()
    assert applicant.stage == "applicant" and applicant.application_date == PLAN["application"]
    assert pipeline.steps.get().step == "application"
    assert AuditEvent.objects.filter(action="development.start", target_id=str(pipeline.pk))
    assert pipeline.next_step == "talk" and pipeline.next_latest == date(2023, 4, 1)


@pytest.mark.parametrize(
    ("applied", "ok"),
    [(date(2016, 5, 3), False), (date(2016, 5, 4), True), (date(2016, 5, 5), True)],
)
def test_applicant_must_be_eighteen_on_the_application_day(make_person, admin, applied, ok):
    young = make_person(
        name="吴青年", birth_date=date(1998, 5, 4), stage="employee", join_date=None,
        full_member_date=None,
    )  # fmt: skip
    if ok:
        assert pipeline_start(actor=admin, person=young, applied_on=applied)
        return
    with pytest.raises(ValidationError) as exc:
        pipeline_start(actor=admin, person=young, applied_on=applied, justification="特殊")
    assert "十八周岁" in messages(exc.value) or "18周岁" in messages(exc.value)
    assert not Pipeline.objects.filter(person=young).exists()
    young.refresh_from_db()
    assert young.stage == "employee"


def test_a_person_in_a_pipeline_cannot_start_another(walk, applicant, admin):
    walk()
    with pytest.raises(ValidationError) as exc:
        pipeline_start(actor=admin, person=applicant, applied_on=date(2023, 5, 1))
    assert "已在综采一队党支部的发展流程中" in messages(exc.value)
    assert Pipeline.objects.filter(person=applicant).count() == 1


def test_members_cannot_be_developed(full_members, admin):
    with pytest.raises(ValidationError):
        pipeline_start(actor=admin, person=full_members[0], applied_on=date(2023, 5, 1))


def test_out_of_scope_is_404(make_person, tree, personas):
    stranger = make_person(
        branch=tree.branch_c, name="外单位", stage="employee", join_date=None,
        full_member_date=None,
    )  # fmt: skip
    with pytest.raises(Http404):
        pipeline_start(actor=personas.secretary_a, person=stranger, applied_on=date(2023, 5, 1))
    with pytest.raises(Http404):  # a plain member holds no development permission
        pipeline_start(actor=personas.member_a, person=stranger, applied_on=date(2023, 5, 1))


# -- boundary days of every deadline and earliest date -------------------------------------------

# (step, limit, kind): earliest = first allowed day; latest = last allowed day.
BOUNDARIES = [
    ("talk", date(2023, 4, 1), "latest"),  # application 2023-03-01 + 1 month
    ("candidate", date(2024, 6, 1), "earliest"),  # activist 2023-06-01 + 12 months
    ("branch_meeting", date(2024, 8, 20), "latest"),  # pre-review 2024-07-20 + 1 month (local)
    ("approval", date(2024, 11, 10), "latest"),  # branch meeting 2024-08-10 + 3 months
    ("conversion_meeting", date(2025, 8, 10), "earliest"),  # admitted 2024-08-10 + 12 months
    ("conversion_approval", date(2025, 11, 10), "latest"),  # conversion meeting + 3 months
]


def _before(step: str) -> str:
    steps = list(PLAN)
    return steps[steps.index(step) - 1]


@pytest.mark.parametrize(("step", "limit", "kind"), BOUNDARIES)
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_every_limit_at_its_boundary(walk, tree, full_members, admin, step, limit, kind, offset):
    pipeline = walk(_before(step))
    on = limit + offset * DAY
    allowed = offset <= 0 if kind == "latest" else offset >= 0
    if allowed:
        rec = record(pipeline, step, tree, full_members, admin, on=on)
        assert rec.exception_rules == []
        return
    with pytest.raises(ValidationError) as exc:
        record(pipeline, step, tree, full_members, admin, on=on)
    assert "年" in messages(exc.value)  # the Chinese reason names the dates
    assert not StepRecord.objects.filter(pipeline=pipeline, step=step).exists()


def test_a_late_step_is_recorded_only_as_a_justified_exception(walk, tree, full_members, admin):
    pipeline = walk()
    late = date(2023, 4, 2)
    with pytest.raises(ValidationError) as exc:
        record(pipeline, "talk", tree, full_members, admin, on=late)
    assert "如确属特殊情况" in messages(exc.value)
    rec = record(pipeline, "talk", tree, full_members, admin, on=late, justification="申请人外派")
    assert rec.exception_rules == ["talk_within_limit"] and rec.justification == "申请人外派"
    event = AuditEvent.objects.get(action="development.exception")
    assert event.changes["justification"] == "申请人外派"


def test_without_override_permission_no_exception_is_possible(walk, tree, full_members, personas):
    pipeline = walk()
    secretary = personas.secretary_a
    with pytest.raises(ValidationError) as exc:
        record(pipeline, "talk", tree, full_members, secretary, on=date(2023, 4, 2))
    assert "须由有权人员" in messages(exc.value)
    with pytest.raises(ValidationError, match="须由有权人员"):
        record(pipeline, "talk", tree, full_members, secretary, on=date(2023, 4, 2),
               justification="补记")  # fmt: skip
    assert not StepRecord.objects.filter(step="talk").exists()


def test_too_early_candidate_cannot_be_justified(walk, tree, full_members, admin):
    pipeline = walk("activist_assessments")
    with pytest.raises(ValidationError) as exc:
        record(pipeline, "candidate", tree, full_members, admin, on=date(2024, 5, 31),
               justification="表现突出")  # fmt: skip
    assert "2024年6月1日" in messages(exc.value)
    assert not StepRecord.objects.filter(step="candidate").exists()


# -- bad input ----------------------------------------------------------------------------------


def test_duplicate_future_out_of_order_and_skipped_steps_are_refused(
    walk, tree, full_members, admin
):
    pipeline = walk("talk")
    with pytest.raises(ValidationError, match="已记录过"):
        record(pipeline, "talk", tree, full_members, admin)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        record(pipeline, "activist", tree, full_members, admin, on=date.today() + DAY)
    with pytest.raises(ValidationError, match="早于此前步骤"):
        record(pipeline, "activist", tree, full_members, admin, on=date(2023, 3, 19))
    with pytest.raises(ValidationError, match="缺少此前的步骤"):
        record(pipeline, "candidate", tree, full_members, admin, justification="跳过")
    assert list(pipeline.steps.values_list("step", flat=True)) == ["application", "talk"]


def test_introducers_must_be_two_full_members(walk, tree, full_members, admin, make_person):
    pipeline = walk("candidate_filed")
    with pytest.raises(ValidationError, match="2名正式党员"):
        record(pipeline, "introducers", tree, full_members, admin, people=full_members[:1])
    probationary = make_person(
        name="钱预备", join_date=date(2024, 1, 5), full_member_date=None, stage="probationary"
    )
    with pytest.raises(ValidationError, match="2名正式党员"):
        record(pipeline, "introducers", tree, full_members, admin,
               people=[full_members[0], probationary], justification="无")  # fmt: skip
    rec = record(pipeline, "introducers", tree, full_members, admin)
    assert {p.name for p in rec.people.all()} == {"刘介绍", "陈介绍"}
    pipeline.person.refresh_from_db()
    assert pipeline.person.introducers == "刘介绍、陈介绍"


def test_contacts_are_one_or_two_full_members(walk, tree, full_members, admin, make_person):
    pipeline = walk("activist_filed")
    third = make_person(name="孙党员")
    with pytest.raises(ValidationError, match="培养联系人"):
        record(pipeline, "contacts_assigned", tree, full_members, admin,
               people=[*full_members, third])  # fmt: skip
    assert record(pipeline, "contacts_assigned", tree, full_members, admin, people=[third])


@pytest.mark.parametrize(
    ("end_on", "hours", "ok"),
    [
        (date(2024, 7, 2), None, False),  # 2 days
        (date(2024, 7, 3), None, True),  # 3 days
        (date(2024, 7, 1), 23.5, False),
        (date(2024, 7, 1), 24, True),
    ],
)
def test_training_at_least_three_days_or_24_hours(
    walk, tree, full_members, admin, end_on, hours, ok
):
    from decimal import Decimal

    pipeline = walk("political_review")
    kwargs = {"end_on": end_on, "hours": Decimal(str(hours)) if hours is not None else None}
    if ok:
        assert record(pipeline, "training_start", tree, full_members, admin, **kwargs)
        return
    with pytest.raises(ValidationError, match="不足3天且不足24学时"):
        record(pipeline, "training_start", tree, full_members, admin, **kwargs)
    rec = record(pipeline, "training_start", tree, full_members, admin, **kwargs,
                 justification="个别特殊情况，经党委同意")  # fmt: skip
    assert rec.exception_rules == ["training_minimum"]


def test_approval_by_an_org_kind_that_may_not_approve(walk, tree, full_members, admin):
    pipeline = walk("higher_talk")
    with pytest.raises(ValidationError) as exc:
        record(pipeline, "approval", tree, full_members, admin, approving_org=tree.general_branch)
    assert "党总支无权审批" in messages(exc.value)
    with pytest.raises(ValidationError, match="上级党组织"):
        record(pipeline, "approval", tree, full_members, admin, approving_org=tree.other_company)
    assert record(pipeline, "approval", tree, full_members, admin, approving_org=tree.group)


def test_committee_steps_need_the_approve_permission(walk, tree, full_members, personas):
    pipeline = walk("activist")
    with pytest.raises(Http404):
        record(pipeline, "activist_filed", tree, full_members, personas.secretary_a)
    assert record(pipeline, "contacts_assigned", tree, full_members, personas.secretary_a)


# -- votes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vote", "fragment"),
    [
        ({"entitled": 9, "present": 4, "yes": 4, "no": 0, "abstain": 0}, "会议无效"),
        ({"entitled": 9, "present": 5, "yes": 4, "no": 1, "abstain": 0}, "未通过"),
        ({"entitled": 9, "present": 5, "yes": 4, "no": 0, "abstain": 0}, "应等于实到会人数"),
        ({"entitled": 4, "present": 5, "yes": 5, "no": 0, "abstain": 0}, "不能超过"),
        ({"entitled": 9, "present": 8, "yes": 7, "no": 1, "abstain": 0, "written_yes": 2},
         "书面意见不能多于"),
    ],
)  # fmt: skip
def test_a_vote_without_quorum_or_majority_is_refused(
    walk, tree, full_members, admin, vote, fragment
):
    pipeline = walk("application_form")
    with pytest.raises(ValidationError) as exc:
        record(pipeline, "branch_meeting", tree, full_members, admin, vote=vote,
               justification="无")  # fmt: skip
    assert fragment in messages(exc.value)
    assert not StepRecord.objects.filter(step="branch_meeting").exists()


def test_written_yes_votes_of_absentees_count(walk, tree, full_members, admin):
    pipeline = walk("application_form")
    vote = {"entitled": 9, "present": 5, "yes": 4, "no": 1, "abstain": 0, "written_yes": 1}
    rec = record(pipeline, "branch_meeting", tree, full_members, admin, vote=vote)
    saved = Vote.objects.get(record=rec)
    assert saved.passed and saved.written_yes == 1 and "5票" in saved.result


# -- probation ----------------------------------------------------------------------------------


def test_admission_and_conversion_update_the_member_record(walk, applicant):
    walk("approval")
    applicant.refresh_from_db()
    assert applicant.stage == "probationary" and applicant.join_date == PLAN["branch_meeting"]
    pipeline = Pipeline.objects.get(person=applicant)
    assert pipeline.status == PipelineStatus.ACTIVE


def test_full_walk_makes_a_full_member_with_party_standing_from_probation_end(walk, applicant):
    pipeline = walk("archived")
    applicant.refresh_from_db()
    assert pipeline.status == PipelineStatus.COMPLETED
    assert applicant.stage == "full"
    assert applicant.full_member_date == probation_end(PLAN["branch_meeting"]) == date(2025, 8, 10)
    history = list(applicant.stage_changes.order_by("id").values_list("to_stage", flat=True))
    assert history == ["employee", "applicant", "activist", "candidate", "probationary", "full"]


def test_extension_once_between_6_and_12_months(walk, tree, full_members, admin, applicant):
    pipeline = walk("probation_assessments")
    with pytest.raises(ValidationError, match="不少于6个月"):
        probation_extend(actor=admin, pipeline=pipeline, months=5, decided_on=date(2025, 7, 1),
                         reason="考察期表现需进一步观察")  # fmt: skip
    probation_extend(actor=admin, pipeline=pipeline, months=6, decided_on=date(2025, 7, 1),
                     reason="考察期表现需进一步观察")  # fmt: skip
    with pytest.raises(ValidationError, match="不能再次延长"):
        probation_extend(actor=admin, pipeline=pipeline, months=6, decided_on=date(2025, 7, 2),
                         reason="再次")  # fmt: skip
    # The conversion meeting moves by six months: the old date is now too early.
    record(pipeline, "conversion_application", tree, full_members, admin, on=date(2026, 1, 20))
    with pytest.raises(ValidationError, match="2026年2月10日"):
        record(pipeline, "conversion_meeting", tree, full_members, admin, on=date(2026, 2, 9))
    record(pipeline, "conversion_meeting", tree, full_members, admin, on=date(2026, 2, 10))
    record(pipeline, "conversion_approval", tree, full_members, admin, on=date(2026, 3, 1))
    applicant.refresh_from_db()
    assert applicant.full_member_date == date(2026, 2, 10)
    assert applicant.probation_extension_months == 6


def test_cancelling_probation_ends_membership_and_keeps_the_record(walk, admin, personas):
    pipeline = walk("oath")
    with pytest.raises(Http404):  # cancelling needs the higher committee
        pipeline_stop(actor=personas.secretary_a, pipeline=pipeline, on=date(2025, 3, 1),
                      reason="不履行党员义务")  # fmt: skip
    pipeline_stop(actor=admin, pipeline=pipeline, on=date(2025, 3, 1), reason="不履行党员义务")
    pipeline.refresh_from_db()
    assert pipeline.status == PipelineStatus.CANCELLED
    pipeline.person.refresh_from_db()
    assert pipeline.person.stage == "employee" and pipeline.person.join_date is None
    assert pipeline.steps.count() == 20  # nothing deleted
    with pytest.raises(ValidationError, match="不能再记录"):
        step_record(actor=admin, pipeline=pipeline, step="thought_reports", on=date(2025, 3, 2))


def test_stopping_an_applicant_needs_a_reason(walk, personas):
    pipeline = walk("talk")
    with pytest.raises(ValidationError) as exc:
        pipeline_stop(actor=personas.secretary_a, pipeline=pipeline, on=date(2023, 5, 1), reason="")
    assert "reason" in exc.value.message_dict
    pipeline_stop(actor=personas.secretary_a, pipeline=pipeline, on=date(2023, 5, 1),
                  reason="本人撤回申请")  # fmt: skip
    pipeline.refresh_from_db()
    assert pipeline.status == PipelineStatus.STOPPED


def test_undo_only_the_latest_entry_and_the_stage_follows(walk, admin):
    pipeline = walk("activist")
    first, latest = pipeline.steps.order_by("entered_at", "id")[1], pipeline.steps.last()
    with pytest.raises(ValidationError, match="最近录入"):
        step_undo(actor=admin, record=first, reason="录错")
    step_undo(actor=admin, record=latest, reason="日期录错")
    pipeline.person.refresh_from_db()
    assert pipeline.person.stage == "applicant"
    assert AuditEvent.objects.get(action="development.step_undo").changes["reason"] == "日期录错"


# -- evaluation and reminders --------------------------------------------------------------------


def test_overdue_talk_is_stored_and_reminded_once(walk, tree, personas):
    pipeline = walk()
    evaluated = pipeline_evaluate(pipeline, today=date(2023, 4, 5))
    assert evaluated.overdue_count == 1
    assert evaluated.violations[0]["rule"] == "talk_within_limit"
    assert reminders_send(today=date(2023, 4, 5)) == 1
    assert reminders_send(today=date(2023, 4, 5)) == 0  # once per deadline
    note = Notification.objects.get(recipient=personas.secretary_a)
    assert "已逾期" in note.title and "周申请" in note.title


def test_upcoming_deadline_and_probation_end_reminders(walk, tree, full_members, admin):
    pipeline = walk()
    pipeline_evaluate(pipeline, today=date(2023, 3, 26))
    assert reminders_send(today=date(2023, 3, 26)) == 1  # talk due 2023-04-01, within 7 days
    titles = list(Notification.objects.values_list("title", flat=True))
    assert any("即将到期" in t and "2023年4月1日" in t for t in titles)


def test_an_organization_member_can_walk_branch_steps(walk, tree, full_members, admin):
    organizer = make_user("org_member", "组织委员", ("organization_member", tree.branch_a))
    pipeline = walk()
    assert record(pipeline, "talk", tree, full_members, organizer).entered_by == organizer
    assert PASSING_VOTE["entitled"] == 9


def test_the_member_page_cannot_change_the_stage_of_a_person_in_development(walk, admin):
    from dangjian.members.services import person_update

    pipeline = walk("talk")
    with pytest.raises(ValidationError) as exc:
        person_update(actor=admin, person=pipeline.person, stage="candidate", reason="直接改")
    assert "stage" in exc.value.message_dict
    person_update(actor=admin, person=pipeline.person, stage="died", reason="病故")  # exits still


def test_evaluating_all_in_chunks_stores_what_one_by_one_would(
    walk, make_person, django_assert_max_num_queries
):
    from dangjian.development.services import EVALUATION_FIELDS, pipelines_evaluate_all

    pipelines = [walk("activist")]
    for n, until in enumerate(["talk", "candidate", "approval"]):
        person = make_person(name=f"吴{n}", birth_date=date(1996, 1, 2), stage="employee",
                             join_date=None, full_member_date=None)  # fmt: skip
        pipelines.append(walk(until, person=person))
    today = date(2026, 11, 21)
    # exited people, ids, one policy lookup, then per chunk of 2: pipelines, steps, people,
    # savepoint, update, release — nothing per pipeline.
    with django_assert_max_num_queries(3 + 2 * 6):
        assert pipelines_evaluate_all(today, chunk_size=2) == 4
    stored = {p.pk: {f: getattr(p, f) for f in EVALUATION_FIELDS}
              for p in Pipeline.objects.all()}  # fmt: skip
    for pipeline in pipelines:
        fresh = pipeline_evaluate(pipeline, today=today)
        assert stored[pipeline.pk] == {f: getattr(fresh, f) for f in EVALUATION_FIELDS}
    assert stored[pipelines[0].pk]["next_step"] == "activist_filed"


@pytest.mark.parametrize(
    ("until", "state"),
    [("talk", "blocked"), ("activist", "due"), ("activist_assessments", "due"),
     ("candidate", "done")],
)  # fmt: skip
def test_periodic_records_are_recordable_between_their_two_steps(walk, until, state):
    from dangjian.development.selectors import pipeline_view

    view = pipeline_view(walk(until), today=date(2023, 7, 1) if until != "candidate" else None)
    (row,) = [r for r in view.rows if r.key == "activist_assessments"]
    assert row.state == state


@pytest.mark.parametrize(
    ("on", "outcome"),
    [(date(2024, 11, 11), "special"), (date(2025, 2, 10), "special"), (date(2025, 2, 11), "no")],
)
def test_a_late_approval_is_a_special_case_up_to_six_months(
    walk, tree, full_members, admin, on, outcome
):
    pipeline = walk("higher_talk")  # branch meeting 2024-08-10: 3 months to 11-10, 6 to 02-10
    if outcome == "no":
        with pytest.raises(ValidationError, match="6个月"):
            record(pipeline, "approval", tree, full_members, admin, on=on, justification="特殊")
        assert not StepRecord.objects.filter(step="approval").exists()
        return
    with pytest.raises(ValidationError, match="如确属特殊情况"):
        record(pipeline, "approval", tree, full_members, admin, on=on)
    rec = record(pipeline, "approval", tree, full_members, admin, on=on, justification="待政审复核")
    pipeline.refresh_from_db()
    assert rec.exception_rules == ["approval_within_limit"] and pipeline.special_approval


def test_the_daily_run_stops_the_pipeline_of_someone_who_left(walk, admin):
    from dangjian.development.services import pipelines_evaluate_all
    from dangjian.members.services import person_update

    pipeline = walk("activist")
    person_update(actor=admin, person=pipeline.person, stage="died", reason="病故")
    assert pipelines_evaluate_all(date(2026, 11, 21)) == 0
    pipeline.refresh_from_db()
    assert pipeline.status == PipelineStatus.STOPPED and "去世" in pipeline.end_reason
    event = AuditEvent.objects.filter(action="development.stopped").get()
    assert event.actor_id is None


def test_data_quality_lists_development_stages_without_a_pipeline(walk, make_person, tree, admin):
    from dangjian.members.quality import check_by_key, offending_people

    walk("activist")  # 周申请: activist with a pipeline
    make_person(name="郑积极", stage="activist", join_date=None, full_member_date=None,
                application_date=date(2024, 1, 5))  # fmt: skip
    check = check_by_key("development-without-pipeline")
    names = {p.name for p in offending_people(user=admin, org=tree.group, check=check)}
    assert names == {"郑积极"}
