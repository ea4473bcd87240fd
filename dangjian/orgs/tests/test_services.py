from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dangjian.audit.models import AuditEvent
from dangjian.core.services import OutOfScope
from dangjian.orgs import services
from dangjian.orgs.models import CommitteePost, Organization, OrgKind, path_step
from dangjian.orgs.tests.helpers import audit_actions, make_org
from dangjian.rules import RuleError
from dangjian.rules.orgs import check_can_approve_members

pytestmark = pytest.mark.django_db


def assert_paths_consistent():
    for org in Organization.objects.select_related("parent"):
        expected = (org.parent.path if org.parent else "") + path_step(org.pk)
        assert org.path == expected, org
        assert org.depth == len(org.path) // 6, org


def test_party_group_can_only_be_created_under_a_branch(tree, personas):
    with pytest.raises(ValidationError) as caught:
        services.org_create(
            actor=personas.committee_admin, parent=tree.company, code="G1", name="小组",
            kind=OrgKind.PARTY_GROUP,
        )  # fmt: skip
    assert "党小组只能设在党支部" in caught.value.message_dict["parent"][0]
    group = services.org_create(
        actor=personas.committee_admin, parent=tree.branch_b, code="G2", name="机关一小组",
        kind=OrgKind.PARTY_GROUP,
    )  # fmt: skip
    assert group.path == tree.branch_b.path + path_step(group.pk)


def test_a_branch_cannot_have_child_branches(tree, personas):
    with pytest.raises(ValidationError) as caught:
        services.org_create(
            actor=personas.committee_admin, parent=tree.branch_a, code="B9", name="子支部",
            kind=OrgKind.BRANCH,
        )  # fmt: skip
    assert "党支部之下不能再设" in caught.value.message_dict["parent"][0]


def test_changing_a_branch_with_groups_into_a_general_branch_is_refused(tree, personas):
    with pytest.raises(ValidationError) as caught:
        services.org_update(
            actor=personas.committee_admin, org=tree.branch_a, kind=OrgKind.GENERAL_BRANCH
        )
    assert "kind" in caught.value.message_dict


def test_a_general_branch_cannot_approve_new_members(tree):
    with pytest.raises(RuleError, match="党总支无权审批"):
        check_can_approve_members(tree.general_branch.kind)
    check_can_approve_members(tree.company.kind)


def test_a_duplicate_code_is_a_field_error_on_code(tree, personas):
    with pytest.raises(ValidationError) as caught:
        services.org_create(
            actor=personas.committee_admin, parent=tree.company, code=tree.branch_b.code,
            name="重复", kind=OrgKind.BRANCH,
        )  # fmt: skip
    assert list(caught.value.message_dict) == ["code"]


def test_a_term_ending_before_it_starts_is_refused(tree, personas):
    with pytest.raises(ValidationError) as caught:
        services.org_update(
            actor=personas.committee_admin, org=tree.branch_a,
            term_start=date(2026, 1, 1), term_end=date(2025, 1, 1),
        )  # fmt: skip
    assert "term_end" in caught.value.message_dict


def test_moving_a_subtree_rewrites_every_descendants_path_and_depth(tree, personas):
    # group → company → general → branch_a → group_a; add one more level of siblings below.
    extra = make_org(tree.general_branch, OrgKind.BRANCH)
    deep_group = make_org(extra, OrgKind.PARTY_GROUP)
    services.org_move(actor=personas.committee_admin, org=tree.general_branch,
                      new_parent=tree.other_company)  # fmt: skip
    for org in (tree.general_branch, tree.branch_a, tree.group_a, extra, deep_group):
        org.refresh_from_db()
        assert org.path.startswith(tree.other_company.path)
    assert tree.general_branch.depth == 3
    assert tree.group_a.depth == 5
    assert tree.general_branch.parent == tree.other_company
    assert_paths_consistent()


def test_moving_an_org_into_its_own_subtree_is_refused(tree, personas):
    with pytest.raises(ValidationError) as caught:
        services.org_move(
            actor=personas.committee_admin, org=tree.company, new_parent=tree.general_branch
        )
    assert "自身" in caught.value.message_dict["parent"][0] or caught.value.message_dict["parent"]
    assert_paths_consistent()


def test_a_move_the_rules_forbid_is_refused_and_changes_nothing(tree, personas):
    before = tree.group_a.path
    with pytest.raises(ValidationError):
        services.org_move(actor=personas.committee_admin, org=tree.group_a, new_parent=tree.company)
    tree.group_a.refresh_from_db()
    assert tree.group_a.path == before


def test_a_secretary_cannot_move_their_branch_outside_their_scope(tree, personas):
    with pytest.raises(OutOfScope):
        services.org_move(actor=personas.secretary_a, org=tree.group_a, new_parent=tree.branch_b)


