from dangjian.core.scope import has_perm, scope_paths
from dangjian.orgs.models import Organization


def test_secretary_sees_own_branch_and_its_groups_only(personas, tree):
    visible = set(Organization.objects.restrict(personas.secretary_a, "orgs.view"))
    assert visible == {tree.branch_a, tree.group_a}


def test_committee_admin_sees_the_whole_tree(personas, tree):
    assert Organization.objects.restrict(personas.committee_admin, "orgs.view").count() == 8


def test_member_b_cannot_see_branch_a(personas, tree):
    assert not has_perm(personas.member_b, "orgs.view", tree.branch_a)
    assert has_perm(personas.member_b, "orgs.view", tree.branch_b)


def test_three_administrators_hold_no_member_data_permission(personas):
    for user in (personas.system_admin, personas.security_admin, personas.audit_admin):
        assert scope_paths(user, "members.view") == []


def test_nested_grants_collapse_to_the_ancestor(personas, tree):
    assert scope_paths(personas.secretary_a, "orgs.view") == [tree.branch_a.path]
