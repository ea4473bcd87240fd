"""Printable Word forms of member development (python-docx): one person's step checklist
(发展党员工作流程纪实表, A4 portrait) and the registers of activists and candidates (A4
landscape). Builders take what the views read through the scoped selectors and return bytes.

Fonts: SimSun for Chinese (the `w:eastAsia` font, which Word uses for CJK text and which python-
docx's `font.name` does not set) and Times New Roman for Latin digits; theme fonts are removed
so they cannot override the choice.
"""

import io
from collections.abc import Sequence

import docx
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from dangjian.core.dates import cn_date
from dangjian.development.models import STEP_CHOICES, Pipeline, StepRecord, Vote
from dangjian.development.selectors import PipelineView
from dangjian.members.models import Person
from dangjian.rules.development import RULES, STEPS

CHINESE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
STEP_LABELS = dict(STEP_CHOICES)
VOTE_COLUMNS = ("entitled", "present", "yes", "no", "abstain", "written_yes", "written_no",
                "result")  # fmt: skip


def label(model, name: str) -> str:
    """A model field's label as a column header (the member record's wording)."""
    return capfirst(str(model._meta.get_field(name).verbose_name))


def number_header() -> str:
    return _("Serial number")


def stage_headings() -> dict[int, str]:
    """The five stages of the 2014 细则, keyed by the number of their first step (the same
    wording as the timeline page)."""
    return {
        1: _("Application for membership"),
        3: _("Selecting, cultivating and educating activists"),
        7: _("Selecting and examining candidates"),
        12: _("Admitting probationary members"),
        19: _("Educating, examining and converting probationary members"),
    }


# ---------------------------------------------------------------------------------------------
# Building blocks


