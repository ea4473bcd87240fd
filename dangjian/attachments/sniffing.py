"""What a file really is, from its bytes — never from its name or the browser's claim.

`sniff(file)` returns a FileType from the allow-list's vocabulary or None. Office Open XML is
a ZIP holding `[Content_Types].xml` and a word/, xl/ or ppt/ part; legacy Office is an OLE
compound file whose directory names a WordDocument or Workbook stream; text is text only if the
whole file decodes as UTF-8 without control characters.
"""

import codecs
import re
import zipfile
from dataclasses import dataclass

CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileType:
    key: str
    extension: str
    content_type: str


TYPES = {t.key: t for t in (
    FileType("pdf", "pdf", "application/pdf"),
    FileType("png", "png", "image/png"),
    FileType("jpeg", "jpg", "image/jpeg"),
    FileType("gif", "gif", "image/gif"),
    FileType("webp", "webp", "image/webp"),
    FileType("docx", "docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    FileType("xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    FileType("pptx", "pptx",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    FileType("doc", "doc", "application/msword"),
    FileType("xls", "xls", "application/vnd.ms-excel"),
    FileType("txt", "txt", "text/plain; charset=utf-8"),
)}  # fmt: skip

DEFAULT_ALLOWED = frozenset(TYPES)
IMAGES = frozenset({"png", "jpeg", "gif", "webp"})
DOCUMENTS = frozenset({"pdf", "docx", "xlsx", "pptx", "doc", "xls", "txt"})

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_STREAMS = (  # directory entry names are UTF-16LE, NUL-terminated
    ("WordDocument\0".encode("utf-16-le"), "doc"),
    ("Workbook\0".encode("utf-16-le"), "xls"),
    ("Book\0".encode("utf-16-le"), "xls"),  # Excel 5/95
)
_TEXT_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")  # tab, LF, FF and CR are text


def sniff(file) -> FileType | None:
    """The type of a seekable binary file object (position is restored to 0)."""
    try:
        file.seek(0)
        head = file.read(16)
        key = _by_magic(file, head)
    finally:
        file.seek(0)
    return TYPES.get(key) if key else None


def _by_magic(file, head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml(file)
    if head.startswith(_OLE_MAGIC):
        return _ole(file)
    return _text(file)


def _ooxml(file) -> str | None:
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None  # macro-enabled documents are not accepted, whatever they are called
    for prefix, key in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
        if any(name.startswith(prefix) for name in names):
            return key
    return None


def _ole(file) -> str | None:
    """Look for the main stream's directory entry (any .msi or other OLE file has neither)."""
    file.seek(0)
    tail = b""
    while chunk := file.read(CHUNK):
        window = tail + chunk
        for name, key in _OLE_STREAMS:
            if name in window:
                return key
        tail = window[-32:]
    return None


def _text(file) -> str | None:
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    while chunk := file.read(CHUNK):
        if _TEXT_CONTROLS.search(chunk):
            return None
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError:
            return None
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return "txt"
