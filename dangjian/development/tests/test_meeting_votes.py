"""The branch general meeting's vote on a candidate counts the meeting's computed attendance."""

from datetime import datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.development.services import step_record
from dangjian.development.tests.conftest import PLAN, step_kwargs
from dangjian.orglife import services as orglife
from dangjian.orglife.models import ActivityType


@pytest.fixture
def general_meeting(tree, personas, full_members):
    """Branch A's general meeting on the PLAN day, entered afterwards: both full members of the
    branch invited (the applicant is no member yet), one of them signed in by hand."""
    starts_at = timezone.make_aware(datetime.combine(PLAN["branch_meeting"], time(9)))
    activity = orglife.activity_create(
        actor=personas.committee_admin, org=tree.branch_a, topic="讨论接收预备党员",
        type=ActivityType.objects.get(org__isnull=True, code="general_meeting"),
        starts_at=starts_at,
    )  # fmt: skip
    activity = orglife.activity_publish(actor=personas.committee_admin, activity=activity)
    return activity


def test_entitled_and_present_come_from_the_meeting(walk, tree, personas, full_members,
                                                    general_meeting):  # fmt: skip
    pipeline = walk("application_form")
    orglife.signin_manual(actor=personas.committee_admin, activity=general_meeting,
                          person=full_members[0], reason="纸质签到簿补录")  # fmt: skip
    orglife.signin_manual(actor=personas.committee_admin, activity=general_meeting,
                          person=full_members[1], reason="纸质签到簿补录")  # fmt: skip
    meeting = orglife.activity_hold(actor=personas.committee_admin, activity=general_meeting)
    kwargs = step_kwargs("branch_meeting", tree, full_members)
    # typed counts are ignored: the meeting says 2 entitled, 2 present
    kwargs["vote"] = {"entitled": 9, "present": 8, "yes": 2, "no": 0, "abstain": 0}
    record = step_record(actor=personas.committee_admin, pipeline=pipeline, meeting=meeting,
                         **kwargs)  # fmt: skip
    assert (record.vote.entitled, record.vote.present, record.vote.meeting) == (2, 2, meeting)


def test_a_meeting_not_held_that_day_is_refused(walk, tree, personas, full_members,
                                                general_meeting):  # fmt: skip
    pipeline = walk("application_form")
    kwargs = step_kwargs("branch_meeting", tree, full_members)
    with pytest.raises(ValidationError) as exc:
        step_record(actor=personas.committee_admin, pipeline=pipeline, meeting=general_meeting,
                    **kwargs)  # fmt: skip
    assert "meeting" in exc.value.message_dict
