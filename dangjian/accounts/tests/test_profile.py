from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.audit.models import AuditEvent
from dangjian.core.testing import PASSWORD, login_as

PROFILE = "/accounts/profile/"
PASSWORD_URL = "/accounts/password/"


def test_the_profile_shows_name_username_and_roles_with_org_and_dates(client, personas):
    login_as(client, personas.secretary_a)
    html = client.get(PROFILE).content.decode()
    assert "王书记" in html
    assert "p_secretary_a" in html
    assert "综采一队党支部" in html
    assert "2020年1月1日" in html


def test_care_mode_is_turned_on_remembered_and_audited(client, member):
    login_as(client, member)
    response = client.post("/accounts/care-mode/", {"care_mode": "on", "next": PROFILE})
    assert response["Location"] == PROFILE
    member.refresh_from_db()
    assert member.care_mode
    assert "care-mode" in client.get(PROFILE).content.decode()
    event = AuditEvent.objects.get(action="accounts.care_mode")
    assert event.changes == {"care_mode": [False, True]}


def test_care_mode_toggle_goes_back_to_the_referring_page(client, member):
    login_as(client, member)
    response = client.post(
        "/accounts/care-mode/", {"care_mode": "on"}, headers={"Referer": "http://testserver/x/"}
    )
    assert response["Location"] == "http://testserver/x/"


def test_care_mode_toggle_from_htmx_asks_for_a_refresh(client, member):
    login_as(client, member)
    member.care_mode = True
    member.save(update_fields=["care_mode"])
    response = client.post(
        "/accounts/care-mode/", {"care_mode": "off"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response["HX-Refresh"] == "true"
    member.refresh_from_db()
    assert not member.care_mode


def test_care_mode_needs_a_post(client, member):
    login_as(client, member)
    assert client.get("/accounts/care-mode/").status_code == 405


def test_a_wrong_current_password_is_a_field_error_and_input_is_kept(client, member):
    login_as(client, member)
    response = client.post(
        PASSWORD_URL,
        {"old_password": "nope", "new_password1": "Yanan-Bao-1935", "new_password2": "x"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "两次输入的密码不一致" in html


def test_the_new_password_is_checked_against_the_policy_on_its_field(client, member):
    login_as(client, member)
    response = client.post(
        PASSWORD_URL,
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
    )
    html = response.content.decode()
    assert "密码太短" in html
    assert "is-invalid" in html


def test_a_correct_change_is_audited_and_keeps_the_session(client, member):
    login_as(client, member)
    response = client.post(
        PASSWORD_URL,
        {
            "old_password": PASSWORD,
            "new_password1": "Jinggang-Shan-1927",
            "new_password2": "Jinggang-Shan-1927",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("Jinggang-Shan-1927")
    assert AuditEvent.objects.filter(action="accounts.password_change").exists()
    assert client.get(PROFILE).status_code == 200


def test_the_current_password_must_be_right(client, member):
    login_as(client, member)
    response = client.post(
        PASSWORD_URL,
        {
            "old_password": "Wrong-One-123",
            "new_password1": "Jinggang-Shan-1927",
            "new_password2": "Jinggang-Shan-1927",
        },
    )
    assert "当前密码不正确" in response.content.decode()


def test_a_member_may_turn_optional_two_factor_off_with_the_password(client, member):
    login_as(client, member)  # gives the member a confirmed device
    assert "关闭双因素认证" in client.get(PROFILE).content.decode()
    response = client.post("/accounts/two-factor/disable/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert AuditEvent.objects.filter(action="accounts.2fa_disabled").exists()


def test_an_admin_cannot_turn_required_two_factor_off(client, personas):
    admin = personas.committee_admin
    login_as(client, admin)
    assert "关闭双因素认证" not in client.get(PROFILE).content.decode()
    client.post("/accounts/two-factor/disable/", {"password": PASSWORD})
    assert TOTPDevice.objects.filter(user=admin).exists()


def test_a_member_may_set_up_optional_two_factor_from_the_profile(client, member):
    login_as(client, member)
    TOTPDevice.objects.filter(user=member).delete()
    html = client.get(PROFILE).content.decode()
    assert "/accounts/two-factor/setup/" in html
    assert client.get("/accounts/two-factor/setup/").status_code == 200
