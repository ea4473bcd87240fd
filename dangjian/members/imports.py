"""Member import: the template, reading .xlsx/.csv files and checking rows (issue 3 §6).

Pure-ish: nothing here writes to the database. `read_table(file)` gives the header mapping and
the raw data rows (or raises ImportFileError with a Chinese message for the whole file);
`RowChecker` turns raw rows into unsaved, prepared `Person` objects plus a report of problems
[{row, column, value, reason}]. The import services run both and do the writing.

The Chinese column headers and enumeration labels below are data (they are what users type
into their spreadsheets), so they stay Chinese constants rather than translatable strings.
"""

import codecs
import csv
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from dangjian.attachments.sniffing import sniff
from dangjian.core.exports import neutralise
from dangjian.members import services as person_services
from dangjian.members.choices import (
    ETHNICITIES,
    EXIT_STAGES,
    Education,
    PersonnelCategory,
    Sex,
    Stage,
    Standing,
)
from dangjian.members.models import Person
from dangjian.members.services import mask, prepare_person, validate_person
from dangjian.rules import RuleError
from dangjian.rules.idcard import check_character, parse_id_number

MAX_DATA_ROWS = 20_000
MAX_COLUMNS = 100
HEADER_SEARCH_ROWS = 10
REPORT_VALUE_CHARS = 50
SENSITIVE = frozenset(person_services.SENSITIVE_FIELDS)


