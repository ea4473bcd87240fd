"""Fixtures of organizational life: branch A's people (with accounts where they act) and a
published branch general meeting tomorrow at 14:30."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from dangjian.core.testing import make_user
from dangjian.members.models import Person
from dangjian.members.tests.conftest import make_person  # noqa: F401 - fixture
from dangjian.orglife.models import Activity, ActivityType
from dangjian.orglife.services import activity_create, activity_publish


@dataclass
class People:
    secretary: Person  # host, account personas.secretary_a
    member: Person  # account personas.member_a
    recorder: Person  # account p_recorder (party member of branch A)
    probationary: Person  # no account, no vote
    member_b: Person  # branch B, account personas.member_b


@pytest.fixture
def people(tree, personas, make_person):  # noqa: F811
    recorder_user = make_user("p_recorder", "吴记录", ("party_member", tree.branch_a))
    return People(
        secretary=make_person(name="王书记", user=personas.secretary_a),
        member=make_person(name="李党员", user=personas.member_a, party_group=tree.group_a),
        recorder=make_person(name="吴记录", user=recorder_user),
        probationary=make_person(
            name="钱预备", stage="probationary", join_date=date(2026, 3, 1), full_member_date=None
        ),
        member_b=make_person(name="赵党员", branch=tree.branch_b, user=personas.member_b),
    )


def builtin(code: str) -> ActivityType:
    return ActivityType.objects.get(org__isnull=True, code=code)


def tomorrow_at(hour: int = 14, minute: int = 30) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def make_activity(tree, personas, people):
    def make(code: str = "general_meeting", *, org=None, publish: bool = True, **fields):
        data = dict(topic="学习贯彻全会精神", starts_at=tomorrow_at(), place="三楼党员活动室",
                    host=people.secretary, recorder=people.recorder)  # fmt: skip
        data.update(fields)
        activity = activity_create(actor=personas.secretary_a, org=org or tree.branch_a,
                                   type=builtin(code), **data)  # fmt: skip
        if publish:
            activity = activity_publish(actor=personas.secretary_a, activity=activity)
        return Activity.objects.select_related("type", "org").get(pk=activity.pk)

    return make


@pytest.fixture
def meeting(make_activity) -> Activity:
    """Branch A's general meeting tomorrow, published to its four members."""
    return make_activity()
