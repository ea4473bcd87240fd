from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who can sign in: staff, secretaries, members, administrators.

    Chinese names are one field (`name`); first/last name are dropped. Organization membership
    is expressed by role assignments, never by a field here.
    """

    first_name = None
    last_name = None
    name = models.CharField(_("name"), max_length=50)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    must_change_password = models.BooleanField(_("must change password"), default=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    care_mode = models.BooleanField(_("care mode"), default=False)
    last_login_ip = models.CharField(_("last login IP"), max_length=45, blank=True)
    previous_login_at = models.DateTimeField(_("previous login"), null=True, blank=True)
    previous_login_ip = models.CharField(_("previous login IP"), max_length=45, blank=True)

    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return f"{self.name}（{self.username}）" if self.name else self.username

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class Role(models.Model):
    """A named bundle of permission codes; built-in roles mirror core.permissions.ROLES."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    permissions = models.JSONField(_("permission codes"), default=list)
    requires_2fa = models.BooleanField(_("requires two-factor"), default=False)
    separation_of_duties = models.BooleanField(_("separation of duties (三员)"), default=False)
    builtin = models.BooleanField(_("built-in"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self):
        """Built-in roles show their catalogue name in the user's language."""
        from dangjian.core.permissions import ROLE_BY_CODE

        spec = ROLE_BY_CODE.get(self.code)
        return spec.name if spec and self.builtin else self.name


class RoleAssignmentQuerySet(models.QuerySet):
    def current(self, on=None):
        """Assignments valid on a date (today by default); ranges are inclusive."""
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )


class RoleAssignment(models.Model):
    """Grants `role` to `user` over `org` and its whole subtree, for a dated period."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("role")
    )
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("organization"),
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        indexes = [models.Index(fields=["user", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="role_assignment_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} @ {self.org}"


class LoginFailure(models.Model):
    """One failed sign-in (web or API). Kept in the database so every process counts the same
    failures; `username` is the attempted name, lowercased, whether or not such an account
    exists (the answer to the caller never tells them apart)."""

    username = models.CharField(_("attempted username"), max_length=150)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        indexes = [
            models.Index(fields=["username", "at"]),
            models.Index(fields=["ip", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip} {self.at:%Y-%m-%d %H:%M}"


class LockKind(models.TextChoices):
    ACCOUNT = "account", _("Account")
    IP = "ip", _("IP address")


class LoginLock(models.Model):
    """Lockout state of one username or one IP address (one row per key).

    Failures are counted from `counted_from` (moved forward by a lock, a manual unlock or, for
    accounts, a successful sign-in) within the failure window; the key is locked while
    `locked_until` is in the future.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=LockKind.choices)
    key = models.CharField(_("username or IP address"), max_length=150)
    counted_from = models.DateTimeField(_("failures counted from"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in lock")
        verbose_name_plural = _("sign-in locks")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="login_lock_unique")]
        indexes = [models.Index(fields=["locked_until"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"

    def is_active(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))
