"""End-to-end, issue 5's "done when": a branch secretary plans and publishes a branch general
meeting, a member receives the notice and signs in by the QR code on a phone (375 px), the
recorder writes the minutes and the host signs them off, and the committee's heat-map turns that
month green; the last quarter, which had no branch general meeting, is red, with a warning on the
secretary's home page."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from dangjian.core.testing import PASSWORD, make_user
from dangjian.core.tests.e2e.test_smoke import browser, shot  # noqa: F401
from dangjian.orglife import services
from dangjian.orglife.compliance import cells_refresh
from dangjian.orglife.models import Activity, Attendance, SigninMethod
from dangjian.orglife.tests.conftest import builtin
from dangjian.rules.orglife import period_label, period_start

pytestmark = pytest.mark.e2e
SUBMIT = "main form[method=post] button[type=submit]"


def held_with_minutes(code, org, starts_at, personas, people):
    """An activity of this period, held and minuted through the services."""
    activity = services.activity_create(
        actor=personas.secretary_a, org=org, type=builtin(code), topic=f"本期{code}",
        starts_at=starts_at, host=people.secretary, recorder=people.recorder,
    )  # fmt: skip
    activity = services.activity_publish(actor=personas.secretary_a, activity=activity)
    for row in activity.attendance.all():
        services.signin_manual(actor=personas.secretary_a, activity=activity, person=row.person,
                               reason="测试准备", at=starts_at)  # fmt: skip
    activity = services.activity_hold(actor=personas.secretary_a, activity=activity)
    services.minutes_save(actor=personas.secretary_a, activity=activity, body="<p>记录</p>")
    services.minutes_sign(actor=personas.secretary_a, activity=activity)


@pytest.fixture
def open_as(browser, live_server):  # noqa: F811
    """open_as(user, phone=False) -> a page signed in as `user`, each in its own context."""
    contexts = []

    def run(user, *, phone: bool = False):
        size = {"width": 375, "height": 740} if phone else {"width": 1280, "height": 900}
        context = browser.new_context(locale="zh-CN", viewport=size, is_mobile=phone,
                                      has_touch=phone)  # fmt: skip
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        return page

    yield run
    for context in contexts:
        context.close()


def heat_cell(page, org_name: str, index: int):
    row = page.locator("tr", has=page.locator(f"th a:has-text('{org_name}')"))
    return row.locator("td.dj-cell").nth(index)


def test_a_meeting_from_plan_to_a_green_cell(open_as, live_server, transactional_db,
                                             tree, personas, people):  # fmt: skip
    base = live_server.url
    now = timezone.localtime()
    today = now.date()
    # Everything else this period requires of branch A is already done, so only the branch
    # general meeting of this quarter is open.
    early = timezone.make_aware(datetime.combine(today, time(0, 5)))
    held_with_minutes("theme_day", tree.branch_a, early, personas, people)
    held_with_minutes("group_meeting", tree.group_a, early, personas, people)
    for code in ("lecture", "orglife_meeting", "appraisal", "talk"):
        held_with_minutes(code, tree.branch_a, early, personas, people)
    staff = make_user("p_org_staff", "组织部干事", ("organization_member", tree.company))

    # The committee's heat-map: this month not green yet (the quarter's meeting is open).
    committee = open_as(staff)
    heatmap = f"{base}/orglife/compliance/?org={tree.company.pk}&year={today.year}&period=month"
    committee.goto(heatmap)
    cell = heat_cell(committee, tree.general_branch.name, today.month - 1)
    assert "dj-heat-green" not in cell.get_attribute("class")

    # The secretary plans the meeting (starting a few minutes ago, so sign-in is open).
    start = max(now - timedelta(minutes=5), now.replace(hour=0, minute=1))
    secretary = open_as(personas.secretary_a)
    secretary.goto(f"{base}/orglife/new/?org={tree.branch_a.pk}")
    secretary.select_option("select[name=type]", label="支部党员大会")
    secretary.fill("input[name=topic]", "学习贯彻全会精神专题支部党员大会")
    secretary.fill("input[name=day]", start.date().isoformat())
    secretary.fill("input[name=start_time]", start.strftime("%H:%M"))
    secretary.fill("input[name=place]", "三楼党员活动室")
    secretary.select_option("select[name=host]", label=people.secretary.name)
    secretary.select_option("select[name=recorder]", label=people.recorder.name)
    with secretary.expect_navigation():
        secretary.click(SUBMIT)
    activity = Activity.objects.get(topic="学习贯彻全会精神专题支部党员大会")
    secretary.goto(f"{base}/orglife/{activity.pk}/publish/")
    with secretary.expect_navigation():
        secretary.click(SUBMIT)
    activity.refresh_from_db()
    assert activity.status == "published" and activity.expected_count == 4

    # The member gets the notice on the phone and signs in with the code on the screen.
    member = open_as(personas.member_a, phone=True)
    assert member.locator("text=学习贯彻全会精神专题支部党员大会").count() >= 1
    shot(member, "orglife-member-home", 375, 740)
    secretary.goto(f"{base}/orglife/{activity.pk}/qr/")
    assert secretary.locator(".dj-qr-box svg").count() == 1  # what the room screen shows
    member.goto(f"{base}/orglife/signin/{services.signin_token(activity)}/")
    assert Attendance.objects.filter(activity=activity, signed_in_at__isnull=False).count() == 0
    with member.expect_navigation():
        member.click(SUBMIT)
    member.wait_for_selector("#signin-result")
    width = member.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the sign-in page scrolls sideways at 375 px ({width} px)"
    shot(member, "orglife-signed-in", 375, 740)
    row = Attendance.objects.get(activity=activity, person=people.member)
    assert row.method == SigninMethod.QR and row.signed_in_at is not None
    for person in (people.secretary, people.recorder):  # the others, by the recorder
        services.signin_manual(actor=people.recorder.user, activity=activity, person=person,
                               reason="手机未带")  # fmt: skip
    activity.refresh_from_db()
    assert (activity.present_count, activity.voters_present, activity.quorum_met) == (3, 3, True)

    # Held; the recorder writes the minutes; the host signs them off.
    secretary.goto(f"{base}/orglife/{activity.pk}/hold/")
    with secretary.expect_navigation():
        secretary.click(SUBMIT)
    recorder = open_as(people.recorder.user)
    recorder.goto(f"{base}/orglife/{activity.pk}/minutes/")
    recorder.click("#minutes-editor")
    recorder.keyboard.type("会议传达学习了全会精神，讨论了本支部贯彻落实措施。")
    with recorder.expect_navigation():
        recorder.click(SUBMIT)
    secretary.goto(f"{base}/orglife/{activity.pk}/minutes/sign/")
    assert secretary.locator("text=会议传达学习了全会精神").count() >= 1
    with secretary.expect_navigation():
        secretary.click(SUBMIT)
    activity.refresh_from_db()
    assert activity.minutes_signed_on == today

    # The committee's heat-map: the month is green now.
    committee.goto(heatmap)
    cell = heat_cell(committee, tree.general_branch.name, today.month - 1)
    assert "dj-heat-green" in cell.get_attribute("class")
    shot(committee, "orglife-heatmap", 1280, 900)

    # Last quarter had no branch general meeting: red, and a warning on the secretary's home.
    last_quarter = period_start(period_start(today, "quarter") - timedelta(days=1), "quarter")
    if last_quarter.year != today.year:  # in the first quarter: last year's cells, as nightly
        cells_refresh(year=last_quarter.year, today=today)
    committee.goto(f"{base}/orglife/compliance/?org={tree.company.pk}&year={last_quarter.year}"
                   "&period=quarter")  # fmt: skip
    quarter = heat_cell(committee, tree.general_branch.name, (last_quarter.month - 1) // 3)
    assert "dj-heat-red" in quarter.get_attribute("class")
    secretary.goto(f"{base}/")
    warning = f"{period_label(last_quarter, 'quarter')}支部党员大会未按要求召开"
    assert secretary.locator(f"text={warning}").count() >= 1
    shot(secretary, "orglife-secretary-home", 1280, 900)
