"""Spreadsheet export shared by every list (ARCHITECTURE.md §6).

Rows are written in openpyxl's write-only mode to a temporary file, so memory stays flat
however long the list; the first row is a watermark naming the exporter and the time; any text
cell that a spreadsheet would read as a formula (= + - @, also tab/CR lead-ins) is escaped.
Callers audit the export themselves, with the row count this returns.
"""

import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Make a value safe for a spreadsheet cell: text that looks like a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def watermark_text(user) -> str:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    who = getattr(user, "name", "") or getattr(user, "username", "")
    return f"导出人：{who}（{user.get_username()}）  导出时间：{stamp}  内部资料，注意保密"


def write_xlsx(file, *, title: str, headers: Sequence[str], rows: Iterable[Sequence], user) -> int:
    """Write a watermarked sheet to `file`; returns the number of data rows written."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    mark = WriteOnlyCell(sheet, value=watermark_text(user))
    mark.font = Font(italic=True, color="888888")
    sheet.append([mark])
    bold = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = Font(bold=True)
        bold.append(cell)
    sheet.append(bold)
    count = 0
    for row in rows:
        sheet.append([neutralise(value) for value in row])
        count += 1
    book.save(file)
    return count


def xlsx_response(*, filename: str, title: str, headers, rows, user) -> tuple[FileResponse, int]:
    """An .xlsx download of `rows`; returns (response, row count) so the caller can audit."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    count = write_xlsx(handle, title=title, headers=headers, rows=rows, user=user)
    handle.seek(0)
    stamp = date.today().strftime("%Y%m%d")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return response, count
