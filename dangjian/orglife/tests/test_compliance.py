"""Compliance (issue 5 §8): stored cells, the committee heat-map, the branch calendar, the
secretary's home warnings and the daily reminders.

The compliance inputs (held activities with their counts and minutes dates) are made directly
with the ORM: they are what the services leave behind, and the derived layer is what is tested
here. Configuration goes through the services. `today` is always fixed: 10 April 2025, so the
first quarter has just closed and April is open.
"""

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.accounts.selectors import nearest_holders
from dangjian.audit.models import AuditEvent
from dangjian.core.testing import login_as, make_user
from dangjian.notifications.models import Notification
from dangjian.orglife import compliance
from dangjian.orglife.models import Activity, ActivityType, ComplianceCell, ReminderSent
from dangjian.orglife.services import activity_type_save, policy_set
from dangjian.orglife.tasks import orglife_daily
from dangjian.orgs.models import OrgKind
from dangjian.orgs.services import committee_member_add, org_create, org_update
from dangjian.rules import orglife as rules

TODAY = date(2025, 4, 10)
YEAR = 2025
HEATMAP = "/orglife/compliance/"


def calendar_path(org) -> str:
    return f"/orglife/compliance/branch/{org.pk}/"


def builtin(code: str) -> ActivityType:
    return ActivityType.objects.get(org__isnull=True, code=code)


def held(org, code: str, on: date, *, quorum_met=True, signed_on="on time", expected=10,
         present=8, activity_type=None) -> Activity:  # fmt: skip
    """A held activity as the services leave it (minutes due a week after the meeting)."""
    due = on + timedelta(days=7)
    signed = {"on time": on + timedelta(days=2), "late": due + timedelta(days=1)}.get(signed_on)
    starts = timezone.make_aware(datetime.combine(on, time(9, 0)))
    return Activity.objects.create(
        org=org, type=activity_type or builtin(code), topic="学习贯彻全会精神", starts_at=starts,
        status="held", held_on=on, quorum_met=quorum_met if code == "general_meeting" else None,
        minutes_due_on=due, minutes_signed_on=signed, expected_count=expected,
        present_count=present,
    )  # fmt: skip


def first_quarter_done(branch, group, **general):
    """Everything branch A's first quarter asks for: a theme day and a group meeting each
    month and one general meeting (`general` changes that meeting)."""
    for month in (1, 2, 3):
        held(branch, "theme_day", date(YEAR, month, 15))
        held(group, "group_meeting", date(YEAR, month, 20))
    return held(branch, "general_meeting", date(YEAR, 2, 20), **general)


def missed(period_and_name: str) -> str:
    """The rules' message for a requirement of one period held 0 of 1 times."""
    return f"{period_and_name}未按要求召开（已开 0 次，要求 1 次）。"


def cell(branch, period: str, start: date) -> ComplianceCell:
    return ComplianceCell.objects.get(branch=branch, period=period, start=start)


def outcome(cell_: ComplianceCell, activity: str) -> dict:
    (found,) = [o for o in cell_.outcomes if o["activity"] == activity]
    return found


def refresh(*branches, today=TODAY) -> None:
    compliance.cells_refresh(year=YEAR, today=today, branch_ids=[b.pk for b in branches])


def add_committee(branch, members: int) -> None:
    posts = ["secretary", "deputy", "organization", "propaganda", "discipline"]
    for post in posts[:members]:
        committee_member_add(actor=None, org=branch, post=post, name=f"委员{post}",
                             term_start=date(2024, 1, 1))  # fmt: skip


def more_branches(tree, n: int) -> list:
    return [
        org_create(actor=None, parent=tree.company if i % 2 else tree.general_branch,
                   code=f"TX{i}", name=f"测试第{i}党支部", kind=OrgKind.BRANCH,
                   founded_on=date(2010, 7, 1))
        for i in range(n)
    ]  # fmt: skip


# -- the stored cells ----------------------------------------------------------------------------


