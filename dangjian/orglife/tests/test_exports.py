"""Downloads of organizational life (issue 5 item 9): the minutes and the paper sign-in sheet as
Word, the attendance sheet and the annual register as spreadsheets — real content read back
with python-docx and openpyxl, the watermark, who may download what, and bounded queries."""

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

import docx
import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.audit.models import AuditEvent
from dangjian.core.dates import cn_datetime
from dangjian.core.testing import login_as
from dangjian.development.documents import label
from dangjian.orglife import documents
from dangjian.orglife.models import Activity, Attendance, MinutesVersion
from dangjian.orglife.services import (
    activity_create,
    activity_hold,
    activity_reply,
    attendance_mark,
    follow_up_add,
    leave_decide,
    minutes_save,
    minutes_sign,
    signin_manual,
    signin_token,
    signin_with_token,
    vote_record,
)
from dangjian.orglife.tests.conftest import builtin

pytestmark = pytest.mark.django_db

MINUTES_HTML = (
    "<h3>一、传达学习</h3><p>书记传达了<strong>全会精神</strong>，<em>大家</em>认真学习。<br>"
    "会议要求：</p><ul><li>联系实际</li><li>抓好落实</li></ul><ol><li>第一项</li></ol>"
    "<table><tr><th>发言人</th><th>要点</th></tr><tr><td>李党员</td><td>结合岗位</td></tr>"
    "</table><span>其他事项</span>"
)


@dataclass
class Held:
    meeting: Activity
    extra: object  # 陈党员: signed in by hand


@pytest.fixture
def held(make_activity, make_person, people, personas):
    """Branch A's general meeting: 王书记 and 吴记录 scan the QR code (吴记录 late), 陈党员 is
    signed in by hand, 李党员 is on approved leave, 钱预备 is absent. Held, voted, a follow-up,
    minutes v1 signed by the host, then v2 written with a reason (not yet signed)."""
    extra = make_person(name="陈党员")
    meeting = make_activity()
    at = meeting.starts_at + timedelta(minutes=1)
    for user in (personas.secretary_a, people.recorder.user):
        signin_with_token(actor=user, token=signin_token(meeting, at), at=at)
    signin_manual(actor=people.recorder.user, activity=meeting, person=extra,
                  reason="-手机没有网络", at=at)  # fmt: skip
    attendance_mark(actor=people.recorder.user,
                    attendance=Attendance.objects.get(activity=meeting, person=people.recorder),
                    late=True, left_early=False)  # fmt: skip
    activity_reply(actor=personas.member_a, activity=meeting, attending=False, reason="=1+1 出差")
    leave_decide(actor=personas.secretary_a,
                 attendance=Attendance.objects.get(activity=meeting, person=people.member),
                 approve=True)  # fmt: skip
    activity_hold(actor=people.recorder.user, activity=meeting,
                  today=timezone.localtime(meeting.starts_at).date())  # fmt: skip
    vote_record(actor=people.recorder.user, activity=meeting, subject="接收预备党员", yes=3, no=0,
                abstain=0)  # fmt: skip
    follow_up_add(actor=people.recorder.user, activity=meeting, title="整理学习心得",
                  owner=extra, due_on=timezone.localtime(meeting.starts_at).date())  # fmt: skip
    minutes_save(actor=people.recorder.user, activity=meeting, body=MINUTES_HTML,
                 resolutions="一致同意学习计划。\n下月开展主题党日。")  # fmt: skip
    minutes_sign(actor=personas.secretary_a, activity=meeting)
    minutes_save(actor=people.recorder.user, activity=meeting, body="<p>补充：王书记总结。</p>",
                 resolutions="一致同意学习计划。", reason="补充书记总结")  # fmt: skip
    meeting.refresh_from_db()
    return Held(meeting, extra)


def get(client, user, name: str, pk=None, **params):
    login_as(client, user)
    return client.get(reverse(f"orglife:{name}", args=[pk] if pk else []), params)


def open_docx(response) -> docx.Document:
    assert response.status_code == 200
    assert response["Content-Type"].startswith(documents_type())
    assert "attachment" in response["Content-Disposition"]
    return docx.Document(io.BytesIO(b"".join(response.streaming_content)))


