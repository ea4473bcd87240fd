"""Member list exports: the filtered list, and the national 16-item collection layout.

Both stream through core.exports (write-only workbook, watermark, formulas neutralised) and
are audited. Sensitive columns are masked row by row unless the exporter holds
members.view_sensitive over that row's branch (a precomputed tuple of path prefixes, so the
check is a string comparison, not a query). Rows come from `values_list` in chunks of 2,000
with one decryption per sensitive cell, so memory stays flat for 200,000 people.
"""

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.audit.services import audit_record
from dangjian.core.exports import xlsx_response
from dangjian.members.choices import ETHNICITY_CHOICES, Education, PersonnelCategory, Sex, Stage
from dangjian.members.choices import Standing as StandingChoices
from dangjian.members.selectors import sensitive_prefixes
from dangjian.members.services import mask

CHUNK = 2000

# Columns read from the database, in this order, for both layouts.
_FIELDS = (
    "name", "sex", "ethnicity", "id_number", "birth_date", "education", "personnel_category",
    "branch__name", "party_group__name", "join_date", "full_member_date", "job", "phone",
    "address", "standing", "lost_contact_since", "mobile_destination", "stage", "work_unit",
    "branch__path",
)  # fmt: skip
_AT = {name: index for index, name in enumerate(_FIELDS)}
_SENSITIVE = ("id_number", "phone", "address")


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _labels(choices) -> dict:
    return {str(value): str(label) for value, label in choices}


def _age(birth, today) -> int | str:
    if not birth:
        return ""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


LIST_HEADERS = (
    gettext_lazy("Name"), gettext_lazy("Sex"), gettext_lazy("Age"), gettext_lazy("Stage"),
    gettext_lazy("Branch"), gettext_lazy("Party group"), gettext_lazy("Date joined the party"),
    gettext_lazy("Mobile phone"), gettext_lazy("ID number"), gettext_lazy("Education"),
    gettext_lazy("Work unit"), gettext_lazy("Job or post"), gettext_lazy("Standing"),
)  # fmt: skip

# DOMAIN.md §4: the national member information collection (2017), in its order.
NATIONAL_HEADERS = (
    "姓名", "性别", "民族", "公民身份号码", "出生日期", "学历", "人员类别", "所在党支部",
    "入党日期", "转正日期", "工作岗位", "联系电话", "家庭住址", "党籍状态", "是否失联", "失联日期",
    "是否流动党员", "外出流向",
)  # fmt: skip


class _RowMaker:
    """Turns one `values_list` row into cells; masks sensitive values outside the exporter's
    view_sensitive scope. Choice labels are looked up once, not per row."""

    def __init__(self, user):
        self.prefixes = sensitive_prefixes(user)
        self.today = timezone.localdate()
        self.sex = _labels(Sex.choices)
        self.stage = _labels(Stage.choices)
        self.standing = _labels(StandingChoices.choices)
        self.education = _labels(Education.choices)
        self.category = _labels(PersonnelCategory.choices)
        self.ethnicity = dict(ETHNICITY_CHOICES)
        self.yes, self.no = _("Yes"), _("No")

    def sensitive(self, row) -> dict:
        clear = row[_AT["branch__path"]].startswith(self.prefixes) if self.prefixes else False
        return {
            name: (row[_AT[name]] or "") if clear else mask(name, row[_AT[name]])
            for name in _SENSITIVE
        }

    def list_row(self, row) -> list:
        s = self.sensitive(row)
        return [
            row[0], self.sex.get(row[1], ""), _age(row[_AT["birth_date"]], self.today),
            self.stage.get(row[_AT["stage"]], ""), row[_AT["branch__name"]],
            row[_AT["party_group__name"]] or "", _iso(row[_AT["join_date"]]), s["phone"],
            s["id_number"], self.education.get(row[_AT["education"]], ""),
            row[_AT["work_unit"]], row[_AT["job"]], self.standing.get(row[_AT["standing"]], ""),
        ]  # fmt: skip

    def national_row(self, row) -> list:
        s = self.sensitive(row)
        lost = row[_AT["lost_contact_since"]]
        mobile = row[_AT["mobile_destination"]]
        return [
            row[0], self.sex.get(row[1], ""), self.ethnicity.get(row[2], ""), s["id_number"],
            _iso(row[_AT["birth_date"]]), self.education.get(row[_AT["education"]], ""),
            self.category.get(row[_AT["personnel_category"]], ""), row[_AT["branch__name"]],
            _iso(row[_AT["join_date"]]), _iso(row[_AT["full_member_date"]]), row[_AT["job"]],
            s["phone"], s["address"], self.standing.get(row[_AT["standing"]], ""),
            self.yes if lost else self.no, _iso(lost), self.yes if mobile else self.no, mobile,
        ]  # fmt: skip


def person_rows(queryset, user, *, layout: str = "list", limit: int | None = None) -> Iterator:
    """Cells of every person in `queryset` in the chosen layout ("list" or "national")."""
    maker = _RowMaker(user)
    make = maker.national_row if layout == "national" else maker.list_row
    rows = queryset.values_list(*_FIELDS)
    if limit is not None:
        rows = rows[:limit]
    for row in rows.iterator(chunk_size=CHUNK):
        yield make(row)


def export_people(queryset, *, user, layout: str, query: dict, limit: int | None = None):
    """The .xlsx download of `queryset` in `layout`, audited as export.members[_national]."""
    national = layout == "national"
    name = "members_national" if national else "members"
    title = _("Member information (16 items)") if national else _("Member list")
    headers = NATIONAL_HEADERS if national else [str(h) for h in LIST_HEADERS]
    response, count = xlsx_response(
        filename=name, title=title, headers=headers,
        rows=person_rows(queryset, user, layout=layout, limit=limit), user=user,
    )  # fmt: skip
    audit_record(
        actor=user,
        action="export." + name,
        changes={"rows": count, "query": query, "clear_under": list(sensitive_prefixes(user))},
    )
    return response
