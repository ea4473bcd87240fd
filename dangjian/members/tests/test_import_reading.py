"""Reading import files and cell values (no database needed)."""

import codecs
import io
from datetime import date, datetime

import pytest

from dangjian.members.imports import (
    COLUMNS,
    HEADERS,
    CellError,
    ImportFileError,
    decode_text,
    normalise_header,
    parse_date,
    parse_id,
    read_table,
    template_csv,
    template_xlsx,
)

TODAY = date(2026, 11, 21)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-21", "2026/11/21", "2026.11.21", "20261121", "2026年11月21日",
        "2026-11-21 00:00:00", " ２０２６－１１－２１ ", 20261121, 46347,
        datetime(2026, 11, 21, 0, 0), date(2026, 11, 21),
    ],
)  # fmt: skip
def test_dates_in_every_accepted_form(value):
    assert parse_date(value) == date(2026, 11, 21)


@pytest.mark.parametrize("value", ["2026-02-30", "21/11/2026", "明天", "2026-11"])
def test_bad_dates_are_explained(value):
    with pytest.raises(CellError):
        parse_date(value)


def test_blank_date_is_none():
    assert parse_date("  ") is None and parse_date(None) is None


def test_encodings():
    text = "姓名*,性别*\n欧阳锋,男\n"
    assert decode_text(text.encode("utf-8")) == (text, "utf-8")
    assert decode_text(codecs.BOM_UTF8 + text.encode("utf-8"))[1] == "utf-8-sig"
    assert decode_text(text.encode("gb18030")) == (text, "gb18030")
    assert decode_text(text.encode("utf-16"))[0] == text
    with pytest.raises(ImportFileError):
        decode_text(b"\x81\x20\xff\xfe\x00abc")


def test_headers_match_whatever_the_width_of_brackets_and_stars():
    assert normalise_header("所在党支部（组织代码）＊ ") == normalise_header(
        "所在党支部(组织代码)*"
    )


def test_id_number_hints():
    with pytest.raises(CellError, match="X"):
        parse_id("14010519850615003", today=TODAY)
    with pytest.raises(CellError, match="Excel"):
        parse_id(1.40105198506150e17, today=TODAY)
    with pytest.raises(CellError, match=r"1\.40105E"):
        parse_id("1.40105E+17", today=TODAY)


def test_the_templates_read_back_with_every_column():
    buffer = io.BytesIO()
    template_xlsx(buffer)
    table = read_table(buffer)
    assert set(table.positions) == {c.field for c in COLUMNS}
    assert table.unknown == [] and len(table.rows) == 1
    table = read_table(io.BytesIO(template_csv()))
    assert set(table.positions) == {c.field for c in COLUMNS} and table.encoding == "utf-8-sig"


def test_tab_separated_unicode_text_from_excel():
    text = "\t".join(HEADERS) + "\n" + "\t".join(["张三"] * len(HEADERS)) + "\n"
    table = read_table(io.BytesIO(text.encode("utf-16")))
    assert table.kind == "csv" and len(table.rows) == 1


def test_header_below_a_title_row():
    text = "党员花名册\n" + ",".join(HEADERS) + "\n" + ",".join(["x"] * len(HEADERS)) + "\n"
    table = read_table(io.BytesIO(text.encode("utf-8")))
    assert table.header_row == 2 and table.rows[0][0] == 3


@pytest.mark.parametrize(
    "content",
    [
        b"",
        ",".join(HEADERS).encode() + b"\n" + b'"' + b"x" * 200_000 + b'"\n',
        "姓名*,姓名*,性别*,公民身份号码*\n".encode(),
        b"just some words\nand more",
    ],
)
def test_malformed_csv_gives_a_message(content):
    with pytest.raises(ImportFileError) as exc:
        read_table(io.BytesIO(content))
    assert exc.value.message
