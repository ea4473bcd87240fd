import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.audit.models import AuditEvent
from dangjian.core.scope import has_perm
from dangjian.core.testing import login_as

USERS = "/accounts/users/"


@pytest.fixture
def sysadmin_client(client, personas):
    login_as(client, personas.system_admin)
    return client


def test_the_user_list_searches_by_name(sysadmin_client, personas):
    html = sysadmin_client.get(USERS, {"q": "书记"}).content.decode()
    assert "p_secretary_a" in html
    assert "p_member_b" not in html


def test_the_user_list_filters_by_role_and_status(sysadmin_client, personas):
    html = sysadmin_client.get(USERS, {"role": "party_member"}).content.decode()
    assert "p_member_a" in html
    assert "p_committee" not in html
    personas.member_b.is_active = False
    personas.member_b.save(update_fields=["is_active"])
    html = sysadmin_client.get(USERS, {"active": "0"}).content.decode()
    assert "p_member_b" in html
    assert "p_member_a" not in html


def test_the_user_list_paginates(sysadmin_client, personas):
    User.objects.bulk_create(User(username=f"bulk{n:03d}", name=f"批量{n}") for n in range(30))
    html = sysadmin_client.get(USERS).content.decode()
    assert "page=2" in html


def test_the_user_list_query_count_does_not_grow_with_rows(
    sysadmin_client, personas, django_assert_max_num_queries, tree
):
    sysadmin_client.get(USERS)
    extra = [User(username=f"more{n:02d}", name=f"新增{n}") for n in range(15)]
    User.objects.bulk_create(extra)
    role = Role.objects.get(code="party_member")
    for user in User.objects.filter(username__startswith="more"):
        RoleAssignment.objects.create(user=user, role=role, org=tree.branch_a)
    with django_assert_max_num_queries(14):
        sysadmin_client.get(USERS)