class ImportFileError(Exception):
    """The whole file cannot be imported; the message (Chinese) says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- columns -----------------------------------------------------------------------------------

TEXT, SEX, ETHNICITY, ID_NUMBER, DATE, ENUM, BRANCH, GROUP, PHONE = (
    "text", "sex", "ethnicity", "id", "date", "enum", "branch", "group", "phone",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    header: str  # as in the template (a trailing * marks a required column)
    field: str  # Person field
    kind: str = TEXT
    max_length: int = 0
    aliases: tuple[str, ...] = ()
    note: str = ""  # for the instructions sheet (data, Chinese)

    @property
    def required(self) -> bool:
        return self.header.endswith("*")

    @property
    def label(self) -> str:
        """The header without the required mark: how the report names the column."""
        return self.header.rstrip("*")


SEX_LABELS = {Sex.MALE: "男", Sex.FEMALE: "女"}
STAGE_LABELS = {
    Stage.EMPLOYEE: "职工（非党员）",
    Stage.APPLICANT: "入党申请人",
    Stage.ACTIVIST: "入党积极分子",
    Stage.CANDIDATE: "发展对象",
    Stage.PROBATIONARY: "预备党员",
    Stage.FULL: "正式党员",
    Stage.TRANSFERRED_OUT: "已转出",
    Stage.DIED: "已去世",
    Stage.LEFT: "出党或除名",
}
EDUCATION_LABELS = {
    Education.POSTGRADUATE: "研究生",
    Education.BACHELOR: "大学本科",
    Education.COLLEGE: "大学专科",
    Education.SECONDARY_VOCATIONAL: "中专",
    Education.HIGH_SCHOOL: "高中",
    Education.JUNIOR_HIGH_OR_BELOW: "初中及以下",
}
CATEGORY_LABELS = {
    PersonnelCategory.WORKER: "工人",
    PersonnelCategory.TECHNICIAN: "专业技术人员",
    PersonnelCategory.MANAGER: "企业管理人员",
    PersonnelCategory.CIVIL_SERVANT: "党政机关工作人员",
    PersonnelCategory.RETIRED: "离退休人员",
    PersonnelCategory.STUDENT: "学生",
    PersonnelCategory.FARMER: "农牧渔民",
    PersonnelCategory.OTHER: "其他",
}
STANDING_LABELS = {Standing.NORMAL: "正常", Standing.SUSPENDED: "停止党籍"}
ETHNICITY_LABELS = {f"{i:02d}": name for i, name in enumerate(ETHNICITIES, start=1)}
# Other spellings people use; matched after normalising (spaces and brackets).
EXTRA_ALIASES = {
    "sex": {"男性": "M", "女性": "F"},
    "stage": {
        "职工": Stage.EMPLOYEE, "群众": Stage.EMPLOYEE, "非党员": Stage.EMPLOYEE,
        "申请人": Stage.APPLICANT, "积极分子": Stage.ACTIVIST, "预备": Stage.PROBATIONARY,
        "党员": Stage.FULL, "正式": Stage.FULL, "转出": Stage.TRANSFERRED_OUT,
        "去世": Stage.DIED, "死亡": Stage.DIED, "出党": Stage.LEFT, "除名": Stage.LEFT,
    },
    "education": {
        "研究生及以上": Education.POSTGRADUATE, "博士": Education.POSTGRADUATE,
        "硕士": Education.POSTGRADUATE, "本科": Education.BACHELOR,
        "大专": Education.COLLEGE, "专科": Education.COLLEGE,
        "中技": Education.SECONDARY_VOCATIONAL,
        "中专中技": Education.SECONDARY_VOCATIONAL, "职高": Education.SECONDARY_VOCATIONAL,
        "技校": Education.SECONDARY_VOCATIONAL, "初中": Education.JUNIOR_HIGH_OR_BELOW,
        "小学": Education.JUNIOR_HIGH_OR_BELOW,
    },
    "personnel_category": {"离退休": PersonnelCategory.RETIRED, "退休": PersonnelCategory.RETIRED},
    "standing": {"停止": Standing.SUSPENDED, "停止党籍": Standing.SUSPENDED},
}  # fmt: skip
ENUM_LABELS = {
    "sex": SEX_LABELS,
    "stage": STAGE_LABELS,
    "education": EDUCATION_LABELS,
    "personnel_category": CATEGORY_LABELS,
    "standing": STANDING_LABELS,
    "ethnicity": ETHNICITY_LABELS,
}
ENUM_CHOICES = {
    "sex": Sex,
    "stage": Stage,
    "education": Education,
    "personnel_category": PersonnelCategory,
    "standing": Standing,
}

DATE_NOTE = "格式如 2026-11-21、2026/11/21、2026.11.21、20261121 或 2026年11月21日"
COLUMNS: tuple[Column, ...] = (
    Column("姓名*", "name", max_length=50),
    Column("性别*", "sex", SEX),
    Column("民族", "ethnicity", ETHNICITY, note="留空按汉族；可填名称或两位代码（如 01）"),
    Column("公民身份号码*", "id_number", ID_NUMBER, aliases=("身份证号码", "身份证号"),
           note="18位，请将该列设置为文本格式，以免 Excel 改成科学计数法"),
    Column("出生日期", "birth_date", DATE, note="留空则取身份证号码中的出生日期；" + DATE_NOTE),
    Column("学历", "education", ENUM),
    Column("人员类别", "personnel_category", ENUM),
    Column("所在党支部(组织代码)*", "branch", BRANCH, aliases=("所在党支部", "党支部代码"),
           note="填写党支部的组织代码，须在您的管理范围内"),
    Column("党小组(组织代码)", "party_group", GROUP, aliases=("党小组",),
           note="须是所填党支部下的党小组"),
    Column("人员阶段*", "stage", ENUM),
    Column("申请入党日期", "application_date", DATE, note=DATE_NOTE),
    Column("入党日期", "join_date", DATE, note="预备党员、正式党员必填；" + DATE_NOTE),
    Column("转正日期", "full_member_date", DATE, note="正式党员必填，应为预备期满之日"),
    Column("工作单位", "work_unit", max_length=100),
    Column("工作岗位", "job", max_length=50),
    Column("职称", "title", max_length=50),
    Column("籍贯", "native_place", max_length=50),
    Column("手机号码", "phone", PHONE, max_length=20, aliases=("手机号", "联系电话")),
    Column("家庭住址", "address", max_length=200),
    Column("党籍状态", "standing", ENUM, note="留空按正常"),
    Column("失联日期", "lost_contact_since", DATE, note="与党组织失去联系的起始日期"),
    Column("流动党员外出流向", "mobile_destination", max_length=100),
    Column("入党介绍人", "introducers", max_length=100, note="多人用顿号分隔"),
)  # fmt: skip
HEADERS = tuple(column.header for column in COLUMNS)
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}
# Fields validate_person may report that are not columns of their own.
FIELD_COLUMN = {"probation_extension_months": "full_member_date", "user": "name", "photo": "name"}
# A rule on the left is not reported when a column it relies on could not be read: the reader
# already said what is wrong there, and "must be after the joining date" would only confuse.
RELIES_ON = {
    "birth_date": {"id_number"},
    "sex": {"id_number"},
    "application_date": {"birth_date", "id_number"},
    "full_member_date": {"join_date"},
    "party_group": {"branch"},
    "join_date": {"stage"},
}

_STRIP = re.compile(r"[\s*＊]+")


def normalise_header(text) -> str:
    """'所在党支部（组织代码）＊ ' -> '所在党支部(组织代码)' (width, spaces, required marks)."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return _STRIP.sub("", text)


