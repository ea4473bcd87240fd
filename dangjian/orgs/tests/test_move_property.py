"""Property: whatever valid moves happen to whatever tree, every path and depth stays right."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.orgs.models import Organization, OrgKind, path_step
from dangjian.orgs.selectors import allowed_child_kinds
from dangjian.orgs.services import org_move
from dangjian.orgs.tests.helpers import make_org
from dangjian.rules.orgs import ALLOWED_PARENTS


def assert_tree_consistent(orgs: list[Organization]) -> None:
    by_pk = {org.pk: org for org in Organization.objects.filter(pk__in=[o.pk for o in orgs])}
    for org in by_pk.values():
        parent_path = by_pk[org.parent_id].path if org.parent_id else ""
        assert org.path == parent_path + path_step(org.pk)
        assert org.depth == len(org.path) // len(path_step(1))


@pytest.mark.django_db
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.data())
def test_random_valid_moves_keep_every_path_equal_to_parent_path_plus_step(data):
    savepoint = transaction.savepoint()  # each example starts from an empty tree
    try:
        orgs = [make_org(None, OrgKind.COMMITTEE)]
        for _ in range(data.draw(st.integers(min_value=2, max_value=12), label="size")):
            parents = [org for org in orgs if allowed_child_kinds(org.kind)]
            parent = data.draw(st.sampled_from(parents), label="parent")
            kind = data.draw(st.sampled_from([k for k, _ in allowed_child_kinds(parent.kind)]))
            orgs.append(make_org(parent, kind))
        for _ in range(data.draw(st.integers(min_value=1, max_value=6), label="moves")):
            current = {
                org.pk: org for org in Organization.objects.filter(pk__in=[o.pk for o in orgs])
            }
            movable = [org for org in current.values() if org.parent_id]
            org = data.draw(st.sampled_from(movable), label="org")
            targets = [
                t for t in current.values()
                if t.kind in ALLOWED_PARENTS[org.kind] and not t.path.startswith(org.path)
                and t.pk != org.parent_id
            ]  # fmt: skip
            if not targets:
                continue
            new_parent = data.draw(st.sampled_from(targets), label="new_parent")
            org_move(actor=None, org=org, new_parent=new_parent)
            assert_tree_consistent(orgs)
            assert Organization.objects.get(pk=org.pk).parent_id == new_parent.pk
    finally:
        transaction.savepoint_rollback(savepoint)
