"""Writes to accounts: sign-in and lockout, passwords, two-factor devices, care mode,
user administration and role assignments. Every write is atomic and audited."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from dangjian.accounts.models import LockKind, LoginFailure, LoginLock, Role, RoleAssignment, User
from dangjian.accounts.selectors import login_lock_for, user_requires_two_factor
from dangjian.audit.services import audit_record
from dangjian.core.dates import cn_clock
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
    """Grant `role` over `org`'s subtree. Enforces 三员分立 (separation of duties).
    The actor must manage accounts over `org` (a subsidiary's administrator cannot grant
    roles elsewhere)."""
    require_perm(actor, "accounts.manage", org)
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
    """End an assignment, kept for history ('who could do what on date D').

    By default the revocation takes effect at once: the last valid day becomes yesterday. An
    assignment that would then end before it starts (it began today or lies in the future) is
    removed; its audit event keeps the record. With `on`, it stays valid through that day.
    """
    require_perm(actor, "accounts.manage", assignment.org)
    last_day = on if on is not None else timezone.localdate() - timedelta(days=1)
    if assignment.valid_to is not None and assignment.valid_to <= last_day:
        return assignment  # already ended by then
    changes = {"role": assignment.role.code, "valid_from": assignment.valid_from}
    if last_day < assignment.valid_from:
        assignment.delete()
        changes["removed"] = True
    else:
        assignment.valid_to = last_day
        assignment.save(update_fields=["valid_to"])
        changes["valid_to"] = last_day
    forget_grants(assignment.user)
    audit_record(
        actor=actor,
        action="accounts.role_revoke",
        target=assignment.user,
        org=assignment.org,
        changes=changes,
    )
    return assignment


# --- user administration ------------------------------------------------------------------


def _set_active(*, actor, user: User, active: bool) -> User:
    require_perm(actor, "accounts.manage")
    if actor is not None and actor.pk == user.pk:
        raise ValidationError(_("You cannot deactivate or reactivate your own account."))
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        Token.objects.filter(user=user).delete()  # API clients stop at once
    audit_record(
        actor=actor,
        action="accounts.user_reactivate" if active else "accounts.user_deactivate",
        target=user,
        changes={"is_active": [not active, active]},
    )
    return user


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """Stop an account from signing in (its sessions end on their next request)."""
    return _set_active(actor=actor, user=user, active=False)


@transaction.atomic
def user_reactivate(*, actor, user: User) -> User:
    """Let a deactivated account sign in again."""
    return _set_active(actor=actor, user=user, active=True)


@transaction.atomic
def user_set_care_mode(*, actor: User, care_mode: bool) -> User:
    """Turn care mode (关怀模式: large type, high contrast) on or off for oneself."""
    if actor.care_mode != care_mode:
        actor.care_mode = care_mode
        actor.save(update_fields=["care_mode"])
        audit_record(
            actor=actor,
            action="accounts.care_mode",
            target=actor,
            changes={"care_mode": [not care_mode, care_mode]},
        )
    return actor


# --- passwords ----------------------------------------------------------------------------


def _set_password(user: User, password: str, *, field: str, must_change: bool) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    user.set_password(password)
    user.must_change_password = must_change
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])


@transaction.atomic
def password_change(
    *, actor: User, old_password: str, new_password: str, field: str = "new_password1"
) -> User:
    """A user changes their own password: the current one must be right, the new one must
    pass the policy and differ from the current one. Clears `must_change_password`."""
    if not actor.check_password(old_password):
        raise ValidationError({"old_password": _("Your current password is incorrect.")})
    if old_password == new_password:
        raise ValidationError({field: _("The new password must differ from the current one.")})
    _set_password(actor, new_password, field=field, must_change=False)
    audit_record(actor=actor, action="accounts.password_change", target=actor)
    return actor


@transaction.atomic
def password_reset(*, actor, user: User, new_password: str, field: str = "password") -> User:
    """The security administrator sets a temporary password; the user must change it at the
    next sign-in. The user's API token is revoked."""
    require_perm(actor, "security.manage")
    if actor is not None and actor.pk == user.pk:
        raise ValidationError({field: _("Change your own password on your profile page.")})
    _set_password(user, new_password, field=field, must_change=True)
    Token.objects.filter(user=user).delete()
    audit_record(actor=actor, action="accounts.password_reset", target=user)
    return user


# --- sign-in and lockout --------------------------------------------------------------------


