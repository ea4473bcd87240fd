"""End-to-end smoke in Debian's headless Chromium (Playwright), against a live server with the
demo enterprise: the secretary's journey, the committee admin's two-factor step, care mode.

Screenshots go to .ci-artifacts/ (CI keeps them; look at them: Chinese must render).
"""

import os
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.core import demo
from dangjian.core.management.commands.demo_totp import current_code
from dangjian.orgs.models import Organization

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[4] / ".ci-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself (not by the server thread) would otherwise be refused as "async unsafe".
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def demo_site(transactional_db, live_server):
    demo.seed(members=80, seed=3)
    return live_server.url


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, site: str, username: str) -> None:
    page.goto(f"{site}/")
    assert "/accounts/login/" in page.url  # anonymous visitors are sent to the login form
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def shot(page, name: str, width: int, height: int) -> Path:
    page.set_viewport_size({"width": width, "height": height})
    path = ARTIFACTS / f"{name}-{width}x{height}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000
    return path


def test_branch_secretary_signs_in_and_opens_own_branch(page, demo_site):
    sign_in(page, demo_site, "demo_secretary")
    assert page.url.rstrip("/") == demo_site
    nav = page.locator("nav").first.text_content()
    assert "组织管理" in nav
    shot(page, "secretary-home", 1280, 800)
    branch = Organization.objects.get(code=demo.branch_a_code())
    page.get_by_role("link", name="组织管理").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name=branch.name).first.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/orgs/{branch.pk}/")
    assert branch.name in page.locator("h1").first.inner_text()
    shot(page, "secretary-branch", 375, 812)
    shot(page, "secretary-branch", 1280, 800)
    # Another branch's page answers like a missing one.
    other = Organization.objects.exclude(path__startswith=branch.path).filter(kind="branch")[0]
    response = page.goto(f"{demo_site}/orgs/{other.pk}/")
    assert response.status == 404


def test_committee_admin_passes_the_two_factor_step(page, demo_site):
    sign_in(page, demo_site, "demo_committee")
    assert "/accounts/two-factor/verify/" in page.url
    shot(page, "committee-2fa", 375, 812)
    device = TOTPDevice.objects.get(user__username="demo_committee")
    page.fill("input[name=token]", current_code(device))
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.rstrip("/") == demo_site
    assert "组织管理" in page.locator("nav").first.text_content()
    shot(page, "committee-home", 1280, 800)


def test_care_mode_enlarges_the_base_font(page, demo_site):
    sign_in(page, demo_site, "demo_member")

    def base_font_px() -> float:
        return float(page.evaluate("getComputedStyle(document.body).fontSize").rstrip("px"))

    before = base_font_px()
    toggle = page.locator("button.dj-care-toggle").first
    if not toggle.is_visible():  # on narrow screens the user menu sits behind the toggler
        page.locator(".navbar-toggler").first.click()
    toggle.click()
    page.wait_for_load_state()
    after = base_font_px()
    assert after >= 18 and after > before
    shot(page, "member-care-mode", 375, 812)
    page.reload()  # remembered for the user, not just this page
    assert base_font_px() == after
