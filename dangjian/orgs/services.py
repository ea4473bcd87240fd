"""Writes to the organization tree. Every function checks scope, validates, and audits."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.audit.services import audit_record, diff
from dangjian.core.services import OutOfScope, require_perm, rule_field
from dangjian.orgs.models import CommitteeMember, CommitteePost, Organization, path_step
from dangjian.rules import orgs as org_rules

ORG_FIELDS = ("code", "name", "short_name", "kind", "unit", "founded_on", "term_start", "term_end")


def _snapshot(org: Organization) -> dict:
    data = {name: getattr(org, name) for name in ORG_FIELDS}
    data["parent"] = org.parent_id
    return data


def _validate(org: Organization, placement_field: str = "parent") -> None:
    with rule_field(placement_field):
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
    if (
        parent is not None
    ):  # fresh and locked, so a concurrent move or deactivation cannot slip past
        parent = Organization.objects.select_for_update().get(pk=parent.pk)
    require_perm(actor, "orgs.manage", parent)
    if parent is not None and not parent.is_active:
        raise ValidationError({"parent": _("The parent organization has been deactivated.")})
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
    _validate(org, placement_field="kind")  # the parent is fixed here; only the kind can be wrong
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
    new_parent = Organization.objects.get(pk=new_parent.pk)  # its path may be stale
    if new_parent.path.startswith(org.path):
        raise ValidationError(
            {"parent": _("An organization cannot move under itself or its own subtree.")}
        )
    if new_parent.pk == org.parent_id:
        raise ValidationError({"parent": _("The organization is already under this parent.")})
    if not new_parent.is_active:
        raise ValidationError({"parent": _("The parent organization has been deactivated.")})
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


@transaction.atomic
def org_deactivate(*, actor, org: Organization) -> Organization:
    """Mark an organization as dissolved (撤销). Refused while it still has active children:
    they must be moved or deactivated first, so no active node hangs under an inactive one."""
    require_perm(actor, "orgs.manage", org)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    if not org.is_active:
        raise ValidationError(_("This organization is already deactivated."))
    active_children = list(org.children.filter(is_active=True).values_list("name", flat=True)[:3])
    if active_children:
        raise ValidationError(
            _(
                "This organization still has active subordinate organizations (%(names)s). "
                "Move or deactivate them first."
            )
            % {"names": "、".join(active_children)}
        )
    org.is_active = False
    org.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="orgs.deactivate",
        target=org,
        org=org,
        changes={"is_active": [True, False]},
    )
    return org


# --- committee members -------------------------------------------------------------------------

MEMBER_FIELDS = ("post", "name", "user", "term_start", "term_end")


def _member_snapshot(member: CommitteeMember) -> dict:
    data = {name: getattr(member, name) for name in MEMBER_FIELDS if name != "user"}
    data["user"] = member.user_id
    return data


def _overlapping(member: CommitteeMember):
    """Other holders of the same post in the same org whose terms overlap `member`'s."""
    qs = CommitteeMember.objects.filter(org_id=member.org_id, post=member.post).exclude(
        pk=member.pk
    )
    qs = qs.filter(Q(term_end__isnull=True) | Q(term_end__gte=member.term_start))
    if member.term_end:
        qs = qs.filter(term_start__lte=member.term_end)
    return qs


def _validate_member(member: CommitteeMember) -> None:
    errors: dict[str, list[str]] = {}
    if not (member.name or "").strip():
        errors.setdefault("name", []).append(_("Enter the committee member's name."))
    if member.term_start and member.term_end and member.term_end < member.term_start:
        errors.setdefault("term_end", []).append(_("The term cannot end before it starts."))
    if member.term_start and member.org.founded_on and member.term_start < member.org.founded_on:
        errors.setdefault("term_start", []).append(
            _("The term cannot start before the organization was founded.")
        )
    if errors:
        raise ValidationError(errors)
    if member.post == CommitteePost.SECRETARY:
        other = _overlapping(member).first()
        if other is not None:
            raise ValidationError(
                {
                    "post": _(
                        "%(name)s is already secretary of this organization for an overlapping "
                        "term. End that term first: an organization has one secretary at a time."
                    )
                    % {"name": other.name}
                }
            )


@transaction.atomic
def committee_member_add(
    *,
    actor,
    org: Organization,
    post: str,
    name: str,
    term_start: date,
    term_end: date | None = None,
    user=None,
) -> CommitteeMember:
    """Record someone holding a committee post of `org` for a term."""
    require_perm(actor, "orgs.manage", org)
    org = Organization.objects.select_for_update().get(pk=org.pk)
    member = CommitteeMember(
        org=org, post=post, name=(name or "").strip(), user=user,
        term_start=term_start, term_end=term_end,
    )  # fmt: skip
    _validate_member(member)
    member.save()
    audit_record(
        actor=actor, action="orgs.committee_add", target=member, org=org,
        changes=_member_snapshot(member),
    )  # fmt: skip
    return member


@transaction.atomic
def committee_member_update(*, actor, member: CommitteeMember, **fields) -> CommitteeMember:
    """Correct a committee member's post, name, account or term dates."""
    require_perm(actor, "orgs.manage", member.org)
    Organization.objects.select_for_update().get(pk=member.org_id)  # serialise secretary checks
    member = CommitteeMember.objects.select_related("org").get(pk=member.pk)
    before = _member_snapshot(member)
    for name, value in fields.items():
        if name not in MEMBER_FIELDS:
            raise TypeError(name)
        setattr(member, name, value.strip() if name == "name" and value else value)
    _validate_member(member)
    member.save()
    changes = diff(before, _member_snapshot(member))
    if changes:
        audit_record(
            actor=actor, action="orgs.committee_update", target=member, org=member.org,
            changes=changes,
        )  # fmt: skip
    return member


@transaction.atomic
def committee_member_end(
    *, actor, member: CommitteeMember, on: date | None = None
) -> CommitteeMember:
    """End a committee member's term on `on` (today by default), e.g. after an election."""
    require_perm(actor, "orgs.manage", member.org)
    member = CommitteeMember.objects.select_for_update().select_related("org").get(pk=member.pk)
    on = on or timezone.localdate()
    if member.term_end and member.term_end < timezone.localdate():
        raise ValidationError(_("This term has already ended."))
    if on < member.term_start:
        raise ValidationError({"term_end": _("The term cannot end before it starts.")})
    before = member.term_end
    member.term_end = on
    member.save(update_fields=["term_end"])
    audit_record(
        actor=actor, action="orgs.committee_end", target=member, org=member.org,
        changes={"term_end": [before, on]},
    )  # fmt: skip
    return member
