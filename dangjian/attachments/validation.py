"""Checking an upload before anything is stored: size, real type, safe name."""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangjian.attachments.sniffing import DEFAULT_ALLOWED, TYPES, FileType, sniff

MAX_NAME = 150
# Extensions a user's name may keep for a sniffed type (anything else gets the sniffed one).
_EQUIVALENT = {"jpeg": {"jpg", "jpeg"}, "txt": {"txt", "csv", "tsv", "md", "log"}}
_UNSAFE = re.compile(r'[<>:"|?*/\\]')


def max_megabytes() -> str:
    return f"{settings.ATTACHMENT_MAX_BYTES / (1024 * 1024):g}"


def allowed_extensions(allowed=DEFAULT_ALLOWED) -> list[str]:
    return sorted(TYPES[key].extension for key in allowed)


def validate_upload(upload, allowed=DEFAULT_ALLOWED) -> FileType:
    """Return the sniffed type of `upload` or raise ValidationError (Chinese when active)."""
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.") % {"mb": max_megabytes()}, code="too_large"
        )
    file_type = sniff(upload)
    if file_type is None or file_type.key not in allowed:
        raise ValidationError(
            _("This kind of file is not accepted (its content was checked, not its name). "
              "Accepted: %(kinds)s.") % {"kinds": "、".join(allowed_extensions(allowed))},
            code="type",
        )  # fmt: skip
    return file_type


def safe_original_name(name, file_type: FileType) -> str:
    """The user's file name without any path, control characters or characters unsafe in
    a header or on Windows, ending in an extension that matches the real content."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")  # incl. RTL tricks
    text = _UNSAFE.sub("_", text).strip().lstrip(".").strip()
    stem, dot, extension = text.rpartition(".")
    if not dot:
        stem, extension = text, ""
    keep = _EQUIVALENT.get(file_type.key, {file_type.extension})
    if extension.lower() not in keep:
        extension = file_type.extension
    stem = stem.strip(" .") or "file"
    return f"{stem[: MAX_NAME - len(extension) - 1]}.{extension}"