_HEADER_LOOKUP: dict[str, Column] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        _HEADER_LOOKUP[normalise_header(_name)] = _column


def _key(text) -> str:
    return normalise_header(text).lower()


def _enum_lookup(field_name: str) -> dict[str, str]:
    """Label, code, English label and aliases -> code."""
    lookup = {}
    labels = ENUM_LABELS[field_name]
    for code, label in labels.items():
        lookup[_key(label)] = str(code)
        lookup[_key(code)] = str(code)
    for code, label in getattr(ENUM_CHOICES.get(field_name), "choices", ()):
        lookup.setdefault(_key(label), code)  # the English source label (untranslated)
    if field_name == "ethnicity":
        for code, label in labels.items():
            lookup.setdefault(_key(label.removesuffix("族")), code)  # 汉 -> 汉族
            lookup.setdefault(_key(str(int(code))), code)  # 1 -> 01
    for alias, code in EXTRA_ALIASES.get(field_name, {}).items():
        lookup.setdefault(_key(alias), str(code))
    return lookup


ENUM_LOOKUP = {name: _enum_lookup(name) for name in ENUM_LABELS}

# A valid ID number for the template's example row; importing it is reported as a leftover.
EXAMPLE_ID = "11010519850615003" + check_character("11010519850615003")


def example_row(branch_code: str = "") -> list:
    return [
        "张三", "男", "汉族", EXAMPLE_ID, "1985-06-15", "大学本科", "专业技术人员",
        branch_code or "（党支部组织代码）", "", "正式党员", "2008-03-01", "2009-07-01",
        "2010-07-01", "某某公司", "技术员", "工程师", "山西太原", "13800000000",
        "某某市某某路1号", "正常", "", "", "李四、王五",
    ]  # fmt: skip


# --- template --------------------------------------------------------------------------------

SHEET_TITLE = "党员信息"
INSTRUCTIONS_TITLE = "填写说明"


def template_xlsx(file, *, branch_code: str = "") -> None:
    """The import template: headers, one example row, and an instructions sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append(list(HEADERS))
    sheet.append(example_row(branch_code))
    bold, required = Font(bold=True), Font(bold=True, color="C00000")
    fill = PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = required if column.required else bold
        cell.fill = fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 2)
        if column.kind in (ID_NUMBER, PHONE, BRANCH, GROUP, DATE):
            sheet.column_dimensions[letter].number_format = "@"  # text: no 1.1E+17
            sheet.cell(row=2, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    notes = book.create_sheet(INSTRUCTIONS_TITLE)
    notes.append(["填写说明：第一行为表头（可调整列的顺序），从第二行起每行一人；带 * 的列必填。"])
    notes.append(["导入前请删除示例行。枚举项可填写名称或代码。"])
    notes.append([])
    notes.append(["列名", "是否必填", "说明"])
    for column in COLUMNS:
        notes.append([column.header, "是" if column.required else "否", column.note])
    notes.append([])
    notes.append(["可选值", "名称", "代码"])
    lists_at = {}
    for field_name, labels in ENUM_LABELS.items():
        first = notes.max_row + 1
        title = COLUMN_BY_FIELD[field_name].label
        for code, label in labels.items():
            notes.append([title, label, str(code)])
        lists_at[field_name] = f"'{INSTRUCTIONS_TITLE}'!$B${first}:$B${notes.max_row}"
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 20
    notes.column_dimensions["C"].width = 60
    for index, column in enumerate(COLUMNS, start=1):
        name = column.field
        if name in lists_at:
            letter = get_column_letter(index)
            check = DataValidation(type="list", formula1=lists_at[name], allow_blank=True)
            check.add(f"{letter}2:{letter}10001")
            check.showErrorMessage = False  # codes are accepted too
            sheet.add_data_validation(check)
    book.save(file)


def template_csv() -> bytes:
    """The same template as CSV, UTF-8 with BOM (Excel opens it with the right encoding)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerow(example_row())
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


