"""组织关系转接 (membership transfers) and 流动党员 (mobile members), DOMAIN.md §4.

An internal transfer moves a person between two branches of this system: the sending branch
starts it, the sending committee approves, the receiving committee accepts or refuses. Until
acceptance the person stays in the sending branch, which stays responsible for them.
Outgoing transfers to organizations outside the system and incoming ones from outside are
recorded from the transfer letter.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.scope import ScopedManager, ScopedQuerySet, path_q, scope_paths


class TransferKind(models.TextChoices):
    INTERNAL = "internal", _("Within the system")
    OUTGOING = "outgoing", _("Out of the system")
    INCOMING = "incoming", _("Into the system")


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting the sending committee")
    APPROVED = "approved", _("Awaiting the receiving committee")
    ACCEPTED = "accepted", _("Completed")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class TransferQuerySet(ScopedQuerySet):
    def restrict(self, user, action: str):
        """Both sides see a transfer: the sending branch's subtree and the receiving one's."""
        paths = scope_paths(user, action)
        return self.filter(path_q("from_branch__path", paths) | path_q("to_branch__path", paths))


class Transfer(models.Model):
    """One transfer of a person's formal membership."""

    person = models.ForeignKey(
        "members.Person",
        on_delete=models.PROTECT,
        related_name="transfers",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=TransferKind.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=TransferStatus.choices,
        default=TransferStatus.REQUESTED,
        db_index=True,
    )
    from_branch = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers_out",
        verbose_name=_("sending branch"),
    )
    to_branch = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers_in",
        verbose_name=_("receiving branch"),
    )
    # The other side when it is outside the system (outgoing destination / incoming origin).
    external_org = models.CharField(
        _("organization outside the system"), max_length=200, blank=True
    )
    letter_number = models.CharField(_("letter number"), max_length=50, blank=True)
    issued_on = models.DateField(_("letter date"), null=True, blank=True)
    valid_until = models.DateField(_("letter valid until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager.from_queryset(TransferQuerySet)()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="internal")
                | (Q(from_branch__isnull=False) & Q(to_branch__isnull=False)),
                name="internal_transfer_has_both_branches",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.get_kind_display()}"


class MobileRegistration(models.Model):
    """A mobile member (流动党员): away from their branch for a period, with a certificate."""

    person = models.ForeignKey(
        "members.Person",
        on_delete=models.PROTECT,
        related_name="mobile_registrations",
        verbose_name=_("person"),
    )
    destination = models.CharField(_("destination"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=50, blank=True)
    contact = models.CharField(_("contact at destination"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_path_lookup = "person__branch__path"

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("mobile member registration")
        verbose_name_plural = _("mobile member registrations")

    def __str__(self) -> str:
        return f"{self.person} → {self.destination}"
