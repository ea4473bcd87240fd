from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from dangjian.accounts.models import LockKind, LoginLock
from dangjian.audit.models import AuditEvent
from dangjian.core.testing import PASSWORD, login_as

from .conftest import current_code

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"


def ask_token(client, username, password=PASSWORD, **data):
    return client.post(
        TOKEN_URL,
        {"username": username, "password": password, **data},
        content_type="application/json",
    )


def test_a_member_gets_a_token_with_username_and_password(client, member):
    response = ask_token(client, member.username)
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=member).key == token
    login = AuditEvent.objects.get(action="accounts.login")
    assert login.changes == {"channel": "api"}


def test_the_token_works_for_me(client, member):
    token = ask_token(client, member.username).json()["token"]
    response = client.get(ME_URL, headers={"Authorization": f"Token {token}"})
    data = response.json()
    assert response.status_code == 200
    assert data["username"] == member.username
    assert data["name"] == "李党员"
    assert data["roles"][0]["role"] == "party_member"
    assert data["roles"][0]["role_label"] == "党员"
    assert data["roles"][0]["org_name"] == "综采一队党支部"
    assert "orgs.view" in data["permissions"]


def test_missing_fields_get_400_with_chinese_field_errors(client, db):
    response = client.post(TOKEN_URL, {}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()["errors"]
    assert set(body) >= {"username", "password"}
    assert "必填" in body["username"][0] or "必须" in body["username"][0]


def test_a_wrong_password_gets_400_without_saying_which_part_was_wrong(client, member):
    response = ask_token(client, member.username, "Wrong-password-1")
    assert response.status_code == 400
    assert response.json() == {"errors": {"non_field_errors": ["用户名或密码不正确。"]}}


def test_a_locked_account_gets_429_with_the_unlock_time(client, member):
    for n in range(5):
        ask_token(client, member.username, "Wrong-password-1", ip=f"10.2.0.{n}")
    response = ask_token(client, member.username, ip="10.2.0.100")
    lock = LoginLock.objects.get(kind=LockKind.ACCOUNT)
    assert response.status_code == 429
    hhmm = timezone.localtime(lock.locked_until).strftime("%H:%M")
    assert f"账户已锁定，请于 {hhmm} 后再试" in response.json()["detail"]
    assert response.json()["unlock_at"]
    assert int(response["Retry-After"]) > 0


def test_the_web_and_api_share_one_failure_count(client, member):
    for n in range(3):
        ask_token(client, member.username, "Wrong-password-1", ip=f"10.2.1.{n}")
    for n in range(2):
        client.post(
            "/accounts/login/",
            {"username": member.username, "password": "Wrong-password-1"},
            REMOTE_ADDR=f"10.2.1.{10 + n}",
        )
    assert LoginLock.objects.get(kind=LockKind.ACCOUNT).is_active()


def test_an_account_with_two_factor_needs_the_code_for_a_token(client, member):
    device = TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    without = ask_token(client, member.username)
    assert without.status_code == 400
    assert "otp" in without.json()["errors"]
    assert not Token.objects.filter(user=member).exists()
    with_code = ask_token(client, member.username, otp=current_code(device))
    assert with_code.status_code == 200


def test_an_admin_without_two_factor_is_refused_a_token(client, personas):
    response = ask_token(client, personas.committee_admin.username)
    assert response.status_code == 403
    assert "双因素" in response.json()["detail"]


def test_me_can_turn_care_mode_on(client, member):
    login_as(client, member)
    response = client.patch(ME_URL, {"care_mode": True}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["care_mode"] is True
    member.refresh_from_db()
    assert member.care_mode


def test_me_rejects_a_bad_care_mode_value_with_400(client, member):
    login_as(client, member)
    response = client.patch(ME_URL, {"care_mode": "maybe"}, content_type="application/json")
    assert response.status_code == 400
    assert "care_mode" in response.json()["errors"]


def test_me_needs_authentication(client, db):
    assert client.get(ME_URL).status_code == 401


def test_the_accounts_endpoints_are_in_the_openapi_schema(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "post" in schema["paths"]["/api/v1/auth/token/"]
    assert "patch" in schema["paths"]["/api/v1/me/"]


def test_an_account_with_a_temporary_password_is_refused_a_token(client, newcomer):
    response = ask_token(client, newcomer.username)
    assert response.status_code == 403
    assert "修改" in response.json()["detail"]
