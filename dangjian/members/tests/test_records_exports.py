"""Exports: the filtered list and the national 16-item layout — masked, watermarked, audited."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from dangjian.audit.models import AuditEvent
from dangjian.core.testing import login_as, make_user
from dangjian.members.exports import NATIONAL_HEADERS

URL = "/members/"


def sheet_rows(response) -> list[tuple]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def zhang(make_person):
    return make_person(name="张三", phone="13812345678", address="北京市东城区某街道1号",
                       mobile_destination="深圳", lost_contact_since=date(2025, 3, 1))  # fmt: skip


def test_export_for_a_viewer_without_view_sensitive_is_masked_and_watermarked(client, tree, zhang):
    viewer = make_user("p_records_exp", "组织委员", ("organization_member", tree.branch_a))
    login_as(client, viewer)
    rows = sheet_rows(client.get(URL, {"export": "xlsx"}))
    assert "导出人" in rows[0][0] and "组织委员" in rows[0][0]
    (data,) = rows[2:]
    text = " ".join(str(v) for v in data)
    assert zhang.id_number not in text and "13812345678" not in text
    assert "138****5678" in text
    assert AuditEvent.objects.get(action="export.members").changes["rows"] == 1


def test_secretary_export_is_clear_for_their_branch(client, personas, zhang):
    login_as(client, personas.secretary_a)
    rows = sheet_rows(client.get(URL, {"export": "xlsx"}))
    assert zhang.id_number in rows[2]


def test_export_masks_rows_outside_the_sensitive_scope(client, tree, make_person, zhang):
    make_person(name="王五", branch=tree.branch_b, phone="13911112222")
    user = make_user("p_records_mix", "混合", ("branch_secretary", tree.branch_a),
                     ("organization_member", tree.branch_b))  # fmt: skip
    login_as(client, user)
    rows = {row[0]: row for row in sheet_rows(client.get(URL, {"export": "xlsx"}))[2:]}
    assert "13812345678" in rows["张三"]
    assert "139****2222" in rows["王五"]


def test_a_name_starting_with_equals_is_escaped(client, personas, make_person):
    make_person(name="=HYPERLINK(1)")
    login_as(client, personas.secretary_a)
    rows = sheet_rows(client.get(URL, {"export": "xlsx"}))
    assert rows[2][0] == "'=HYPERLINK(1)"


def test_export_follows_search_and_filters(client, personas, make_person, zhang):
    make_person(name="李四")
    login_as(client, personas.secretary_a)
    rows = sheet_rows(client.get(URL, {"export": "xlsx", "q": "ls"}))
    assert [r[0] for r in rows[2:]] == ["李四"]


def test_national_layout_has_the_16_items_and_is_audited(client, personas, zhang):
    login_as(client, personas.secretary_a)
    rows = sheet_rows(client.get(URL, {"export": "national"}))
    assert rows[1] == NATIONAL_HEADERS
    record = dict(zip(NATIONAL_HEADERS, rows[2], strict=True))
    assert record["姓名"] == "张三" and record["公民身份号码"] == zhang.id_number
    assert record["所在党支部"] == zhang.branch.name
    assert record["是否流动党员"] == "是" and record["外出流向"] == "深圳"
    assert record["失联日期"] == "2025-03-01"
    assert AuditEvent.objects.get(action="export.members_national").changes["rows"] == 1


def test_national_layout_is_masked_without_view_sensitive(client, tree, zhang):
    viewer = make_user("p_records_nat", "组织委员", ("organization_member", tree.branch_a))
    login_as(client, viewer)
    rows = sheet_rows(client.get(URL, {"export": "national"}))
    record = dict(zip(NATIONAL_HEADERS, rows[2], strict=True))
    assert "*" in record["公民身份号码"] and record["联系电话"] == "138****5678"
    assert "某街道" not in record["家庭住址"]


def test_member_exports_only_their_own_record(client, personas, make_person, zhang):
    make_person(name="李党员", user=personas.member_a)
    login_as(client, personas.member_a)
    rows = sheet_rows(client.get(URL, {"export": "xlsx"}))
    assert [r[0] for r in rows[2:]] == ["李党员"]
