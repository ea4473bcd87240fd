"""The organizational-life API (issue 5 item 10): scoped reads per persona, plan / publish /
reply / sign in / hold / minutes / sign-off through the services, refusals as 400 with the
services' Chinese messages, and the OpenAPI schema."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from dangjian.core.api import NOT_FOUND
from dangjian.core.dates import cn_date
from dangjian.orglife.models import Activity, Attendance, MinutesVersion
from dangjian.orglife.services import (
    activity_create,
    activity_hold,
    activity_publish,
    signin_token,
)
from dangjian.orglife.tests.conftest import builtin

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/v1/orglife/activities/"


def api_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def errors(response) -> dict:
    assert response.status_code == 400, response.json()
    return response.json()["errors"]


@pytest.fixture
def in_b(people, personas, tree) -> Activity:
    """A lecture of branch B, published to its member 赵党员 (member_b)."""
    activity = activity_create(actor=personas.committee_admin, org=tree.branch_b,
                               type=builtin("lecture"), topic="机关党课",
                               starts_at=timezone.now() + timedelta(days=2))  # fmt: skip
    return activity_publish(actor=personas.committee_admin, activity=activity)


@pytest.fixture
def now_on(make_activity) -> Activity:
    """Branch A's theme day that began ten minutes ago: sign-in is open, it can be held."""
    return make_activity("theme_day", topic="重温入党誓词", starts_at=timezone.now() -
                         timedelta(minutes=10))  # fmt: skip


def test_anonymous_gets_401(meeting):
    client = api_for(None)
    assert client.get(ACTIVITIES).status_code == 401
    assert client.get(f"{ACTIVITIES}{meeting.pk}/").status_code == 401
    assert client.post(f"{ACTIVITIES}{meeting.pk}/signin/", {}, format="json").status_code == 401


def test_reads_are_scoped_per_persona(meeting, in_b, make_activity, personas):
    planned = make_activity(publish=False, topic="下月计划")
    assert ids(api_for(personas.secretary_a).get(ACTIVITIES)) == {meeting.pk, planned.pk}
    assert ids(api_for(personas.committee_admin).get(ACTIVITIES)) == {
        meeting.pk, planned.pk, in_b.pk}  # fmt: skip
    # members see what they are invited to, once published: nothing of the other branch
    assert ids(api_for(personas.member_a).get(ACTIVITIES)) == {meeting.pk}
    assert ids(api_for(personas.member_b).get(ACTIVITIES)) == {in_b.pk}
    assert ids(api_for(personas.outsider).get(ACTIVITIES)) == set()
    assert ids(api_for(personas.system_admin).get(ACTIVITIES)) == set()
    for user, activity in [
        (personas.member_b, meeting),
        (personas.secretary_a, in_b),
        (personas.member_a, planned),
        (personas.outsider, meeting),
    ]:
        for suffix in ("", "attendance/", "minutes/"):
            response = api_for(user).get(f"{ACTIVITIES}{activity.pk}/{suffix}")
            assert response.status_code == 404, (user, suffix)
            assert response.json() == {"detail": str(NOT_FOUND)}
    data = api_for(personas.member_a).get(f"{ACTIVITIES}{meeting.pk}/").json()
    assert data["topic"] == "学习贯彻全会精神" and data["type"] == "general_meeting"
    assert data["org_name"] == "综采一队党支部" and data["host_name"] == "王书记"
    assert data["status"] == "published" and data["expected_count"] == 4