class AccountLocked(Exception):
    """Sign-in refused because the username or the client address is locked out."""

    def __init__(self, *, unlock_at: datetime, kind: str):
        self.unlock_at = unlock_at
        self.kind = kind
        super().__init__(self.message)

    def seconds_left(self) -> float:
        return (self.unlock_at - timezone.now()).total_seconds()

    @property
    def message(self) -> str:
        when = cn_clock(self.unlock_at)
        if self.kind == LockKind.IP:
            return _(
                "Too many failed sign-ins from this address; please try again after %(time)s."
            ) % {"time": when}
        return _("The account is locked; please try again after %(time)s.") % {"time": when}


@dataclass(frozen=True)
class _Policy:
    window: timedelta
    account_limit: int
    ip_limit: int

    @classmethod
    def current(cls) -> "_Policy":
        limit = settings.LOGIN_FAILURE_LIMIT
        return cls(
            window=timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES),
            account_limit=limit,
            # Offices behind one NAT address may want a higher per-address limit.
            ip_limit=getattr(settings, "LOGIN_IP_FAILURE_LIMIT", limit),
        )


def username_key(username: str) -> str:
    """Locks apply to a username whatever its case or surrounding spaces."""
    return username.strip().lower()[:150]


def _request_ip(request) -> str:
    return (getattr(request, "client_ip", "") or request.META.get("REMOTE_ADDR", ""))[:45]


def _count_and_maybe_lock(*, kind: str, key: str, limit: int, now: datetime, policy: _Policy):
    """Count the key's failures in the window; lock it when they reach the limit."""
    lock, _created = LoginLock.objects.select_for_update().get_or_create(kind=kind, key=key)
    failures = LoginFailure.objects.filter(
        **{"username" if kind == LockKind.ACCOUNT else "ip": key}, at__gte=now - policy.window
    )
    if lock.counted_from is not None:
        failures = failures.filter(at__gt=lock.counted_from)
    if failures.count() < limit:
        return None
    lock.locked_at = lock.counted_from = now
    lock.locked_until = now + policy.window
    lock.save(update_fields=["locked_at", "counted_from", "locked_until"])
    audit_record(
        actor=None,
        actor_label=key if kind == LockKind.ACCOUNT else "",
        action="accounts.locked",
        target=lock,
        changes={"kind": kind, "key": key, "until": lock.locked_until, "failures": limit},
    )
    return lock


@transaction.atomic
def _record_failure(*, key: str, ip: str, user: User | None, channel: str, reason: str):
    """Store and audit one failure; returns the lock it triggered, if any."""
    now = timezone.now()
    policy = _Policy.current()
    audit_record(
        actor=None,
        actor_label=key,
        action="accounts.login_failed",
        target=user,
        changes={"reason": reason, "channel": channel},
    )
    if reason == "locked":
        return None  # attempts while locked out neither count nor extend the lock
    LoginFailure.objects.create(username=key, ip=ip, at=now)
    locks = [
        _count_and_maybe_lock(
            kind=LockKind.ACCOUNT, key=key, limit=policy.account_limit, now=now, policy=policy
        ),
        ip
        and _count_and_maybe_lock(
            kind=LockKind.IP, key=ip, limit=policy.ip_limit, now=now, policy=policy
        ),
    ]
    return max((lock for lock in locks if lock), key=lambda lock: lock.locked_until, default=None)


@transaction.atomic
def _record_success(*, user: User, key: str, ip: str, channel: str) -> None:
    now = timezone.now()
    # Only an existing row can hold failures: no write for accounts that never failed.
    LoginLock.objects.filter(kind=LockKind.ACCOUNT, key=key).update(counted_from=now)
    user.previous_login_at, user.previous_login_ip = user.last_login, user.last_login_ip
    user.last_login, user.last_login_ip = now, ip
    user.save(
        update_fields=["previous_login_at", "previous_login_ip", "last_login", "last_login_ip"]
    )
    audit_record(actor=user, action="accounts.login", target=user, changes={"channel": channel})


