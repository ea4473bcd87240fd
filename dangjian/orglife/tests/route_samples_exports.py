"""Route-walker samples of the downloads (merged into dangjian/core/tests/test_routes.py): a
held and minuted general meeting of branch C (the other company), which the secretary of
branch A must not see and the group committee administrator (the default seer) does."""

from datetime import date, timedelta

from django.utils import timezone

from dangjian.members.services import person_create
from dangjian.members.tests.conftest import id_number
from dangjian.orglife.models import ActivityType
from dangjian.orglife.services import (
    activity_create,
    activity_hold,
    activity_publish,
    minutes_save,
    signin_manual,
)


def held_in_c(tree, personas) -> dict:
    """Published, one member signed in by hand, held, minutes written — all by the system."""
    birth = date(1980, 3, 9)
    person = person_create(
        actor=None, name="钱变电", sex="M", birth_date=birth, branch=tree.branch_c, stage="full",
        id_number=id_number(birth, "M", seq=861), join_date=date(2005, 7, 1),
        full_member_date=date(2006, 7, 1),
    )  # fmt: skip
    starts_at = timezone.now() + timedelta(days=1)
    meeting = ActivityType.objects.get(org=None, code="general_meeting")
    activity = activity_create(
        actor=None, org=tree.branch_c, type=meeting,
        topic="安全生产专题学习", starts_at=starts_at, place="变电站会议室", host=person,
    )  # fmt: skip
    activity_publish(actor=None, activity=activity)
    signin_manual(actor=None, activity=activity, person=person, reason="纸质签到补录",
                  at=starts_at)  # fmt: skip
    activity_hold(actor=None, activity=activity, today=timezone.localtime(starts_at).date())
    minutes_save(actor=None, activity=activity, body="<p>学习了安全生产规定。</p>")
    return {"pk": activity.pk}


SAMPLES = {
    "orglife:minutes_docx": held_in_c,
    "orglife:attendance_xlsx": held_in_c,
    "orglife:attendance_docx": held_in_c,
}
