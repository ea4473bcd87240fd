"""Writes to member records. Every function checks scope, validates, and audits.

Sensitive values (ID number, phone, address) never enter the audit log in clear: the log
records that they changed, with masked values.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.audit.services import audit_record
from dangjian.core.crypto import lookup_hash
from dangjian.core.services import require_perm
from dangjian.members.choices import EXIT_STAGES, Stage
from dangjian.members.models import Person, StageChange
from dangjian.members.pinyin import pinyin_keys
from dangjian.rules import RuleError
from dangjian.rules import development as dev_rules
from dangjian.rules.idcard import mask_id_number, parse_id_number
from dangjian.rules.orgs import BRANCH_KINDS, PARTY_GROUP

SENSITIVE_FIELDS = ("id_number", "phone", "address")
PERSON_FIELDS = (
    "name", "sex", "ethnicity", "birth_date", "id_number", "phone", "address", "native_place",
    "education", "personnel_category", "work_unit", "job", "title", "branch", "party_group",
    "stage", "application_date", "join_date", "full_member_date", "probation_extension_months",
    "introducers", "standing", "lost_contact_since", "mobile_destination", "user", "photo",
)  # fmt: skip


def mask(field: str, value) -> str:
    """Masked form of a sensitive value, for display and the audit log."""
    if not value:
        return ""
    value = str(value)
    if field == "id_number":
        return mask_id_number(value) if len(value) == 18 else "*" * len(value)
    if field == "phone":
        return value[:3] + "****" + value[-4:] if len(value) >= 8 else "****"
    return value[:6] + "…" if len(value) > 6 else "…"


def _snapshot(person: Person) -> dict:
    data = {}
    for name in PERSON_FIELDS:
        value = getattr(
            person, name + "_id" if name in ("branch", "party_group", "user", "photo") else name
        )
        data[name] = mask(name, value) if name in SENSITIVE_FIELDS else value
    return data


def validate_person(
    person: Person, *, today: date | None = None, check_duplicate: bool = True
) -> None:
    """All consistency rules (issue 3 §2), reported per field in Chinese.

    `check_duplicate=False` skips the ID-number duplicate query, for callers that check many
    numbers at once (the import checks them once per chunk).
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(str(message))

    if not (person.name or "").strip():
        add("name", _("The name is required."))
    try:
        parsed = parse_id_number(person.id_number or "", today=today)
    except RuleError as exc:
        add("id_number", exc)
        parsed = None
    if parsed:
        person.id_number = parsed.number
        if person.birth_date and person.birth_date != parsed.birth_date:
            add(
                "birth_date",
                _("The date of birth does not match the ID number (%(date)s).")
                % {"date": f"{parsed.birth_date:%Y-%m-%d}"},
            )
        if person.sex and person.sex != parsed.sex:
            add("sex", _("The sex does not match the ID number."))
        duplicate = check_duplicate and (
            Person.objects.filter(id_number_hash=lookup_hash(parsed.number), is_active=True)
            .exclude(pk=person.pk)
            .select_related("branch")
            .first()
        )
        if duplicate and person.stage not in EXIT_STAGES:
            add(
                "id_number",
                _("Another active person already has this ID number (%(name)s, %(branch)s).")
                % {"name": duplicate.name, "branch": duplicate.branch.name},
            )
    branch = person.branch if person.branch_id else None
    if branch is None:
        add("branch", _("Every person belongs to exactly one branch."))
    elif branch.kind not in BRANCH_KINDS:
        add(
            "branch",
            _("A person must belong to a branch, not to a %(kind)s.")
            % {"kind": branch.get_kind_display()},
        )
    if person.party_group_id:
        group = person.party_group
        if group.kind != PARTY_GROUP or group.parent_id != person.branch_id:
            add("party_group", _("The party group must be one of the person's own branch."))
    if person.application_date and person.birth_date:
        try:
            dev_rules.check_application_age(person.birth_date, person.application_date)
        except RuleError as exc:
            add("application_date", exc)
    if person.stage in (Stage.PROBATIONARY, Stage.FULL) and not person.join_date:
        add("join_date", _("A party member needs the date they joined the party."))
    if person.full_member_date:
        if not person.join_date or person.full_member_date <= person.join_date:
            add("full_member_date", _("The full-member date must be after the joining date."))
        else:
            try:
                expected = dev_rules.probation_end(
                    person.join_date, person.probation_extension_months
                )
            except RuleError as exc:
                add("probation_extension_months", exc)
            else:
                if person.full_member_date != expected:
                    add(
                        "full_member_date",
                        _("The full-member date must be the day probation ends: %(date)s.")
                        % {"date": f"{expected:%Y-%m-%d}"},
                    )
    if person.stage == Stage.FULL and not person.full_member_date:
        add("full_member_date", _("A full member needs the date they became a full member."))
    for field in ("birth_date", "application_date", "join_date", "full_member_date"):
        value = getattr(person, field)
        if value and value > today:
            add(field, _("The date cannot be in the future."))
    if errors:
        raise ValidationError(errors)


