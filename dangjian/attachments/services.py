"""Storing attachments: the one upload path every module uses."""

import hashlib
from datetime import date
from uuid import uuid4

from django.core.files import File
from django.db import transaction

from dangjian.attachments.models import Attachment
from dangjian.attachments.sniffing import DEFAULT_ALLOWED
from dangjian.attachments.validation import safe_original_name, validate_upload
from dangjian.audit.services import audit_record
from dangjian.core.services import require_perm


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():  # starts from the beginning
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def attachment_store(
    *,
    actor,
    org,
    upload,
    read_permission: str = "orgs.view",
    allowed=DEFAULT_ALLOWED,
    permission: str | None = None,
) -> Attachment:
    """Check, store and record one uploaded file for `org`.

    `permission` (default: `read_permission`) is what the actor must hold over `org` to upload;
    the calling module usually passes its own manage permission. Raises ValidationError for a
    file that is empty, too large or not of an allowed type (judged by content), OutOfScope
    (404) when the actor may not act on `org`.
    """
    require_perm(actor, permission or read_permission, org)
    upload = upload if isinstance(upload, File) else File(upload)
    file_type = validate_upload(upload, allowed)
    checksum = _sha256(upload)
    storage = Attachment._meta.get_field("file").storage
    stored = storage.save(
        f"attachments/{date.today():%Y/%m}/{uuid4().hex}.{file_type.extension}", upload
    )
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                org=org,
                read_permission=read_permission,
                file=stored,
                original_name=safe_original_name(getattr(upload, "name", ""), file_type),
                content_type=file_type.content_type,
                size=upload.size,
                sha256=checksum,
                uploaded_by=actor if actor is not None and actor.is_authenticated else None,
            )
            audit_record(actor=actor, action="attachments.store", target=attachment, org=org,
                         changes={"name": attachment.original_name, "type": file_type.key,
                                  "size": attachment.size, "sha256": checksum})  # fmt: skip
    except BaseException:
        storage.delete(stored)  # the row never existed, so neither should the file
        raise
    return attachment
