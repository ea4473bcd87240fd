"""The activity pages (issue 5 §1–§3): list, notice, planning, publishing, replies and leave,
cancelling, the year plan, activity types and the policy, and the member's home panel —
driven through the test client as the personas would."""

import io
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.attachments.tests.samples import png
from dangjian.audit.models import AuditEvent
from dangjian.core.testing import login_as
from dangjian.notifications.models import Notification
from dangjian.orglife.models import Activity, ActivityStatus, ActivityType, Attendance, Reply
from dangjian.orglife.selectors import policy_for
from dangjian.orglife.services import activity_create, activity_publish, activity_reply
from dangjian.orglife.tests.conftest import builtin
from dangjian.rules import orglife as rules

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    login_as(client, user)
    return client


def url(name: str, **kwargs) -> str:
    return reverse(f"orglife:{name}", kwargs=kwargs)


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def at(day: date, hour: int = 14, minute: int = 30) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def soon(days: int = 3) -> date:
    """A day a little ahead (publishing refuses a start in the past)."""
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def secretary(personas):
    return client_for(personas.secretary_a)


@pytest.fixture
def admin(personas):
    return client_for(personas.committee_admin)


@pytest.fixture
def member(personas, people):
    return client_for(personas.member_a)


def plan_activity(actor, org, code: str, topic: str, starts_at: datetime) -> Activity:
    return activity_create(actor=actor, org=org, type=builtin(code), topic=topic,
                           starts_at=starts_at)  # fmt: skip


def form_data(tree, **fields) -> dict:
    data = {
        "type": builtin("general_meeting").pk, "topic": "学习党章", "day": soon().isoformat(),
        "start_time": "14:30", "end_time": "16:30", "place": "三楼党员活动室", "online_url": "",
        "host": "", "recorder": "", "agenda": "一、学习党章\n二、讨论",
    }  # fmt: skip
    data.update(fields)
    return data


# -- the whole journey ---------------------------------------------------------------------------


