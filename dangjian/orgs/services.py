"""Writes to the organization tree. Every function checks scope, validates, and audits."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from dangjian.audit.services import audit_record, diff
from dangjian.core.services import OutOfScope, require_perm, rule_field
from dangjian.orgs.models import Organization, path_step
from dangjian.rules import orgs as org_rules

ORG_FIELDS = ("code", "name", "short_name", "kind", "unit", "founded_on", "term_start", "term_end")


def _snapshot(org: Organization) -> dict:
    data = {name: getattr(org, name) for name in ORG_FIELDS}
    data["parent"] = org.parent_id
    return data


def _validate(org: Organization) -> None:
    with rule_field("parent"):
        org_rules.check_placement(org.kind, org.parent.kind if org.parent else None)
    if org.term_start and org.term_end and org.term_end < org.term_start:
        raise ValidationError({"term_end": _("The term cannot end before it starts.")})
    duplicate = Organization.objects.filter(code=org.code).exclude(pk=org.pk).exists()
    if duplicate:
        raise ValidationError({"code": _("Another organization already uses this code.")})


@transaction.atomic
def org_create(*, actor, parent: Organization | None, **fields) -> Organization:
    """Create an organization under `parent` (a root only by the system itself)."""
    if parent is None and actor is not None:
        raise OutOfScope("orgs.manage")  # roots come from the system (seed or set-up commands)
    require_perm(actor, "orgs.manage", parent)
    org = Organization(parent=parent, **fields)
    _validate(org)
    org.path = "~"  # placeholder until the id is known
    org.save()
    org.path = (parent.path if parent else "") + path_step(org.pk)
    org.depth = len(org.path) // len(path_step(1))
    org.save(update_fields=["path", "depth"])
    audit_record(actor=actor, action="orgs.create", target=org, org=org, changes=_snapshot(org))
    return org


@transaction.atomic
def org_update(*, actor, org: Organization, **fields) -> Organization:
    """Change an organization's own fields (not its place in the tree: see org_move)."""
    require_perm(actor, "orgs.manage", org)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    before = _snapshot(org)
    for name, value in fields.items():
        if name not in ORG_FIELDS:
            raise TypeError(name)
        setattr(org, name, value)
    _validate(org)
    if org.kind != before["kind"]:
        for child in org.children.all():
            with rule_field("kind"):
                org_rules.check_placement(child.kind, org.kind)
    org.save()
    changes = diff(before, _snapshot(org))
    if changes:
        audit_record(actor=actor, action="orgs.update", target=org, org=org, changes=changes)
    return org


@transaction.atomic
def org_move(*, actor, org: Organization, new_parent: Organization) -> Organization:
    """Move `org` and its whole subtree under `new_parent`, rewriting every descendant's path."""
    require_perm(actor, "orgs.manage", org)
    require_perm(actor, "orgs.manage", new_parent)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if new_parent.path.startswith(org.path):
        raise ValidationError(
            {"parent": _("An organization cannot move under itself or its own subtree.")}
        )
    with rule_field("parent"):
        org_rules.check_placement(org.kind, new_parent.kind)
    old_path, old_parent = org.path, org.parent
    new_path = new_parent.path + path_step(org.pk)
    step = len(path_step(1))
    depth_shift = (len(new_path) - len(old_path)) // step
    # One UPDATE for the whole subtree: new prefix + the part of the path below the old prefix.
    Organization.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    org.refresh_from_db()
    # Re-check inside the transaction that the actor still governs where the subtree landed.
    require_perm(actor, "orgs.manage", org)
    audit_record(
        actor=actor, action="orgs.move", target=org, org=org,
        changes={"parent": [old_parent.pk if old_parent else None, new_parent.pk],
                 "path": [old_path, new_path]},
    )  # fmt: skip
    return org
