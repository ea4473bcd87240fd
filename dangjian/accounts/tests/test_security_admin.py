import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from dangjian.accounts.models import LockKind, LoginLock
from dangjian.audit.models import AuditEvent
from dangjian.core.testing import login_as

from .conftest import sign_in


@pytest.fixture
def security_client(client, personas):
    login_as(client, personas.security_admin)
    return client


def lock_out(client, username: str, ip_prefix: str = "10.3.3.") -> None:
    for n in range(5):
        sign_in(client, username, "Wrong-password-1", REMOTE_ADDR=f"{ip_prefix}{n}")


def test_current_lockouts_are_listed_with_an_unlock_button(client, security_client, personas):
    lock_out(client.__class__(), personas.member_a.username)
    html = security_client.get("/accounts/security/").content.decode()
    assert "p_member_a" in html
    assert "解锁" in html


def test_unlocking_an_account_lets_it_sign_in_again_and_is_audited(security_client, personas):
    from django.test import Client

    other = Client()
    lock_out(other, personas.member_a.username)
    lock = LoginLock.objects.get(kind=LockKind.ACCOUNT, key="p_member_a")
    url = f"/accounts/security/locks/{lock.pk}/release/"
    assert "确定立即解除" in security_client.get(url).content.decode()
    security_client.post(url)
    lock.refresh_from_db()
    assert not lock.is_active()
    assert sign_in(other, personas.member_a.username, REMOTE_ADDR="10.3.3.99").status_code == 302
    event = AuditEvent.objects.get(action="accounts.unlock")
    assert event.actor_id == personas.security_admin.pk


def test_one_more_failure_after_an_unlock_does_not_lock_again(security_client, personas):
    from django.test import Client

    other = Client()
    lock_out(other, personas.member_a.username)
    lock = LoginLock.objects.get(kind=LockKind.ACCOUNT, key="p_member_a")
    security_client.post(f"/accounts/security/locks/{lock.pk}/release/")
    lock_out_once = sign_in(other, "p_member_a", "Wrong-password-1", REMOTE_ADDR="10.3.3.98")
    assert "用户名或密码不正确" in lock_out_once.content.decode()


def test_an_expired_lock_cannot_be_released_again(security_client, personas):
    lock = LoginLock.objects.create(
        kind=LockKind.IP, key="10.0.0.1", locked_until=timezone.now() - timezone.timedelta(1)
    )
    assert security_client.get(f"/accounts/security/locks/{lock.pk}/release/").status_code == 404


def test_resetting_two_factor_removes_the_devices_and_forces_a_new_setup(
    client, security_client, personas
):
    admin = personas.committee_admin
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    url = f"/accounts/security/users/{admin.pk}/reset-two-factor/"
    assert "确定删除" in security_client.get(url).content.decode()
    security_client.post(url)
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert AuditEvent.objects.get(action="accounts.2fa_reset").target_id == str(admin.pk)
    from django.test import Client

    fresh = Client()
    sign_in(fresh, admin.username)
    assert fresh.get("/")["Location"].startswith("/accounts/two-factor/setup/")


def test_resetting_a_password_sets_a_temporary_one_that_must_be_changed(security_client, personas):
    target = personas.member_b
    Token.objects.create(user=target)
    page = security_client.get(f"/accounts/security/users/{target.pk}/reset-password/")
    assert "临时密码" in page.content.decode()
    response = security_client.post(
        f"/accounts/security/users/{target.pk}/reset-password/", {"password": "Zunyi-Hui-1935"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("Zunyi-Hui-1935")
    assert target.must_change_password
    assert not Token.objects.filter(user=target).exists()
    assert AuditEvent.objects.filter(action="accounts.password_reset").exists()


def test_a_weak_temporary_password_is_refused_on_the_field(security_client, personas):
    target = personas.member_b
    response = security_client.post(
        f"/accounts/security/users/{target.pk}/reset-password/", {"password": "12345678"}
    )
    html = response.content.decode()
    assert "密码太短" in html
    target.refresh_from_db()
    assert not target.must_change_password


def test_the_suggested_temporary_password_passes_the_policy(security_client, personas):
    from django.contrib.auth.password_validation import validate_password

    from dangjian.accounts.forms import temporary_password

    for _ in range(20):
        validate_password(temporary_password(), personas.member_b)


def test_the_security_administrator_cannot_manage_users_or_see_member_data(
    security_client, personas
):
    assert security_client.get("/accounts/users/").status_code == 404
    html = security_client.get(f"/accounts/security/users/{personas.member_a.pk}/")
    assert html.status_code == 200
    assert "综采一队" not in html.content.decode()  # no organization or member details
