from datetime import datetime
from zoneinfo import ZoneInfo

from dangjian.accounts.models import User
from dangjian.audit.models import AuditEvent
from dangjian.core.testing import PASSWORD

from .conftest import LOGIN_URL, sign_in


def test_the_login_page_is_a_bare_chinese_page(client, db):
    response = client.get(LOGIN_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "登录" in html
    assert 'name="viewport"' in html
    assert "main-nav" not in html  # no navigation shell


def test_a_wrong_password_keeps_the_username_on_the_form(client, member):
    response = sign_in(client, member.username, "Not-the-password-9")
    html = response.content.decode()
    assert f'value="{member.username}"' in html
    assert "用户名或密码不正确" in html


def test_an_empty_form_gets_field_errors_in_chinese(client, db):
    html = client.post(LOGIN_URL, {"username": "", "password": ""}).content.decode()
    assert "该字段是必填项" in html


def test_signing_in_goes_to_next_when_it_is_on_this_site(client, member):
    response = client.post(
        LOGIN_URL, {"username": member.username, "password": PASSWORD, "next": "/accounts/profile/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"


def test_signing_in_ignores_a_next_pointing_elsewhere(client, member):
    response = client.post(
        LOGIN_URL,
        {"username": member.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_signing_in_moves_the_last_login_to_previous_and_records_the_address(client, member):
    earlier = datetime(2026, 11, 20, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    User.objects.filter(pk=member.pk).update(last_login=earlier, last_login_ip="10.1.2.3")
    sign_in(client, member.username, REMOTE_ADDR="10.8.8.8")
    member.refresh_from_db()
    assert member.previous_login_at == earlier
    assert member.previous_login_ip == "10.1.2.3"
    assert member.last_login_ip == "10.8.8.8"
    assert member.last_login > earlier
    profile = client.get("/accounts/profile/").content.decode()
    assert "2026年11月20日 08:30（10.1.2.3）" in profile


def test_a_first_sign_in_says_so_on_the_profile(client, member):
    sign_in(client, member.username)
    assert "这是您首次登录" in client.get("/accounts/profile/").content.decode()


def test_sign_in_and_sign_out_are_audited(client, member):
    sign_in(client, member.username, REMOTE_ADDR="10.4.4.4")
    login = AuditEvent.objects.get(action="accounts.login")
    assert login.actor_id == member.pk
    assert login.ip == "10.4.4.4"
    assert login.changes == {"channel": "web"}
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="accounts.logout", actor_id=member.pk).exists()
    assert "_auth_user_id" not in client.session


def test_logout_by_get_only_asks_for_confirmation(client, member):
    sign_in(client, member.username)
    response = client.get("/accounts/logout/")
    assert response.status_code == 200
    assert "确定要退出登录吗" in response.content.decode()
    assert client.session["_auth_user_id"] == str(member.pk)


def test_anonymous_logout_goes_to_the_login_page(client, db):
    response = client.get("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_a_signed_in_user_visiting_the_login_page_goes_home(client, member):
    sign_in(client, member.username)
    assert client.get(LOGIN_URL)["Location"] == "/"


def test_the_home_page_shows_the_previous_sign_in(client, member):
    sign_in(client, member.username, REMOTE_ADDR="10.6.6.6")
    client.post("/accounts/logout/")
    sign_in(client, member.username, REMOTE_ADDR="10.7.7.7")
    assert "10.6.6.6" in client.get("/").content.decode()
