"""Printable Word documents of organizational life (python-docx): an activity's minutes
(会议记录, A4 portrait) and its paper sign-in sheet (签到表) for meetings that sign in on paper
as a backup. Builders take what the export views read through the scoped queries and return
bytes; the page layout, fonts and table helpers are member development's (same print style).

Every document carries the exporter's name and the time in its footer (the watermark of
`core.exports`), as the spreadsheets carry it in their first row.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.text import capfirst
from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from dangjian.core.dates import cn_date, cn_datetime
from dangjian.core.exports import watermark_text
from dangjian.development.documents import (
    _bytes,
    _cell,
    _heading,
    _new_document,
    _row,
    _run,
    _table,
    label,
    number_header,
)
from dangjian.orglife.models import (
    Activity,
    Attendance,
    FollowUp,
    MeetingVote,
    MinutesVersion,
    Reply,
)

NONE = "—"
VOTE_COLUMNS = ("entitled", "present", "yes", "no", "abstain")
GUEST_LINES = 5  # blank lines at the foot of a sign-in sheet for guests and late additions


# ---------------------------------------------------------------------------------------------
# Who was there


@dataclass(frozen=True)
class Roll:
    """The attendance rows split the way the minutes print them: present (signed in), on
    leave (leave approved and did not come) and absent (everyone else expected)."""

    present: list[Attendance]
    leave: list[Attendance]
    absent: list[Attendance]

    @classmethod
    def of(cls, rows: Sequence[Attendance]) -> "Roll":
        present = [r for r in rows if r.present]
        leave = [r for r in rows if not r.present and r.reply == Reply.LEAVE_APPROVED]
        absent = [r for r in rows if not r.present and r.reply != Reply.LEAVE_APPROVED]
        return cls(present, leave, absent)

    @property
    def expected(self) -> int:
        return len(self.present) + len(self.leave) + len(self.absent)


def attendance_line(roll: Roll) -> str:
    """应到 N 人，实到 N 人，请假 N 人，缺席 N 人 — counted from the sign-in rows."""
    return _("Expected %(expected)s, present %(present)s, on leave %(leave)s, absent "
             "%(absent)s") % {"expected": roll.expected, "present": len(roll.present),
                              "leave": len(roll.leave), "absent": len(roll.absent)}  # fmt: skip


def rate_text(activity: Activity) -> str:
    rate = activity.attendance_rate
    return "" if rate is None else f"{rate * 100:.1f}%"


def quorum_text(activity: Activity) -> str:
    if activity.quorum_met is None:
        return _("No quorum required")
    return _("Quorum met") if activity.quorum_met else _("Quorum not met")


def when_text(activity: Activity) -> str:
    start = cn_datetime(activity.starts_at)
    if activity.ends_at is None:
        return start
    end = cn_datetime(activity.ends_at)
    if cn_date(activity.ends_at) == cn_date(activity.starts_at):
        end = end.rsplit(" ", 1)[-1]  # the same day: the clock time only
    return _("%(start)s to %(end)s") % {"start": start, "end": end}


def where_text(activity: Activity) -> str:
    parts = [activity.place]
    if activity.online_url:
        parts.append(_("online: %(link)s") % {"link": activity.online_url})
    return "；".join(p for p in parts if p) or NONE


def _person_name(person) -> str:
    return person.name if person is not None else NONE


def _present_name(row: Attendance) -> str:
    marks = [_("late") if row.late else "", _("left early") if row.left_early else ""]
    marks = [m for m in marks if m]
    return f"{row.person.name}（{'、'.join(marks)}）" if marks else row.person.name


def _leave_name(row: Attendance) -> str:
    return f"{row.person.name}（{row.leave_reason}）" if row.leave_reason else row.person.name


def _names(rows, name=lambda row: row.person.name) -> str:
    return "、".join(name(row) for row in rows) or _("None")


# ---------------------------------------------------------------------------------------------
# Minutes HTML → Word


class _MinutesHtml(HTMLParser):
    """Write the sanitised minutes HTML (services.MINUTES_TAGS) as Word paragraphs and runs:
    paragraphs and headings, bold / italic / underline / strike-through, line breaks, bulleted
    and numbered lists and tables. Any other tag contributes its text only."""

    BLOCKS = frozenset({"p", "div", "blockquote", "h3", "h4", "li", "ul", "ol"})
    INLINE = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic", "u": "underline",
              "s": "strike"}  # fmt: skip

    def __init__(self, document) -> None:
        super().__init__(convert_charrefs=True)
        self.document = document
        self.paragraph = None
        self.styles = dict.fromkeys(set(self.INLINE.values()), 0)
        self.heading = 0
        self.lists: list[list] = []  # [tag, items so far] per open list
        self.table: list[list[list]] | None = None  # rows of [text, is header] cells
        self.table_depth = 0

    # -- blocks

    def _new_paragraph(self, indent: int = 0):
        self.paragraph = self.document.add_paragraph()
        if indent:
            self.paragraph.paragraph_format.left_indent = Mm(6 * indent)
        return self.paragraph

    def _current(self):
        return self.paragraph if self.paragraph is not None else self._new_paragraph()

    def _list_item(self) -> None:
        paragraph = self._new_paragraph(indent=max(len(self.lists), 1))
        if not self.lists:
            return
        kind = self.lists[-1]
        kind[1] += 1
        _run(paragraph, f"{kind[1]}. " if kind[0] == "ol" else "• ")

    # -- tables (collected as text, written when the table closes)

    def _table_start(self, tag: str) -> None:
        if tag == "table":
            self.table_depth += 1  # a nested table is flattened into its cell's text
        elif tag == "tr" and self.table_depth == 1:
            self.table.append([])
        elif tag in ("td", "th") and self.table_depth == 1:
            if not self.table:
                self.table.append([])
            self.table[-1].append(["", tag == "th"])
        elif tag in ("br", "p", "div", "li") and self._cell() is not None:
            self._cell()[0] += "\n" if self._cell()[0] else ""

    def _cell(self):
        return self.table[-1][-1] if self.table and self.table[-1] else None

    def _table_end(self) -> None:
        self.table_depth -= 1
        if self.table_depth:
            return
        rows, self.table = [r for r in self.table if r], None
        self.paragraph = None
        if not rows:
            return
        width = max(len(r) for r in rows)
        table = self.document.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for row, cells in zip(table.rows, rows, strict=True):
            for cell, (text, header) in zip(row.cells, cells, strict=False):
                _cell(cell, text.strip(), bold=header)

    # -- parser callbacks

    def handle_starttag(self, tag, attrs) -> None:
        if self.table is not None:
            self._table_start(tag)
            return
        if tag in self.INLINE:
            self.styles[self.INLINE[tag]] += 1
        elif tag == "br":
            self._current().add_run().add_break()
        elif tag == "table":
            self.table, self.table_depth, self.paragraph = [], 1, None
        elif tag in ("ul", "ol"):
            self.lists.append([tag, 0])
            self.paragraph = None
        elif tag == "li":
            self._list_item()
        elif tag in ("h3", "h4"):
            self.heading += 1
            self._new_paragraph().paragraph_format.space_before = Pt(6)
        elif tag in self.BLOCKS:
            self.paragraph = None

    def handle_endtag(self, tag) -> None:
        if self.table is not None:
            if tag == "table":
                self._table_end()
            return
        if tag in self.INLINE:
            self.styles[self.INLINE[tag]] = max(0, self.styles[self.INLINE[tag]] - 1)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.paragraph = None
        elif tag in ("h3", "h4"):
            self.heading = max(0, self.heading - 1)
            self.paragraph = None
        elif tag in self.BLOCKS:
            self.paragraph = None

    def handle_data(self, data) -> None:
        text = re.sub(r"\s+", " ", data)
        if self.table is not None:
            cell = self._cell()
            if cell is not None:
                cell[0] += text
            return
        if not text.strip() and (self.paragraph is None or not self.paragraph.text):
            return  # whitespace between blocks
        paragraph = self._current()
        if not paragraph.text.strip(" •.0123456789"):
            text = text.lstrip()
        run = _run(paragraph, text, size=12 if self.heading else None,
                   bold=bool(self.styles["bold"] or self.heading))  # fmt: skip
        run.italic = bool(self.styles["italic"]) or None
        run.underline = bool(self.styles["underline"]) or None
        run.font.strike = bool(self.styles["strike"]) or None


def html_to_docx(document, html: str) -> None:
    """Append the minutes HTML to `document` (see `_MinutesHtml`)."""
    parser = _MinutesHtml(document)
    parser.feed(html or "")
    parser.close()


# ---------------------------------------------------------------------------------------------
# Building blocks of both documents


def _footer(document, user) -> None:
    """The exporter's name and the time at the foot of every page."""
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, watermark_text(user), size=8)


