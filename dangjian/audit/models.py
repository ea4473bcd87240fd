from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One change or sensitive read, append-only and hash-chained.

    Rows carry snapshots (actor and target labels) and plain ids rather than foreign keys, so
    deleting a user or an organization never has to touch the log. Each row's `hash` is an HMAC
    over its own content and the previous row's hash; `audit_verify` recomputes the chain.
    """

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    org_id = models.BigIntegerField(_("organization id"), null=True, blank=True, db_index=True)
    org_path = models.CharField(_("organization path"), max_length=255, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.CharField(_("IP address"), max_length=45, blank=True)
    request_id = models.CharField(_("request id"), max_length=32, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_label}"


class AuditChainHead(models.Model):
    """The single row holding the chain's last sequence number and hash.

    Writers lock it (SELECT … FOR UPDATE) to append in order; it also lets `audit_verify`
    notice when the newest events were deleted, which a chain alone cannot show.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.seq}"
