"""End-to-end at 375 px: a branch secretary opens a person's development timeline on a phone,
tries to record the activist step too early (refused, with the reason, input kept), then on an
allowed day (accepted, shown as done)."""

import pytest

from dangjian.core.testing import PASSWORD
from dangjian.core.tests.e2e.test_smoke import browser, shot  # noqa: F401
from dangjian.development.models import StepRecord

pytestmark = pytest.mark.e2e
SAVE = "form[enctype='multipart/form-data'] button[type=submit]"


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_secretary_records_a_step_on_a_phone(phone, live_server, transactional_db, walk, personas):
    pipeline = walk("talk")  # application 2023-03-01, talk 2023-03-20
    phone.goto(f"{live_server.url}/accounts/login/")
    phone.fill("input[name=username]", personas.secretary_a.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("form button[type=submit]")
    phone.wait_for_load_state()

    phone.goto(f"{live_server.url}/development/{pipeline.pk}/")
    assert phone.locator("text=周申请").count() >= 1
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the timeline scrolls sideways at 375 px ({width} px)"
    shot(phone, "development-timeline", 375, 740)

    phone.click(f"a[href$='/development/{pipeline.pk}/steps/activist/']")
    phone.fill("input[name=on]", "2023-03-19")
    phone.fill("input[name=responsible]", "支部委员会")
    with phone.expect_navigation():
        phone.click(SAVE)
    phone.wait_for_selector("text=早于此前步骤")
    assert phone.input_value("input[name=responsible]") == "支部委员会"  # nothing lost
    assert not StepRecord.objects.filter(pipeline=pipeline, step="activist").exists()
    shot(phone, "development-step-refused", 375, 740)

    phone.fill("input[name=on]", "2023-06-01")
    with phone.expect_navigation():
        phone.click(SAVE)
    assert phone.url.endswith(f"/development/{pipeline.pk}/")
    assert StepRecord.objects.get(pipeline=pipeline, step="activist").entered_by_id == (
        personas.secretary_a.pk
    )
