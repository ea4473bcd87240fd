"""Writes of membership transfers (组织关系转接) and mobile members (流动党员), DOMAIN.md §4.

Internal transfer: requested (sending branch) → approved (sending committee) → accepted or
refused (receiving committee); the sender may cancel before acceptance. Until acceptance the
person stays in the sending branch. Every step is atomic, audited and tells the next actor.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.selectors import nearest_holders
from dangjian.audit.services import audit_record
from dangjian.core.services import require_perm
from dangjian.members.choices import EXIT_STAGES, MEMBER_STAGES, Stage
from dangjian.members.models import Person
from dangjian.members.services import person_create, person_update
from dangjian.notifications.services import notify
from dangjian.orgs.models import Organization
from dangjian.rules.dates import add_months
from dangjian.rules.orgs import BRANCH_KINDS
from dangjian.transfers.models import MobileRegistration, Transfer, TransferKind, TransferStatus

# Transfer-letter validity: 3 or 6 months depending on the source (DOMAIN.md §4) — local setting.
LETTER_VALIDITY_MONTHS: int = getattr(settings, "TRANSFER_LETTER_VALIDITY_MONTHS", 3)
OPEN_STATUSES = (TransferStatus.REQUESTED, TransferStatus.APPROVED)


def letter_valid_until(issued_on: date) -> date:
    """Default end of a transfer letter's validity."""
    return add_months(issued_on, LETTER_VALIDITY_MONTHS)


def _tell(transfer: Transfer, *, recipients, title: str, actor) -> None:
    link = reverse("transfers:detail", kwargs={"pk": transfer.pk})
    notify(recipients=recipients, title=title, link=link, category="transfers", actor=actor)


def _audit(actor, action: str, transfer: Transfer, org, **changes) -> None:
    audit_record(actor=actor, action=action, target=transfer, org=org, changes=changes)


def _locked(transfer: Transfer) -> Transfer:
    """Lock the transfer row alone: PostgreSQL refuses FOR UPDATE across the nullable branch
    joins, and MariaDB has no FOR UPDATE OF; the related rows are read after the lock."""
    locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
    return Transfer.objects.select_related("person", "from_branch", "to_branch").get(pk=locked.pk)


def _expect(transfer: Transfer, *statuses: str) -> None:
    """Guard a status transition; a wrong one is a clear Chinese error, never a silent change."""
    if transfer.status not in statuses:
        raise ValidationError(
            _("This transfer is “%(status)s”; that step is not possible now.")
            % {"status": transfer.get_status_display()},
            code="wrong_status",
        )


def _check_no_open_transfer(person: Person) -> None:
    if Transfer.objects.filter(person=person, status__in=OPEN_STATUSES).exists():
        raise ValidationError(
            {"person": _("This person already has a transfer in progress.")}, code="open"
        )


def _check_transferable(person: Person) -> None:
    if person.stage in EXIT_STAGES:
        raise ValidationError(
            {"person": _("This person has left; their membership cannot be transferred.")}
        )
    _check_no_open_transfer(person)


def receiving_branches():
    """Every active branch of the system: the receiving side need not be in the requester's
    scope — that is what a transfer is for. Only names and codes are shown from it."""
    return Organization.objects.filter(kind__in=BRANCH_KINDS, is_active=True).order_by("code")