def login_attempt(*, request, username: str, password: str, channel: str = "web") -> User:
    """Check a username and password, applying the lockout policy (per account and per IP).

    Returns the user on success (failures cleared, last/previous sign-in recorded, audited).
    Raises AccountLocked (with `unlock_at`) while locked — including on the failure that
    triggers the lock — and ValidationError for wrong credentials. Unknown usernames, wrong
    passwords and inactive accounts get the same answer, so accounts cannot be enumerated.
    """
    key = username_key(username)
    ip = _request_ip(request)
    existing = User.objects.filter(username=username.strip()).first()
    lock = login_lock_for(username_key=key, ip=ip)
    if lock is not None:
        _record_failure(key=key, ip=ip, user=existing, channel=channel, reason="locked")
        raise AccountLocked(unlock_at=lock.locked_until, kind=lock.kind)
    user = authenticate(request, username=username.strip(), password=password)
    if user is None:
        new_lock = _record_failure(
            key=key, ip=ip, user=existing, channel=channel, reason="bad_credentials"
        )
        if new_lock is not None:
            raise AccountLocked(unlock_at=new_lock.locked_until, kind=new_lock.kind)
        raise ValidationError(_("The username or password is incorrect."), code="invalid_login")
    _record_success(user=user, key=key, ip=ip, channel=channel)
    return user


@transaction.atomic
def login_lock_release(*, actor, lock: LoginLock) -> LoginLock:
    """The security administrator lifts a lock before it expires; counting starts afresh."""
    require_perm(actor, "security.manage")
    now = timezone.now()
    was_until = lock.locked_until
    lock.locked_until = lock.counted_from = now
    lock.save(update_fields=["locked_until", "counted_from"])
    audit_record(
        actor=actor,
        action="accounts.unlock",
        target=lock,
        changes={"kind": lock.kind, "key": lock.key, "locked_until": [was_until, now]},
    )
    return lock


def session_end(*, request, reason: str = "logout") -> None:
    """Sign the request's user out, auditing why ('logout' or 'idle')."""
    user = request.user
    if user.is_authenticated:
        with transaction.atomic():
            audit_record(
                actor=user,
                action="accounts.idle_logout" if reason == "idle" else "accounts.logout",
                target=user,
            )
    auth_logout(request)


# --- two-factor (TOTP) ----------------------------------------------------------------------


@transaction.atomic
def totp_device_start(*, actor: User) -> TOTPDevice:
    """The unconfirmed authenticator the user is setting up (one at a time, reused on reload
    so the QR code they scanned stays valid)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=_("Authenticator app"), confirmed=False)
    return device


def _two_factor_failed(actor: User) -> ValidationError:
    """Audit a wrong code in its own transaction (it must survive the error) and describe it."""
    with transaction.atomic():
        audit_record(actor=actor, action="accounts.2fa_failed", target=actor)
    return ValidationError({"token": _("The code is incorrect or has expired.")})


def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> TOTPDevice:
    """Confirm a new authenticator with a code it shows; replaces any previous device."""
    if device.user_id != actor.pk or device.confirmed:
        raise ValidationError({"token": _("This set-up has expired; please start again.")})
    if not device.verify_token(token):  # records django-otp's throttling itself
        raise _two_factor_failed(actor)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=actor, action="accounts.2fa_enabled", target=actor)
    return device


def totp_verify(*, actor: User, token: str) -> TOTPDevice:
    """Check a sign-in code against the user's confirmed authenticators."""
    from django_otp import verify_token

    token = (token or "").strip().replace(" ", "")
    for device in TOTPDevice.objects.filter(user=actor, confirmed=True):
        verified = verify_token(actor, device.persistent_id, token)
        if verified is not None:
            return verified
    raise _two_factor_failed(actor)


def _remove_devices(user: User) -> int:
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    return removed + StaticDevice.objects.filter(user=user).delete()[0]


@transaction.atomic
def two_factor_disable(*, actor: User, password: str) -> None:
    """Turn off optional two-factor for oneself (confirmed with the password). Refused while
    the user holds a role that requires it."""
    if user_requires_two_factor(actor):
        raise ValidationError(_("Your roles require two-factor authentication."))
    if not actor.check_password(password):
        raise ValidationError({"password": _("Your current password is incorrect.")})
    _remove_devices(actor)
    audit_record(actor=actor, action="accounts.2fa_disabled", target=actor)


@transaction.atomic
def two_factor_reset(*, actor, user: User) -> int:
    """The security administrator removes a user's authenticators (lost phone). A user whose
    roles require two-factor sets up a new one at the next request."""
    require_perm(actor, "security.manage")
    removed = _remove_devices(user)
    audit_record(
        actor=actor, action="accounts.2fa_reset", target=user, changes={"devices": removed}
    )
    return removed
