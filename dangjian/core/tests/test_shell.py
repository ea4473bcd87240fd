"""The UI shell: base layout, navigation, care mode, home page, error pages, date filters."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import OperationalError
from django.shortcuts import resolve_url
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.core import home, navigation, views
from dangjian.core.testing import login_as

HOME = "/"


def _body_classes(html: str) -> set[str]:
    match = re.search(r'<body[^>]*\bclass="([^"]*)"', html)
    assert match, "no <body class=...>"
    return set(match.group(1).split())


# --- home page ---------------------------------------------------------------------------------


def test_anonymous_home_redirects_to_login(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.parametrize(
    "persona",
    [
        "committee_admin",
        "secretary_a",
        "member_a",
        "member_b",
        "outsider",
        "system_admin",
        "security_admin",
        "audit_admin",
    ],
)
def test_home_renders_for_every_persona(client, personas, persona):
    user = getattr(personas, persona)
    login_as(client, user)
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert user.name in html
    assert "我的待办" in html
    # landmarks and the skip link
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert 'href="#main"' in html
    assert "care-mode" not in _body_classes(html)


def test_home_shows_empty_state_when_no_panel_has_anything(client, personas):
    login_as(client, personas.member_a)
    html = client.get(HOME).content.decode()
    if not home.panels_for(_request_for(personas.member_a)):
        assert "暂无待办事项" in html


def test_home_shows_previous_login(client, personas):
    user = personas.member_a
    user.previous_login_at = datetime.datetime(2026, 11, 20, 0, 30, tzinfo=datetime.UTC)
    user.previous_login_ip = "10.1.2.3"
    user.save(update_fields=["previous_login_at", "previous_login_ip"])
    login_as(client, user)
    html = client.get(HOME).content.decode()
    assert "上次登录：2026年11月20日 08:30，来自 10.1.2.3" in html


def test_home_renders_registered_panels_with_their_data(client, personas):
    def ctx(request):
        return {"count": 2, "things": ["甲会议", "乙会议"], "more_url": "/somewhere/"}

    home.register(
        home.HomePanel(
            key="test.meetings",
            title="待参加的会议",
            template="core/tests/panel.html",
            context=ctx,
        )
    )
    try:
        login_as(client, personas.member_a)
        html = client.get(HOME).content.decode()
    finally:
        home.unregister("test.meetings")
    assert "待参加的会议" in html
    assert "甲会议" in html and "乙会议" in html
    assert 'href="/somewhere/"' in html
    assert "暂无待办事项" not in html


def test_a_failing_panel_does_not_break_the_home_page(client, personas):
    def broken(request):
        raise RuntimeError("boom")

    home.register(
        home.HomePanel(key="test.broken", title="坏面板", template="x.html", context=broken)
    )
    try:
        login_as(client, personas.member_a)
        response = client.get(HOME)
    finally:
        home.unregister("test.broken")
    assert response.status_code == 200
    assert "坏面板" not in response.content.decode()


def _request_for(user):
    request = RequestFactory().get(HOME)
    request.user = user
    return request


def test_home_query_count_does_not_grow_with_hidden_panels(client, personas):
    user = personas.member_a
    login_as(client, user)
    client.get(HOME)  # warm caches (content types, sessions…)

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(HOME).status_code == 200
        return len(ctx.captured_queries)

    baseline = count_queries()
    keys = []
    try:
        for i in range(20):
            # hidden by permission (member holds no such code) and hidden by returning nothing
            keys += [f"test.denied{i}", f"test.empty{i}"]
            home.register(
                home.HomePanel(
                    key=f"test.denied{i}",
                    title="x",
                    template="x.html",
                    context=lambda r: {"x": 1},
                    permission=f"test.nobody{i}",
                )
            )
            home.register(
                home.HomePanel(
                    key=f"test.empty{i}", title="y", template="y.html", context=lambda r: None
                )
            )
        assert count_queries() <= baseline
    finally:
        for key in keys:
            home.unregister(key)


# --- navigation --------------------------------------------------------------------------------


@pytest.fixture
def guarded_entry():
    entry = navigation.NavEntry(
        key="test.orgs",
        label="测试组织菜单",
        url_name="core:home",
        icon="diagram-3",
        permission="orgs.view",
        order=50,
    )
    navigation.register(entry)
    yield entry
    navigation.unregister(entry.key)


def test_nav_shows_entries_the_persona_may_use(client, personas, guarded_entry):
    # orgs.view is held by members and secretaries of their branch, not by the three administrators
    login_as(client, personas.member_a)
    assert "测试组织菜单" in client.get(HOME).content.decode()


def test_nav_hides_entries_without_permission(client, personas, guarded_entry):
    login_as(client, personas.security_admin)
    html = client.get(HOME).content.decode()
    assert "测试组织菜单" not in html
    assert "我的待办" in html  # the unguarded home entry is always there


def test_nav_marks_the_current_page(personas):
    items = navigation.navigation_for(personas.member_a, "/")
    home_item = next(item for item in items if item["key"] == "core.home")
    assert home_item["active"] is True
    assert navigation.navigation_for(personas.member_a, "/elsewhere/")[0]["active"] is False


def test_nav_skips_entries_whose_url_does_not_exist(personas):
    navigation.register(
        navigation.NavEntry(key="test.gone", label="无", url_name="nope:x", icon="x")
    )
    try:
        keys = [item["key"] for item in navigation.navigation_for(personas.member_a, "/")]
    finally:
        navigation.unregister("test.gone")
    assert "test.gone" not in keys


def test_anonymous_gets_no_navigation():
    from django.contrib.auth.models import AnonymousUser

    assert navigation.navigation_for(AnonymousUser(), "/") == []


# --- care mode ---------------------------------------------------------------------------------


def test_care_mode_class_when_user_has_care_mode(client, personas):
    user = personas.member_a
    user.care_mode = True
    user.save(update_fields=["care_mode"])
    login_as(client, user)
    html = client.get(HOME).content.decode()
    assert "care-mode" in _body_classes(html)
    assert re.search(r'<html[^>]*class="care-mode"', html)


def test_care_mode_toggle_reflects_state(client, personas):
    user = personas.member_a
    login_as(client, user)
    try:
        reverse("accounts:care_mode")
    except Exception:
        pytest.skip("accounts:care_mode is not there yet")
    html = client.get(HOME).content.decode()
    assert 'aria-pressed="false"' in html
    assert 'name="care_mode" value="on"' in html
    user.care_mode = True
    user.save(update_fields=["care_mode"])
    html = client.get(HOME).content.decode()
    assert 'aria-pressed="true"' in html
    assert 'name="care_mode" value="off"' in html


def test_care_mode_toggle_round_trip(client, personas):
    """The header's form, posted as the browser would, turns care mode on and comes back."""
    user = personas.member_a
    login_as(client, user)
    try:
        url = reverse("accounts:care_mode")
    except Exception:
        pytest.skip("accounts:care_mode is not there yet")
    html = client.get(HOME).content.decode()
    pattern = r'<form method="post" action="' + re.escape(url) + r'".*?</form>'
    form = re.search(pattern, html, re.S)
    assert form, "care-mode form missing from the header"
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(0)))
    response = client.post(url, fields)
    assert response.status_code == 302
    assert response["Location"] == HOME
    user.refresh_from_db()
    assert user.care_mode is True
    assert "care-mode" in _body_classes(client.get(HOME).content.decode())