@transaction.atomic
def transfer_request(*, actor, person: Person, to_branch: Organization, reason: str) -> Transfer:
    """The sending branch starts an internal transfer of `person` to `to_branch`."""
    require_perm(actor, "transfers.request", person.branch)
    person = Person.objects.select_for_update().select_related("branch").get(pk=person.pk)
    errors = {}
    if to_branch is None or to_branch.kind not in BRANCH_KINDS or not to_branch.is_active:
        errors["to_branch"] = _("Choose an active branch to receive the person.")
    elif to_branch.pk == person.branch_id:
        errors["to_branch"] = _("The receiving branch must differ from the person's branch.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the transfer.")
    if errors:
        raise ValidationError(errors)
    _check_transferable(person)
    transfer = Transfer.objects.create(
        person=person,
        kind=TransferKind.INTERNAL,
        status=TransferStatus.REQUESTED,
        from_branch=person.branch,
        to_branch=to_branch,
        reason=reason.strip(),
        requested_by=actor,
    )
    _audit(actor, "transfers.request", transfer, person.branch,
           person=person.pk, from_branch=person.branch_id, to_branch=to_branch.pk)  # fmt: skip
    _tell(
        transfer,
        recipients=nearest_holders(person.branch, "transfers.approve"),
        title=_("Transfer of %(name)s awaits your approval") % {"name": person.name},
        actor=actor,
    )
    return transfer


@transaction.atomic
def transfer_approve(*, actor, transfer: Transfer) -> Transfer:
    """The sending committee approves; the receiving committee is asked to accept."""
    transfer = _locked(transfer)
    require_perm(actor, "transfers.approve", transfer.from_branch)
    _expect(transfer, TransferStatus.REQUESTED)
    transfer.status = TransferStatus.APPROVED
    transfer.approved_by = actor
    transfer.approved_at = timezone.now()
    transfer.save(update_fields=["status", "approved_by", "approved_at"])
    _audit(actor, "transfers.approve", transfer, transfer.from_branch, status="approved")
    _tell(
        transfer,
        recipients=nearest_holders(transfer.to_branch, "transfers.approve"),
        title=_("Transfer of %(name)s to %(branch)s awaits your acceptance")
        % {"name": transfer.person.name, "branch": transfer.to_branch.name},
        actor=actor,
    )
    return transfer


def _move_person(*, actor, person: Person, to_branch: Organization) -> Person:
    """Move the person through person_update so their history and audit trail are kept.

    The receiving committee holds no rights on the sending branch: the accepted transfer is
    the authority for the move (authorized_move); person_update still re-checks the actor's
    members.manage on the new branch inside the transaction.
    """
    return person_update(
        actor=actor,
        person=person,
        action="transfers.accept",
        reason=_("Membership transfer accepted"),
        authorized_move=True,
        branch=to_branch,
        party_group=None,
    )


@transaction.atomic
def transfer_accept(*, actor, transfer: Transfer) -> Transfer:
    """The receiving committee accepts: the person moves to the receiving branch."""
    transfer = _locked(transfer)
    require_perm(actor, "transfers.approve", transfer.to_branch)
    _expect(transfer, TransferStatus.APPROVED)
    if not transfer.to_branch.is_active:
        raise ValidationError(_("The receiving branch has been deactivated."))
    _move_person(actor=actor, person=transfer.person, to_branch=transfer.to_branch)
    transfer.status = TransferStatus.ACCEPTED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    _audit(actor, "transfers.accept", transfer, transfer.to_branch,
           status="accepted", person=transfer.person_id, branch=transfer.to_branch_id)  # fmt: skip
    _tell(
        transfer,
        recipients=[transfer.requested_by, transfer.approved_by, transfer.person.user],
        title=_("Transfer of %(name)s to %(branch)s completed")
        % {"name": transfer.person.name, "branch": transfer.to_branch.name},
        actor=actor,
    )
    return transfer


