from datetime import date

import pytest
from django.core.exceptions import ValidationError

from dangjian.audit.models import AuditEvent
from dangjian.core.services import OutOfScope
from dangjian.members.choices import Stage
from dangjian.members.models import Person, StageChange
from dangjian.members.tests.conftest import id_number
from dangjian.notifications.models import Notification
from dangjian.transfers import services
from dangjian.transfers.models import MobileRegistration, Transfer, TransferKind, TransferStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(make_person, tree):
    return make_person(tree.branch_a, name="张三", party_group=tree.group_a)


def test_transfer_between_committees_completes_with_both_sides_approvals(
    tree, personas, admins, person
):
    transfer = services.transfer_request(
        actor=personas.secretary_a, person=person, to_branch=tree.branch_c, reason="工作调动"
    )
    assert transfer.status == TransferStatus.REQUESTED
    assert Notification.objects.filter(recipient=admins.company, link__contains=str(transfer.pk))
    # the receiving committee cannot approve for the sending one
    with pytest.raises(OutOfScope):
        services.transfer_approve(actor=admins.other, transfer=transfer)
    transfer = services.transfer_approve(actor=admins.company, transfer=transfer)
    assert transfer.status == TransferStatus.APPROVED
    assert Notification.objects.filter(recipient=admins.other).exists()
    person.refresh_from_db()
    assert person.branch == tree.branch_a  # the sending side stays responsible until acceptance
    with pytest.raises(OutOfScope):
        services.transfer_accept(actor=admins.company, transfer=transfer)
    transfer = services.transfer_accept(actor=admins.other, transfer=transfer)
    assert transfer.status == TransferStatus.ACCEPTED
    assert transfer.decided_by == admins.other
    person.refresh_from_db()
    assert person.branch == tree.branch_c
    assert person.party_group is None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"transfers.request", "transfers.approve", "transfers.accept"} <= actions
    moved = AuditEvent.objects.filter(action="transfers.accept", target_type__contains="person")
    assert moved.exists()
    assert Notification.objects.filter(recipient=personas.secretary_a, link__contains="transfers")


def test_refusal_keeps_the_person_and_needs_a_reason(tree, personas, admins, person):
    transfer = services.transfer_request(
        actor=personas.secretary_a, person=person, to_branch=tree.branch_c, reason="工作调动"
    )
    services.transfer_approve(actor=admins.company, transfer=transfer)
    with pytest.raises(ValidationError) as exc:
        services.transfer_refuse(actor=admins.other, transfer=transfer, reason=" ")
    assert "reason" in exc.value.message_dict
    transfer = services.transfer_refuse(actor=admins.other, transfer=transfer, reason="无此岗位")
    assert transfer.status == TransferStatus.REFUSED
    person.refresh_from_db()
    assert person.branch == tree.branch_a
    assert person.party_group == tree.group_a


def test_wrong_order_transitions_are_refused(tree, personas, admins, person):
    transfer = services.transfer_request(
        actor=personas.secretary_a, person=person, to_branch=tree.branch_c, reason="工作调动"
    )
    with pytest.raises(ValidationError, match=r"不能|not possible"):
        services.transfer_accept(actor=admins.other, transfer=transfer)
    services.transfer_cancel(actor=personas.secretary_a, transfer=transfer)
    with pytest.raises(ValidationError):
        services.transfer_approve(actor=admins.company, transfer=transfer)
    with pytest.raises(ValidationError):
        services.transfer_cancel(actor=personas.secretary_a, transfer=transfer)


def test_request_checks_branch_and_open_transfers(tree, personas, person):
    for target in (tree.branch_a, tree.company, tree.group_a):
        with pytest.raises(ValidationError) as exc:
            services.transfer_request(
                actor=personas.secretary_a, person=person, to_branch=target, reason="调动"
            )
        assert "to_branch" in exc.value.message_dict
    services.transfer_request(
        actor=personas.secretary_a, person=person, to_branch=tree.branch_b, reason="调动"
    )
    with pytest.raises(ValidationError) as exc:
        services.transfer_request(
            actor=personas.secretary_a, person=person, to_branch=tree.branch_c, reason="调动"
        )
    assert "person" in exc.value.message_dict