def _titles(document, title: str, topic: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, title, size=18, bold=True)  # 小二
    line = document.add_paragraph()
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(line, _("Topic: %(topic)s") % {"topic": topic}, size=14)  # 四号


def _pairs(document, pairs: Sequence[tuple[str, str]]) -> None:
    """A two-column table of label / value lines (the head of the minutes)."""
    table = document.add_table(rows=len(pairs), cols=2)
    table.style = "Table Grid"
    for row, (name, value) in zip(table.rows, pairs, strict=True):
        row.cells[0].width, row.cells[1].width = Mm(28), Mm(146)
        _cell(row.cells[0], name, bold=True, center=True)
        _cell(row.cells[1], value)


def _lines(document, text: str) -> None:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines or [NONE]:
        _run(document.add_paragraph(), line)


# ---------------------------------------------------------------------------------------------
# Minutes


def minutes_title(activity: Activity) -> str:
    return _("%(org)s %(type)s record") % {"org": activity.org.name, "type": activity.type.name}


def minutes_docx(
    *, activity: Activity, version: MinutesVersion, rows: Sequence[Attendance],
    follow_ups: Sequence[FollowUp], votes: Sequence[MeetingVote], user,
) -> bytes:  # fmt: skip
    """会议记录 of one minutes version: the meeting's facts, who came (from the sign-ins),
    agenda, minutes, resolutions, votes, follow-up items, the sign-off and the version."""
    document = _new_document(landscape=False)
    _footer(document, user)
    _titles(document, minutes_title(activity), activity.topic)
    roll = Roll.of(rows)
    rate = rate_text(activity) and _("attendance rate %(rate)s") % {"rate": rate_text(activity)}
    counts = "；".join(filter(None, (attendance_line(roll), rate, quorum_text(activity))))
    _pairs(document, [
        (_("Time"), when_text(activity)),
        (label(Activity, "place"), where_text(activity)),
        (label(Activity, "host"), _person_name(activity.host)),
        (label(Activity, "recorder"), _person_name(activity.recorder)),
        (_("Attendance"), counts),
        (_("Attendees present"), _names(roll.present, _present_name)),
        (_("Attendees on leave"), _names(roll.leave, _leave_name)),
        (_("Attendees absent"), _names(roll.absent)),
    ])  # fmt: skip

    _heading(document, label(Activity, "agenda"))
    _lines(document, activity.agenda)
    _heading(document, label(MinutesVersion, "body"))
    html_to_docx(document, version.body)
    _heading(document, label(MinutesVersion, "resolutions"))
    _lines(document, version.resolutions)

    _heading(document, _("Votes"))
    if votes:
        headers = [label(MeetingVote, "subject"), *(label(MeetingVote, n) for n in VOTE_COLUMNS),
                   _("Result")]  # fmt: skip
        table = _table(document, headers)
        for vote in votes:
            result = _("Passed") if vote.passed else _("Not passed")
            _row(table, [vote.subject, *(str(getattr(vote, n)) for n in VOTE_COLUMNS), result])
    else:
        document.add_paragraph(_("No vote was taken."))

    _heading(document, capfirst(str(FollowUp._meta.verbose_name_plural)))
    if follow_ups:
        columns = ("title", "owner", "due_on", "done_on")
        table = _table(document, [label(FollowUp, name) for name in columns])
        for item in follow_ups:
            _row(table, [item.title, item.owner.name, cn_date(item.due_on),
                         cn_date(item.done_on) or _("Not done yet")])  # fmt: skip
    else:
        document.add_paragraph(_("None"))

    files = [f.original_name for f in version.files.all()]
    if files:
        _heading(document, label(MinutesVersion, "files"))
        for name in files:
            document.add_paragraph(name, style="List Bullet")

    _heading(document, _("Sign-off"))
    if version.is_signed:
        signer = version.signed_by.name if version.signed_by else _person_name(activity.host)
        document.add_paragraph(_("Signed off by: %(name)s    Signed at: %(time)s") % {
            "name": signer, "time": cn_datetime(version.signed_at)})  # fmt: skip
    else:
        document.add_paragraph(_("Not signed off"))
    line = _("Version %(number)s") % {"number": version.number}
    if version.change_reason:
        line += "；" + _("reason for the change: %(reason)s") % {"reason": version.change_reason}
    document.add_paragraph(line)
    return _bytes(document)