def test_a_quarter_without_a_general_meeting_is_red_in_its_closing_month_and_the_quarter(tree):
    refresh(tree.branch_a)

    march = cell(tree.branch_a, "month", date(YEAR, 3, 1))
    quarter = cell(tree.branch_a, "quarter", date(YEAR, 1, 1))
    message = missed("2025年第1季度支部党员大会")
    assert outcome(march, "general_meeting")["state"] == "missing"
    assert outcome(march, "general_meeting")["message"] == message
    assert march.severity == quarter.severity == rules.RED
    assert message in [o["message"] for o in quarter.outcomes]
    # January and February do not judge the quarter's general meeting
    assert not [o for o in cell(tree.branch_a, "month", date(YEAR, 1, 1)).outcomes
                if o["activity"] == "general_meeting"]  # fmt: skip
    assert march.policy_name == rules.ORGLIFE_2018.name and march.computed_on == TODAY


def test_a_held_general_meeting_with_quorum_and_signed_minutes_turns_the_quarter_green(tree):
    first_quarter_done(tree.branch_a, tree.group_a)
    refresh(tree.branch_a)

    quarter = cell(tree.branch_a, "quarter", date(YEAR, 1, 1))
    assert quarter.severity == rules.GREEN
    march = cell(tree.branch_a, "month", date(YEAR, 3, 1))
    assert outcome(march, "general_meeting")["state"] == "ok"
    # attendance sums of the quarter: 3 theme days, 3 group meetings, 1 general meeting
    assert (quarter.expected, quarter.present) == (70, 56)


@pytest.mark.parametrize("minutes", [None, "late"])
def test_minutes_unsigned_past_due_or_signed_late_make_the_quarter_amber(tree, minutes):
    first_quarter_done(tree.branch_a, tree.group_a, signed_on=minutes)
    refresh(tree.branch_a)

    march = cell(tree.branch_a, "month", date(YEAR, 3, 1))
    assert outcome(march, "general_meeting")["state"] == "flawed"
    assert "会议记录未按时签认" in outcome(march, "general_meeting")["message"]
    assert cell(tree.branch_a, "quarter", date(YEAR, 1, 1)).severity == rules.AMBER


def test_a_general_meeting_without_quorum_is_amber(tree):
    first_quarter_done(tree.branch_a, tree.group_a, quorum_met=False)
    refresh(tree.branch_a)

    assert cell(tree.branch_a, "quarter", date(YEAR, 1, 1)).severity == rules.AMBER


def test_unsigned_minutes_still_within_their_week_are_not_a_flaw(tree):
    first_quarter_done(tree.branch_a, tree.group_a, signed_on=None)
    refresh(tree.branch_a, today=date(YEAR, 2, 25))  # due on 27 February

    february = cell(tree.branch_a, "month", date(YEAR, 2, 1))
    assert outcome(february, "general_meeting")["state"] == "ok"


@pytest.mark.parametrize(("members", "required"), [(2, False), (3, True)])
def test_committee_meetings_are_required_only_with_three_members(tree, members, required):
    add_committee(tree.branch_a, members)
    refresh(tree.branch_a)

    january = cell(tree.branch_a, "month", date(YEAR, 1, 1))
    found = [o for o in january.outcomes if o["activity"] == "committee_meeting"]
    assert bool(found) is required
    if required:
        assert found[0]["message"] == missed("2025年1月支部委员会会议")


def test_group_meetings_count_each_party_group_once_a_month(tree):
    second = org_create(actor=None, parent=tree.branch_a, code="T1112", name="第二党小组",
                        kind=OrgKind.PARTY_GROUP)  # fmt: skip
    held(tree.group_a, "group_meeting", date(YEAR, 1, 8))
    held(tree.group_a, "group_meeting", date(YEAR, 1, 22))  # the same group twice
    refresh(tree.branch_a)
    january = outcome(cell(tree.branch_a, "month", date(YEAR, 1, 1)), "group_meeting")
    assert (january["state"], january["required"], january["held"]) == ("missing", 2, 1)

    held(second, "group_meeting", date(YEAR, 1, 25))
    refresh(tree.branch_a)
    january = outcome(cell(tree.branch_a, "month", date(YEAR, 1, 1)), "group_meeting")
    assert (january["state"], january["held"]) == ("ok", 2)