def test_secretary_cannot_transfer_someone_of_another_branch(tree, personas, make_person):
    other = make_person(tree.branch_b)
    with pytest.raises(OutOfScope):
        services.transfer_request(
            actor=personas.secretary_a, person=other, to_branch=tree.branch_c, reason="调动"
        )


def test_outgoing_letter_makes_the_person_transferred_out(tree, personas, person):
    transfer = services.transfer_outgoing(
        actor=personas.secretary_a,
        person=person,
        external_org="某市委组织部",
        letter_number="组转字〔2026〕12号",
        issued_on=date(2026, 1, 10),
    )
    assert transfer.kind == TransferKind.OUTGOING
    assert transfer.valid_until == date(2026, 4, 10)
    person.refresh_from_db()
    assert person.stage == Stage.TRANSFERRED_OUT
    assert not person.is_active
    change = StageChange.objects.filter(person=person).latest("id")
    assert change.to_stage == Stage.TRANSFERRED_OUT and change.on == date(2026, 1, 10)


def test_outgoing_letter_needs_number_and_org(tree, personas, person):
    with pytest.raises(ValidationError) as exc:
        services.transfer_outgoing(
            actor=personas.secretary_a, person=person, external_org="", letter_number="",
            issued_on=date(2026, 1, 10),
        )  # fmt: skip
    assert {"external_org", "letter_number"} <= set(exc.value.message_dict)


def test_incoming_letter_registers_the_person(tree, personas):
    transfer = services.transfer_incoming(
        actor=personas.secretary_a,
        branch=tree.branch_a,
        external_org="某县委组织部",
        letter_number="组转字〔2026〕3号",
        issued_on=date(2026, 2, 1),
        name="李四",
        sex="F",
        birth_date=date(1990, 3, 2),
        id_number=id_number(date(1990, 3, 2), "F", seq=7),
        stage=Stage.FULL,
        join_date=date(2015, 7, 1),
        full_member_date=date(2016, 7, 1),
    )
    assert transfer.kind == TransferKind.INCOMING
    assert transfer.status == TransferStatus.ACCEPTED
    person = Person.objects.get(pk=transfer.person_id)
    assert person.branch == tree.branch_a and person.name == "李四"


def test_incoming_reports_letter_and_person_errors_together(tree, personas):
    with pytest.raises(ValidationError) as exc:
        services.transfer_incoming(
            actor=personas.secretary_a, branch=tree.branch_a, external_org="", letter_number="1",
            issued_on=date(2026, 2, 1), name="李四", sex="F", birth_date=date(1990, 3, 2),
            id_number="123", stage=Stage.FULL, join_date=date(2015, 7, 1),
            full_member_date=date(2016, 7, 1),
        )  # fmt: skip
    assert {"external_org", "id_number"} <= set(exc.value.message_dict)
    assert not Person.objects.filter(name="李四").exists()


def test_mobile_member_register_and_end(tree, personas, person):
    registration = services.mobile_register(
        actor=personas.secretary_a,
        person=person,
        destination="广东省深圳市",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 5, 1),
        certificate_number="LD001",
    )
    person.refresh_from_db()
    assert person.mobile_destination == "广东省深圳市"
    with pytest.raises(ValidationError):
        services.mobile_register(
            actor=personas.secretary_a,
            person=person,
            destination="北京",
            starts_on=date(2026, 1, 1),
        )
    services.mobile_end(actor=personas.secretary_a, registration=registration)
    person.refresh_from_db()
    assert person.mobile_destination == ""
    assert MobileRegistration.objects.get().ended_at is not None


def test_transfers_are_seen_by_both_sides_only(tree, personas, admins, secretary_c, person):
    transfer = services.transfer_request(
        actor=personas.secretary_a, person=person, to_branch=tree.branch_c, reason="调动"
    )
    for user in (personas.secretary_a, secretary_c, admins.company, admins.other):
        assert Transfer.objects.restrict(user, "transfers.request").filter(pk=transfer.pk)
    third = __import__("dangjian.core.testing", fromlist=["make_user"]).make_user(
        "t_sec_b", "冯书记", ("branch_secretary", tree.branch_b)
    )
    assert not Transfer.objects.restrict(third, "transfers.request").filter(pk=transfer.pk)
