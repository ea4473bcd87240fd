"""Printable Word forms: one person's checklist and the registers (issue 4 §8)."""

import io
from datetime import date

import docx
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from dangjian.audit.models import AuditEvent
from dangjian.core.dates import cn_date
from dangjian.core.testing import login_as, make_user
from dangjian.development.documents import number_header
from dangjian.development.services import step_record
from dangjian.development.tests.conftest import PLAN, TRAINING_END
from dangjian.members.models import Person
from dangjian.rules.development import STEPS


def open_docx(response) -> docx.Document:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert "attachment" in response["Content-Disposition"]
    return docx.Document(io.BytesIO(b"".join(response.streaming_content)))


def table_text(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += ["\t".join(row) for row in table_text(table)]
    return "\n".join(parts)


@pytest.fixture
def admitted(walk):
    """The applicant, admitted at the branch meeting of 2024-08-10 and approved."""
    return walk("approval")


def checklist_url(pipeline) -> str:
    return reverse("development:checklist", args=[pipeline.pk])


# -- checklist ---------------------------------------------------------------------------------


def test_checklist_lists_the_person_every_step_and_the_recorded_dates(admitted, client, personas):
    login_as(client, personas.committee_admin)
    document = open_docx(client.get(checklist_url(admitted)))

    text = all_text(document)
    assert _("Record of the member development process") in document.paragraphs[0].text
    basics, steps = table_text(document.tables[0]), table_text(document.tables[1])
    assert basics[0][1] == "周申请" and basics[1][1] == cn_date(date(1998, 5, 4))
    assert basics[1][3] == "综采一队党支部"
    labels = [row[1] for row in steps[1:] if row[0].isdigit()]
    assert labels == [step.label for step in STEPS]  # all 25, in order
    by_label = {row[1]: row for row in steps[1:] if row[0].isdigit()}
    assert by_label["递交入党申请书"][2] == cn_date(PLAN["application"])
    assert by_label["支部党员大会讨论接收预备党员"][2] == cn_date(PLAN["branch_meeting"])
    assert by_label["上级党委审批"][3] == "支部委员会（测试煤业公司党委）"
    assert by_label["集中培训"][2].startswith(cn_date(PLAN["training_start"]))
    assert cn_date(TRAINING_END) in by_label["集中培训"][2]
    assert "刘介绍" in by_label["确定入党介绍人"][5]
    assert by_label["入党宣誓"][2] == ""  # not yet
    headings = [row[0] for row in steps if row[0] and not row[0].isdigit()]
    assert headings[0] == number_header() and len(headings) == 6  # the header and 5 stages
    votes = table_text(document.tables[2])
    meeting = ["支部党员大会讨论接收预备党员", cn_date(PLAN["branch_meeting"]), "9", "8"]
    assert votes[1][:4] == meeting
    assert "通过" in votes[1][-1]
    assert cn_date(timezone.localdate()) in text


def test_checklist_is_a4_portrait_in_songti(admitted, client, personas):
    login_as(client, personas.committee_admin)
    document = open_docx(client.get(checklist_url(admitted)))
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    fonts = document.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "宋体"


def test_checklist_names_exceptions_notices_and_open_violations(walk, client, personas):
    admin = personas.committee_admin
    pipeline = walk("candidate")
    step_record(actor=admin, pipeline=pipeline, step="notice_start", on=date(2024, 6, 3),
                responsible="支部委员会", note="在公示栏张贴")  # fmt: skip
    login_as(client, admin)
    document = open_docx(client.get(checklist_url(pipeline)))
    text = all_text(document)
    assert "发展对象公示" in text and "在公示栏张贴" in text  # outside the 25 steps
    assert _("No vote recorded yet.") in text
    # since 2024 the periodic records and the candidate's next steps have gone overdue
    assert "依据：发展党员工作细则（2014）" in text


def test_checklist_download_is_audited(admitted, client, personas):
    login_as(client, personas.committee_admin)
    open_docx(client.get(checklist_url(admitted)))
    event = AuditEvent.objects.get(action="export.development_checklist")
    assert event.target_id == str(admitted.pk) and event.changes["person"] == "周申请"


def test_a_person_may_print_their_own_checklist(admitted, applicant, client, tree):
    user = make_user("zhou", "周申请", ("employee", tree.branch_a))
    Person.objects.filter(pk=applicant.pk).update(user=user)
    login_as(client, user)
    document = open_docx(client.get(checklist_url(admitted)))
    assert document.tables[0].rows[0].cells[1].text == "周申请"


def test_checklist_of_another_branch_is_404(walk, newcomer_c, client, personas):
    pipeline = walk(None, person=newcomer_c)
    login_as(client, personas.secretary_a)
    assert client.get(checklist_url(pipeline)).status_code == 404
    login_as(client, personas.member_b)
    assert client.get(checklist_url(pipeline)).status_code == 404


@pytest.fixture
def newcomer_c(make_person, tree):
    return make_person(
        name="郑变电", branch=tree.branch_c, stage="employee", join_date=None,
        full_member_date=None, birth_date=date(1996, 2, 2),
    )  # fmt: skip


# -- registers ---------------------------------------------------------------------------------


@pytest.fixture
def stages(walk, make_person, tree):
    def person(name, branch, day):
        return make_person(
            name=name, branch=branch, stage="employee", join_date=None, full_member_date=None,
            birth_date=date(1995, 3, day), education="bachelor",
        )  # fmt: skip

    return {
        "activist": walk("activist_assessments", person=person("钱积极", tree.branch_a, 1)),
        "candidate": walk("training_start", person=person("孙对象", tree.branch_b, 2)),
        "applicant": walk(None),
    }


def register_url(org, kind) -> str:
    return reverse("development:register", kwargs={"pk": org.pk, "kind": kind})


def test_register_of_activists_lists_the_activists_only(stages, client, tree, personas):
    login_as(client, personas.committee_admin)
    document = open_docx(client.get(register_url(tree.company, "activists")))
    rows = table_text(document.tables[0])
    assert len(rows) == 2  # the header and 钱积极
    _header, row = rows
    assert row[:3] == ["1", "钱积极", "男"]
    assert row[3] == cn_date(date(1995, 3, 1))
    assert row[5] == "综采一队党支部"
    assert row[6:8] == [cn_date(PLAN["application"]), cn_date(PLAN["activist"])]
    assert set(row[8].split("、")) == {"刘介绍", "陈介绍"}
    assert row[9] == cn_date(PLAN["activist_assessments"])
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    assert tree.company.name in all_text(document)
    event = AuditEvent.objects.get(action="export.development_register")
    assert event.changes == {"kind": "activists", "rows": 1} and event.org_id == tree.company.pk


def test_register_of_candidates_has_introducers_review_and_training(stages, client, tree, personas):
    login_as(client, personas.committee_admin)
    rows = table_text(open_docx(client.get(register_url(tree.company, "candidates"))).tables[0])
    assert [r[1] for r in rows[1:]] == ["孙对象"]
    row = rows[1]
    assert row[4] == "机关第一党支部"
    assert row[5:7] == [cn_date(PLAN["activist"]), cn_date(PLAN["candidate"])]
    assert set(row[7].split("、")) == {"刘介绍", "陈介绍"}
    assert row[8] == cn_date(PLAN["political_review"])
    assert cn_date(PLAN["training_start"]) in row[9] and cn_date(TRAINING_END) in row[9]


def test_register_follows_the_scope(stages, client, tree, personas):
    login_as(client, personas.secretary_a)
    rows = table_text(open_docx(client.get(register_url(tree.branch_a, "candidates"))).tables[0])
    assert len(rows) == 1  # 孙对象 is in branch B
    assert client.get(register_url(tree.branch_b, "candidates")).status_code == 404
    assert client.get(register_url(tree.company, "activists")).status_code == 404


def test_unknown_register_is_404(client, tree, personas):
    login_as(client, personas.committee_admin)
    assert client.get(register_url(tree.company, "members")).status_code == 404
    assert not AuditEvent.objects.filter(action="export.development_register").exists()