def test_a_party_groups_other_activities_count_for_its_branch(tree):
    held(tree.group_a, "theme_day", date(YEAR, 1, 15))
    refresh(tree.branch_a)

    assert outcome(cell(tree.branch_a, "month", date(YEAR, 1, 1)), "theme_day")["state"] == "ok"


def test_a_committees_custom_type_applies_to_the_branches_below_it(tree, personas):
    custom = activity_type_save(actor=personas.committee_admin, org=tree.company,
                                name="安全生产学习", period="quarter")  # fmt: skip
    refresh(tree.branch_a, tree.branch_c)

    march_a = cell(tree.branch_a, "month", date(YEAR, 3, 1))
    assert outcome(march_a, custom.code)["message"].startswith("2025年第1季度安全生产学习未按要求")
    march_c = cell(tree.branch_c, "month", date(YEAR, 3, 1))
    assert custom.code not in [o["activity"] for o in march_c.outcomes]

    held(tree.branch_a, custom.code, date(YEAR, 2, 3), activity_type=custom)
    refresh(tree.branch_a)
    assert outcome(cell(tree.branch_a, "month", date(YEAR, 3, 1)), custom.code)["state"] == "ok"


def test_the_quarterly_lecture_policy_asks_for_a_lecture_every_quarter(tree, personas):
    refresh(tree.branch_a)
    march = cell(tree.branch_a, "month", date(YEAR, 3, 1))
    assert "lecture" not in [o["activity"] for o in march.outcomes]

    variant = rules.ORGLIFE_2018_QUARTERLY_LECTURE
    policy_set(actor=personas.committee_admin, org=tree.company, data={"base": variant.name})
    refresh(tree.branch_a, tree.branch_c)

    march = cell(tree.branch_a, "month", date(YEAR, 3, 1))
    assert outcome(march, "lecture")["message"] == missed("2025年第1季度党课")
    assert march.policy_name == variant.name
    assert cell(tree.branch_c, "month", date(YEAR, 3, 1)).policy_name == rules.ORGLIFE_2018.name
    assert compliance.policies_for([tree.branch_a])[tree.branch_a.pk] == variant


def test_cells_are_one_per_period_and_a_refresh_replaces_them(tree):
    refresh(tree.branch_a)
    refresh(tree.branch_a)

    periods = ComplianceCell.objects.filter(branch=tree.branch_a).values_list("period", flat=True)
    assert sorted(periods) == sorted(["month"] * 12 + ["quarter"] * 4 + ["year"])
    # months not begun are not judged
    assert cell(tree.branch_a, "month", date(YEAR, 5, 1)).severity == rules.NONE


def test_refresh_skips_organizations_that_are_not_branches_and_counts_branches(tree):
    assert compliance.cells_refresh(year=YEAR, today=TODAY) == 3
    assert set(ComplianceCell.objects.values_list("branch_id", flat=True)) == {
        tree.branch_a.pk, tree.branch_b.pk, tree.branch_c.pk
    }  # fmt: skip


def test_refresh_queries_per_chunk_do_not_grow_with_its_size(tree, django_assert_num_queries):
    extra = more_branches(tree, 3)
    ids = [tree.branch_a.pk, tree.branch_b.pk, *(b.pk for b in extra)]
    with CaptureQueriesContext(connection) as two:
        compliance.cells_refresh(year=YEAR, today=TODAY, branch_ids=ids[:2])
    for branch in extra:
        held(branch, "theme_day", date(YEAR, 1, 15))
    with django_assert_num_queries(len(two)):
        compliance.cells_refresh(year=YEAR, today=TODAY, branch_ids=ids)
    # chunks of two: one chunk's queries again per chunk, plus the branch list
    per_chunk = len(two) - 1
    with django_assert_num_queries(1 + 3 * per_chunk):
        compliance.cells_refresh(year=YEAR, today=TODAY, branch_ids=ids, chunk_size=2)


