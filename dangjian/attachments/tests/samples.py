"""Small real files of each kind, built in memory."""

import io
import struct
import zipfile
import zlib

PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def png(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xb3\x17\x1e" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def zip_of(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


DOCX = zip_of(["[Content_Types].xml", "_rels/.rels", "word/document.xml"])
XLSX = zip_of(["[Content_Types].xml", "xl/workbook.xml"])
PLAIN_ZIP = zip_of(["readme.txt", "payload.exe"])
DOCM = zip_of(["[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"])
OLE_DOC = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Root Entry\0".encode("utf-16-le")
    + b"\x00" * 50 + "WordDocument\0".encode("utf-16-le") + b"\x00" * 100
)  # fmt: skip
OLE_MSI = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Root Entry\0".encode("utf-16-le")
TEXT = "支部大会会议记录\n出席：12人\n".encode()