def test_deactivating_an_org_with_active_children_is_refused_with_a_reason(tree, personas):
    with pytest.raises(ValidationError) as caught:
        services.org_deactivate(actor=personas.committee_admin, org=tree.branch_a)
    assert "综采一队第一党小组" in caught.value.messages[0]
    services.org_deactivate(actor=personas.committee_admin, org=tree.group_a)
    services.org_deactivate(actor=personas.committee_admin, org=tree.branch_a)
    tree.branch_a.refresh_from_db()
    assert not tree.branch_a.is_active


def test_an_org_cannot_be_created_under_a_deactivated_parent(tree, personas):
    services.org_deactivate(actor=personas.committee_admin, org=tree.branch_c)
    with pytest.raises(ValidationError) as caught:
        services.org_create(
            actor=personas.committee_admin, parent=tree.branch_c, code="Z1", name="小组",
            kind=OrgKind.PARTY_GROUP,
        )  # fmt: skip
    assert "parent" in caught.value.message_dict


def test_only_one_secretary_at_a_time(tree, personas):
    admin = personas.committee_admin
    first = services.committee_member_add(
        actor=admin, org=tree.branch_a, post=CommitteePost.SECRETARY, name="王书记",
        term_start=date(2023, 1, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        services.committee_member_add(
            actor=admin, org=tree.branch_a, post=CommitteePost.SECRETARY, name="刘书记",
            term_start=date(2026, 1, 1),
        )  # fmt: skip
    assert "王书记" in caught.value.message_dict["post"][0]
    services.committee_member_end(actor=admin, member=first, on=date(2025, 12, 31))
    services.committee_member_add(
        actor=admin, org=tree.branch_a, post=CommitteePost.SECRETARY, name="刘书记",
        term_start=date(2026, 1, 1),
    )  # fmt: skip
    deputy = services.committee_member_add(
        actor=admin, org=tree.branch_a, post=CommitteePost.DEPUTY, name="副书记甲",
        term_start=date(2026, 1, 1),
    )  # fmt: skip
    assert deputy.is_current(date(2026, 6, 1))


def test_committee_dates_are_validated(tree, personas):
    admin = personas.committee_admin
    with pytest.raises(ValidationError) as caught:
        services.committee_member_add(
            actor=admin, org=tree.branch_a, post=CommitteePost.PROPAGANDA, name="张三",
            term_start=date(2026, 1, 1), term_end=date(2025, 1, 1),
        )  # fmt: skip
    assert "term_end" in caught.value.message_dict
    member = services.committee_member_add(
        actor=admin, org=tree.branch_a, post=CommitteePost.PROPAGANDA, name="张三",
        term_start=date(2026, 1, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        services.committee_member_end(actor=admin, member=member, on=date(2025, 6, 1))
    assert "term_end" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.committee_member_update(actor=admin, member=member, name="  ")


def test_a_secretary_cannot_touch_another_branchs_committee(tree, personas):
    with pytest.raises(OutOfScope):
        services.committee_member_add(
            actor=personas.secretary_a, org=tree.branch_b, post=CommitteePost.SECRETARY,
            name="越权", term_start=date(2026, 1, 1),
        )  # fmt: skip


def test_every_write_leaves_an_audit_event(tree, personas):
    admin = personas.committee_admin
    start = AuditEvent.objects.count()
    org = services.org_create(actor=admin, parent=tree.company, code="AU1", name="审计支部",
                              kind=OrgKind.BRANCH)  # fmt: skip
    services.org_update(actor=admin, org=org, name="审计第一支部")
    services.org_move(actor=admin, org=org, new_parent=tree.general_branch)
    member = services.committee_member_add(
        actor=admin, org=org, post=CommitteePost.SECRETARY, name="李四",
        term_start=date(2026, 1, 1),
    )  # fmt: skip
    services.committee_member_update(actor=admin, member=member, name="李斯")
    services.committee_member_end(actor=admin, member=member, on=timezone.localdate())
    services.org_deactivate(actor=admin, org=org)
    assert AuditEvent.objects.count() == start + 7
    assert audit_actions(seq__gt=start) == [
        "orgs.create", "orgs.update", "orgs.move", "orgs.committee_add",
        "orgs.committee_update", "orgs.committee_end", "orgs.deactivate",
    ]  # fmt: skip
    assert set(AuditEvent.objects.filter(seq__gt=start).values_list("actor_id", flat=True)) == {
        admin.pk
    }


@pytest.mark.parametrize(
    ("days", "status"), [(-1, "ended"), (0, "ending"), (89, "ending"), (90, "ending"), (91, "")]
)
def test_term_status_warns_within_90_days_and_after_the_end(days, status):
    today = date(2026, 11, 21)
    org = Organization(term_end=today + timedelta(days=days))
    assert org.term_status(today) == status