def test_branch_refresh_of_a_party_group_refreshes_its_branch_and_a_committee_nothing(tree):
    compliance.branch_refresh(tree.group_a, today=TODAY)
    assert ComplianceCell.objects.filter(branch=tree.branch_a).count() == 17
    compliance.branch_refresh(tree.company, today=TODAY)
    assert ComplianceCell.objects.count() == 17


# -- the heat-map --------------------------------------------------------------------------------


def test_heatmap_counts_branches_by_colour_per_row_and_in_total(tree, personas):
    first_quarter_done(tree.branch_b, tree.branch_b)  # branch B has no groups: groups skip
    compliance.cells_refresh(year=YEAR, today=TODAY)

    data = compliance.heatmap(personas.committee_admin, tree.company, year=YEAR, period="quarter")

    assert [r.org for r in data.rows] == [tree.general_branch, tree.branch_b]
    general, branch_b = data.rows
    assert (general.branches, general.cells[0].red, general.cells[0].status) == (1, 1, "red")
    assert (branch_b.cells[0].green, branch_b.cells[0].status) == (1, "green")
    assert branch_b.cells[0].rate == 80
    q1 = data.total.cells[0]
    assert (q1.red, q1.amber, q1.green, q1.none, q1.status) == (1, 0, 1, 0, "red")
    assert data.total.cells[3].none == 2 and data.total.cells[3].status == "none"
    assert data.columns == [date(YEAR, m, 1) for m in (1, 4, 7, 10)]
    assert data.computed_on == TODAY


def test_heatmap_of_the_group_keeps_other_companies_apart(tree, personas):
    compliance.cells_refresh(year=YEAR, today=TODAY)

    data = compliance.heatmap(personas.committee_admin, tree.group, year=YEAR, period="year")

    assert [(r.org, r.branches) for r in data.rows] == [(tree.company, 2), (tree.other_company, 1)]
    assert len(data.rows[0].cells) == 1


def test_heatmap_shows_only_branches_in_the_users_scope(tree, personas):
    compliance.cells_refresh(year=YEAR, today=TODAY)

    data = compliance.heatmap(personas.secretary_a, tree.company, year=YEAR, period="month")

    assert [(r.org, r.branches) for r in data.rows] == [(tree.general_branch, 1)]
    assert data.total.cells[2].red == 1


def test_heatmap_queries_do_not_grow_with_branches(tree, personas, client,
                                                   django_assert_num_queries):  # fmt: skip
    admin = personas.committee_admin
    compliance.cells_refresh(year=YEAR, today=TODAY)
    login_as(client, admin)
    url = f"{HEATMAP}?org={tree.company.pk}&year={YEAR}"

    def fresh():  # a new request's user: its scope not cached yet
        return type(admin).objects.get(pk=admin.pk)

    with CaptureQueriesContext(connection) as function_two:
        compliance.heatmap(fresh(), tree.company, year=YEAR, period="month")
    client.get(url)  # the session's first request stamps it
    with CaptureQueriesContext(connection) as page_two:
        assert client.get(url).status_code == 200

    more_branches(tree, 4)  # six branches under the company now
    compliance.cells_refresh(year=YEAR, today=TODAY)
    with django_assert_num_queries(len(function_two)):
        data = compliance.heatmap(fresh(), tree.company, year=YEAR, period="month")
    assert data.total.branches == 6
    with django_assert_num_queries(len(page_two)):
        assert client.get(url).status_code == 200


def test_heatmap_page_shows_counts_in_words_and_links_rows(tree, personas, client):
    compliance.cells_refresh(year=YEAR, today=TODAY)
    login_as(client, personas.committee_admin)

    response = client.get(f"{HEATMAP}?org={tree.company.pk}&year={YEAR}&period=quarter")

    html = response.content.decode()
    assert f"?org={tree.general_branch.pk}&amp;year={YEAR}&amp;period=quarter" in html
    assert calendar_path(tree.branch_b) + f"?year={YEAR}" in html
    first = response.context["rows"][0]["cells"][0]
    assert first["cell"].status == "red" and first["text"].endswith(" 1")  # a word and a count
    assert first["text"] in html and "dj-heat-red" in html