def documents_type() -> str:
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def open_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def text_of(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += ["\t".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(parts)


def footer_of(document) -> str:
    return "\n".join(p.text for p in document.sections[0].footer.paragraphs)


def attendance_text(expected, present, leave, absent) -> str:
    return documents.attendance_line(documents.Roll([None] * present, [None] * leave,
                                                    [None] * absent))  # fmt: skip


# --- minutes ----------------------------------------------------------------------------------


def test_minutes_print_the_facts_the_attendance_and_the_latest_version(held, client, personas):
    meeting = held.meeting
    document = open_docx(get(client, personas.secretary_a, "minutes_docx", meeting.pk))
    text = text_of(document)
    assert "综采一队党支部" in document.paragraphs[0].text
    assert "支部党员大会" in document.paragraphs[0].text
    assert "学习贯彻全会精神" in document.paragraphs[1].text
    head = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert head[_("Time")] == cn_datetime(meeting.starts_at)
    assert "三楼党员活动室" in text and "王书记" in text and "吴记录" in text
    assert (meeting.expected_count, meeting.present_count, meeting.leave_count) == (5, 3, 1)
    assert attendance_text(5, 3, 1, 1) in head[_("Attendance")]
    assert "60.0%" in head[_("Attendance")] and _("Quorum met") in head[_("Attendance")]
    assert head[_("Attendees present")] == f"陈党员、王书记、吴记录（{_('late')}）"  # by pinyin
    assert head[_("Attendees on leave")] == "李党员（=1+1 出差）"
    assert head[_("Attendees absent")] == "钱预备"
    # the latest version: v2, unsigned, with its reason
    assert "补充：王书记总结。" in text and "书记传达了" not in text
    assert _("Not signed off") in text
    assert _("Version %(number)s") % {"number": 2} in text and "补充书记总结" in text
    # votes and follow-ups
    assert "接收预备党员\t4\t3\t3\t0\t0\t" + _("Passed") in text
    assert "整理学习心得\t陈党员" in text
    # the watermark: who exported and when
    footer = footer_of(document)
    assert "王书记" in footer and "p_secretary_a" in footer and "导出时间" in footer


def test_a_chosen_version_is_printed_with_its_sign_off_and_html_layout(held, client, personas):
    document = open_docx(
        get(client, personas.secretary_a, "minutes_docx", held.meeting.pk, version=1)
    )
    text = text_of(document)
    signed = MinutesVersion.objects.get(activity=held.meeting, number=1)
    assert _("Signed off by: %(name)s    Signed at: %(time)s") % {
        "name": "王书记", "time": cn_datetime(signed.signed_at)} in text  # fmt: skip
    assert _("Version %(number)s") % {"number": 1} in text
    paragraphs = {p.text: p for p in document.paragraphs}
    heading = paragraphs["一、传达学习"]
    assert heading.runs[0].bold
    body = next(p for p in document.paragraphs if p.text.startswith("书记传达了"))
    assert [r.text for r in body.runs if r.bold] == ["全会精神"]
    assert [r.text for r in body.runs if r.italic] == ["大家"]
    assert "会议要求：" in body.text and "\n" in body.text  # <br> is a line break
    assert "• 联系实际" in paragraphs and "• 抓好落实" in paragraphs and "1. 第一项" in paragraphs
    assert "其他事项" in paragraphs  # an unknown tag keeps its text
    cells = [[c.text for c in row.cells] for row in document.tables[-3].rows]
    assert cells == [["发言人", "要点"], ["李党员", "结合岗位"]]
    assert "一致同意学习计划。" in paragraphs and "下月开展主题党日。" in paragraphs


def test_the_minutes_download_is_audited(held, client, personas):
    get(client, personas.secretary_a, "minutes_docx", held.meeting.pk)
    event = AuditEvent.objects.get(action="export.orglife_minutes")
    assert event.target_id == str(held.meeting.pk) and event.changes["version"] == 2
    assert event.actor_id == personas.secretary_a.pk


def test_an_invited_member_prints_only_signed_minutes(held, client, personas):
    document = open_docx(get(client, personas.member_a, "minutes_docx", held.meeting.pk))
    assert _("Version %(number)s") % {"number": 1} in text_of(document)  # not the draft v2
    assert "李党员" in footer_of(document)
    assert get(client, personas.member_a, "minutes_docx", held.meeting.pk,
               version=2).status_code == 404  # fmt: skip


def test_unsigned_minutes_are_not_for_attendees(make_activity, people, personas, client):
    meeting = make_activity()
    activity_hold(actor=personas.secretary_a, activity=meeting,
                  today=timezone.localtime(meeting.starts_at).date())  # fmt: skip
    assert get(client, personas.secretary_a, "minutes_docx", meeting.pk).status_code == 404
    minutes_save(actor=personas.secretary_a, activity=meeting, body="<p>草稿</p>")
    assert get(client, personas.secretary_a, "minutes_docx", meeting.pk).status_code == 200
    assert get(client, personas.member_a, "minutes_docx", meeting.pk).status_code == 404


@pytest.mark.parametrize("name", ["minutes_docx", "attendance_xlsx", "attendance_docx"])
def test_out_of_scope_is_404(held, client, personas, name):
    for user in (personas.member_b, personas.outsider, personas.system_admin):
        assert get(client, user, name, held.meeting.pk).status_code == 404, user
    assert get(client, personas.secretary_a, name, 999999).status_code == 404
    assert get(client, personas.committee_admin, name, held.meeting.pk).status_code == 200


def test_a_bad_version_is_404_not_500(held, client, personas):
    for version in ("x", "9", "-1"):
        response = get(client, personas.secretary_a, "minutes_docx", held.meeting.pk,
                       version=version)  # fmt: skip
        assert response.status_code == 404, version


# --- attendance -------------------------------------------------------------------------------


def test_attendance_sheet_lists_every_attendee_and_the_computed_summary(held, client, personas):
    rows = open_xlsx(get(client, personas.secretary_a, "attendance_xlsx", held.meeting.pk))
    assert "王书记" in rows[0][0] and "导出时间" in rows[0][0]  # the watermark
    assert rows[1][0] == label(Attendance, "person")
    people = {row[0]: row for row in rows[2:7]}
    assert set(people) == {"王书记", "吴记录", "陈党员", "李党员", "钱预备"}
    assert people["陈党员"][5] == str(_("Added by the recorder"))
    assert people["陈党员"][6] == "'-手机没有网络"  # formula-like text neutralised
    assert people["李党员"][3] == "'=1+1 出差" and people["李党员"][4] is None
    assert people["吴记录"][7] == _("Yes") and people["吴记录"][5] == str(_("QR code"))
    assert isinstance(people["王书记"][4], datetime)
    summary = {row[0]: row[1] for row in rows[8:] if row and row[0]}
    assert summary[_("Number expected")] == 5 and summary[_("Number present")] == 3
    assert summary[_("Number on leave")] == 1 and summary[_("Number absent")] == 1
    assert summary[_("Attendance rate")] == "60.0%"
    assert summary[_("Quorum")] == _("Quorum met")
    assert AuditEvent.objects.get(action="export.orglife_attendance").changes["rows"] == 5


def test_paper_sign_in_sheet_has_a_line_to_sign_for_everyone(held, client, personas):
    document = open_docx(get(client, personas.secretary_a, "attendance_docx", held.meeting.pk))
    (table,) = document.tables
    header = [c.text for c in table.rows[0].cells]
    assert _("Signature") in header
    names = [row.cells[1].text for row in table.rows[1:]]
    assert names[:5] == ["陈党员", "李党员", "钱预备", "王书记", "吴记录"]  # by pinyin
    assert names[-documents.GUEST_LINES :] == [""] * documents.GUEST_LINES
    assert all(row.cells[3].text == "" for row in table.rows[1:])  # room to sign
    assert "学习贯彻全会精神" in text_of(document)
    assert "王书记" in footer_of(document)
    assert AuditEvent.objects.filter(action="export.orglife_signin_sheet").count() == 1


def test_attendees_without_a_role_cannot_download_attendance(held, client, personas):
    for name in ("attendance_xlsx", "attendance_docx"):
        assert get(client, personas.member_a, name, held.meeting.pk).status_code == 404


# --- register ---------------------------------------------------------------------------------


def plan(personas, tree, year: int, count: int, **fields) -> list[Activity]:
    tz = timezone.get_current_timezone()
    return [
        activity_create(actor=personas.secretary_a, org=fields.get("org", tree.branch_a),
                        type=builtin("theme_day"), topic=f"{year}年第{n + 1}次主题党日",
                        starts_at=datetime(year, n % 12 + 1, 10 + n // 12, 9, 0, tzinfo=tz))
        for n in range(count)
    ]  # fmt: skip


def test_register_lists_the_years_activities_in_order(held, client, personas, tree):
    year = timezone.localtime(held.meeting.starts_at).year
    group_meeting = activity_create(
        actor=personas.secretary_a, org=tree.group_a, type=builtin("group_meeting"),
        topic="小组学习", starts_at=held.meeting.starts_at - timedelta(hours=5),
    )  # fmt: skip
    activity_create(actor=personas.committee_admin, org=tree.branch_b, type=builtin("lecture"),
                    topic="机关党课", starts_at=held.meeting.starts_at)  # fmt: skip
    rows = open_xlsx(get(client, personas.secretary_a, "register_xlsx", org=tree.branch_a.pk,
                         year=year))  # fmt: skip
    assert "王书记" in rows[0][0]
    data = rows[2:]
    assert [r[3] for r in data] == ["小组学习", "学习贯彻全会精神"]  # by time; not branch B's
    row = data[1]
    assert row[1] == "综采一队党支部" and row[2] == "支部党员大会"
    assert (row[4], row[5]) == ("王书记", "吴记录")
    assert row[6:9] == [5, 3, 1] and row[9] == 60.0
    assert row[10] == _("Yes") and row[11] == _("Yes")
    assert row[12].date() == held.meeting.minutes_signed_on and row[13] == _("Yes")
    assert data[0][1] == "综采一队第一党小组" and data[0][11] == _("No")
    assert group_meeting.pk  # planned activities are listed too (not held)
    event = AuditEvent.objects.get(action="export.orglife_register")
    assert event.changes == {"year": year, "rows": 2}


def test_register_needs_a_role_over_the_organization(held, client, personas, tree):
    year = timezone.localtime(held.meeting.starts_at).year
    for user in (personas.member_a, personas.member_b, personas.outsider):
        response = get(client, user, "register_xlsx", org=tree.branch_a.pk, year=year)
        assert response.status_code == 404, user
    assert get(client, personas.member_a, "register_xlsx").status_code == 404
    assert get(client, personas.secretary_a, "register_xlsx", org="x").status_code == 404
    assert get(client, personas.secretary_a, "register_xlsx",
               org=tree.branch_b.pk).status_code == 404  # fmt: skip


def test_register_defaults_to_the_users_organization_and_this_year(client, personas, tree):
    year = timezone.localdate().year
    plan(personas, tree, year, 2)
    plan(personas, tree, year - 1, 1)
    rows = open_xlsx(get(client, personas.secretary_a, "register_xlsx", year="abc"))
    assert [r[3] for r in rows[2:]] == [f"{year}年第1次主题党日", f"{year}年第2次主题党日"]


def test_register_queries_do_not_grow_with_activities(client, personas, tree):
    login_as(client, personas.secretary_a)
    url = reverse("orglife:register_xlsx")

    queries_seen = []

    def count_queries(year: int) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            rows = open_xlsx(client.get(url, {"org": tree.branch_a.pk, "year": year}))
        queries_seen[:] = queries.captured_queries
        return len(queries), len(rows) - 2

    plan(personas, tree, 2030, 3)
    plan(personas, tree, 2031, 15)
    count_queries(2029)  # warm: the session, the user's grants, content types
    few, three = count_queries(2030)
    many, fifteen = count_queries(2031)
    assert (three, fifteen) == (3, 15)
    assert few == many <= 12, [q["sql"][:80] for q in queries_seen]
