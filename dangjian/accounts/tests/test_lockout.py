from datetime import timedelta

from django.utils import timezone

from dangjian.accounts.models import LockKind, LoginFailure, LoginLock
from dangjian.audit.models import AuditEvent
from dangjian.core.testing import PASSWORD

from .conftest import sign_in

LIMIT = 5


def fail(client, username: str, ip: str = "10.1.2.3"):
    return sign_in(client, username, "Wrong-password-1", REMOTE_ADDR=ip)


def hhmm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def test_five_failures_lock_the_account_and_the_message_gives_the_unlock_time(client, member):
    for n in range(LIMIT - 1):
        response = fail(client, member.username, ip=f"10.0.0.{n}")
        assert "用户名或密码不正确" in response.content.decode()
    response = fail(client, member.username, ip="10.0.0.99")
    lock = LoginLock.objects.get(kind=LockKind.ACCOUNT, key=member.username)
    assert lock.locked_until - lock.locked_at == timedelta(minutes=15)
    assert f"账户已锁定，请于 {hhmm(lock.locked_until)} 后再试" in response.content.decode()


def test_a_locked_account_is_refused_even_with_the_right_password(client, member):
    for n in range(LIMIT):
        fail(client, member.username, ip=f"10.0.1.{n}")
    response = sign_in(client, member.username, REMOTE_ADDR="10.0.1.200")
    assert "账户已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_account_lock_ignores_the_case_of_the_username(client, member):
    for n in range(LIMIT):
        fail(client, member.username.upper(), ip=f"10.0.2.{n}")
    response = sign_in(client, member.username, REMOTE_ADDR="10.0.2.200")
    assert "账户已锁定" in response.content.decode()


def test_the_lock_expires_after_the_lockout_period(client, member):
    for n in range(LIMIT):
        fail(client, member.username, ip=f"10.0.3.{n}")
    earlier = timezone.now() - timedelta(minutes=16)
    LoginLock.objects.update(locked_until=earlier, locked_at=earlier - timedelta(minutes=15))
    LoginFailure.objects.update(at=earlier - timedelta(minutes=15))
    response = sign_in(client, member.username, REMOTE_ADDR="10.0.3.200")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_failures_older_than_the_window_do_not_count(client, member):
    for n in range(LIMIT - 1):
        fail(client, member.username, ip=f"10.0.4.{n}")
    LoginFailure.objects.update(at=timezone.now() - timedelta(minutes=16))
    fail(client, member.username, ip="10.0.4.100")
    assert not LoginLock.objects.filter(locked_until__isnull=False).exists()


def test_a_successful_sign_in_clears_the_accounts_failures(client, member):
    for n in range(LIMIT - 1):
        fail(client, member.username, ip=f"10.0.5.{n}")
    assert sign_in(client, member.username, REMOTE_ADDR="10.0.5.50").status_code == 302
    client.logout()
    fail(client, member.username, ip="10.0.5.100")
    response = sign_in(client, member.username, REMOTE_ADDR="10.0.5.101")
    assert response.status_code == 302


def test_five_failures_from_one_address_lock_that_address_for_every_username(client, personas):
    for n in range(LIMIT):
        fail(client, f"guess{n}", ip="192.0.2.7")
    lock = LoginLock.objects.get(kind=LockKind.IP, key="192.0.2.7")
    blocked = sign_in(client, personas.member_b.username, REMOTE_ADDR="192.0.2.7")
    assert f"请于 {hhmm(lock.locked_until)} 后再试" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    allowed = sign_in(client, personas.member_b.username, REMOTE_ADDR="192.0.2.8")
    assert allowed.status_code == 302


def test_unknown_and_existing_usernames_get_the_same_answer(client, member):
    unknown = fail(client, "nobody-here", ip="10.0.6.1").content.decode()
    known = fail(client, member.username, ip="10.0.6.2").content.decode()
    assert "用户名或密码不正确" in unknown
    assert "用户名或密码不正确" in known


def test_an_inactive_account_gets_the_same_answer_as_a_wrong_password(client, member):
    member.is_active = False
    member.save(update_fields=["is_active"])
    response = sign_in(client, member.username)
    assert "用户名或密码不正确" in response.content.decode()


def test_failures_and_the_lock_are_audited_with_the_attempted_username(client, member):
    for n in range(LIMIT):
        fail(client, member.username, ip=f"10.0.7.{n}")
    fail(client, member.username, ip="10.0.7.100")  # while locked
    failed = AuditEvent.objects.filter(action="accounts.login_failed")
    assert failed.count() == LIMIT + 1
    assert set(failed.values_list("actor_label", flat=True)) == {member.username}
    assert failed.filter(changes__reason="locked").count() == 1
    locked = AuditEvent.objects.get(action="accounts.locked")
    assert locked.changes["kind"] == "account"
    assert locked.actor_label == member.username


def test_attempts_while_locked_do_not_extend_the_lock(client, member):
    for n in range(LIMIT):
        fail(client, member.username, ip=f"10.0.8.{n}")
    until = LoginLock.objects.get(kind=LockKind.ACCOUNT).locked_until
    for n in range(3):
        fail(client, member.username, ip=f"10.0.8.{100 + n}")
    assert LoginLock.objects.get(kind=LockKind.ACCOUNT).locked_until == until


def test_failures_behind_a_trusted_proxy_count_against_the_forwarded_address(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(LIMIT):
        response = sign_in(
            client, f"guess{n}", "Wrong-password-1", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}"
        )
        assert response.status_code == 200
    assert not LoginLock.objects.filter(kind=LockKind.IP, locked_until__isnull=False).exists()
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {
        f"10.9.9.{n}" for n in range(LIMIT)
    }


def test_the_correct_password_is_not_counted_as_a_failure(client, member):
    sign_in(client, member.username, PASSWORD)
    assert not LoginFailure.objects.exists()
