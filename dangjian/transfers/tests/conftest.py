from datetime import date

import pytest

from dangjian.core.testing import make_user
from dangjian.members.tests.conftest import make_person  # noqa: F401 - fixture
from dangjian.transfers.models import Transfer, TransferKind


@pytest.fixture
def admins(tree):
    """Committee administrators of the two companies: each side of a cross-company transfer."""

    class Admins:
        company = make_user("t_company", "钱委员", ("committee_admin", tree.company))
        other = make_user("t_other", "吴委员", ("committee_admin", tree.other_company))

    return Admins


@pytest.fixture
def secretary_c(tree):
    return make_user("t_secretary_c", "周书记", ("branch_secretary", tree.branch_c))


def transfer_between(tree, person, *, to_branch, by) -> Transfer:
    """A requested internal transfer row, made directly (for route samples and fixtures)."""
    return Transfer.objects.create(
        person=person,
        kind=TransferKind.INTERNAL,
        from_branch=person.branch,
        to_branch=to_branch,
        reason="工作调动",
        requested_by=by,
        issued_on=date(2026, 1, 5),
    )