def test_shell_loads_only_local_assets(client, personas):
    login_as(client, personas.member_a)
    html = client.get(HOME).content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not re.match(r"^(?:[a-z]+:)?//", url, re.I), url


# --- error pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_url_gives_chinese_404(client):
    response = client.get("/no-such-page-anywhere/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html
    assert "返回首页" in html
    assert 'lang="zh-CN"' in html


def test_unknown_url_gives_chinese_404_when_signed_in(client, personas):
    login_as(client, personas.member_a)
    response = client.get("/no-such-page-anywhere/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_500_handler_renders_without_database_or_context_processors(settings):
    request = RequestFactory().get("/boom/")
    request.request_id = "abc123"

    class ExplodingUser:
        def __getattr__(self, name):
            raise OperationalError("database is down")

    request.user = ExplodingUser()
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": ["dangjian.core.tests.test_shell.exploding_processor"],
            },
        }
    ]
    # No django_db mark: any query would raise, and the handler would fall back to its bare page.
    response = views.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "抱歉，系统出现了问题" in html and "返回首页" in html
    assert "abc123" in html  # the full template rendered, not the fallback
    assert "dj-error" in html


def exploding_processor(request):
    raise OperationalError("database is down")


def test_500_handler_falls_back_when_templates_fail(monkeypatch):
    def broken(name, *args, **kwargs):
        raise RuntimeError("template engine broken")

    monkeypatch.setattr(views.loader, "get_template", broken)
    response = views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "系统出现了问题" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("handler", "status", "text"),
    [
        (views.bad_request, 400, "无法处理"),
        (views.permission_denied, 403, "没有权限"),
        (views.page_not_found, 404, "页面不存在"),
        (views.csrf_failure, 403, "页面已过期"),
    ],
)
def test_error_handlers_speak_chinese(handler, status, text):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = handler(request)
    assert response.status_code == status
    assert text in response.content.decode()


# --- date filters ------------------------------------------------------------------------------


def _render(source: str, **context) -> str:
    return Template("{% load dangjian %}" + source).render(Context(context))


def test_cn_date_and_datetime():
    day = datetime.date(2026, 11, 21)
    assert _render("{{ d|cn_date }}", d=day) == "2026年11月21日"
    assert _render("{{ d|cn_weekday }}", d=day) == "星期六"
    moment = datetime.datetime(2026, 11, 21, 0, 30, tzinfo=datetime.UTC)
    assert _render("{{ d|cn_date }}", d=moment) == "2026年11月21日"
    assert _render("{{ d|cn_datetime }}", d=moment) == "2026年11月21日 08:30"  # Asia/Shanghai
    assert _render("{{ d|cn_datetime }}", d=day) == "2026年11月21日"
    assert _render("{{ d|cn_date }}|{{ d|cn_datetime }}", d=None) == "|"
    assert _render("{{ d|cn_date|default:'—' }}", d=None) == "—"


def test_cn_date_of_local_midnight_is_the_local_day():
    moment = timezone.make_aware(datetime.datetime(2026, 1, 1, 0, 5))
    assert _render("{{ d|cn_date }}", d=moment) == "2026年1月1日"
