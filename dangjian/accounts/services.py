"""Writes to accounts and role assignments."""

from datetime import date

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import Role, RoleAssignment, User
from dangjian.audit.services import audit_record
from dangjian.core.scope import forget_grants
from dangjian.core.services import require_perm


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    name: str,
    password: str | None = None,
    mobile: str = "",
    must_change_password: bool = True,
) -> User:
    """Create an account. Without a password the account cannot sign in until one is set."""
    require_perm(actor, "accounts.manage")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    user = User(
        username=username, name=name, mobile=mobile, must_change_password=must_change_password
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(
        actor=actor,
        action="accounts.user_create",
        target=user,
        changes={"username": username, "name": name},
    )
    return user


@transaction.atomic
def role_assign(
    *,
    actor,
    user: User,
    role: Role,
    org,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> RoleAssignment:
    """Grant `role` over `org`'s subtree. Enforces 三员分立 (separation of duties)."""
    require_perm(actor, "accounts.manage")
    valid_from = valid_from or timezone.localdate()
    if valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date cannot be before the start date.")})
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialise per user
    if role.separation_of_duties:
        overlapping = RoleAssignment.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from),
            user=user,
            role__separation_of_duties=True,
        )
        if valid_to:
            overlapping = overlapping.filter(valid_from__lte=valid_to)
        clash = overlapping.exclude(role=role).select_related("role").first()
        if clash:
            raise ValidationError(
                {
                    "role": _(
                        "Separation of duties: this account already holds “%(held)s”; the system, "
                        "security and audit administrator roles must be held by different accounts."
                    )
                    % {"held": clash.role.label}
                }
            )
    assignment = RoleAssignment.objects.create(
        user=user, role=role, org=org, valid_from=valid_from, valid_to=valid_to
    )
    forget_grants(user)
    audit_record(
        actor=actor,
        action="accounts.role_assign",
        target=user,
        org=org,
        changes={"role": role.code, "valid_from": valid_from, "valid_to": valid_to},
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor, assignment: RoleAssignment, on: date | None = None) -> RoleAssignment:
    """End an assignment (kept for history: 'who could do what on date D')."""
    require_perm(actor, "accounts.manage")
    on = on or timezone.localdate()
    assignment.valid_to = max(on, assignment.valid_from)
    assignment.save(update_fields=["valid_to"])
    forget_grants(assignment.user)
    audit_record(
        actor=actor,
        action="accounts.role_revoke",
        target=assignment.user,
        org=assignment.org,
        changes={"role": assignment.role.code, "valid_to": on},
    )
    return assignment