def _fonts(rpr_owner) -> None:
    """Set the Chinese and Latin fonts on a style or run element (its rPr)."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), CHINESE_FONT)


def _new_document(*, landscape: bool) -> docx.Document:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)  # 五号
    _fonts(normal.element)
    section = document.sections[0]
    width, height = Mm(210), Mm(297)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    section.page_width, section.page_height = width, height
    for side in ("top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(18))
    return document


def _run(paragraph, text: str, *, size: float | None = None, bold: bool = False):
    run = paragraph.add_run(text)
    _fonts(run._r)
    run.bold = bold or None
    if size:
        run.font.size = Pt(size)
    return run


def _title(document, text: str, subtitle: str = "") -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, text, size=18, bold=True)  # 小二
    if subtitle:
        line = document.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(line, subtitle, size=10.5)


def _heading(document, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(10)
    _run(paragraph, text, size=12, bold=True)


def _cell(cell, text: str, *, bold: bool = False, center: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, text, bold=bold)


def _repeat_header(row) -> None:
    """Print the header row again at the top of every page the table runs onto."""
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _table(document, headers: Sequence[str], widths: Sequence[float] = ()):
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, header, bold=True, center=True)
    _repeat_header(table.rows[0])
    for column, width in zip(table.columns, widths, strict=False):
        for cell in column.cells:
            cell.width = Mm(width)
    return table


def _row(table, values: Sequence[str], widths: Sequence[float] = ()) -> None:
    cells = table.add_row().cells
    for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
        _cell(cell, value, center=index == 0)
        if index < len(widths):
            cell.width = Mm(widths[index])


def _span_row(table, text: str) -> None:
    cells = table.add_row().cells
    merged = cells[0].merge(cells[-1])
    _cell(merged, text, bold=True)


def _bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _generated(document) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.paragraph_format.space_before = Pt(12)
    _run(paragraph, _("Generated on %(date)s") % {"date": cn_date(timezone.localdate())})


# ---------------------------------------------------------------------------------------------
# The step checklist of one person

CHECKLIST_WIDTHS = (12, 48, 32, 34, 14, 42)


def record_date(record) -> str:
    """The record's date; a training's first and last day and its class hours."""
    text = cn_date(record.on)
    if record.end_on:
        text = _("%(start)s to %(end)s") % {"start": text, "end": cn_date(record.end_on)}
    if record.hours is not None:
        hours = f"{record.hours.normalize():f}"
        text = _("%(dates)s (%(hours)s class hours)") % {"dates": text, "hours": hours}
    return text


def _record_note(record) -> str:
    parts = []
    if record.step == "contacts_assigned":
        names = "、".join(p.name for p in record.people.all())
        parts.append(_("Cultivation contacts: %(names)s") % {"names": names})
    elif record.step == "introducers":
        names = "、".join(p.name for p in record.people.all())
        parts.append(_("Introducers: %(names)s") % {"names": names})
    if hasattr(record, "vote"):
        parts.append(record.vote.result)
    if record.note:
        parts.append(record.note)
    if record.exception_rules:
        broken = "、".join(RULES.get(rule, rule) for rule in record.exception_rules)
        parts.append(
            _("Exception (%(rules)s): %(justification)s")
            % {"rules": broken, "justification": record.justification}
        )
    return "；".join(parts)


def _responsible(record) -> str:
    if record.approving_org_id:
        return f"{record.responsible}（{record.approving_org.name}）".lstrip()
    return record.responsible


def _step_cells(number: int, label: str, records) -> list[str]:
    if not records:
        return [str(number), label, "", "", "", ""]
    return [
        str(number),
        label,
        "\n".join(record_date(r) for r in records),
        "、".join(dict.fromkeys(_responsible(r) for r in records if _responsible(r))),
        str(sum(len(r.documents.all()) for r in records)),
        "\n".join(note for r in records if (note := _record_note(r))),
    ]


def checklist_docx(view: PipelineView, records) -> bytes:
    """发展党员工作流程纪实表 of one pipeline: its `selectors.pipeline_view` and every record
    (`selectors.records_of`, including notices and thought reports outside the 25 steps)."""
    pipeline, person = view.pipeline, view.pipeline.person
    document = _new_document(landscape=False)
    _title(document, _("Record of the member development process"))

    basics = document.add_table(rows=3, cols=4)
    basics.style = "Table Grid"
    basics.alignment = WD_TABLE_ALIGNMENT.CENTER
    cells = [
        (label(Person, "name"), person.name, label(Person, "sex"), person.get_sex_display()),
        (
            label(Person, "birth_date"),
            cn_date(person.birth_date),
            label(Person, "branch"),
            person.branch.name,
        ),
        (
            label(Pipeline, "policy_name"),
            view.policy.name,
            label(Pipeline, "status"),
            pipeline.get_status_display(),
        ),
    ]
    for row, values in zip(basics.rows, cells, strict=True):
        for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            _cell(cell, str(value), bold=index % 2 == 0, center=index % 2 == 0)

    _heading(document, _("Development steps"))
    table = _table(
        document,
        [
            number_header(),
            label(StepRecord, "step"),
            label(StepRecord, "on"),
            label(StepRecord, "responsible"),
            label(StepRecord, "documents"),
            _("Notes"),
        ],
        CHECKLIST_WIDTHS,
    )
    headings = stage_headings()
    for row in view.rows:
        if row.number in headings:
            _span_row(table, headings[row.number])
        _row(table, _step_cells(row.number, row.label, row.records), CHECKLIST_WIDTHS)

    main = {step.key for step in STEPS}
    others = [r for r in records if r.step not in main]
    if others:
        _heading(document, _("Other records"))
        table = _table(document, [label(StepRecord, "step"), label(StepRecord, "on"),
                                  label(StepRecord, "responsible"), _("Notes")])  # fmt: skip
        for record in others:
            _row(table, [STEP_LABELS[record.step], record_date(record),
                         _responsible(record), _record_note(record)])  # fmt: skip

    if pipeline.extension_months:
        _heading(document, _("Probation extension"))
        document.add_paragraph(
            _("Extended by %(months)s months on %(date)s: %(reason)s")
            % {
                "months": pipeline.extension_months,
                "date": cn_date(pipeline.extension_decided_on),
                "reason": pipeline.extension_reason,
            }
        )
    if pipeline.ended_on and pipeline.end_reason:
        _heading(document, pipeline.get_status_display())
        document.add_paragraph(f"{cn_date(pipeline.ended_on)}：{pipeline.end_reason}")

    votes = [r for r in records if hasattr(r, "vote")]
    _heading(document, _("Votes of the branch general meeting"))
    if votes:
        table = _table(document, [label(StepRecord, "step"), label(StepRecord, "on"),
                                  *(label(Vote, name) for name in VOTE_COLUMNS)])  # fmt: skip
        for record in votes:
            v = record.vote
            _row(table, [STEP_LABELS[record.step], cn_date(record.on),
                         *(str(getattr(v, name)) for name in VOTE_COLUMNS)])  # fmt: skip
    else:
        document.add_paragraph(_("No vote recorded yet."))

    _heading(document, _("Rule violations"))
    if view.violations:
        for violation in view.violations:
            document.add_paragraph(violation.message, style="List Bullet")
    else:
        document.add_paragraph(_("None found."))
    _generated(document)
    return _bytes(document)


# ---------------------------------------------------------------------------------------------
# Registers of activists and candidates


def register_docx(
    *, title: str, org_name: str, headers: Sequence[str], widths: Sequence[float],
    rows: Sequence[Sequence[str]],
) -> bytes:  # fmt: skip
    """A landscape A4 register: title, organization and date, one numbered row per person."""
    document = _new_document(landscape=True)
    subtitle = _("%(org)s, as of %(date)s") % {
        "org": org_name,
        "date": cn_date(timezone.localdate()),
    }
    _title(document, title, subtitle)
    widths = (10, *widths)
    table = _table(document, [number_header(), *headers], widths)
    for number, values in enumerate(rows, start=1):
        _row(table, [str(number), *values], widths)
    if not rows:
        document.add_paragraph(_("Nobody is in this stage at present."))
    _generated(document)
    return _bytes(document)
