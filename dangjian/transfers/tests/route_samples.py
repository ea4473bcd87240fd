"""Route-walker samples of this app (merged into dangjian/core/tests/test_routes.py).

Each makes an object the secretary of branch A must NOT see: a transfer between branch B
(company) and branch C (other company), or a mobile registration in branch C. The group
committee administrator sees them (both are in its subtree), so the default `seer` fits.
Values are `fn(tree, personas) -> kwargs`; wrap each in `Sample(fn)` when merging.
"""

from datetime import date

from dangjian.members.services import person_create
from dangjian.members.tests.conftest import id_number
from dangjian.transfers.models import MobileRegistration, Transfer, TransferKind


def _person(branch, seq: int, name: str):
    birth = date(1984, 3, 9)
    return person_create(
        actor=None, name=name, sex="M", birth_date=birth, branch=branch, stage="full",
        id_number=id_number(birth, "M", seq=seq), join_date=date(2008, 7, 1),
        full_member_date=date(2009, 7, 1),
    )  # fmt: skip


def _transfer_b_to_c(tree, personas) -> dict:
    person = _person(tree.branch_b, 801, "陈调动")
    transfer = Transfer.objects.create(
        person=person, kind=TransferKind.INTERNAL, from_branch=tree.branch_b,
        to_branch=tree.branch_c, reason="工作调动", requested_by=personas.committee_admin,
    )  # fmt: skip
    return {"pk": transfer.pk}


def _mobile_in_c(tree, personas) -> dict:
    person = _person(tree.branch_c, 802, "林流动")
    registration = MobileRegistration.objects.create(
        person=person, destination="广东省深圳市", starts_on=date(2026, 1, 1),
        created_by=personas.committee_admin,
    )  # fmt: skip
    return {"pk": registration.pk}


def _member_in_c(tree, personas) -> dict:
    return {"pk": _person(tree.branch_c, 803, "黄党员").pk}


SAMPLES = {
    "transfers:detail": _transfer_b_to_c,
    "transfers:approve": _transfer_b_to_c,
    "transfers:accept": _transfer_b_to_c,
    "transfers:refuse": _transfer_b_to_c,
    "transfers:cancel": _transfer_b_to_c,
    "transfers:mobile_end": _mobile_in_c,
    "transfer-detail": _transfer_b_to_c,
    "transfer-approve": _transfer_b_to_c,
    "transfer-accept": _transfer_b_to_c,
    "transfer-refuse": _transfer_b_to_c,
    "transfer-cancel": _transfer_b_to_c,
    "member-detail": _member_in_c,
}
