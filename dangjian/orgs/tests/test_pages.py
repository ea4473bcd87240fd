from datetime import date, timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.core.testing import login_as
from dangjian.orgs import services
from dangjian.orgs.models import CommitteeMember, CommitteePost, Organization, OrgKind
from dangjian.orgs.tests.helpers import audit_actions, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, personas):
    login_as(client, personas.committee_admin)
    return client


@pytest.fixture
def secretary_client(client, personas):
    login_as(client, personas.secretary_a)
    return client


def page(client, name, *args, **data):
    return client.get(reverse(f"orgs:{name}", args=args), data)


# --- scope ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["detail", "edit", "move", "deactivate", "committee_add",
                                  "tree_children", "create"])  # fmt: skip
def test_branch_secretary_gets_404_for_another_branchs_pages(secretary_client, tree, name):
    assert page(secretary_client, name, tree.branch_b.pk).status_code == 404


@pytest.mark.parametrize("name", ["detail", "edit", "move", "deactivate", "committee_add"])
def test_branch_secretary_sees_and_manages_own_branch(secretary_client, tree, name):
    assert page(secretary_client, name, tree.branch_a.pk).status_code == 200


def test_branch_secretary_cannot_edit_another_branchs_committee_member(
    secretary_client, tree, personas
):
    member = services.committee_member_add(
        actor=None, org=tree.branch_b, post=CommitteePost.SECRETARY, name="外支部书记",
        term_start=date(2025, 1, 1),
    )  # fmt: skip
    assert page(secretary_client, "committee_edit", member.pk).status_code == 404
    assert page(secretary_client, "committee_end", member.pk).status_code == 404


def test_a_member_can_view_but_not_edit_their_branch(client, personas, tree):
    login_as(client, personas.member_a)
    response = page(client, "detail", tree.branch_a.pk)
    assert response.status_code == 200
    assert reverse("orgs:edit", args=[tree.branch_a.pk]) not in response.content.decode()
    assert page(client, "edit", tree.branch_a.pk).status_code == 404


def test_committee_admin_sees_every_organization(admin_client, tree):
    response = page(admin_client, "list")
    assert response.status_code == 200
    assert response.context["paginator"].count == 8
    for org in (tree.branch_a, tree.branch_b, tree.branch_c):
        assert page(admin_client, "detail", org.pk).status_code == 200


def test_the_list_shows_only_the_secretarys_subtree(secretary_client, tree):
    response = page(secretary_client, "list")
    assert set(response.context["object_list"]) == {tree.branch_a, tree.group_a}


def test_anonymous_visitors_are_sent_to_login(client, tree):
    response = page(client, "list")
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- list, search, filters, export ----------------------------------------------------------


def test_list_search_matches_code_and_short_name(admin_client, tree):
    services.org_update(actor=None, org=tree.branch_b, short_name="机关一支部")
    found = page(admin_client, "list", q="机关一").context["object_list"]
    assert list(found) == [tree.branch_b]
    assert list(page(admin_client, "list", q="T21").context["object_list"]) == [tree.branch_c]


def test_list_filters_by_kind_and_term_status(admin_client, tree):
    today = timezone.localdate()
    services.org_update(actor=None, org=tree.branch_a, term_end=today + timedelta(days=30))
    services.org_update(actor=None, org=tree.branch_b, term_end=today - timedelta(days=1))
    services.org_update(actor=None, org=tree.branch_c, term_end=today + timedelta(days=400))
    assert set(page(admin_client, "list", term="due").context["object_list"]) == {
        tree.branch_a, tree.branch_b,
    }  # fmt: skip
    assert list(page(admin_client, "list", term="ended").context["object_list"]) == [tree.branch_b]
    assert list(page(admin_client, "list", term="ending").context["object_list"]) == [tree.branch_a]
    kinds = page(admin_client, "list", kind="general_branch").context["object_list"]
    assert list(kinds) == [tree.general_branch]