# --- reading -----------------------------------------------------------------------------------

XLSX, CSV = "xlsx", "csv"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _not_a_spreadsheet() -> ImportFileError:
    return ImportFileError(
        _("This file is not a spreadsheet. Upload an .xlsx file or a .csv file (UTF-8 or "
          "GB18030), for example one made from the import template.")
    )  # fmt: skip


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a CSV's bytes: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's
    "Unicode text"), else GB18030 (Excel on Chinese Windows). ImportFileError otherwise."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            raise _not_a_spreadsheet()
        return text, encoding
    raise ImportFileError(
        _("The file's text encoding could not be recognised. Save it from Excel as "
          "“CSV UTF-8” or as an .xlsx workbook and upload it again.")
    )  # fmt: skip


def detect_kind(file) -> str:
    """XLSX or CSV, judged by content; ImportFileError for anything else."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not head:
        raise ImportFileError(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        found = sniff(file)
        if found is not None and found.key == "xlsx":
            return XLSX
        raise _not_a_spreadsheet()
    if head.startswith(_OLE_MAGIC):
        raise ImportFileError(
            _("Old Excel workbooks (.xls) cannot be imported. Open the file in Excel or WPS, "
              "save it as .xlsx and upload it again.")
        )  # fmt: skip
    data = file.read()
    file.seek(0)
    decode_text(data)
    return CSV


@dataclass
class Table:
    """What the file holds: where the header is, which column is which, and the data rows."""

    kind: str
    header_row: int
    positions: dict[str, int]  # Person field -> 0-based position in the row
    unknown: list[str]  # headers of ignored columns
    rows: list[tuple[int, tuple]] = field(default_factory=list)  # (row number, raw values)
    encoding: str = ""


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _locate_header(rows: Iterator[tuple[int, tuple]]) -> tuple[int, tuple]:
    """The first row (of the first few) that holds at least three known headers."""
    best = None
    for number, values in rows:
        known = {_HEADER_LOOKUP.get(normalise_header(v)) for v in values if not _is_blank(v)}
        known.discard(None)
        if len(known) >= 3:
            return number, values
        if known and (best is None or len(known) > best[0]):
            best = (len(known), number, values)
        if number >= HEADER_SEARCH_ROWS:
            break
    if best is not None:
        return best[1], best[2]
    raise ImportFileError(
        _("No header row was found. The first row must hold the column names of the import "
          "template, such as 姓名*, 性别* and 公民身份号码*.")
    )  # fmt: skip


def _map_header(values: tuple) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for position, value in enumerate(values):
        if _is_blank(value):
            continue
        column = _HEADER_LOOKUP.get(normalise_header(value))
        if column is None:
            unknown.append(str(value).strip()[:30])
        elif column.field in positions:
            raise ImportFileError(
                _("The column “%(column)s” appears twice in the header row.")
                % {"column": column.label}
            )
        else:
            positions[column.field] = position
    missing = [c.label for c in COLUMNS if c.required and c.field not in positions]
    if missing:
        raise ImportFileError(
            _("Required columns are missing: %(columns)s. Use the column names of the import "
              "template (the order does not matter).") % {"columns": "、".join(missing)}
        )  # fmt: skip
    return positions, unknown


def _collect(table: Table, rows: Iterator[tuple[int, tuple]]) -> Table:
    for number, values in rows:
        if all(_is_blank(v) for v in values):
            continue
        if len(table.rows) >= MAX_DATA_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)s rows. Split it into smaller files.")
                % {"max": MAX_DATA_ROWS}
            )
        table.rows.append((number, tuple(values[:MAX_COLUMNS])))
    if not table.rows:
        raise ImportFileError(_("The file has a header row but no data rows."))
    return table


_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?\"")


def _merged_ranges(sheet) -> list[tuple[str, int, int]]:
    """(ref, first row, last row) of merged cells, scanned from the sheet's XML (read-only
    worksheets do not parse them). Best effort: an unreadable sheet gives []."""
    found = []
    try:
        with sheet._get_source() as source:
            tail = b""
            while chunk := source.read(1 << 20):
                window = tail + chunk
                for match in _MERGE.finditer(window):
                    a_col, a_row, b_col, b_row = match.groups()
                    ref = a_col + a_row + (b"" if b_col is None else b":" + b_col + b_row)
                    last = int(b_row) if b_row else int(a_row)
                    found.append((ref.decode(), int(a_row), last))
                tail = window[-300:] if b"<" in window[-300:] else b""
    except Exception:
        return []
    return list(dict.fromkeys(found))


def read_xlsx(file) -> Table:
    file.seek(0)
    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(
            _("The Excel file could not be read; it may be damaged. Open it in Excel or WPS, "
              "save it as .xlsx and upload it again.")
        ) from exc  # fmt: skip
    try:
        sheets = [s for s in book.worksheets if s.title != INSTRUCTIONS_TITLE] or book.worksheets
        if not sheets:
            raise ImportFileError(_("The file is empty."))
        sheet = sheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size: read what is there
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        try:
            header_row, header = _locate_header(rows)
        except ImportFileError:
            if sheet.max_row is None and not any(True for _row in sheet.iter_rows(max_row=1)):
                raise ImportFileError(_("The file is empty.")) from None
            raise
        merged = [ref for ref, first, last in _merged_ranges(sheet) if first <= header_row <= last]
        if merged:
            raise ImportFileError(
                _("The header row has merged cells (%(cells)s). Unmerge them so that every "
                  "column has its own name, as in the import template.")
                % {"cells": "、".join(merged[:5])}
            )  # fmt: skip
        positions, unknown = _map_header(header)
        table = Table(XLSX, header_row, positions, unknown)
        return _collect(table, rows)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(
            _("The Excel file could not be read; it may be damaged. Open it in Excel or WPS, "
              "save it as .xlsx and upload it again.")
        ) from exc  # fmt: skip
    finally:
        book.close()


def read_csv(file) -> Table:
    file.seek(0)
    text, encoding = decode_text(file.read())
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = enumerate(reader, start=1)
    try:
        header_row, header = _locate_header(rows)
        positions, unknown = _map_header(header)
        table = Table(CSV, header_row, positions, unknown, encoding=encoding)
        return _collect(table, rows)
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file is malformed (%(problem)s). Check quotes and very long cells, or "
              "upload an .xlsx file instead.") % {"problem": str(exc)[:80]}
        ) from exc  # fmt: skip


def read_table(file) -> Table:
    """Header mapping and data rows of an uploaded file; ImportFileError for the whole file."""
    kind = detect_kind(file)
    return read_xlsx(file) if kind == XLSX else read_csv(file)


# --- cell values -------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")
_PHONE = re.compile(r"\+?[0-9][0-9\- ]{4,19}")
_TEXT_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CellError(Exception):
    pass


def cell_text(value) -> str:
    """A cell as text: numbers without a spurious '.0', control characters dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if not (value.hour or value.minute or value.second) else value
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if _TEXT_CONTROL.search(text):
        text = _TEXT_CONTROL.sub(" ", text)
    return text.strip()


