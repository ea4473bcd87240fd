"""Route-walker samples of the activity pages (merged into dangjian/core/tests/test_routes.py):
a published general meeting of branch C (the other company) with one invited member, and a
custom activity type of the other company's committee. The secretary of branch A must get 404;
the group committee administrator (the default seer) sees them."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dangjian.members.services import person_create
from dangjian.members.tests.conftest import id_number
from dangjian.orglife.models import Activity, ActivityType
from dangjian.orglife.services import (
    activity_create,
    activity_publish,
    activity_type_save,
    activity_update,
)

TOPIC = "学习安全生产规定"


def _meeting_in_c(tree) -> Activity:
    """Created and published by the system, once per test (two samples share it)."""
    existing = Activity.objects.filter(org=tree.branch_c, topic=TOPIC).first()
    if existing is not None:
        return existing
    birth = date(1979, 11, 23)
    person = person_create(
        actor=None, name="孙巡检", sex="M", birth_date=birth, branch=tree.branch_c, stage="full",
        id_number=id_number(birth, "M", seq=871), join_date=date(2004, 7, 1),
        full_member_date=date(2005, 7, 1),
    )  # fmt: skip
    activity = activity_create(
        actor=None, org=tree.branch_c, topic=TOPIC, place="变电站会议室",
        type=ActivityType.objects.get(org=None, code="general_meeting"), host=person,
        starts_at=timezone.now() + timedelta(days=2),
    )  # fmt: skip
    return activity_publish(actor=None, activity=activity)


def _activity(tree, personas) -> dict:
    return {"pk": _meeting_in_c(tree).pk}


def _attendance(tree, personas) -> dict:
    activity = _meeting_in_c(tree)
    return {
        "pk": activity.pk,
        "attendance_pk": activity.attendance.get(person_id=activity.host_id).pk,
    }


def _material(tree, personas) -> dict:
    activity = _meeting_in_c(tree)
    upload = SimpleUploadedFile("议程.pdf", b"%PDF-1.4\n" + b"0" * 200)
    activity_update(actor=None, activity=activity, materials=[upload])
    return {"pk": activity.pk, "uid": activity.materials.get().uid}


def _custom_type_in_c(tree, personas) -> dict:
    saved = activity_type_save(actor=None, org=tree.other_company, name="安全生产学习会",
                               period="quarter")  # fmt: skip
    return {"pk": saved.pk}


SAMPLES = {
    "orglife:detail": _activity,
    "orglife:file": _material,
    "orglife:edit": _activity,
    "orglife:publish": _activity,
    "orglife:cancel": _activity,
    "orglife:reply": _activity,
    "orglife:leave": _attendance,
    "orglife:type_edit": _custom_type_in_c,
}
