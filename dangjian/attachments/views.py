from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from dangjian.attachments.models import Attachment

INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@login_required
def download(request, uid):
    """Stream an attachment the user may read; 404 for anything else, missing or not."""
    attachment = get_object_or_404(Attachment.objects.readable_by(request.user), uid=uid)
    return attachment_response(request, attachment)


def attachment_response(request, attachment: Attachment) -> FileResponse:
    """Stream `attachment` (the caller decided the user may read it), inline on ?inline=1 for
    types a browser shows safely; sandboxed and never cached."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    inline = request.GET.get("inline") == "1" and attachment.content_type in INLINE_TYPES
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