def test_heatmap_defaults_to_the_top_organization_and_sends_a_branch_to_its_calendar(
    tree, personas, client
):
    login_as(client, personas.committee_admin)
    assert client.get(HEATMAP).context["org"] == tree.group

    login_as(client, personas.secretary_a)
    response = client.get(HEATMAP)
    assert response.status_code == 302
    assert response["Location"].startswith(calendar_path(tree.branch_a))


def test_heatmap_export_is_a_workbook_and_audited(tree, personas, client):
    compliance.cells_refresh(year=YEAR, today=TODAY)
    login_as(client, personas.committee_admin)

    response = client.get(f"{HEATMAP}?org={tree.company.pk}&year={YEAR}&period=year&export=xlsx")

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any(tree.general_branch.name in row and "2025年" in row for row in values)
    assert AuditEvent.objects.filter(action="export.orglife_compliance").count() == 1


# -- scope ---------------------------------------------------------------------------------------


def test_secretary_sees_own_calendar_but_not_another_branches(tree, personas, client):
    login_as(client, personas.secretary_a)

    assert client.get(calendar_path(tree.branch_a)).status_code == 200
    assert client.get(calendar_path(tree.branch_b)).status_code == 404
    assert client.get(f"{HEATMAP}?org={tree.company.pk}").status_code == 404
    login_as(client, personas.committee_admin)
    assert client.get(calendar_path(tree.branch_c)).status_code == 200


def test_a_member_sees_no_compliance(tree, personas, client):
    login_as(client, personas.member_a)

    assert client.get(HEATMAP).status_code == 404
    assert client.get(calendar_path(tree.branch_a)).status_code == 404


def test_calendar_of_a_party_group_is_its_branchs(tree, personas, client):
    login_as(client, personas.secretary_a)
    response = client.get(calendar_path(tree.group_a))
    assert response.status_code == 302
    assert response["Location"].startswith(calendar_path(tree.branch_a))


# -- the branch calendar -------------------------------------------------------------------------


def test_branch_calendar_judges_live(tree):
    first_quarter_done(tree.branch_a, tree.group_a)

    cells = compliance.branch_calendar(tree.branch_a, year=YEAR, today=TODAY)

    assert [c.period for c in cells] == ["month"] * 12 + ["quarter"] * 4 + ["year"]
    assert cells[12].status == "green"  # the first quarter
    assert cells[3].status == "none"  # April is open: nothing due yet


def test_calendar_page_lists_each_outcome_and_the_policy(tree, personas, client):
    login_as(client, personas.secretary_a)

    response = client.get(calendar_path(tree.branch_a) + "?year=2011")  # long past on any clock

    html = response.content.decode()
    assert missed("2011年第1季度支部党员大会") in html
    assert rules.ORGLIFE_2018.name in html
    assert response.context["months"][2]["month"] == "2011-03"


def test_calendar_queries_are_few(tree, personas, client, django_assert_max_num_queries):
    login_as(client, personas.secretary_a)
    with django_assert_max_num_queries(16):
        client.get(calendar_path(tree.branch_a))


# -- warnings ------------------------------------------------------------------------------------


def panel_for(user, today=TODAY):
    request = RequestFactory().get("/")
    request.user = user
    return compliance.home_warnings(request, today=today)


def test_home_warnings_tell_the_secretary_what_was_missed_and_what_is_due(tree, personas):
    panel = panel_for(personas.secretary_a, today=date(YEAR, 4, 20))  # April ends in 10 days

    (item,) = panel["items"]
    assert item["branch"] == tree.branch_a
    messages = [w.message for w in item["warnings"]]
    assert missed("2025年第1季度支部党员大会") in messages
    assert any(m.startswith("2025年4月主题党日尚未开够") for m in messages)
    assert item["url"] == calendar_path(tree.branch_a)
    assert panel["count"] == len(messages)