def prepare_person(person: Person) -> None:
    """Derived columns: search keys, lookup hashes, active flag."""
    person.name = person.name.strip()
    person.name_pinyin, person.name_initials = pinyin_keys(person.name)
    person.id_number_hash = lookup_hash(person.id_number)
    person.phone = (person.phone or "").strip()
    person.phone_hash = lookup_hash(person.phone) if person.phone else ""
    person.is_active = person.stage not in EXIT_STAGES


@transaction.atomic
def person_create(*, actor, on: date | None = None, reason: str = "", **fields) -> Person:
    """Create a record in `branch` (the actor needs members.manage there)."""
    person = Person(**fields)
    require_perm(actor, "members.manage", person.branch)
    validate_person(person)
    prepare_person(person)
    person.save()
    StageChange.objects.create(
        person=person,
        from_stage="",
        to_stage=person.stage,
        on=on or timezone.localdate(),
        reason=reason or _("Record created"),
        recorded_by=actor if actor and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action="members.create",
        target=person,
        org=person.branch,
        changes=_snapshot(person),
    )
    return person


@transaction.atomic
def person_update(
    *,
    actor,
    person: Person,
    on: date | None = None,
    reason: str = "",
    action: str = "members.update",
    authorized_move: bool = False,
    **fields,
) -> Person:
    """Change a record's fields; a stage change is added to the dated history.

    `authorized_move=True` is for a caller that has itself authorized the change on the
    current branch (an accepted transfer); the check on the resulting branch still applies.
    """
    if not authorized_move:
        require_perm(actor, "members.manage", person.branch)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = _snapshot(person)
    old_stage = person.stage
    for name, value in fields.items():
        if name not in PERSON_FIELDS:
            raise TypeError(name)
        setattr(person, name, value)
    if person.stage != old_stage and action == "members.update":
        _check_not_in_development(person)
    validate_person(person)
    prepare_person(person)
    person.save()
    # Re-check inside the transaction: nobody moves a record out of their own scope.
    require_perm(actor, "members.manage", person.branch)
    if person.stage != old_stage:
        StageChange.objects.create(
            person=person,
            from_stage=old_stage,
            to_stage=person.stage,
            on=on or timezone.localdate(),
            reason=reason,
            recorded_by=actor if actor and actor.is_authenticated else None,
        )
    after = _snapshot(person)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        audit_record(actor=actor, action=action, target=person, org=person.branch, changes=changes)
    return person


def _check_not_in_development(person: Person) -> None:
    """While a development pipeline is in progress its recorded steps decide the stage (an exit
    — death, leaving — is still recorded here)."""
    if person.stage in EXIT_STAGES:
        return
    if person.development_pipelines.filter(status="active").exists():
        raise ValidationError(
            {"stage": _("This person is in member development: the stage follows the steps "
                        "recorded there.")}
        )  # fmt: skip


@transaction.atomic
def person_reveal(*, actor, person: Person, field: str) -> str:
    """The clear value of a sensitive field, for a viewer with members.view_sensitive; audited."""
    if field not in SENSITIVE_FIELDS:
        raise ValueError(field)
    require_perm(actor, "members.view_sensitive", person.branch)
    audit_record(
        actor=actor,
        action="members.unmask",
        target=person,
        org=person.branch,
        changes={"field": field},
    )
    return getattr(person, field)
