"""A form field later modules use for uploads: the same checks as the service, shown as a
field error while the rest of the form keeps its input."""

from django import forms

from dangjian.attachments.sniffing import DEFAULT_ALLOWED, TYPES
from dangjian.attachments.validation import validate_upload


class AttachmentField(forms.FileField):
    """A file field that accepts only `allowed` types (judged by content) within the size
    limit. The cleaned file carries the sniffed type as `.file_type`."""

    def __init__(self, *, allowed=DEFAULT_ALLOWED, **kwargs):
        self.allowed = frozenset(allowed)
        kwargs.setdefault("widget", forms.FileInput(attrs={
            "class": "form-control",
            "accept": ",".join(sorted("." + TYPES[key].extension for key in self.allowed)),
        }))  # fmt: skip
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload is not initial:
            upload.file_type = validate_upload(upload, self.allowed)
        return upload
