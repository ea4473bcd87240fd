import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.attachments.forms import AttachmentField
from dangjian.attachments.models import Attachment
from dangjian.attachments.services import attachment_store
from dangjian.attachments.sniffing import IMAGES, sniff
from dangjian.attachments.validation import safe_original_name
from dangjian.audit.models import AuditEvent
from dangjian.core.services import OutOfScope
from dangjian.core.testing import login_as

from . import samples


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def upload(content: bytes, name: str = "file.bin") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def store(personas, tree, content, name, **kwargs) -> Attachment:
    return attachment_store(actor=personas.secretary_a, org=tree.branch_a,
                            upload=upload(content, name), **kwargs)  # fmt: skip


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (samples.PDF, "pdf"),
        (samples.png(), "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (samples.DOCX, "docx"),
        (samples.XLSX, "xlsx"),
        (samples.OLE_DOC, "doc"),
        (samples.TEXT, "txt"),
        (b"\xef\xbb\xbfhello\r\n", "txt"),
    ],
)
def test_types_are_recognised_by_content(content, key):
    assert sniff(upload(content)).key == key


@pytest.mark.parametrize(
    "content",
    [samples.EXE, samples.PLAIN_ZIP, samples.DOCM, samples.OLE_MSI, "会议".encode("gbk"),
     b"PK\x03\x04 truncated", b"text with a \x00 NUL"],
)  # fmt: skip
def test_other_content_is_not_recognised(content):
    assert sniff(upload(content)) is None


def test_a_real_pdf_is_stored_under_a_random_name(personas, tree, media):
    attachment = store(personas, tree, samples.PDF, "支部大会记录.pdf")
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "支部大会记录.pdf"
    assert attachment.size == len(samples.PDF)
    assert len(attachment.sha256) == 64
    assert attachment.file.name.startswith("attachments/")
    assert attachment.file.name.endswith(".pdf")
    assert "支部" not in attachment.file.name
    assert (media / attachment.file.name).read_bytes() == samples.PDF
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.target_id) == ("attachments.store", str(attachment.pk))


def test_a_real_png_is_accepted(personas, tree):
    attachment = store(personas, tree, samples.png(), "photo.PNG")
    assert (attachment.content_type, attachment.original_name) == ("image/png", "photo.PNG")


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_stored(personas, tree, media):
    with pytest.raises(ValidationError) as caught:
        store(personas, tree, samples.EXE, "通知.pdf")
    assert caught.value.code == "type"
    assert not Attachment.objects.exists()
    assert not any(media.rglob("*.*"))


def test_types_outside_the_callers_allow_list_are_refused(personas, tree):
    with pytest.raises(ValidationError):
        store(personas, tree, samples.PDF, "a.pdf", allowed=IMAGES)


def test_oversize_is_refused_naming_the_limit(personas, tree, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as caught:
        store(personas, tree, samples.PDF + b"0" * (1024 * 1024), "big.pdf")
    assert caught.value.code == "too_large"
    assert "1 MB" in caught.value.messages[0]
    assert "超过" in caught.value.messages[0]  # field errors are Chinese


def test_an_empty_file_is_refused(personas, tree):
    with pytest.raises(ValidationError):
        store(personas, tree, b"", "empty.txt")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("C:\\Users\\王\\报告.pdf", "报告.pdf"),
        ("\u202efdp.exe", "fdp.pdf"),
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("no-extension", "no-extension.pdf"),
        ("", "file.pdf"),
        ("../", "file.pdf"),
        ("x" * 300 + ".pdf", "x" * 146 + ".pdf"),
        ("invoice.pdf.exe", "invoice.pdf.pdf"),
    ],
)
def test_names_are_sanitised(name, expected):
    assert safe_original_name(name, sniff(upload(samples.PDF))) == expected


def test_text_keeps_a_csv_name_but_html_becomes_txt():
    text_type = sniff(upload(samples.TEXT))
    assert safe_original_name("名单.csv", text_type) == "名单.csv"
    assert safe_original_name("page.html", text_type) == "page.txt"


def test_storing_outside_ones_scope_is_404(personas, tree):
    with pytest.raises(OutOfScope):
        attachment_store(actor=personas.member_b, org=tree.branch_a, upload=upload(samples.PDF))


def test_download_has_safe_headers(client, personas, tree):
    attachment = store(personas, tree, samples.PDF, "支部 大会.pdf")
    login_as(client, personas.member_a)
    response = client.get(reverse("attachments:download", args=[attachment.uid]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]


def test_out_of_scope_download_is_404(client, personas, tree):
    attachment = store(personas, tree, samples.PDF, "a.pdf")
    url = reverse("attachments:download", args=[attachment.uid])
    for persona in (personas.member_b, personas.outsider, personas.audit_admin):
        login_as(client, persona)
        assert client.get(url).status_code == 404


def test_read_permission_is_honoured(client, personas, tree):
    attachment = store(personas, tree, samples.PDF, "a.pdf", read_permission="members.view")
    url = reverse("attachments:download", args=[attachment.uid])
    login_as(client, personas.member_a)  # holds orgs.view only
    assert client.get(url).status_code == 404
    login_as(client, personas.secretary_a)
    assert client.get(url).status_code == 200


def test_missing_file_or_unknown_id_is_404_not_500(client, personas, tree, media):
    attachment = store(personas, tree, samples.PDF, "a.pdf")
    (media / attachment.file.name).unlink()
    login_as(client, personas.secretary_a)
    assert client.get(reverse("attachments:download", args=[attachment.uid])).status_code == 404
    unknown = "00000000-0000-0000-0000-000000000000"
    assert client.get(reverse("attachments:download", args=[unknown])).status_code == 404


def test_anonymous_download_goes_to_sign_in(client, personas, tree):
    attachment = store(personas, tree, samples.PDF, "a.pdf")
    assert client.get(reverse("attachments:download", args=[attachment.uid])).status_code == 302


class UploadForm(forms.Form):
    title = forms.CharField()
    file = AttachmentField(allowed=IMAGES)


def test_form_field_gives_a_field_error_and_keeps_other_input(db):
    form = UploadForm({"title": "照片"}, {"file": upload(samples.PDF, "x.png")})
    assert not form.is_valid()
    assert list(form.errors) == ["file"]
    assert form["title"].value() == "照片"
    good = UploadForm({"title": "照片"}, {"file": upload(samples.png(), "x.png")})
    assert good.is_valid()
    assert good.cleaned_data["file"].file_type.key == "png"
    assert ".png" in str(good["file"])