def parse_date(value) -> date | None:
    if _is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            value = str(int(value))  # 20261121 typed as a number
        elif 1 <= value < 80000:  # an Excel serial day number without a date format
            return from_excel(value).date()
        else:
            raise CellError(_("The date format was not recognised. Write it as 2026-11-21."))
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = _TIME_SUFFIX.sub("", text)
    if re.fullmatch(r"\d{8}", text):
        parts = (text[:4], text[4:6], text[6:])
    else:
        match = _DATE.fullmatch(text)
        if not match:
            raise CellError(_("The date format was not recognised. Write it as 2026-11-21."))
        parts = match.groups()
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise CellError(_("This date does not exist.")) from None


def parse_id(value, *, today: date):
    """IdNumber or CellError; explains what Excel does to long numbers."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if (isinstance(value, float) and not value.is_integer()) or value >= 10**15:
            raise CellError(
                _("Excel stored this ID number as a number and its last digits are lost. "
                  "Format the column as text, type the number again and re-import.")
            )  # fmt: skip
        value = str(int(value))
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if _SCIENTIFIC.fullmatch(text):
        raise CellError(
            _("The ID number is in scientific notation (%(text)s), so Excel has lost its last "
              "digits. Format the column as text, type the number again and re-import.")
            % {"text": text}
        )  # fmt: skip
    try:
        return parse_id_number(text, today=today)
    except RuleError as exc:
        message = str(exc)
        if len(text) == 17 and text.isdigit():
            message = _(
                "%(problem)s (Was the final X lost? Excel drops it when the cell is a number.)"
            ) % {"problem": message}
        raise CellError(message) from None


def report_value(column: Column | None, value) -> str:
    """How a value appears in the report: short, masked when personal, formula-safe."""
    text = cell_text(value)
    personal = column is not None and column.field in SENSITIVE and text
    if personal and not (column.field == "id_number" and _SCIENTIFIC.fullmatch(text)):
        text = mask(column.field, text)
    if len(text) > REPORT_VALUE_CHARS:
        text = text[:REPORT_VALUE_CHARS] + "…"
    return neutralise(text)


# --- checking rows -----------------------------------------------------------------------------


@dataclass
class Checked:
    """One row after checking: the unsaved Person (prepared) if it has no problems."""

    row: int
    person: Person | None
    errors: list[dict]


class RowChecker:
    """Checks raw rows against the rules, in chunks; never one query per row.

    `branches` maps organization code -> branch (kind branch/joint branch) the importer may
    manage under the target org; `groups` maps code -> party group there. Both are loaded by
    the caller in one query. `existing(hashes)` answers {id hash: (name, branch name)} for the
    active people already in the database (one query per chunk).
    """

    def __init__(self, table: Table, *, branches, groups, existing, today: date):
        self.table = table
        self.branches = branches
        self.groups = groups
        self.existing = existing
        self.today = today
        self.id_rows = self._id_rows()

    def _id_rows(self) -> dict[str, list[int]]:
        """Normalised ID text -> row numbers, for duplicates inside the file."""
        position = self.table.positions["id_number"]
        found: dict[str, list[int]] = defaultdict(list)
        for number, values in self.table.rows:
            raw = values[position] if position < len(values) else None
            text = unicodedata.normalize("NFKC", cell_text(raw)).upper()
            if text:
                found[text].append(number)
        return {key: rows for key, rows in found.items() if len(rows) > 1}

    def check(self, rows: Iterable[tuple[int, tuple]]) -> list[Checked]:
        """One chunk: parse and validate each row, then the duplicate checks in one query."""
        results = [self._check_row(number, values) for number, values in rows]
        hashes = {r.person.id_number_hash for r in results if r.person is not None and
                  r.person.stage not in EXIT_STAGES}  # fmt: skip
        found = self.existing(hashes) if hashes else {}
        for result in results:
            person = result.person
            if person is None or person.stage in EXIT_STAGES:
                continue
            other = found.get(person.id_number_hash)
            if other:
                reason = _(
                    "An active person with this ID number is already in the system (%(name)s, "
                    "%(branch)s). If the row was imported before, delete it from the file; "
                    "otherwise check the number."
                ) % {"name": other[0], "branch": other[1]}
                self._add(result, "id_number", person.id_number, reason)
        for result in results:
            if result.errors:
                result.person = None
        return results

    def _add(self, result: Checked, field_name: str, value, reason: str) -> None:
        column = COLUMN_BY_FIELD.get(FIELD_COLUMN.get(field_name, field_name))
        result.errors.append({
            "row": result.row,
            "column": column.label if column else "",
            "value": report_value(column, value),
            "reason": str(reason),
        })  # fmt: skip

    def _check_row(self, number: int, values: tuple) -> Checked:
        result = Checked(number, None, [])
        positions = self.table.positions
        raw = {
            name: (values[pos] if pos < len(values) else None) for name, pos in positions.items()
        }
        failed: set[str] = set()
        data: dict = {}

        def fail(name, reason):
            failed.add(name)
            self._add(result, name, raw.get(name), reason)

        for column in COLUMNS:
            name = column.field
            value = raw.get(name)
            if _is_blank(value):
                if column.required:
                    fail(name, _("This column is required."))
                continue
            try:
                data[name] = self._parse(column, value)
            except CellError as exc:
                fail(name, str(exc))
        parsed = data.pop("id_number", None)
        if parsed is not None:
            text = parsed.number
            data["id_number"] = text
            if text == EXAMPLE_ID:
                fail("id_number", _("This is the example row of the template; delete it."))
            if text in self.id_rows or cell_text(raw["id_number"]).upper() in self.id_rows:
                key = text if text in self.id_rows else cell_text(raw["id_number"]).upper()
                others = [str(r) for r in self.id_rows[key] if r != number]
                fail("id_number", _("The same ID number is also in row(s) %(rows)s of this file.")
                     % {"rows": "、".join(others)})  # fmt: skip
            data.setdefault("birth_date", None)
            if data["birth_date"] is None and "birth_date" not in failed:
                data["birth_date"] = parsed.birth_date
        elif "id_number" not in failed:
            fail("id_number", _("This column is required."))
        if "ethnicity" not in data and "ethnicity" not in failed:
            data["ethnicity"] = "01"
        if "standing" not in data:
            data["standing"] = Standing.NORMAL
        if data.get("party_group") is not None and data.get("branch") is None:
            data.pop("party_group")
        person = Person(**{k: v for k, v in data.items() if v is not None})
        for name, messages in self._validate(person, parsed).items():
            target = FIELD_COLUMN.get(name, name)
            if name == "id_number" or target in failed or RELIES_ON.get(target, set()) & failed:
                continue  # parsed (and duplicates checked) here; no follow-on errors
            for message in messages:
                self._add(result, target, raw.get(target), message)
        if result.errors:
            return result
        prepare_person(person)
        result.person = person
        return result

    def _validate(self, person: Person, parsed) -> dict[str, list[str]]:
        """validate_person's messages per field, without its one-query-per-row duplicate
        check (the caller checks duplicates once per chunk)."""
        try:
            validate_person(person, today=self.today, check_duplicate=False)
        except ValidationError as exc:
            return exc.message_dict
        return {}

    def _parse(self, column: Column, value):
        kind = column.kind
        if kind == ID_NUMBER:
            return parse_id(value, today=self.today)
        if kind == DATE:
            return parse_date(value)
        text = cell_text(value)
        if kind in (SEX, ETHNICITY, ENUM):
            code = ENUM_LOOKUP[column.field].get(_key(text))
            if code is None:
                labels = list(ENUM_LABELS[column.field].values())
                shown = "、".join(labels[:12]) + ("……" if len(labels) > 12 else "")
                raise CellError(
                    _(
                        "Not an allowed value. Allowed: %(values)s (see the "
                        "instructions sheet of the template)."
                    )
                    % {"values": shown}
                )
            return code
        if kind in (BRANCH, GROUP):
            found = (self.branches if kind == BRANCH else self.groups).get(text)
            if found is None:
                if kind == BRANCH:
                    raise CellError(
                        _(
                            "No branch with this organization code exists within the "
                            "organization you are importing into and manage."
                        )
                    )
                raise CellError(
                    _(
                        "No party group with this organization code exists within "
                        "the organization you are importing into."
                    )
                )
            return found
        if kind == PHONE:
            if not _PHONE.fullmatch(text):
                raise CellError(_("Not a phone number: use digits only, e.g. 13800000000."))
            return text.replace(" ", "")
        if column.max_length and len(text) > column.max_length:
            raise CellError(
                _("Too long: at most %(max)s characters, this has %(count)s.")
                % {"max": column.max_length, "count": len(text)}
            )
        return text


def existing_people(hashes) -> dict[str, tuple[str, str]]:
    """{id hash: (name, branch name)} of active people with these ID hashes: one query."""
    rows = Person.objects.filter(id_number_hash__in=list(hashes), is_active=True).values_list(
        "id_number_hash", "name", "branch__name"
    )
    return {h: (name, branch) for h, name, branch in rows}


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


__all__ = [
    "COLUMNS",
    "HEADERS",
    "ImportFileError",
    "RowChecker",
    "Table",
    "existing_people",
    "read_table",
    "template_csv",
    "template_xlsx",
]