def test_home_warnings_include_the_committee_term(tree, personas):
    org_update(actor=personas.committee_admin, org=tree.branch_a, term_start=date(2022, 5, 1),
               term_end=date(2025, 5, 1))  # fmt: skip
    first_quarter_done(tree.branch_a, tree.group_a)

    (item,) = panel_for(personas.secretary_a)["items"]

    assert "2025年5月1日" in item["term"]


def test_home_warnings_are_for_direct_assignments_only(tree, personas):
    assert panel_for(personas.committee_admin) is None  # the whole group is not "their branch"
    assert panel_for(personas.member_a) is None


def test_home_warnings_queries_do_not_grow_with_branches(tree, personas,
                                                         django_assert_num_queries):  # fmt: skip
    extra = more_branches(tree, 3)
    one = make_user("p_one", "一支部书记", ("branch_secretary", tree.branch_b))
    with CaptureQueriesContext(connection) as single:
        panel_for(one)
    four = make_user("p_four", "四支部书记", ("branch_secretary", tree.branch_b),
                     *(("branch_secretary", b) for b in extra))  # fmt: skip
    with django_assert_num_queries(len(single)):
        panel = panel_for(four)
    assert len(panel["items"]) == 4


def test_nearest_holders_in_bulk_answer_as_nearest_holders(tree, personas):
    holders = compliance.holders_by_path(compliance.MANAGE, TODAY)
    for branch in (tree.branch_a, tree.branch_b, tree.branch_c):
        expected = {u.pk for u in nearest_holders(branch, compliance.MANAGE)}
        assert {u.pk for u in compliance.nearest_holders_of(holders, branch)} == expected


def test_daily_task_notifies_each_warning_once(tree, personas):
    org_update(actor=personas.committee_admin, org=tree.branch_a, term_start=date(2022, 5, 1),
               term_end=date(2025, 5, 1))  # fmt: skip

    result = orglife_daily(today="2025-04-10")

    assert result["refreshed"] == 3 and result["reminded"] > 0
    mine = Notification.objects.filter(recipient=personas.secretary_a, category="orglife")
    titles = list(mine.values_list("title", flat=True))
    message = missed("2025年第1季度支部党员大会")
    assert [t for t in titles if t.startswith(tree.branch_a.name) and t.endswith(message)]
    assert ReminderSent.objects.filter(branch=tree.branch_a, key="term:2025-05-01").exists()
    assert ReminderSent.objects.filter(
        branch=tree.branch_a, key="general_meeting:2025-01-01:missing"
    ).exists()
    assert {n.link for n in mine} == {calendar_path(tree.branch_a)}
    # branch B has no secretary: the group's committee administrator hears about it
    assert Notification.objects.filter(recipient=personas.committee_admin,
                                       title__startswith=tree.branch_b.name).exists()  # fmt: skip
    assert ComplianceCell.objects.filter(start__year=2025).count() == 3 * 17

    count = Notification.objects.count()
    assert orglife_daily(today="2025-04-10")["reminded"] == 0
    assert Notification.objects.count() == count


def test_daily_task_in_january_refreshes_the_year_just_closed(tree):
    orglife_daily(today="2026-01-05")

    assert ComplianceCell.objects.filter(start__year=2025, branch=tree.branch_a).count() == 17
    december = cell(tree.branch_a, "month", date(2025, 12, 1))
    assert outcome(december, "orglife_meeting")["state"] == "missing"


def test_daily_reminder_reads_do_not_grow_with_branches(tree, django_assert_num_queries):
    compliance.reminders_send(today=TODAY)  # everything known is sent
    with CaptureQueriesContext(connection) as quiet:
        compliance.reminders_send(today=TODAY)
    more_branches(tree, 4)
    ReminderSent.objects.all().delete()
    Notification.objects.all().delete()
    compliance.reminders_send(today=TODAY)
    with django_assert_num_queries(len(quiet)):
        assert compliance.reminders_send(today=TODAY) == 0
