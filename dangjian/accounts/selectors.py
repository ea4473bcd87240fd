"""Reads about accounts: two-factor requirement, lockouts, what a user sees of their sign-ins."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.accounts.models import LockKind, LoginLock, RoleAssignment, User

_REQUIRES_2FA_ATTR = "_dangjian_requires_2fa"


def user_requires_two_factor(user) -> bool:
    """Does the user currently hold any role that requires two-factor sign-in?
    Cached on the user object for the request."""
    cached = getattr(user, _REQUIRES_2FA_ATTR, None)
    if cached is None:
        cached = (
            RoleAssignment.objects.current()
            .filter(user_id=user.pk, role__requires_2fa=True)
            .exists()
        )
        setattr(user, _REQUIRES_2FA_ATTR, cached)
    return cached


def confirmed_totp_devices(user) -> QuerySet[TOTPDevice]:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True)


def user_has_two_factor(user) -> bool:
    return confirmed_totp_devices(user).exists()


def active_login_locks(now=None) -> QuerySet[LoginLock]:
    """Locks in force now, soonest to expire first."""
    return LoginLock.objects.filter(locked_until__gt=now or timezone.now()).order_by("locked_until")


def login_lock_for(*, username_key: str, ip: str, now=None) -> LoginLock | None:
    """The lock (account or IP) that keeps this attempt out longest, if any."""
    q = Q(kind=LockKind.ACCOUNT, key=username_key)
    if ip:
        q |= Q(kind=LockKind.IP, key=ip)
    return (
        LoginLock.objects.filter(q, locked_until__gt=now or timezone.now())
        # On a tie the account lock wins ("account" < "ip"): its message is the one users expect.
        .order_by("-locked_until", "kind")
        .first()
    )


def current_assignments(user: User) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.current()
        .filter(user=user)
        .select_related("role", "org")
        .order_by("org__path", "role_id")
    )


def user_permission_codes(user: User) -> list[str]:
    """Every permission code the user holds somewhere today."""
    codes: set[str] = set()
    for perms in current_assignments(user).values_list("role__permissions", flat=True):
        codes.update(perms or ())
    return sorted(codes)


def nearest_holders(org, action: str) -> list:
    """Users holding `action` over `org` at the nearest level that has any (the committee or
    branch in charge), so the group committee is not told about every branch's business."""
    rows = (
        RoleAssignment.objects.current()
        .filter(org__path__in=org.ancestor_paths(), org__is_active=True, user__is_active=True)
        .select_related("user", "role", "org")
    )
    by_depth: dict[int, list] = {}
    for row in rows:
        if action in (row.role.permissions or ()):
            by_depth.setdefault(row.org.depth, []).append(row.user)
    return by_depth[max(by_depth)] if by_depth else []
