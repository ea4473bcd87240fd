import time
from datetime import timedelta

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.middleware import LAST_ACTIVITY_KEY
from dangjian.audit.models import AuditEvent
from dangjian.core.testing import login_as

from .conftest import current_code, sign_in

HOME = "/"
PROFILE = "/accounts/profile/"


def age_session(client, seconds: int) -> int:
    """Stamp the session's last activity `seconds` ago; returns the stamp."""
    session = client.session
    session[LAST_ACTIVITY_KEY] = stamp = int(time.time()) - seconds
    session.save()
    return stamp


# --- idle timeout -------------------------------------------------------------------------


def test_an_idle_session_is_signed_out_and_sent_to_login_with_a_notice(client, member):
    login_as(client, member)
    client.get(PROFILE)
    age_session(client, 31 * 60)
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?")
    assert "timeout=1" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="accounts.idle_logout", actor_id=member.pk).exists()
    notice = client.get(response["Location"]).content.decode()
    assert "由于长时间未操作，您已自动退出" in notice


def test_a_session_active_within_the_limit_stays_signed_in(client, member):
    login_as(client, member)
    client.get(PROFILE)
    age_session(client, 29 * 60)
    assert client.get(PROFILE).status_code == 200


def test_the_idle_limit_follows_the_setting(client, member, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 5
    login_as(client, member)
    client.get(PROFILE)
    age_session(client, 6 * 60)
    assert client.get(PROFILE).status_code == 302


def test_an_idle_htmx_request_gets_401_with_a_redirect_header(client, member):
    login_as(client, member)
    client.get(PROFILE)
    age_session(client, 31 * 60)
    response = client.get(PROFILE, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith("/accounts/login/")


def test_an_idle_api_request_gets_401_json(client, member):
    login_as(client, member)
    client.get(PROFILE)
    age_session(client, 31 * 60)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert "重新登录" in response.json()["detail"]


def test_the_activity_stamp_is_not_rewritten_on_every_request(client, member):
    login_as(client, member)
    client.get(PROFILE)
    # Compare with the stamp as set, not with a second reading of the clock: on a loaded
    # machine a second may pass in between (CI saw first - 9).
    aged = age_session(client, 10)
    client.get(PROFILE)
    assert client.session[LAST_ACTIVITY_KEY] == aged
    age_session(client, 61)
    client.get(PROFILE)
    assert client.session[LAST_ACTIVITY_KEY] >= int(time.time()) - 1


# --- forced password change ---------------------------------------------------------------


def test_a_temporary_password_forces_the_change_page(client, newcomer):
    sign_in(client, newcomer.username)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/password/")


def test_the_change_page_and_logout_stay_reachable_with_a_temporary_password(client, newcomer):
    sign_in(client, newcomer.username)
    assert client.get("/accounts/password/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_changing_the_temporary_password_lifts_the_gate(client, newcomer):
    sign_in(client, newcomer.username)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "Dangjian#2026ok",
            "new_password1": "Yanan-Bao-1935",
            "new_password2": "Yanan-Bao-1935",
        },
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert not newcomer.must_change_password
    assert newcomer.password_changed_at is not None
    assert client.get(HOME).status_code == 200  # still signed in after the change


def test_an_api_call_with_a_temporary_password_gets_403_json(client, newcomer):
    sign_in(client, newcomer.username)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert "修改密码" in response.json()["detail"]


# --- two-factor -----------------------------------------------------------------------------


def test_a_committee_admin_without_an_authenticator_is_sent_to_set_one_up(client, personas):
    sign_in(client, personas.committee_admin.username)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/setup/")


def test_each_of_the_three_administrators_must_set_up_two_factor(client, personas):
    for admin in (personas.system_admin, personas.security_admin, personas.audit_admin):
        client.logout()
        sign_in(client, admin.username)
        assert client.get(HOME)["Location"].startswith("/accounts/two-factor/setup/")


def test_a_party_member_is_not_asked_for_two_factor(client, member):
    sign_in(client, member.username)
    assert client.get(HOME).status_code == 200


def test_setting_up_an_authenticator_with_a_real_code_lets_the_admin_in(client, personas):
    admin = personas.committee_admin
    sign_in(client, admin.username)
    page = client.get("/accounts/two-factor/setup/")
    html = page.content.decode()
    assert "<svg" in html
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    from base64 import b32encode

    assert b32encode(device.bin_key).decode()[:4] in html  # the key for manual entry
    response = client.post("/accounts/two-factor/setup/", {"token": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action="accounts.2fa_enabled", actor_id=admin.pk).exists()


def test_a_wrong_setup_code_is_a_field_error_and_nothing_is_confirmed(client, personas):
    admin = personas.committee_admin
    sign_in(client, admin.username)
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=admin)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/two-factor/setup/", {"token": wrong})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert AuditEvent.objects.filter(action="accounts.2fa_failed", actor_id=admin.pk).exists()


def test_the_setup_code_must_be_six_digits(client, personas):
    sign_in(client, personas.committee_admin.username)
    response = client.post("/accounts/two-factor/setup/", {"token": "12ab"})
    assert "6 位数字" in response.content.decode()


def test_an_admin_with_an_authenticator_must_verify_after_signing_in(client, personas):
    admin = personas.committee_admin
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    sign_in(client, admin.username)
    response = client.get(PROFILE)
    assert response["Location"].startswith("/accounts/two-factor/verify/")
    response = client.post("/accounts/two-factor/verify/", {"token": current_code(device)})
    assert response.status_code == 302
    assert client.get(PROFILE).status_code == 200


def test_verification_comes_before_a_forced_password_change(client, personas):
    admin = personas.committee_admin
    admin.must_change_password = True
    admin.save(update_fields=["must_change_password"])
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    sign_in(client, admin.username)
    assert client.get(HOME)["Location"].startswith("/accounts/two-factor/verify/")


def test_a_wrong_verification_code_is_refused_and_audited(client, personas):
    admin = personas.committee_admin
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    sign_in(client, admin.username)
    wrong = f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"
    response = client.post("/accounts/two-factor/verify/", {"token": wrong})
    assert "验证码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action="accounts.2fa_failed", actor_id=admin.pk).exists()
    assert client.get(HOME).status_code == 302


def test_an_api_session_without_required_two_factor_gets_403_json(client, personas):
    sign_in(client, personas.committee_admin.username)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403
    assert "双因素" in response.json()["detail"]


def test_a_role_requiring_two_factor_that_has_ended_no_longer_requires_it(client, personas):
    from dangjian.accounts.models import RoleAssignment

    admin = personas.committee_admin
    RoleAssignment.objects.filter(user=admin).update(
        valid_to=timezone.localdate() - timedelta(days=1)
    )
    sign_in(client, admin.username)
    assert client.get(HOME).status_code == 200
