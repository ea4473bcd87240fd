"""Writes to a person's record sets (posts, rewards and punishments, trainings, family,
hardships) and the self-service unmasking of one's own record.

Each write needs members.manage on the person's branch, re-checked on the locked person row
inside the transaction, and is audited in the same transaction.
"""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.audit.services import audit_record
from dangjian.core.services import require_perm
from dangjian.members.models import (
    FamilyMember,
    Hardship,
    Person,
    PostHeld,
    RewardPunishment,
    Training,
)
from dangjian.members.services import SENSITIVE_FIELDS, person_reveal

# (start field, end field) pairs whose order is checked.
_PERIODS = (("start", "end"), ("since", "until"))


def _locked_person(actor, person_id) -> Person:
    person = Person.objects.select_for_update().select_related("branch").get(pk=person_id)
    require_perm(actor, "members.manage", person.branch)
    return person


def _validate(record) -> None:
    record.full_clean(exclude=["person"])
    for start, end in _PERIODS:
        first, last = getattr(record, start, None), getattr(record, end, None)
        if first and last and last < first:
            raise ValidationError({end: _("The end date cannot be before the start date.")})


def _values(record, names) -> dict:
    return {name: getattr(record, name) for name in names}


def _audit(actor, verb: str, record, person: Person, changes: dict) -> None:
    audit_record(
        actor=actor,
        action=f"members.{record._meta.model_name}.{verb}",
        target=person,
        org=person.branch,
        changes={"record": record._meta.model_name, "id": record.pk, **changes},
    )


def _editable(model) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != "person"
    ]


@transaction.atomic
def record_add(*, actor, person: Person, model, **fields):
    """Add one row of a record set to `person`."""
    person = _locked_person(actor, person.pk)
    unknown = set(fields) - set(_editable(model))
    if unknown:
        raise TypeError(sorted(unknown))
    record = model(person=person, **fields)
    _validate(record)
    record.save()
    _audit(actor, "add", record, person, _values(record, fields))
    return record


@transaction.atomic
def record_update(*, actor, record, **fields):
    """Change one row of a record set; only what changed goes to the audit log."""
    person = _locked_person(actor, record.person_id)
    record = type(record).objects.select_for_update().get(pk=record.pk)
    before = _values(record, _editable(type(record)))
    for name, value in fields.items():
        if name not in before:
            raise TypeError(name)
        setattr(record, name, value)
    _validate(record)
    record.save()
    after = _values(record, before)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        _audit(actor, "update", record, person, changes)
    return record


@transaction.atomic
def record_delete(*, actor, record) -> None:
    """Delete one row of a record set; the audit keeps what it said."""
    person = _locked_person(actor, record.person_id)
    values = _values(record, _editable(type(record)))
    pk = record.pk
    record.delete()
    record.pk = pk
    _audit(actor, "delete", record, person, values)


def _bind(model) -> tuple[Callable, Callable, Callable]:
    """`<set>_add/_update/_delete(*, actor, ...)` for one record-set model."""

    def add(*, actor, person: Person, **fields):
        return record_add(actor=actor, person=person, model=model, **fields)

    def update(*, actor, record, **fields):
        return record_update(actor=actor, record=record, **fields)

    def delete(*, actor, record) -> None:
        record_delete(actor=actor, record=record)

    for function, verb in ((add, "Add"), (update, "Change"), (delete, "Delete")):
        function.__doc__ = f"{verb} a {model._meta.verbose_name} (see record_{function.__name__})."
    return add, update, delete


post_add, post_update, post_delete = _bind(PostHeld)
reward_add, reward_update, reward_delete = _bind(RewardPunishment)
training_add, training_update, training_delete = _bind(Training)
family_member_add, family_member_update, family_member_delete = _bind(FamilyMember)
hardship_add, hardship_update, hardship_delete = _bind(Hardship)


@transaction.atomic
def person_reveal_for(*, actor, person: Person, field: str) -> str:
    """Unmask a sensitive field: a person may always see their own (audited like any unmasking);
    anyone else needs members.view_sensitive on the branch (services.person_reveal)."""
    if field not in SENSITIVE_FIELDS:
        raise ValueError(field)
    if person.user_id is None or person.user_id != getattr(actor, "pk", None):
        return person_reveal(actor=actor, person=person, field=field)
    audit_record(
        actor=actor,
        action="members.unmask",
        target=person,
        org=person.branch,
        changes={"field": field, "own_record": True},
    )
    return getattr(person, field)
