"""Route-walker samples of the meeting pages (merged into dangjian/core/tests/test_routes.py).

Two activities of branch C (the other company), made by the system: a general meeting held
half an hour ago with a sign-in, minutes (version 1) and a follow-up item, and a published
democratic appraisal. The secretary of branch A must get 404 everywhere — the sign-in page of a
valid code included — while the group committee administrator sees them.
"""

from datetime import date, timedelta

from django.utils import timezone

from dangjian.members.models import Person
from dangjian.members.services import person_create
from dangjian.members.tests.conftest import id_number
from dangjian.orglife import services
from dangjian.orglife.models import Activity, ActivityType

MEETING_TOPIC = "变电运维支部党员大会（样例）"
APPRAISAL_TOPIC = "变电运维支部民主评议（样例）"
BIRTH = date(1971, 2, 3)


def _person(tree, seq: int, name: str) -> Person:
    existing = Person.objects.filter(branch=tree.branch_c, name=name).first()
    if existing is not None:
        return existing
    return person_create(
        actor=None, name=name, sex="M", birth_date=BIRTH, branch=tree.branch_c, stage="full",
        id_number=id_number(BIRTH, "M", seq=seq), join_date=date(2000, 7, 1),
        full_member_date=date(2001, 7, 1),
    )  # fmt: skip


def _activity(tree, code: str, topic: str, starts_at) -> tuple[Activity, bool]:
    existing = Activity.objects.filter(org=tree.branch_c, topic=topic).first()
    if existing is not None:
        return existing, False
    host, recorder = _person(tree, 31, "周主持"), _person(tree, 32, "郑记录")
    activity = services.activity_create(
        actor=None, org=tree.branch_c, type=ActivityType.objects.get(org=None, code=code),
        topic=topic, starts_at=starts_at, place="变电站会议室", host=host, recorder=recorder,
    )  # fmt: skip
    return services.activity_publish(actor=None, activity=activity), True


def _meeting(tree) -> Activity:
    activity, new = _activity(tree, "general_meeting", MEETING_TOPIC,
                              timezone.now() - timedelta(minutes=30))  # fmt: skip
    if new:
        host = activity.host
        services.signin_manual(actor=None, activity=activity, person=host, reason="样例")
        activity = services.activity_hold(actor=None, activity=activity)
        services.minutes_save(actor=None, activity=activity, body="<p>会议记录（样例）</p>")
        due = timezone.localdate() + timedelta(days=30)
        services.follow_up_add(actor=None, activity=activity, title="整改落实（样例）",
                               owner=host, due_on=due)  # fmt: skip
    return activity


def _meeting_c(tree, personas) -> dict:
    return {"pk": _meeting(tree).pk}


def _token_c(tree, personas) -> dict:
    return {"token": services.signin_token(_meeting(tree))}


def _attendance_c(tree, personas) -> dict:
    activity = _meeting(tree)
    return {"pk": activity.pk, "attendance_pk": activity.attendance.order_by("pk").first().pk}


def _minutes_c(tree, personas) -> dict:
    return {"pk": _meeting(tree).pk, "number": 1}


def _follow_up_c(tree, personas) -> dict:
    activity = _meeting(tree)
    return {"pk": activity.pk, "item_pk": activity.follow_ups.get().pk}


def _appraisal_c(tree, personas) -> dict:
    activity, _new = _activity(tree, "appraisal", APPRAISAL_TOPIC,
                               timezone.now() + timedelta(days=1))  # fmt: skip
    return {"pk": activity.pk}


SAMPLES = {
    "orglife:qr": _meeting_c,
    "orglife:qr_code": _meeting_c,
    "orglife:signin": _token_c,
    "orglife:signin_online": _meeting_c,
    "orglife:signin_manual": _meeting_c,
    "orglife:mark": _attendance_c,
    "orglife:hold": _meeting_c,
    "orglife:minutes": _meeting_c,
    "orglife:minutes_sign": _meeting_c,
    "orglife:minutes_version": _minutes_c,
    "orglife:follow_up_add": _meeting_c,
    "orglife:follow_up_done": _follow_up_c,
    "orglife:vote": _meeting_c,
    "orglife:appraisal_open": _appraisal_c,
    "orglife:appraisal_close": _appraisal_c,
    "orglife:self_assessment": _appraisal_c,
    "orglife:ballot": _appraisal_c,
    "orglife:appraisal_decide": _appraisal_c,
}