def test_secretary_plans_publishes_and_decides_leave_the_member_replies(
    tree, personas, people, secretary, member
):
    create = url("create") + f"?org={tree.branch_a.pk}"
    html = page(secretary.get(create))
    assert 'type="date"' in html and 'type="time"' in html and "王书记" in html
    material = SimpleUploadedFile("学习材料.png", png(), content_type="image/png")
    response = secretary.post(create, form_data(
        tree, host=people.secretary.pk, recorder=people.recorder.pk, materials=[material],
    ))  # fmt: skip
    activity = Activity.objects.get(topic="学习党章")
    assert response.status_code == 302 and response["Location"] == url("detail", pk=activity.pk)
    assert activity.status == ActivityStatus.PLANNED and activity.org == tree.branch_a
    assert timezone.localtime(activity.starts_at) == at(soon())
    assert timezone.localtime(activity.ends_at) == at(soon(), 16, 30)
    assert activity.materials.get().original_name == "学习材料.png"
    assert member.get(url("detail", pk=activity.pk)).status_code == 404  # planned: not yet

    html = page(secretary.get(url("detail", pk=activity.pk)))
    assert url("publish", pk=activity.pk) in html and url("edit", pk=activity.pk) in html
    assert "学习材料.png" in html and "吴记录" in html

    # publishing: the confirmation names who will be invited
    html = page(secretary.get(url("publish", pk=activity.pk)))
    for name in ("王书记", "李党员", "吴记录", "钱预备"):
        assert name in html
    assert "赵党员" not in html  # branch B
    assert secretary.post(url("publish", pk=activity.pk)).status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PUBLISHED and activity.expected_count == 4
    assert Notification.objects.filter(recipient=personas.member_a, category="orglife").exists()

    # the member sees it in the list, on the home page and on its page
    response = member.get(url("list"))
    assert [a.pk for a in response.context["object_list"]] == [activity.pk]
    home = page(member.get(reverse("core:home")))
    assert "学习党章" in home and url("reply", pk=activity.pk) in home
    html = page(member.get(url("detail", pk=activity.pk)))
    assert 'id="reply"' in html and 'id="attendees"' not in html
    assert url("edit", pk=activity.pk) not in html

    # asking for leave without a reason: the reason is asked for, on its field
    response = member.post(url("reply", pk=activity.pk), {"reason": "  "})
    html = page(response)
    assert response.context["form"].errors["reason"]
    mine = Attendance.objects.get(activity=activity, person=people.member)
    assert mine.reply == Reply.PENDING
    response = member.post(url("reply", pk=activity.pk), {"reason": "出差在外"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.reply, mine.leave_reason) == (Reply.LEAVE_REQUESTED, "出差在外")

    # the secretary sees the request and approves it; a member may not decide leave
    html = page(secretary.get(url("detail", pk=activity.pk)))
    assert "出差在外" in html and url("leave", pk=activity.pk, attendance_pk=mine.pk) in html
    leave = url("leave", pk=activity.pk, attendance_pk=mine.pk)
    assert member.post(leave, {"approve": "1"}).status_code == 404
    response = secretary.post(leave, {"approve": "1"})
    assert response["Location"].endswith("#attendees")
    mine.refresh_from_db()
    assert mine.reply == Reply.LEAVE_APPROVED
    assert AuditEvent.objects.filter(action="orglife.leave_decide").exists()

    # nobody else sees it
    for user in (personas.member_b, personas.outsider):
        assert client_for(user).get(url("detail", pk=activity.pk)).status_code == 404
        assert client_for(user).post(url("reply", pk=activity.pk), {"attending": "1"}
                                     ).status_code == 404  # fmt: skip


def test_attending_from_the_home_page_and_the_reply_shows(meeting, member, people):
    response = member.post(url("reply", pk=meeting.pk), {"attending": "1"})
    assert response.status_code == 302
    assert Attendance.objects.get(activity=meeting, person=people.member).reply == Reply.ATTENDING
    response = member.get(reverse("core:home"))
    (panel,) = [p for p in response.context["panels"] if p["key"] == "orglife.upcoming"]
    assert [r["pk"] for r in panel["rows"]] == [meeting.pk]
    assert panel["rows"][0]["reply"] == Reply.ATTENDING
    assert str(Reply.ATTENDING.label) in page(response)
    assert 'name="attending"' not in page(response)  # replied: no buttons any more


def test_the_home_panel_keeps_its_queries_constant_and_leaves_out_others(
    tree, personas, people, make_activity, member
):
    def home():
        with CaptureQueriesContext(connection) as queries:
            response = member.get(reverse("core:home"))
        panels = [p for p in response.context["panels"] if p["key"] == "orglife.upcoming"]
        return panels, len(queries)

    home()
    assert home()[0] == []  # nothing to attend: no panel
    make_activity(topic="第一次")
    panels, few = home()
    assert [r["topic"] for r in panels[0]["rows"]] == ["第一次"]
    for i in range(8):
        make_activity(topic=f"主题{i}", starts_at=at(soon(2 + i % 10)))
    make_activity(topic="太远了", starts_at=at(soon(30)))
    make_activity(topic="还没发布", publish=False)
    activity_publish(actor=personas.committee_admin, activity=activity_create(
        actor=personas.committee_admin, org=tree.branch_b, type=builtin("lecture"),
        topic="别的支部", starts_at=at(soon(2)),
    ))  # fmt: skip
    panels, many = home()
    (panel,) = panels
    assert len(panel["rows"]) == 6 and panel["count"] == 9
    assert {"太远了", "还没发布", "别的支部"}.isdisjoint(r["topic"] for r in panel["rows"])
    assert many <= few + 1  # the total is counted once the panel cannot show every row


# -- the list ------------------------------------------------------------------------------------


def test_list_filters_by_month_type_org_and_year_in_local_time_and_exports(
    tree, personas, people, secretary, admin
):
    secretary_user, admin_user = personas.secretary_a, personas.committee_admin
    march = plan_activity(secretary_user, tree.branch_a, "general_meeting", "三月党员大会",
                          at(date(2025, 3, 10)))  # fmt: skip
    theme = plan_activity(secretary_user, tree.branch_a, "theme_day", "三月主题党日",
                          at(date(2025, 3, 31), 23, 30))  # fmt: skip
    # 00:30 on 1 April in Beijing is still 31 March in UTC: it belongs to April
    april = plan_activity(secretary_user, tree.branch_a, "lecture", "四月党课",
                          at(date(2025, 4, 1), 0, 30))  # fmt: skip
    other = plan_activity(admin_user, tree.branch_b, "lecture", "机关党课", at(date(2025, 4, 5)))
    later = plan_activity(secretary_user, tree.branch_a, "lecture", "明年党课",
                          at(date(2026, 4, 1)))  # fmt: skip

    def pks(client, query=""):
        response = client.get(url("list") + query)
        assert response.status_code == 200
        return sorted(a.pk for a in response.context["object_list"])

    assert pks(secretary) == sorted([march.pk, theme.pk, april.pk, later.pk])
    assert pks(admin) == sorted([march.pk, theme.pk, april.pk, other.pk, later.pk])
    assert pks(secretary, "?month=2025-03") == sorted([march.pk, theme.pk])
    assert pks(secretary, "?month=2025-04") == [april.pk]
    assert pks(secretary, "?type=theme_day") == [theme.pk]
    assert pks(secretary, "?year=2025") == sorted([march.pk, theme.pk, april.pk])
    assert pks(secretary, "?q=党课") == sorted([april.pk, later.pk])
    assert pks(admin, f"?org={tree.branch_b.pk}") == [other.pk]
    assert pks(admin, f"?org={tree.general_branch.pk}&year=2025") == sorted(
        [march.pk, theme.pk, april.pk]
    )
    assert pks(admin, "?status=planned&type=lecture&month=2025-04") == sorted([april.pk, other.pk])
    response = secretary.get(url("list") + "?q=没有这个")
    assert "No activity matches" in page(response) or "没有符合" in page(response)

    response = admin.get(url("list") + "?year=2025&export=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    topics = {row[2] for row in values}
    assert {"三月党员大会", "三月主题党日", "四月党课", "机关党课"} <= topics
    assert "明年党课" not in topics
    assert any(row[0] == "2025-04-01 00:30" for row in values)
    assert AuditEvent.objects.filter(action="export.orglife-activities").exists()


def test_list_shows_attendance_and_minutes_state(meeting, secretary):
    html = page(secretary.get(url("list")))
    assert url("detail", pk=meeting.pk) in html
    assert "0/4" in html  # present / expected of the published meeting


def test_list_query_count_does_not_grow_with_rows(
    tree, personas, people, make_activity, secretary, member, django_assert_max_num_queries
):
    def count(client) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("list")).status_code == 200
        return len(queries)

    for i in range(3):
        make_activity(topic=f"活动{i}", starts_at=at(soon(i + 1)))
    count(secretary), count(member)  # the first request of a session does its own bookkeeping
    few, few_member = count(secretary), count(member)
    for i in range(3, 15):
        make_activity(topic=f"活动{i}", starts_at=at(soon(i + 1)))
    assert count(secretary) == few and count(member) == few_member
    with django_assert_max_num_queries(15):
        secretary.get(url("list"))


# -- forms ---------------------------------------------------------------------------------------


def test_form_errors_are_chinese_on_their_fields_and_keep_the_input(tree, people, secretary):
    create = url("create") + f"?org={tree.branch_a.pk}"
    response = secretary.post(create, form_data(tree, topic="", place="小会议室"))
    html = page(response)
    assert "该字段是必填项。" in html
    assert 'value="小会议室"' in html
    response = secretary.post(create, form_data(tree, topic="支部大会", start_time="15:00",
                                                end_time="14:00"))  # fmt: skip
    html = page(response)
    form = response.context["form"]
    assert list(form.errors) == ["end_time"]
    assert 'value="支部大会"' in html and 'value="15:00"' in html
    assert not Activity.objects.exists()
    # a group meeting is held by a party group: said on the type field
    response = secretary.post(create, form_data(tree, type=builtin("group_meeting").pk))
    assert list(response.context["form"].errors) == ["type"]


def test_the_create_page_offers_only_organizations_the_user_manages(tree, people, secretary):
    assert secretary.get(url("create") + f"?org={tree.branch_b.pk}").status_code == 404
    response = secretary.get(url("create"))
    assert response.context["org"] == tree.branch_a  # the branch first
    offered = {pk for pk, _label, _sel in response.context["picker"]["orgs"]}
    assert offered == {tree.branch_a.pk, tree.group_a.pk}
    assert client_for(people.member.user).get(url("create")).status_code == 404


def test_edit_moves_a_published_activity_and_tells_the_attendees(
    meeting, personas, people, secretary
):
    before = Notification.objects.filter(recipient=personas.member_a).count()
    start = timezone.localtime(meeting.starts_at)
    html = page(secretary.get(url("edit", pk=meeting.pk)))
    assert f'value="{start.date().isoformat()}"' in html and "disabled" in html  # type fixed
    data = form_data(None, type=meeting.type_id, topic=meeting.topic,
                     day=(start.date() + timedelta(days=1)).isoformat(), start_time="09:00",
                     end_time="", place="二楼会议室", host=people.secretary.pk)  # fmt: skip
    assert secretary.post(url("edit", pk=meeting.pk), data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.place == "二楼会议室" and meeting.ends_at is None
    assert timezone.localtime(meeting.starts_at).time() == time(9, 0)
    assert Notification.objects.filter(recipient=personas.member_a).count() == before + 1


def test_cancel_asks_for_the_reason_and_keeps_the_activity(meeting, personas, secretary, member):
    html = page(secretary.get(url("cancel", pk=meeting.pk)))
    assert meeting.topic in html
    response = secretary.post(url("cancel", pk=meeting.pk), {"reason": ""})
    assert response.context["form"].errors["reason"]
    response = secretary.post(url("cancel", pk=meeting.pk), {"reason": "上级临时安排培训"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == ActivityStatus.CANCELLED
    html = page(member.get(url("detail", pk=meeting.pk)))
    assert "上级临时安排培训" in html and 'name="attending"' not in html
    # nothing left to do: a second cancel or an edit goes back with a message
    assert secretary.get(url("cancel", pk=meeting.pk))["Location"] == url("detail", pk=meeting.pk)
    assert secretary.get(url("edit", pk=meeting.pk))["Location"] == url("detail", pk=meeting.pk)


def test_refused_leave_and_a_publish_without_anybody_are_explained(
    tree, personas, people, meeting, secretary
):
    row = activity_reply(actor=personas.member_a, activity=meeting, attending=False,
                         reason="家中有事")  # fmt: skip
    leave = url("leave", pk=meeting.pk, attendance_pk=row.pk)
    assert secretary.post(leave, {}).status_code == 302  # neither: asked again
    row.refresh_from_db()
    assert row.reply == Reply.LEAVE_REQUESTED
    secretary.post(leave, {"approve": "0"})
    row.refresh_from_db()
    assert row.reply == Reply.LEAVE_REFUSED

    # branch A has no committee: a committee meeting has nobody to invite
    empty = plan_activity(personas.secretary_a, tree.branch_a, "committee_meeting", "支委会",
                          at(soon()))  # fmt: skip
    response = secretary.get(url("publish", pk=empty.pk))
    assert response.context["count"] == 0 and "disabled" in page(response)
    response = secretary.post(url("publish", pk=empty.pk))
    assert response.context["errors"]
    empty.refresh_from_db()
    assert empty.status == ActivityStatus.PLANNED


# -- the year plan -------------------------------------------------------------------------------


def test_generating_the_year_plan_twice_adds_nothing_the_second_time(tree, people, secretary):
    plan = url("plan") + f"?org={tree.branch_a.pk}&year=2027"
    html = page(secretary.get(plan))
    assert rules.ORGLIFE_2018.requirement("general_meeting").describe() in html
    assert html.count('data-month="') == 12
    response = secretary.post(plan, follow=True)
    created = Activity.objects.filter(org=tree.branch_a, starts_at__year=2027).count()
    assert created > 0
    # four general meetings, twelve theme days, one lecture, organizational-life meeting,
    # appraisal and talks: branch A has no committee, so no committee meetings
    types = list(Activity.objects.filter(org=tree.branch_a).values_list("type__code", flat=True))
    assert types.count("general_meeting") == 4 and types.count("theme_day") == 12
    assert "committee_meeting" not in types
    assert str(created) in page(response)
    response = secretary.post(plan, follow=True)
    assert Activity.objects.filter(org=tree.branch_a, starts_at__year=2027).count() == created
    html = page(response)
    assert "2027" in html
    months = response.context["months"]
    assert sum(len(m["activities"]) for m in months) == created
    assert len(months[2]["activities"]) >= 1  # March: the theme day at least


def test_the_plan_of_a_member_without_orglife_access_is_404(people, member, secretary, tree):
    assert member.get(url("plan")).status_code == 404
    assert secretary.get(url("plan") + f"?org={tree.branch_b.pk}").status_code == 404
    assert secretary.get(url("plan") + "?year=abc").status_code == 404


# -- types and policy ----------------------------------------------------------------------------


def test_committee_defines_a_custom_type_with_its_frequency(tree, personas, admin, secretary):
    assert secretary.get(url("types")).status_code == 404  # configure only
    html = page(admin.get(url("types") + f"?org={tree.company.pk}"))
    assert "支部党员大会" in html and "每季度至少 1 次" in html
    new = url("type_edit") + f"?org={tree.company.pk}"
    response = admin.post(new, {"name": "", "period": "quarter", "times": 1, "quorum": "none",
                                "audience": "branch"})  # fmt: skip
    assert response.context["form"].errors["name"]
    response = admin.post(new, {"name": "安全生产学习", "period": "quarter", "times": 2,
                                "quorum": "none", "audience": "branch"})  # fmt: skip
    assert response.status_code == 302
    custom = ActivityType.objects.get(name="安全生产学习")
    assert (custom.org, custom.period, custom.times) == (tree.company, "quarter", 2)
    html = page(admin.get(url("types") + f"?org={tree.branch_a.pk}"))
    assert "安全生产学习" in html and "每季度至少 2 次" in html
    response = admin.post(
        url("type_edit", pk=custom.pk),
        {"name": "安全学习", "period": "month", "times": 1, "quorum": "none", "audience": "branch"},
    )
    assert response.status_code == 302
    custom.refresh_from_db()
    assert (custom.name, custom.period) == ("安全学习", "month")
    assert secretary.get(url("type_edit", pk=custom.pk)).status_code == 404
    builtin_pk = builtin("lecture").pk
    assert admin.get(url("type_edit", pk=builtin_pk)).status_code == 404  # not editable
    # the secretary may now plan one in branch A
    response = secretary.get(url("create") + f"?org={tree.branch_a.pk}")
    assert custom in response.context["form"].fields["type"].queryset


def policy_form(**fields) -> dict:
    data = {"base": rules.ORGLIFE_2018.name, "name": rules.ORGLIFE_2018.name,
            "minutes_sign_days": 7, "warn_days": 15}  # fmt: skip
    for code in rules.TYPES:
        req = rules.ORGLIFE_2018.requirement(code)
        data[f"period_{code}"] = req.period if req else ""
        data[f"times_{code}"] = req.times if req else 1
    data.update(fields)
    return data


def test_a_local_policy_needs_its_own_name_and_can_be_reverted(tree, personas, admin, secretary):
    assert secretary.get(url("policy")).status_code == 404
    policy = url("policy") + f"?org={tree.company.pk}"
    html = page(admin.get(policy))
    assert rules.ORGLIFE_2018.name in html
    # a change under the national name: refused on the name field, the input kept
    response = admin.post(policy, policy_form(period_lecture="quarter", minutes_sign_days=5))
    form = response.context["form"]
    assert "另起名称" in " ".join(form.errors["name"])
    assert form["minutes_sign_days"].value() == "5"
    response = admin.post(policy, policy_form(name="煤业公司组织生活规定", period_lecture="quarter",
                                              minutes_sign_days=5))  # fmt: skip
    assert response.status_code == 302
    in_force = policy_for(tree.branch_a)
    assert in_force.name == "煤业公司组织生活规定" and in_force.minutes_sign_days == 5
    assert in_force.requirement("lecture").period == "quarter"
    html = page(admin.get(url("policy") + f"?org={tree.branch_a.pk}"))
    assert "煤业公司组织生活规定" in html
    # the shipped quarterly-lecture policy, chosen as it is
    name = rules.ORGLIFE_2018_QUARTERLY_LECTURE.name
    response = admin.post(url("policy") + f"?org={tree.branch_b.pk}", policy_form(
        base=name, name=name, period_lecture="quarter"))  # fmt: skip
    assert response.status_code == 302
    assert policy_for(tree.branch_b).name == name
    # back to the inherited one, after a confirmation
    revert = url("policy") + f"?org={tree.company.pk}&revert=1"
    html = page(admin.get(revert))
    assert rules.ORGLIFE_2018.name in html
    assert admin.post(revert).status_code == 302
    assert policy_for(tree.branch_a).name == rules.ORGLIFE_2018.name


def test_a_planned_activity_of_branch_a_is_hidden_from_members(tree, personas, people, member):
    planned = plan_activity(personas.secretary_a, tree.branch_a, "lecture", "未发布",
                            at(soon()))  # fmt: skip
    assert member.get(url("detail", pk=planned.pk)).status_code == 404
    published = activity_publish(actor=personas.secretary_a, activity=plan_activity(
        personas.secretary_a, tree.branch_a, "lecture", "已发布", at(soon())))  # fmt: skip
    assert member.get(url("detail", pk=published.pk)).status_code == 200