# ---------------------------------------------------------------------------------------------
# Paper sign-in sheet

SHEET_WIDTHS = (14, 40, 30, 56, 34)


def signin_sheet_docx(*, activity: Activity, rows: Sequence[Attendance], user) -> bytes:
    """签到表: one line per expected attendee with room to sign, and blank lines for guests."""
    document = _new_document(landscape=False)
    _footer(document, user)
    title = _("%(org)s %(type)s sign-in sheet") % {"org": activity.org.name,
                                                   "type": activity.type.name}  # fmt: skip
    _titles(document, title, activity.topic)
    info = document.add_paragraph()
    info.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(info, f"{_('Time')}：{when_text(activity)}    "
               f"{label(Activity, 'place')}：{where_text(activity)}")  # fmt: skip
    headers = [number_header(), label(Attendance, "person"), _("Stage"), _("Signature"),
               _("Note")]  # fmt: skip
    table = _table(document, headers, SHEET_WIDTHS)
    for number, row in enumerate(rows, start=1):
        note = row.get_reply_display() if row.reply.startswith("leave") else ""
        _row(table, [str(number), row.person.name, row.person.get_stage_display(), "", note],
             SHEET_WIDTHS)  # fmt: skip
    for number in range(len(rows) + 1, len(rows) + GUEST_LINES + 1):
        _row(table, [str(number), "", "", "", ""], SHEET_WIDTHS)
    for row in table.rows[1:]:
        row.height = Mm(10)  # room for a handwritten signature
    summary = document.add_paragraph()
    summary.paragraph_format.space_before = Pt(12)
    _run(summary, _("Expected %(expected)s; signed: ____ ; on leave: ____ ; absent: ____") % {
        "expected": len(rows)})  # fmt: skip
    return _bytes(document)