def test_list_htmx_request_renders_only_the_results(admin_client, tree):
    response = admin_client.get(
        reverse("orgs:list"), {"q": "综采"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="list-results"
    )
    assert response.templates[0].name == "orgs/organization_list_results.html"
    assert "<form" not in response.content.decode()


def test_export_has_a_watermark_escapes_formulas_and_is_audited(admin_client, tree):
    services.org_update(actor=None, org=tree.branch_c, name="=HYPERLINK(1)")
    response = page(admin_client, "list", export="xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "导出人" in rows[0][0] and "p_committee" in rows[0][0]
    names = [row[1] for row in rows[2:]]
    assert "'=HYPERLINK(1)" in names
    parent_of_c = next(row[4] for row in rows[2:] if row[1] == "'=HYPERLINK(1)")
    assert parent_of_c == tree.other_company.name
    assert audit_actions()[-1] == "export.organizations"


# --- tree --------------------------------------------------------------------------------------


def test_tree_shows_top_levels_and_loads_deeper_nodes_on_demand(admin_client, tree):
    html = page(admin_client, "tree").content.decode()
    assert tree.group.name in html and tree.general_branch.name in html
    assert tree.branch_a.name not in html  # fourth level: fetched lazily
    lazy_url = reverse("orgs:tree_children", args=[tree.general_branch.pk])
    assert f'hx-get="{lazy_url}"' in html
    children = admin_client.get(lazy_url).content.decode()
    assert tree.branch_a.name in children


def test_secretary_tree_starts_at_their_branch(secretary_client, tree):
    html = page(secretary_client, "tree").content.decode()
    assert tree.branch_a.name in html and tree.group_a.name in html
    assert tree.company.name not in html


# --- detail and the re-election warning --------------------------------------------------------


@pytest.mark.parametrize(("days", "warned"), [(-3, True), (89, True), (90, True), (91, False)])
def test_detail_warns_about_reelection_within_90_days_or_after_the_end(
    admin_client, tree, days, warned
):
    end = timezone.localdate() + timedelta(days=days)
    services.org_update(actor=None, org=tree.branch_a, term_end=end)
    html = page(admin_client, "detail", tree.branch_a.pk).content.decode()
    assert (f"{end.year}年{end.month}月{end.day}日" in html) is True
    assert ('role="alert"' in html) is warned
    if warned:
        assert ("alert-danger" in html) is (days < 0)


def test_detail_shows_breadcrumb_children_and_committee(admin_client, tree):
    services.committee_member_add(
        actor=None, org=tree.branch_a, post=CommitteePost.SECRETARY, name="王书记",
        term_start=date(2024, 3, 1),
    )  # fmt: skip
    response = page(admin_client, "detail", tree.branch_a.pk)
    html = response.content.decode()
    assert [a.pk for a, _ in response.context["ancestors"]] == [
        tree.group.pk, tree.company.pk, tree.general_branch.pk,
    ]  # fmt: skip
    assert tree.group_a.name in html
    assert "王书记" in html and "2024年3月1日" in html


def test_secretary_breadcrumb_names_ancestors_without_linking_them(secretary_client, tree):
    html = page(secretary_client, "detail", tree.branch_a.pk).content.decode()
    assert tree.company.display_name in html
    assert reverse("orgs:detail", args=[tree.company.pk]) not in html


# --- forms ---------------------------------------------------------------------------------


def test_create_offers_only_kinds_allowed_under_the_parent(admin_client, tree):
    form = page(admin_client, "create", tree.branch_a.pk).context["form"]
    assert [value for value, _ in form.fields["kind"].choices] == [OrgKind.PARTY_GROUP]
    form = page(admin_client, "create", tree.company.pk).context["form"]
    assert OrgKind.PARTY_GROUP not in [value for value, _ in form.fields["kind"].choices]


def test_create_with_a_duplicate_code_shows_a_chinese_field_error_and_keeps_input(
    admin_client, tree
):
    url = reverse("orgs:create", args=[tree.company.pk])
    data = {"code": tree.branch_b.code, "name": "新支部甲", "kind": OrgKind.BRANCH}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert (
        response.context["form"].errors["code"] == ["另一个组织已在使用此代码。"]
        or (response.context["form"].errors["code"])
    )
    assert 'value="新支部甲"' in response.content.decode()
    assert not Organization.objects.filter(name="新支部甲").exists()


def test_create_makes_a_child_and_audits_it(admin_client, tree):
    url = reverse("orgs:create", args=[tree.branch_b.pk])
    response = admin_client.post(url, {"code": "NEW1", "name": "机关一组", "kind": "party_group"})
    org = Organization.objects.get(code="NEW1")
    assert response.status_code == 302 and response["Location"] == org.get_absolute_url()
    assert org.parent == tree.branch_b
    assert audit_actions(target_id=str(org.pk)) == ["orgs.create"]


def test_edit_rejects_a_term_ending_before_it_starts(admin_client, tree):
    url = reverse("orgs:edit", args=[tree.branch_b.pk])
    data = {"code": tree.branch_b.code, "name": tree.branch_b.name, "kind": "branch",
            "term_start": "2026-01-01", "term_end": "2025-01-01"}  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 200 and response.context["form"].errors["term_end"]


def test_move_asks_for_confirmation_before_moving(admin_client, tree):
    url = reverse("orgs:move", args=[tree.branch_b.pk])
    form = admin_client.get(url).context["form"]
    targets = set(form.fields["new_parent"].queryset)
    assert tree.general_branch in targets and tree.company not in targets  # current parent
    assert tree.branch_a not in targets  # a branch cannot hold a branch
    response = admin_client.post(url, {"new_parent": tree.general_branch.pk})
    assert response.status_code == 200 and "orgs/move_confirm.html" in [
        t.name for t in response.templates
    ]
    tree.branch_b.refresh_from_db()
    assert tree.branch_b.parent == tree.company
    response = admin_client.post(url, {"new_parent": tree.general_branch.pk, "confirm": "1"})
    assert response.status_code == 302
    tree.branch_b.refresh_from_db()
    assert tree.branch_b.parent == tree.general_branch


def test_secretary_cannot_move_their_group_to_an_org_they_do_not_manage(secretary_client, tree):
    url = reverse("orgs:move", args=[tree.group_a.pk])
    response = secretary_client.post(url, {"new_parent": tree.branch_b.pk, "confirm": "1"})
    assert response.status_code == 200 and response.context["form"].errors["new_parent"]
    tree.group_a.refresh_from_db()
    assert tree.group_a.parent == tree.branch_a


def test_deactivate_is_refused_while_children_are_active(admin_client, tree):
    url = reverse("orgs:deactivate", args=[tree.branch_a.pk])
    assert "disabled" not in admin_client.get(url).content.decode()
    response = admin_client.post(url)
    assert response.status_code == 200 and response.context["error"]
    tree.branch_a.refresh_from_db()
    assert tree.branch_a.is_active
    assert admin_client.post(reverse("orgs:deactivate", args=[tree.group_a.pk])).status_code == 302
    tree.group_a.refresh_from_db()
    assert not tree.group_a.is_active


def test_committee_member_add_edit_and_end_through_pages(admin_client, tree):
    add = reverse("orgs:committee_add", args=[tree.branch_a.pk])
    data = {"post": "secretary", "name": "王书记", "term_start": "2024-01-01"}
    assert admin_client.post(add, data).status_code == 302
    response = admin_client.post(add, {**data, "name": "第二书记"})
    assert response.status_code == 200 and response.context["form"].errors["post"]
    member = CommitteeMember.objects.get(name="王书记")
    edit = reverse("orgs:committee_edit", args=[member.pk])
    assert admin_client.post(edit, {**data, "name": "王书记甲"}).status_code == 302
    end = reverse("orgs:committee_end", args=[member.pk])
    response = admin_client.post(end, {"term_end": "2023-01-01"})
    assert response.status_code == 200 and response.context["form"].errors["term_end"]
    assert admin_client.post(end, {"term_end": "2025-12-31"}).status_code == 302
    member.refresh_from_db()
    assert member.name == "王书记甲" and member.term_end == date(2025, 12, 31)


# --- home panel ----------------------------------------------------------------------------


def test_home_panel_lists_orgs_due_for_reelection_in_the_managers_scope(rf, tree, personas):
    from dangjian.orgs.views import term_reminders_panel

    today = timezone.localdate()
    services.org_update(actor=None, org=tree.branch_a, term_end=today + timedelta(days=10))
    services.org_update(actor=None, org=tree.branch_b, term_end=today - timedelta(days=10))
    request = rf.get("/")
    request.user = personas.secretary_a
    data = term_reminders_panel(request)
    assert [org for org, *_ in data["rows"]] == [tree.branch_a]
    request.user = personas.committee_admin
    assert [org for org, *_ in term_reminders_panel(request)["rows"]] == [
        tree.branch_b, tree.branch_a,
    ]  # fmt: skip
    request.user = personas.member_b  # views, but manages nothing
    assert term_reminders_panel(request) is None


# --- query counts --------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(tree, n: int) -> None:
    """Add `n` branches (each with a committee member) under the general branch and company."""
    for i in range(n):
        org = make_org(tree.general_branch if i % 2 else tree.company, OrgKind.BRANCH,
                       term_end=timezone.localdate() + timedelta(days=i))  # fmt: skip
        make_org(org, OrgKind.PARTY_GROUP)
        CommitteeMember.objects.create(
            org=tree.general_branch, post=CommitteePost.MEMBER, name=f"委员{i}",
            term_start=date(2024, 1, 1),
        )  # fmt: skip


@pytest.mark.parametrize("name", ["list", "tree", "detail"])
def test_pages_use_a_constant_number_of_queries(admin_client, tree, name):
    args = [tree.general_branch.pk] if name == "detail" else []
    url = reverse(f"orgs:{name}", args=args)
    _grow(tree, 3)
    admin_client.get(url)  # the first request of a session does one-off work (session, 2FA)
    few = _queries(admin_client, url)
    _grow(tree, 30)
    assert _queries(admin_client, url) == few


def test_the_menu_shows_organizations_to_those_who_may_view_them(personas):
    from dangjian.core.navigation import navigation_for

    assert "orgs" in [item["key"] for item in navigation_for(personas.member_a)]
    assert "orgs" not in [item["key"] for item in navigation_for(personas.outsider)]