def test_list_filters(meeting, in_b, make_activity, personas, tree):
    group = make_activity("group_meeting", org=tree.group_a, topic="小组学习",
                          starts_at=meeting.starts_at + timedelta(days=3))  # fmt: skip
    client = api_for(personas.committee_admin)
    assert ids(client.get(ACTIVITIES, {"org": tree.branch_a.pk})) == {meeting.pk, group.pk}
    assert ids(client.get(ACTIVITIES, {"org": tree.group_a.pk})) == {group.pk}
    assert ids(client.get(ACTIVITIES, {"org": tree.company.pk})) == {meeting.pk, group.pk,
                                                                     in_b.pk}  # fmt: skip
    assert ids(client.get(ACTIVITIES, {"type": "lecture"})) == {in_b.pk}
    assert ids(client.get(ACTIVITIES, {"q": "小组"})) == {group.pk}
    day = timezone.localtime(meeting.starts_at).date()
    assert ids(client.get(ACTIVITIES, {"date_from": day, "date_to": day})) == {meeting.pk}
    later = day + timedelta(days=3)
    assert ids(client.get(ACTIVITIES, {"date_from": later})) == {group.pk}
    assert ids(client.get(ACTIVITIES, {"status": "held"})) == set()
    assert ids(client.get(ACTIVITIES, {"org": 999999})) == set()
    assert client.get(ACTIVITIES, {"status": "nonsense"}).status_code == 400
    assert client.get(ACTIVITIES, {"date_from": "yesterday"}).status_code == 400


def test_the_list_does_not_query_per_row(make_activity, personas, django_assert_max_num_queries):
    client = api_for(personas.secretary_a)
    for n in range(6):
        make_activity(publish=False, topic=f"第{n}次", starts_at=timezone.now() + timedelta(days=n))
    client.get(ACTIVITIES)  # warm the grant cache of the user object
    with django_assert_max_num_queries(4):
        assert len(client.get(ACTIVITIES).json()["results"]) == 6


# --- plan, publish, hold ----------------------------------------------------------------------


