"""End-to-end at 375 px: a member checks their record on a phone, reveals their phone number
and confirms a verification campaign; the committee sees the progress."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dangjian.core.testing import PASSWORD
from dangjian.core.tests.e2e.test_smoke import ARTIFACTS, browser, shot  # noqa: F401
from dangjian.members.campaign_services import campaign_start

pytestmark = pytest.mark.e2e


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_member_confirms_their_record_on_a_phone(
    phone, live_server, transactional_db, tree, personas, make_person
):
    make_person(name="李党员", user=personas.member_a, phone="13800138000")
    today = timezone.localdate()
    campaign = campaign_start(
        actor=personas.committee_admin, org=tree.company, title="2026年度信息核对",
        starts_on=today, ends_on=today + timedelta(days=20),
    )  # fmt: skip
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.fill("input[name=username]", personas.member_a.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("form button[type=submit]")
    phone.wait_for_load_state()
    phone.goto(f"{live_server.url}/members/me/")
    assert phone.locator("text=138****8000").count() == 1
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways at 375 px ({width} px)"
    shot(phone, "members-my-record", 375, 740)
    phone.click("#sens-phone button")
    phone.wait_for_selector("text=13800138000")
    phone.click(f"form[action$='/campaigns/{campaign.pk}/confirm/'] button")
    with phone.expect_navigation():
        phone.click("#dj-confirm [data-dj-confirm-ok]")
    assert campaign.responses.get(person__user=personas.member_a).status == "confirmed"