@transaction.atomic
def transfer_refuse(*, actor, transfer: Transfer, reason: str) -> Transfer:
    """The receiving committee refuses, with a reason; the person stays where they are."""
    transfer = _locked(transfer)
    require_perm(actor, "transfers.approve", transfer.to_branch)
    _expect(transfer, TransferStatus.APPROVED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for refusing.")})
    transfer.status = TransferStatus.REFUSED
    transfer.refusal_reason = reason[:500]
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    _audit(actor, "transfers.refuse", transfer, transfer.to_branch,
           status="refused", reason=transfer.refusal_reason)  # fmt: skip
    _tell(
        transfer,
        recipients=[transfer.requested_by, transfer.approved_by],
        title=_("Transfer of %(name)s refused") % {"name": transfer.person.name},
        actor=actor,
    )
    return transfer


@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer) -> Transfer:
    """The sending side withdraws a transfer that has not been accepted yet."""
    transfer = _locked(transfer)
    require_perm(actor, "transfers.request", transfer.from_branch)
    _expect(transfer, *OPEN_STATUSES)
    was_approved = transfer.status == TransferStatus.APPROVED
    transfer.status = TransferStatus.CANCELLED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    _audit(actor, "transfers.cancel", transfer, transfer.from_branch, status="cancelled")
    if was_approved:
        _tell(
            transfer,
            recipients=nearest_holders(transfer.to_branch, "transfers.approve"),
            title=_("Transfer of %(name)s cancelled") % {"name": transfer.person.name},
            actor=actor,
        )
    return transfer


def _letter_errors(*, letter_number: str, org: str, issued_on, valid_until) -> dict:
    errors = {}
    if not (letter_number or "").strip():
        errors["letter_number"] = _("Enter the letter number.")
    if not (org or "").strip():
        errors["external_org"] = _("Enter the organization outside the system.")
    if issued_on is None:
        errors["issued_on"] = _("Enter the letter date.")
    elif issued_on > timezone.localdate():
        errors["issued_on"] = _("The date cannot be in the future.")
    elif valid_until is not None and valid_until < issued_on:
        errors["valid_until"] = _("The letter cannot expire before it was issued.")
    return errors