def test_plan_change_publish_and_cancel(people, personas, tree):
    client = api_for(personas.secretary_a)
    starts = timezone.now() + timedelta(days=5)
    response = client.post(ACTIVITIES, {
        "org": tree.branch_a.pk, "type": "general_meeting", "topic": " 学习党章 ",
        "starts_at": starts.isoformat(), "place": "会议室", "host": people.secretary.pk,
        "recorder": people.recorder.pk, "agenda": "一、学习\n二、讨论",
    }, format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "planned" and data["topic"] == "学习党章"
    assert data["recorder_name"] == "吴记录" and data["expected_count"] == 0
    url = f"{ACTIVITIES}{data['id']}/"
    changed = client.patch(url, {"topic": "学习新党章", "place": "二楼"}, format="json")
    assert changed.status_code == 200 and changed.json()["place"] == "二楼"

    published = client.post(f"{url}publish/", format="json")
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"
    assert published.json()["expected_count"] == 4  # the branch's members, counted
    again = client.post(f"{url}publish/", format="json")
    assert errors(again) == {"non_field_errors": [_("Only a planned activity can be published.")]}
    assert errors(client.post(f"{url}cancel/", {"reason": " "}, format="json")) == {
        "reason": [_("Give the reason for cancelling.")]}  # fmt: skip
    cancelled = client.post(f"{url}cancel/", {"reason": "与上级会议冲突"}, format="json")
    assert cancelled.json()["status"] == "cancelled"


def test_plan_refusals_are_field_errors(people, personas, tree):
    client = api_for(personas.secretary_a)
    good = {"org": tree.branch_a.pk, "type": "general_meeting", "topic": "学习",
            "starts_at": (timezone.now() + timedelta(days=5)).isoformat()}  # fmt: skip
    assert "type" in errors(client.post(ACTIVITIES, {**good, "type": "flying"}, format="json"))
    assert errors(client.post(ACTIVITIES, {**good, "type": "group_meeting"}, format="json")) == {
        "type": [_("A party-group meeting is held by a party group.")]}  # fmt: skip
    assert "org" in errors(client.post(ACTIVITIES, {**good, "org": tree.branch_b.pk},
                                       format="json"))  # fmt: skip
    assert "host" in errors(client.post(ACTIVITIES, {**good, "host": people.member_b.pk},
                                        format="json"))  # fmt: skip
    ends = (timezone.now() + timedelta(days=4)).isoformat()
    assert errors(client.post(ACTIVITIES, {**good, "ends_at": ends}, format="json")) == {
        "ends_at": [_("The end must not be before the start.")]}  # fmt: skip
    assert "topic" in errors(client.post(ACTIVITIES, {**good, "topic": ""}, format="json"))
    # a member may not plan: the organization is not theirs
    assert "org" in errors(api_for(personas.member_a).post(ACTIVITIES, good, format="json"))
    assert not Activity.objects.exists()


def test_hold_is_refused_for_a_future_date_and_done_by_the_recorder(meeting, now_on, people,
                                                                   personas):  # fmt: skip
    client = api_for(people.recorder.user)
    day = cn_date(timezone.localtime(meeting.starts_at).date())
    refused = client.post(f"{ACTIVITIES}{meeting.pk}/hold/", format="json")
    assert errors(refused) == {"non_field_errors": [_(
        "The activity is dated %(date)s, after today: it cannot be marked as held.") % {
        "date": day}]}  # fmt: skip
    held = client.post(f"{ACTIVITIES}{now_on.pk}/hold/", format="json")
    assert held.status_code == 200 and held.json()["status"] == "held"
    assert held.json()["minutes_due_on"] is not None
    # a member who is neither the recorder nor the secretary: out of their scope to act
    assert api_for(personas.member_a).post(f"{ACTIVITIES}{meeting.pk}/hold/").status_code == 404


# --- reply and sign in ------------------------------------------------------------------------


def test_members_reply_and_sign_in_with_the_qr_code(now_on, meeting, in_b, personas):
    member = api_for(personas.member_a)
    url = f"{ACTIVITIES}{meeting.pk}/reply/"
    assert errors(member.post(url, {"attending": False}, format="json")) == {
        "reason": [_("Give the reason for asking for leave.")]}  # fmt: skip
    reply = member.post(url, {"attending": False, "reason": "出差"}, format="json")
    assert reply.status_code == 200
    assert reply.json()["reply"] == "leave_requested" and reply.json()["leave_reason"] == "出差"

    signin = f"{ACTIVITIES}{now_on.pk}/signin/"
    done = member.post(signin, {"token": signin_token(now_on)}, format="json")
    assert done.status_code == 200, done.json()
    row = done.json()
    assert row["present"] and row["method"] == "qr" and row["person_name"] == "李党员"
    assert row["late"] is True  # ten minutes after the start
    twice = errors(member.post(signin, {"token": signin_token(now_on)}, format="json"))
    assert "李党员" in twice["non_field_errors"][0]
    now_on.refresh_from_db()
    assert now_on.present_count == 1  # computed from the sign-in

    invalid = _("This QR code is not valid. Scan the code on the meeting-room screen again.")
    secretary = api_for(personas.secretary_a)
    forged = f"{now_on.pk}-{signin_token(now_on).split('-')[1]}-0000"
    assert errors(secretary.post(signin, {"token": forged}, format="json")) == {
        "non_field_errors": [invalid]}  # fmt: skip
    other = signin_token(meeting)  # a real code, but of another activity
    assert errors(secretary.post(signin, {"token": other}, format="json")) == {"token": [invalid]}
    expired = signin_token(now_on, timezone.now() - timedelta(minutes=5))
    assert errors(secretary.post(signin, {"token": expired}, format="json")) == {
        "non_field_errors": [_("This QR code has expired. Scan the code now on the "
                               "meeting-room screen.")]}  # fmt: skip
    assert "non_field_errors" in errors(secretary.post(signin, {}, format="json"))  # not online
    # not invited, not in scope: 404 before anything is read
    assert api_for(personas.member_b).post(signin, {"token": signin_token(now_on)},
                                           format="json").status_code == 404  # fmt: skip
    assert Attendance.objects.filter(activity=now_on, signed_in_at__isnull=False).count() == 1


def test_attendance_rows_are_the_callers_own_without_a_role(now_on, personas):
    api_for(personas.member_a).post(f"{ACTIVITIES}{now_on.pk}/signin/",
                                    {"token": signin_token(now_on)}, format="json")  # fmt: skip
    url = f"{ACTIVITIES}{now_on.pk}/attendance/"
    rows = api_for(personas.secretary_a).get(url).json()
    assert [r["person_name"] for r in rows] == ["李党员", "钱预备", "王书记", "吴记录"]
    present = {r["person_name"]: r["present"] for r in rows}
    assert present == {"李党员": True, "钱预备": False, "王书记": False, "吴记录": False}
    assert [r["person_name"] for r in api_for(personas.member_a).get(url).json()] == ["李党员"]


# --- minutes ----------------------------------------------------------------------------------


def test_minutes_written_signed_and_versioned(now_on, people, personas):
    activity_hold(actor=personas.secretary_a, activity=now_on)
    url = f"{ACTIVITIES}{now_on.pk}/minutes/"
    recorder, host = api_for(people.recorder.user), api_for(personas.secretary_a)
    script = recorder.post(url, {"body": "<script>alert(1)</script><p>记录</p>"}, format="json")
    assert list(errors(script)) == ["body"]
    first = recorder.post(url, {"body": "<p>学习了<b>誓词</b>。</p>", "resolutions": "坚持学习"},
                          format="json")  # fmt: skip
    assert first.status_code == 201, first.json()
    assert first.json()["number"] == 1 and not first.json()["is_signed"]
    assert first.json()["written_by"] == "吴记录"
    assert errors(recorder.post(f"{url}sign/", format="json")) == {
        "non_field_errors": [_("Only the host of the activity can sign the minutes off.")]
    }
    signed = host.post(f"{url}sign/", format="json")
    assert signed.status_code == 200 and signed.json()["is_signed"]
    assert signed.json()["signed_by"] == "王书记"
    assert errors(recorder.post(url, {"body": "<p>改</p>"}, format="json")) == {
        "reason": [_("The minutes are signed off: give the reason for the change.")]
    }
    second = recorder.post(url, {"body": "<p>补充</p>", "reason": "补充发言"}, format="json")
    assert second.status_code == 201 and second.json()["number"] == 2
    assert [v["number"] for v in host.get(url).json()] == [2, 1]
    # an attendee reads the signed version only
    assert [v["number"] for v in api_for(personas.member_a).get(url).json()] == [1]
    locked = MinutesVersion.objects.get(activity=now_on, number=1)
    assert locked.body == "<p>学习了<b>誓词</b>。</p>"  # locked: v2 did not change it
    # the minutes of another branch's activity: 404
    assert api_for(personas.member_b).post(url, {"body": "<p>x</p>"},
                                           format="json").status_code == 404  # fmt: skip


def test_minutes_of_an_activity_not_held_are_refused(meeting, personas):
    response = api_for(personas.secretary_a).post(
        f"{ACTIVITIES}{meeting.pk}/minutes/", {"body": "<p>提前写</p>"}, format="json"
    )
    assert errors(response) == {"non_field_errors": [_(
        "Confirm that the activity was held before writing its minutes.")]}  # fmt: skip
    assert not MinutesVersion.objects.exists()


# --- schema -----------------------------------------------------------------------------------


def test_the_schema_lists_the_orglife_endpoints_and_validates(personas):
    response = api_for(personas.committee_admin).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths[ACTIVITIES])
    assert {"get", "patch"} <= set(paths[ACTIVITIES + "{id}/"])
    for name in ("publish", "cancel", "hold", "reply", "signin", "minutes/sign"):
        assert "post" in paths[f"{ACTIVITIES}{{id}}/{name}/"], name
    assert "get" in paths[ACTIVITIES + "{id}/attendance/"]
    assert {"get", "post"} <= set(paths[ACTIVITIES + "{id}/minutes/"])
    names = {p["name"] for p in paths[ACTIVITIES]["get"]["parameters"]}
    assert {"org", "type", "status", "date_from", "date_to", "q", "page"} <= names


def test_the_schema_command_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out),
                 stdout=StringIO(), stderr=StringIO())  # fmt: skip
    assert "/api/v1/orglife/activities/{id}/minutes/sign/" in out.read_text()
