"""Member import end to end: real files (made here), real database, the eager task."""

import codecs
import csv
import io
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dangjian.audit.models import AuditEvent
from dangjian.core.crypto import lookup_hash
from dangjian.core.testing import login_as
from dangjian.members import import_services
from dangjian.members.import_services import import_job_create, import_job_run
from dangjian.members.imports import HEADERS
from dangjian.members.models import ImportJob, Person, StageChange
from dangjian.members.tests.conftest import id_number

BIRTH = date(1985, 6, 15)


def person_row(seq: int, **changes) -> dict:
    row = {
        "姓名*": f"张{seq}",
        "性别*": "男",
        "民族": "汉族",
        "公民身份号码*": id_number(BIRTH, "M", seq=seq),
        "所在党支部(组织代码)*": "T111",
        "人员阶段*": "正式党员",
        "入党日期": "2010-07-01",
        "转正日期": "2011-07-01",
        "手机号码": f"1380000{seq:04d}",
    }
    row.update(changes)
    return row


def xlsx_file(
    rows: list[dict], headers=HEADERS, name="党员.xlsx", merge=None
) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_bytes(rows: list[dict], headers=HEADERS, encoding="gb18030", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    data = out.getvalue().encode(encoding)
    return (codecs.BOM_UTF8 if bom else b"") + data


def run(django_capture_on_commit_callbacks, actor, org, upload, strict=True) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(actor=actor, org=org, upload=upload, strict=strict)
    job.refresh_from_db()
    return job


@pytest.fixture
def importer(django_capture_on_commit_callbacks, personas, tree):
    def go(upload, strict=True, actor=None, org=None):
        return run(
            django_capture_on_commit_callbacks,
            actor or personas.secretary_a,
            org or tree.branch_a,
            upload,
            strict,
        )

    return go


def reasons(job, row=None):
    return [e["reason"] for e in job.errors if row is None or e["row"] == row]


# --- files that import -----------------------------------------------------------------------


def test_gb18030_csv_exported_by_excel_imports(importer, personas, tree):
    rows = [
        person_row(1, **{"姓名*": "欧阳锋"}),
        person_row(2, **{"姓名*": "单田芳"}),
        person_row(3),
    ]
    data = csv_bytes(rows, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really not UTF-8
    job = importer(SimpleUploadedFile("党员名单.csv", data))
    assert job.status == "done", job.message
    assert (job.total_rows, job.imported_rows, job.error_rows) == (3, 3, 0)
    people = Person.objects.filter(branch=tree.branch_a).order_by("name")
    assert {p.name for p in people} == {"欧阳锋", "单田芳", "张3"}
    shan = Person.objects.get(name="单田芳")
    assert (shan.name_pinyin, shan.birth_date, shan.sex) == ("shantianfang", BIRTH, "M")
    assert shan.phone_hash == lookup_hash("13800000002")
    assert StageChange.objects.filter(person__in=people, to_stage="full").count() == 3
    event = AuditEvent.objects.get(action="members.import")
    assert event.changes["imported"] == 3 and event.changes["job"] == job.pk
    assert id_number(BIRTH, "M", seq=1) not in str(event.changes)


def test_utf8_csv_with_bom_imports(importer):
    job = importer(
        SimpleUploadedFile("a.csv", csv_bytes([person_row(1)], encoding="utf-8", bom=True))
    )
    assert job.status == "done" and job.imported_rows == 1


def test_xlsx_imports_with_every_date_format_in_any_column_order(importer):
    headers = list(reversed(HEADERS))
    rows = [
        person_row(1, 入党日期=datetime(2010, 7, 1), 转正日期=date(2011, 7, 1)),
        person_row(2, 入党日期="2010/07/01", 转正日期="2011.7.1"),
        person_row(3, 入党日期="20100701", 转正日期="2011年7月1日", 出生日期="1985-06-15"),
        person_row(
            4,
            入党日期="2026-01-05",
            转正日期=None,
            民族="01",
            学历="本科",
            人员类别="专业技术人员",
            **{"人员阶段*": "probationary", "性别*": "M"},
        ),
    ]
    job = importer(xlsx_file(rows, headers=headers))
    assert job.status == "done", job.errors
    assert job.imported_rows == 4
    p4 = Person.objects.get(name="张4")
    assert (p4.stage, p4.education, p4.join_date) == ("probationary", "bachelor", date(2026, 1, 5))


def test_extra_columns_are_ignored_with_a_warning(importer):
    headers = [*HEADERS, "备注"]
    job = importer(xlsx_file([person_row(1, 备注="x")], headers=headers))
    assert job.status == "done"
    assert "备注" in job.message


# --- problems --------------------------------------------------------------------------------


def bad_rows():
    return [
        person_row(1),
        person_row(2, **{"公民身份号码*": id_number(BIRTH, seq=2)[:17] + "0"}),  # check digit
        person_row(3, 入党日期="2010-13-45"),
        person_row(4, 学历="小学毕业"),
        person_row(5, **{"姓名*": ""}),
        person_row(6, **{"公民身份号码*": "1.40105E+17"}),
        person_row(7),
    ]


def test_bad_rows_are_reported_and_strict_mode_imports_nothing(importer):
    job = importer(xlsx_file(bad_rows()), strict=True)
    assert job.status == "rejected"
    assert Person.objects.count() == 0
    assert job.error_rows == 5
    by_row = {e["row"]: e for e in job.errors}
    assert set(by_row) == {3, 4, 5, 6, 7}  # spreadsheet row numbers (header is row 1)
    assert by_row[3]["column"] == "公民身份号码" and "校验位" in by_row[3]["reason"]
    assert by_row[3]["value"].startswith("1401") and "*" in by_row[3]["value"]  # masked
    assert by_row[4]["column"] == "入党日期"
    assert by_row[5]["column"] == "学历"
    assert by_row[6]["column"] == "姓名"
    assert by_row[7]["value"] == "1.40105E+17"
    assert "Excel" in by_row[7]["reason"]
    assert not AuditEvent.objects.filter(action="members.import").exists()


def test_lenient_mode_imports_the_valid_rows(importer):
    job = importer(xlsx_file(bad_rows()), strict=False)
    assert job.status == "done"
    assert (job.imported_rows, job.error_rows) == (2, 5)
    assert set(Person.objects.values_list("name", flat=True)) == {"张1", "张7"}


def test_excel_number_id_is_explained(importer):
    rows = [person_row(1, **{"公民身份号码*": 140105198506150031.0})]
    job = importer(xlsx_file(rows))
    assert "Excel" in reasons(job)[0]


def test_duplicates_inside_the_file_report_both_rows(importer):
    same = id_number(BIRTH, seq=5)
    rows = [
        person_row(1, **{"公民身份号码*": same}),
        person_row(2),
        person_row(3, **{"公民身份号码*": same.lower()}),
    ]
    job = importer(xlsx_file(rows), strict=False)
    assert sorted(e["row"] for e in job.errors) == [2, 4]
    assert "4" in reasons(job, 2)[0] and "2" in reasons(job, 4)[0]
    assert job.imported_rows == 1


def test_duplicates_against_the_database_and_reimport(importer, make_person):
    existing = make_person(name="王已有")
    rows = [person_row(1, **{"公民身份号码*": existing.id_number}), person_row(2)]
    job = importer(xlsx_file(rows), strict=False)
    assert [e["row"] for e in job.errors] == [2]
    assert "王已有" in reasons(job)[0]
    # importing the same file again: the rows imported the first time are now duplicates
    again = importer(xlsx_file(rows), strict=False)
    assert again.status == "rejected" and again.imported_rows == 0
    assert "张2" in reasons(again, 3)[0]
    assert "imported before" in reasons(again, 3)[0] or "导入" in reasons(again, 3)[0]


def test_branch_outside_the_importers_scope_is_rejected_per_row(importer, tree, personas):
    rows = [
        person_row(1),
        person_row(2, **{"所在党支部(组织代码)*": tree.branch_c.code}),
        person_row(3, **{"所在党支部(组织代码)*": "NOPE"}),
    ]
    job = importer(xlsx_file(rows), strict=False)
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (3, "所在党支部(组织代码)"),
        (4, "所在党支部(组织代码)"),
    ]
    assert job.imported_rows == 1
    # the committee admin may import into the other company's branch from the group
    job = importer(
        xlsx_file([person_row(2, **{"所在党支部(组织代码)*": tree.branch_c.code})]),
        actor=personas.committee_admin,
        org=tree.group,
    )
    assert job.status == "done"


def test_party_group_must_belong_to_the_branch(importer, tree, personas):
    rows = [
        person_row(1, **{"党小组(组织代码)": tree.group_a.code}),
        person_row(
            2,
            **{"所在党支部(组织代码)*": tree.branch_b.code, "党小组(组织代码)": tree.group_a.code},
        ),
    ]
    job = importer(xlsx_file(rows), strict=False, org=tree.company, actor=personas.committee_admin)
    assert [e["row"] for e in job.errors] == [3]
    assert Person.objects.get().party_group == tree.group_a


def test_example_row_of_the_template_is_refused(importer, tmp_path):
    from dangjian.members.imports import template_xlsx

    buffer = io.BytesIO()
    template_xlsx(buffer, branch_code="T111")
    job = importer(SimpleUploadedFile("模板.xlsx", buffer.getvalue()))
    assert job.status == "rejected"
    assert "example" in reasons(job)[0] or "示例" in reasons(job)[0]


# --- malformed files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        b"",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        bytes(range(256)) * 4,
        b"PK\x03\x04 not really a zip",
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_at_upload(importer, content):
    with pytest.raises(ValidationError):
        importer(SimpleUploadedFile("x.xlsx", content))
    assert ImportJob.objects.count() == 0


def test_missing_required_columns_reject_the_whole_file(importer):
    headers = [h for h in HEADERS if h not in ("公民身份号码*", "人员阶段*")]
    job = importer(xlsx_file([person_row(1)], headers=headers))
    assert job.status == "rejected"
    assert "公民身份号码" in job.message and "人员阶段" in job.message
    assert Person.objects.count() == 0


def test_merged_header_cells_are_refused(importer):
    job = importer(xlsx_file([person_row(1)], merge="A1:B1"))
    assert job.status == "rejected" and "A1:B1" in job.message


def test_header_only_and_garbage_csv(importer):
    job = importer(SimpleUploadedFile("a.csv", csv_bytes([], encoding="utf-8")))
    assert job.status == "rejected" and job.message
    job = importer(SimpleUploadedFile("a.csv", "随便写的一些字\n没有表头".encode("gb18030")))
    assert job.status == "rejected" and "姓名" in job.message


def test_too_large_upload(importer, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as exc:
        importer(SimpleUploadedFile("a.csv", csv_bytes([person_row(i) for i in range(1, 40)])))
    assert exc.value.code == "too_large"


def test_formulas_and_huge_values_are_stored_as_text_and_neutralised(importer):
    rows = [
        person_row(1, 工作单位="=1+2", 职称="@SUM(A1)"),
        person_row(2, 工作岗位='=HYPERLINK("http://x")' + "长" * 10_000),
        person_row(3, **{"姓名*": "<script>alert(1)</script>" * 1000}),
    ]
    job = importer(SimpleUploadedFile("a.csv", csv_bytes(rows, encoding="utf-8")), strict=False)
    person = Person.objects.get()
    assert (person.work_unit, person.title) == ("=1+2", "@SUM(A1)")
    entry = next(e for e in job.errors if e["row"] == 3)
    assert entry["value"].startswith("'=HYPERLINK") and len(entry["value"]) < 60
    assert next(e for e in job.errors if e["row"] == 4)["column"] == "姓名"


# --- all or nothing, progress ----------------------------------------------------------------


def test_a_crash_while_writing_leaves_nothing(importer, monkeypatch):
    monkeypatch.setattr(import_services, "WRITE_BATCH", 2)
    original = QuerySet.bulk_create
    calls = []

    def failing(self, objs, *args, **kwargs):
        if self.model is Person:
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError("disk full")
        return original(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", failing)
    job = importer(xlsx_file([person_row(i) for i in range(1, 6)]))
    assert len(calls) == 2
    assert job.status == "failed" and job.message
    assert Person.objects.count() == 0 and StageChange.objects.count() == 0
    assert not AuditEvent.objects.filter(action="members.import").exists()


def test_progress_is_written_as_rows_are_checked(importer, monkeypatch):
    monkeypatch.setattr(import_services, "CHECK_CHUNK", 2)
    seen = []
    original = import_services._update

    def spy(job_id, **fields):
        if "processed_rows" in fields:
            seen.append(fields["processed_rows"])
        original(job_id, **fields)

    monkeypatch.setattr(import_services, "_update", spy)
    job = importer(xlsx_file([person_row(i) for i in range(1, 6)]))
    assert seen[:4] == [0, 2, 4, 5]
    assert (job.processed_rows, job.total_rows, job.percent) == (5, 5, 100)


def test_a_job_runs_once(importer):
    job = importer(xlsx_file([person_row(1)]))
    assert import_job_run(job.pk) is None
    assert Person.objects.count() == 1


# --- pages -----------------------------------------------------------------------------------


def test_upload_page_runs_the_import_and_shows_the_result(
    client, personas, tree, django_capture_on_commit_callbacks
):
    login_as(client, personas.secretary_a)
    page = client.get(reverse("members:import_start"))
    assert page.status_code == 200
    upload = SimpleUploadedFile("名单.csv", csv_bytes([person_row(1), person_row(2, 学历="??")]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:import_start"),
            {"org": tree.branch_a.pk, "strict": "on", "file": upload},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "members:import_job", args=[job.pk]
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "every 1s" not in text  # finished: no more polling
    assert "学历" in text and reverse("members:import_report", args=[job.pk]) in text


def test_upload_form_errors_are_shown(client, personas, tree):
    login_as(client, personas.secretary_a)
    upload = SimpleUploadedFile("x.csv", b"\x89PNG\r\n\x1a\n\x00\x00")
    response = client.post(
        reverse("members:import_start"), {"org": tree.branch_a.pk, "file": upload}
    )
    assert response.status_code == 422
    assert ImportJob.objects.count() == 0
    response = client.post(reverse("members:import_start"), {"org": tree.branch_c.pk})
    assert response.status_code == 422


def test_running_job_page_polls(client, personas, tree):
    from dangjian.attachments.services import attachment_store

    source = attachment_store(actor=None, org=tree.branch_a, upload=xlsx_file([person_row(1)]))
    job = ImportJob.objects.create(
        org=tree.branch_a,
        source=source,
        created_by=personas.secretary_a,
        status="running",
        total_rows=10,
        processed_rows=4,
    )
    login_as(client, personas.secretary_a)
    text = client.get(reverse("members:import_job_status", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in text and "40%" in text


def test_other_branch_secretary_gets_404_and_report_has_a_watermark(
    client, importer, personas, tree
):
    rows = [person_row(1, **{"所在党支部(组织代码)*": tree.branch_c.code, "学历": "=bad"})]
    upload = SimpleUploadedFile("c.csv", csv_bytes(rows))
    job = importer(upload, actor=personas.committee_admin, org=tree.branch_c)
    assert job.status == "rejected"
    login_as(client, personas.secretary_a)
    for name in ("import_job", "import_job_status", "import_report"):
        assert client.get(reverse(f"members:{name}", args=[job.pk])).status_code == 404
    login_as(client, personas.committee_admin)
    response = client.get(reverse("members:import_report", args=[job.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert "导出人" in rows[0][0]
    assert rows[2][:3] == (2, "学历", "'=bad")
    assert AuditEvent.objects.filter(action="members.import_report").exists()


def test_templates_download(client, personas):
    login_as(client, personas.secretary_a)
    response = client.get(reverse("members:import_template"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert list(next(book.worksheets[0].iter_rows(values_only=True))) == list(HEADERS)
    assert "填写说明" in book.sheetnames
    response = client.get(reverse("members:import_template_csv"))
    assert response.content.startswith(codecs.BOM_UTF8)
    login_as(client, personas.member_a)
    assert client.get(reverse("members:import_template")).status_code == 404


def test_birth_date_and_sex_must_agree_with_the_id_number(importer):
    rows = [person_row(1, 出生日期="1990-01-01", **{"性别*": "女"})]
    job = importer(xlsx_file(rows))
    assert sorted(e["column"] for e in job.errors) == ["出生日期", "性别"]
    assert "1985-06-15" in next(e["reason"] for e in job.errors if e["column"] == "出生日期")


def test_checking_runs_a_constant_number_of_queries(importer, django_assert_max_num_queries):
    from dangjian.members.imports import RowChecker, existing_people, read_table

    rows = [person_row(i) for i in range(1, 301)]
    upload = xlsx_file(rows)
    table = read_table(upload)
    branches, groups = import_services._targets(
        None, Person._meta.get_field("branch").related_model.objects.get(code="T111")
    )
    checker = RowChecker(
        table, branches=branches, groups=groups, existing=existing_people, today=date.today()
    )
    with django_assert_max_num_queries(1):
        results = checker.check(table.rows)
    assert all(r.person is not None for r in results)


def test_home_shows_my_recent_imports(client, importer, personas):
    job = importer(xlsx_file([person_row(1)]))
    login_as(client, personas.secretary_a)
    text = client.get(reverse("core:home")).content.decode()
    assert reverse("members:import_job", args=[job.pk]) in text