def test_the_user_list_exports_to_xlsx_and_the_export_is_audited(sysadmin_client, personas):
    response = sysadmin_client.get(USERS, {"export": "xlsx", "q": "p_member"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    text = " ".join(str(c.value) for row in book.active.iter_rows() for c in row)
    assert "p_member_a" in text
    assert "党员" in text
    assert AuditEvent.objects.filter(action="export.users").exists()


def test_creating_a_user_checks_the_policy_and_keeps_the_input(sysadmin_client):
    response = sysadmin_client.post(
        "/accounts/users/new/", {"username": "liming", "name": "黎明", "password": "liming12345"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="黎明"' in html
    assert "用户名" in html  # the password contains the username
    assert not User.objects.filter(username="liming").exists()


def test_a_created_user_must_change_the_password_at_first_sign_in(sysadmin_client):
    response = sysadmin_client.post(
        "/accounts/users/new/",
        {"username": "liming", "name": "黎明", "password": "Hongqi-Qu-1969"},
    )
    user = User.objects.get(username="liming")
    assert response["Location"] == f"/accounts/users/{user.pk}/"
    assert user.must_change_password
    assert user.check_password("Hongqi-Qu-1969")
    assert AuditEvent.objects.filter(action="accounts.user_create", target_id=str(user.pk)).exists()


def test_a_duplicate_username_is_a_field_error(sysadmin_client, personas):
    response = sysadmin_client.post(
        "/accounts/users/new/",
        {"username": "P_MEMBER_A", "name": "重复", "password": "Hongqi-Qu-1969"},
    )
    assert "该用户名已被使用" in response.content.decode()


def test_assigning_a_role_over_an_org(sysadmin_client, personas, tree):
    target = personas.member_b
    response = sysadmin_client.post(
        f"/accounts/users/{target.pk}/roles/new/",
        {
            "role": Role.objects.get(code="group_leader").pk,
            "org": tree.branch_b.pk,
            "valid_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(user=target, role__code="group_leader").exists()
    assert AuditEvent.objects.filter(action="accounts.role_assign").exists()


def test_a_separation_of_duties_clash_shows_on_the_role_field(sysadmin_client, personas, tree):
    target = personas.security_admin
    response = sysadmin_client.post(
        f"/accounts/users/{target.pk}/roles/new/",
        {
            "role": Role.objects.get(code="audit_admin").pk,
            "org": tree.group.pk,
            "valid_from": "2026-01-01",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "三员分立" in html
    role_field = html.split('id="id_role"')[1].split("</div>")[0]
    assert "三员分立" in role_field  # the message sits under the role select
    assert not RoleAssignment.objects.filter(user=target, role__code="audit_admin").exists()


def test_an_end_date_before_the_start_is_a_field_error(sysadmin_client, personas, tree):
    response = sysadmin_client.post(
        f"/accounts/users/{personas.member_b.pk}/roles/new/",
        {
            "role": Role.objects.get(code="group_leader").pk,
            "org": tree.branch_b.pk,
            "valid_from": "2026-05-01",
            "valid_to": "2026-04-01",
        },
    )
    assert "截止日期不能早于生效日期" in response.content.decode()


def test_revoking_a_role_asks_first_then_ends_it_at_once(sysadmin_client, personas):
    assignment = RoleAssignment.objects.get(user=personas.member_a)
    url = f"/accounts/users/{personas.member_a.pk}/roles/{assignment.pk}/revoke/"
    page = sysadmin_client.get(url)
    assert "确定撤销" in page.content.decode()
    assignment.refresh_from_db()
    assert assignment.valid_to is None
    sysadmin_client.post(url)
    assignment.refresh_from_db()
    assert assignment.valid_to == timezone.localdate() - timedelta(days=1)
    assert not has_perm(personas.member_a, "orgs.view")
    assert AuditEvent.objects.filter(action="accounts.role_revoke").exists()


def test_revoking_a_role_that_started_today_removes_it(sysadmin_client, personas, tree):
    role = Role.objects.get(code="group_leader")
    assignment = RoleAssignment.objects.create(
        user=personas.member_b, role=role, org=tree.branch_b, valid_from=timezone.localdate()
    )
    sysadmin_client.post(f"/accounts/users/{personas.member_b.pk}/roles/{assignment.pk}/revoke/")
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    event = AuditEvent.objects.get(action="accounts.role_revoke")
    assert event.changes["removed"] is True


def test_deactivating_a_user_asks_first_and_stops_sign_in(sysadmin_client, personas, client):
    target = personas.member_b
    url = f"/accounts/users/{target.pk}/deactivate/"
    assert "确定停用" in sysadmin_client.get(url).content.decode()
    sysadmin_client.post(url)
    target.refresh_from_db()
    assert not target.is_active
    sysadmin_client.post(f"/accounts/users/{target.pk}/reactivate/")
    target.refresh_from_db()
    assert target.is_active
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"accounts.user_deactivate", "accounts.user_reactivate"} <= actions


def test_an_administrator_cannot_deactivate_themselves(sysadmin_client, personas):
    me = personas.system_admin
    response = sysadmin_client.post(f"/accounts/users/{me.pk}/deactivate/", follow=True)
    me.refresh_from_db()
    assert me.is_active
    assert "不能停用" in response.content.decode()


def test_the_system_administrator_sees_no_member_data(personas, tree):
    admin = personas.system_admin
    assert not has_perm(admin, "members.view")
    assert not has_perm(admin, "members.view_sensitive")
    security = personas.security_admin
    assert not has_perm(security, "members.view")
    assert not has_perm(security, "orgs.view")


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/users/",
        "/accounts/users/new/",
        "/accounts/users/{pk}/",
        "/accounts/users/{pk}/roles/new/",
        "/accounts/users/{pk}/deactivate/",
        "/accounts/security/",
        "/accounts/security/users/",
        "/accounts/security/users/{pk}/",
        "/accounts/security/users/{pk}/reset-password/",
    ],
)
def test_a_branch_secretary_gets_404_on_administration_pages(client, personas, path):
    login_as(client, personas.secretary_a)
    assert client.get(path.format(pk=personas.member_a.pk)).status_code == 404


def test_the_system_administrator_cannot_use_security_pages(client, personas):
    login_as(client, personas.system_admin)
    assert client.get("/accounts/security/").status_code == 404


def test_anonymous_visitors_are_sent_to_login_from_administration_pages(client, personas):
    response = client.get("/accounts/users/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_navigation_shows_user_management_only_to_the_system_administrator(client, personas):
    login_as(client, personas.system_admin)
    assert "用户管理" in client.get("/accounts/profile/").content.decode()
    client.logout()
    login_as(client, personas.secretary_a)
    assert "用户管理" not in client.get("/accounts/profile/").content.decode()


def test_a_role_over_another_subtree_is_refused_for_a_subsidiary_administrator(
    client, personas, tree
):
    from dangjian.core.testing import make_user

    local_admin = make_user("p_local_admin", "分公司系统管理员", ("system_admin", tree.company))
    login_as(client, local_admin)
    response = client.post(
        f"/accounts/users/{personas.member_b.pk}/roles/new/",
        {
            "role": Role.objects.get(code="group_leader").pk,
            "org": tree.branch_c.pk,  # under the other company
            "valid_from": date(2026, 1, 1).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()


def test_every_administration_page_renders_for_its_administrator(client, personas):
    target = personas.member_a
    login_as(client, personas.system_admin)
    for path in [
        USERS,
        "/accounts/users/new/",
        f"/accounts/users/{target.pk}/",
        f"/accounts/users/{target.pk}/roles/new/",
        f"/accounts/users/{target.pk}/deactivate/",
    ]:
        assert client.get(path).status_code == 200, path
    client.logout()
    login_as(client, personas.security_admin)
    for path in [
        "/accounts/security/",
        "/accounts/security/users/",
        f"/accounts/security/users/{target.pk}/",
        f"/accounts/security/users/{target.pk}/reset-password/",
        f"/accounts/security/users/{target.pk}/reset-two-factor/",
    ]:
        assert client.get(path).status_code == 200, path


def test_the_user_list_answers_htmx_with_the_results_only(sysadmin_client, personas):
    response = sysadmin_client.get(
        USERS, {"q": "李"}, headers={"HX-Request": "true", "HX-Target": "list-results"}
    )
    html = response.content.decode()
    assert "p_member_a" in html
    assert "<html" not in html
