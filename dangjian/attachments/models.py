import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.scope import ScopedManager, ScopedQuerySet, path_q, scope_paths


class AttachmentQuerySet(ScopedQuerySet):
    def readable_by(self, user):
        """Attachments `user` may download: each row names the permission it needs
        (`read_permission`), held over the attachment's organization."""
        from dangjian.core.permissions import PERMISSIONS

        q = Q(pk__in=[])
        for code in PERMISSIONS:
            paths = scope_paths(user, code)
            if paths:
                q |= Q(read_permission=code) & path_q(self.model.scope_path_lookup, paths)
        return self.filter(q)


class Attachment(models.Model):
    """An uploaded file owned by an organization, stored through Django's storage API.

    The stored name is random (`attachments/YYYY/MM/<uuid>.<ext>`) with the extension of the
    type sniffed from the content; the user's file name is kept only, sanitised, as
    `original_name` for the download. Created only through `services.attachment_store`.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("organization"),
    )
    read_permission = models.CharField(_("permission needed to read"), max_length=64,
                                       default="orgs.view")  # fmt: skip
    file = models.FileField(_("file"), max_length=255)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = ScopedManager.from_queryset(AttachmentQuerySet)()
    scope_path_lookup = "org__path"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name