@transaction.atomic
def transfer_outgoing(
    *,
    actor,
    person: Person,
    external_org: str,
    letter_number: str,
    issued_on: date,
    valid_until: date | None = None,
    reason: str = "",
) -> Transfer:
    """Record a transfer letter out of the system; the person exits (stage transferred out)."""
    require_perm(actor, "transfers.request", person.branch)
    errors = _letter_errors(
        letter_number=letter_number, org=external_org, issued_on=issued_on, valid_until=valid_until
    )
    if errors:
        raise ValidationError(errors)
    if person.stage not in MEMBER_STAGES:
        raise ValidationError(
            {"person": _("Only probationary and full members transfer their membership.")}
        )
    _check_transferable(person)
    branch = person.branch
    transfer = Transfer.objects.create(
        person=person,
        kind=TransferKind.OUTGOING,
        status=TransferStatus.ACCEPTED,
        from_branch=branch,
        external_org=external_org.strip(),
        letter_number=letter_number.strip(),
        issued_on=issued_on,
        valid_until=valid_until or letter_valid_until(issued_on),
        reason=(reason or "").strip(),
        requested_by=actor,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    person_update(
        actor=actor,
        person=person,
        action="transfers.outgoing",
        on=issued_on,
        reason=_("Transferred out to %(org)s (letter %(number)s)")
        % {"org": transfer.external_org, "number": transfer.letter_number},
        stage=Stage.TRANSFERRED_OUT,
        mobile_destination="",
    )
    MobileRegistration.objects.filter(person=person, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    _audit(actor, "transfers.outgoing", transfer, branch, person=person.pk,
           external_org=transfer.external_org, letter_number=transfer.letter_number)  # fmt: skip
    return transfer


@transaction.atomic
def transfer_incoming(
    *,
    actor,
    branch: Organization,
    external_org: str,
    letter_number: str,
    issued_on: date,
    valid_until: date | None = None,
    reason: str = "",
    **person_fields,
) -> Transfer:
    """Register a person arriving with a transfer letter from outside the system."""
    require_perm(actor, "transfers.request", branch)
    errors = _letter_errors(
        letter_number=letter_number, org=external_org, issued_on=issued_on, valid_until=valid_until
    )
    if person_fields.get("stage") not in MEMBER_STAGES:
        errors["stage"] = _("Only probationary and full members transfer their membership.")
    try:
        person = person_create(
            actor=actor,
            branch=branch,
            on=issued_on,
            reason=_("Transferred in from %(org)s (letter %(number)s)")
            % {"org": (external_org or "").strip(), "number": (letter_number or "").strip()},
            **person_fields,
        )
    except ValidationError as exc:
        # Report the letter's and the person's problems together, each on its own field.
        if not errors:
            raise
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
        person = None
    if errors:
        raise ValidationError(errors)
    transfer = Transfer.objects.create(
        person=person,
        kind=TransferKind.INCOMING,
        status=TransferStatus.ACCEPTED,
        to_branch=branch,
        external_org=external_org.strip(),
        letter_number=letter_number.strip(),
        issued_on=issued_on,
        valid_until=valid_until or letter_valid_until(issued_on),
        reason=(reason or "").strip(),
        requested_by=actor,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    _audit(actor, "transfers.incoming", transfer, branch, person=person.pk,
           external_org=transfer.external_org, letter_number=transfer.letter_number)  # fmt: skip
    return transfer


@transaction.atomic
def mobile_register(
    *,
    actor,
    person: Person,
    destination: str,
    starts_on: date,
    ends_on: date | None = None,
    certificate_number: str = "",
    contact: str = "",
) -> MobileRegistration:
    """Register a mobile member (流动党员): away from the branch for a period."""
    require_perm(actor, "transfers.request", person.branch)
    errors = {}
    destination = (destination or "").strip()
    if not destination:
        errors["destination"] = _("Enter where the member goes.")
    if starts_on is None:
        errors["starts_on"] = _("Enter the start date.")
    elif ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("The end date cannot be before the start date.")
    if person.stage not in MEMBER_STAGES:
        errors["person"] = _("Only probationary and full members can be mobile members.")
    elif MobileRegistration.objects.filter(person=person, ended_at__isnull=True).exists():
        errors["person"] = _("This member is already registered as a mobile member.")
    if errors:
        raise ValidationError(errors)
    registration = MobileRegistration.objects.create(
        person=person,
        destination=destination[:200],
        starts_on=starts_on,
        ends_on=ends_on,
        certificate_number=(certificate_number or "").strip(),
        contact=(contact or "").strip(),
        created_by=actor,
    )
    person_update(
        actor=actor,
        person=person,
        action="transfers.mobile_register",
        mobile_destination=destination[:100],
    )
    audit_record(
        actor=actor,
        action="transfers.mobile_register",
        target=registration,
        org=person.branch,
        changes={"person": person.pk, "destination": registration.destination,
                 "starts_on": starts_on, "ends_on": ends_on},
    )  # fmt: skip
    return registration


@transaction.atomic
def mobile_end(*, actor, registration: MobileRegistration) -> MobileRegistration:
    """The member is back (or the period is over): clear the mobile destination."""
    registration = (
        MobileRegistration.objects.select_for_update()
        .select_related("person__branch")
        .get(pk=registration.pk)
    )
    person = registration.person
    require_perm(actor, "transfers.request", person.branch)
    if registration.ended_at is not None:
        raise ValidationError(_("This mobile registration has already ended."))
    today = timezone.localdate()
    registration.ended_at = timezone.now()
    if registration.ends_on is None or registration.ends_on > today:
        registration.ends_on = max(today, registration.starts_on)
    registration.save(update_fields=["ended_at", "ends_on"])
    if person.mobile_destination and person.stage not in EXIT_STAGES:
        person_update(
            actor=actor, person=person, action="transfers.mobile_end", mobile_destination=""
        )
    audit_record(
        actor=actor,
        action="transfers.mobile_end",
        target=registration,
        org=person.branch,
        changes={"person": person.pk, "ends_on": registration.ends_on},
    )
    return registration
