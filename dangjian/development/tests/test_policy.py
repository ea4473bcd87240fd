"""Switching to a local policy moves the deadlines shown (issue 4, "done when")."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dangjian.audit.models import AuditEvent
from dangjian.development.models import StepRecord
from dangjian.development.selectors import pipeline_view, policy_for
from dangjian.development.services import policy_set, step_record
from dangjian.development.tests.conftest import PASSING_VOTE
from dangjian.rules.development import DEVELOPMENT_2014

LOCAL_5 = {
    "base": DEVELOPMENT_2014.name,
    "name": "某省发展党员实施细则（公示5个工作日）",
    "public_notice_working_days": 5,
    "conversion_notice_working_days": 5,
}


@pytest.fixture
def at_branch_meeting(walk):
    """Shifted 14 months: application form 2025-09-25, pre-review 2025-09-20 (meeting by 10-20)."""
    return walk("application_form", months=14)


def test_the_nearest_setting_wins_and_is_audited(tree, personas):
    assert policy_for(tree.branch_a) is DEVELOPMENT_2014
    policy_set(actor=personas.committee_admin, org=tree.company, data=LOCAL_5)
    assert policy_for(tree.branch_a).name == LOCAL_5["name"]
    assert policy_for(tree.branch_c) is DEVELOPMENT_2014  # another company
    assert AuditEvent.objects.filter(action="development.policy").count() == 1
    policy_set(actor=personas.committee_admin, org=tree.company, data=None)
    assert policy_for(tree.branch_a) is DEVELOPMENT_2014


def test_a_changed_policy_must_carry_a_new_name(tree, personas):
    with pytest.raises(ValidationError, match="另起名称"):
        policy_set(actor=personas.committee_admin, org=tree.company,
                   data=LOCAL_5 | {"name": DEVELOPMENT_2014.name})  # fmt: skip


def test_five_working_day_notice_over_national_day_moves_the_meeting(
    at_branch_meeting, tree, personas
):
    admin, pipeline = personas.committee_admin, at_branch_meeting
    national = pipeline_view(pipeline, today=date(2025, 9, 29))
    assert national.next_step == "branch_meeting"
    assert national.next_window.earliest == date(2025, 9, 25)  # the application form
    assert national.next_window.latest == date(2025, 10, 20)

    policy_set(actor=admin, org=tree.company, data=LOCAL_5)
    step_record(actor=admin, pipeline=pipeline, step="notice_start", on=date(2025, 9, 29))
    local = pipeline_view(pipeline, today=date(2025, 9, 29))
    # 9-29, 9-30, then the holiday to 10-8; 10-9, 10-10 and the make-up Saturday 10-11.
    assert local.next_window.earliest == date(2025, 10, 12)
    assert any("5个工作日" in r for r in local.next_window.reasons)
    pipeline.refresh_from_db()
    assert pipeline.next_earliest == date(2025, 10, 12)  # stored for lists and reminders

    vote = dict(PASSING_VOTE)
    with pytest.raises(ValidationError, match="公示"):
        step_record(actor=admin, pipeline=pipeline, step="branch_meeting",
                    on=date(2025, 10, 11), vote=vote)  # fmt: skip
    assert not StepRecord.objects.filter(step="branch_meeting").exists()
    step_record(actor=admin, pipeline=pipeline, step="branch_meeting", on=date(2025, 10, 12),
                vote=vote)  # fmt: skip


def test_without_the_notice_recorded_the_local_policy_says_so(at_branch_meeting, tree, personas):
    policy_set(actor=personas.committee_admin, org=tree.company, data=LOCAL_5)
    view = pipeline_view(at_branch_meeting, today=date(2025, 9, 29))
    assert any("公示" in r for r in view.next_window.reasons)
