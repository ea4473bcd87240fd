"""Compliance pages: the committee heat-map and a branch's red / amber / green calendar.

Thin views over `compliance`: the heat-map reads the stored cells of an organization's subtree
(`?org=`, default the highest organization the user may view; drill down row by row), the
calendar judges one branch live. Anything outside the user's orglife.view scope is 404, like a
missing page. The heat-map's .xlsx export is audited.
"""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dangjian.audit.services import audit_record
from dangjian.core.dates import cn_date
from dangjian.core.exports import xlsx_response
from dangjian.core.scope import get_scoped_or_404, scope_paths
from dangjian.orglife import compliance
from dangjian.orglife.compliance import VIEW
from dangjian.orgs.models import Organization, OrgKind
from dangjian.rules import orglife as rules

YEARS_SHOWN = 5  # the year switcher offers this many years back from the current one


def _year(request) -> int:
    raw = request.GET.get("year", "")
    if not raw:
        return timezone.localdate().year
    try:
        year = int(raw)
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= 2100:
        raise Http404
    return year


def _period(request) -> str:
    period = request.GET.get("period", "")
    return period if period in rules.PERIODS else "month"


def _years(year: int) -> list[tuple[int, bool]]:
    this = timezone.localdate().year
    return [(y, y == year) for y in sorted({*range(this - YEARS_SHOWN + 1, this + 2), year},
                                           reverse=True)]  # fmt: skip


def _org(request) -> Organization:
    """`?org=` among the organizations the user may view (default: the highest); else 404."""
    scoped = Organization.objects.restrict(request.user, VIEW).filter(is_active=True)
    raw = request.GET.get("org", "").strip()
    if raw:
        return get_scoped_or_404(scoped, request.user, VIEW, pk=raw)
    org = scoped.exclude(kind=OrgKind.PARTY_GROUP).order_by("depth", "path").first()
    if org is None:
        raise Http404
    return org


def _trail(user, org: Organization) -> list[Organization]:
    """The ancestors of `org` the user may view, top down (the breadcrumb)."""
    return list(
        Organization.objects.restrict(user, VIEW)
        .filter(path__in=org.ancestor_paths()[:-1])
        .only("pk", "name", "path", "depth")
        .order_by("depth")
    )


def _roots(user, org: Organization) -> list[Organization]:
    """The other top organizations of the user's scope (someone with two separate scopes)."""
    paths = scope_paths(user, VIEW)
    if len(paths) < 2:
        return []
    return list(Organization.objects.filter(path__in=paths).exclude(pk=org.pk).order_by("path"))


def _heat_url(org: Organization, year: int, period: str) -> str:
    query = urlencode({"org": org.pk, "year": year, "period": period})
    return reverse("orglife:compliance") + "?" + query


def _column_label(start: date, period: str) -> str:
    if period == "month":
        return _("Month %(month)s") % {"month": start.month}
    if period == "quarter":
        return _("Q%(quarter)s") % {"quarter": (start.month - 1) // 3 + 1}
    return str(start.year)


def _cell_text(cell: compliance.HeatCell, labels: dict[str, str]) -> str:
    """'红 3 · 黄 1' — the colour is never the only signal."""
    parts = [f"{labels[name]} {getattr(cell, name)}" for name in ("red", "amber", "green")
             if getattr(cell, name)]  # fmt: skip
    return " · ".join(parts) or "—"


def _cell_title(cell: compliance.HeatCell, labels: dict[str, str]) -> str:
    parts = [f"{labels[name]} {getattr(cell, name)}" for name in ("red", "amber", "green", "none")]
    if cell.rate is not None:
        parts.append(_("attendance %(rate)s%%") % {"rate": cell.rate})
    return " · ".join(parts)


def _status_labels() -> dict[str, str]:
    return {"red": _("Red"), "amber": _("Amber"), "green": _("Green"), "none": _("Not judged")}


def _state_labels() -> dict[str, str]:
    """What an outcome's state means, in words beside its colour."""
    return {"ok": _("Met"), "flawed": _("Held, with flaws"), "open": _("In progress"),
            "due_soon": _("Due soon"), "missing": _("Missed")}  # fmt: skip


def _row_view(row: compliance.HeatRow, year: int, period: str, labels: dict) -> dict:
    if row.is_branch:
        link = compliance.calendar_url(row.org, year)
    else:
        link = _heat_url(row.org, year, period)
    cells = [
        {"cell": cell, "text": _cell_text(cell, labels), "title": _cell_title(cell, labels),
         "url": link}
        for cell in row.cells
    ]  # fmt: skip
    return {"org": row.org, "branches": row.branches, "is_branch": row.is_branch, "url": link,
            "cells": cells}  # fmt: skip


@login_required
@require_GET
def heatmap(request):
    org = _org(request)
    year, period = _year(request), _period(request)
    if org.kind == OrgKind.PARTY_GROUP:
        return redirect(compliance.calendar_url(Organization(pk=org.parent_id), year))
    if compliance.is_branch(org):
        return redirect(compliance.calendar_url(org, year))
    data = compliance.heatmap(request.user, org, year=year, period=period)
    if request.GET.get("export") == "xlsx":
        return _export(request, data)
    labels = _status_labels()
    return render(request, "orglife/compliance_heatmap.html", {
        "labels": labels, "org": org, "year": year, "period": period, "data": data,
        "columns": [_column_label(c, period) for c in data.columns],
        "rows": [_row_view(r, year, period, labels) for r in data.rows],
        "total": _row_view(data.total, year, period, labels),
        "trail": _trail(request.user, org), "roots": _roots(request.user, org),
        "years": _years(year),
        "periods": [(p, label, p == period) for p, label in (
            ("month", _("By month")), ("quarter", _("By quarter")), ("year", _("By year")))],
        "export_query": urlencode({"org": org.pk, "year": year, "period": period,
                                   "export": "xlsx"}),
    })  # fmt: skip


def _export_rows(data: compliance.HeatMap):
    for row in [*data.rows, data.total]:
        for start, cell in zip(data.columns, row.cells, strict=True):
            yield [row.org.name, rules.period_label(start, data.period), row.branches, cell.red,
                   cell.amber, cell.green, cell.none, cell.expected, cell.present,
                   f"{cell.rate}%" if cell.rate is not None else ""]  # fmt: skip


def _export(request, data: compliance.HeatMap):
    response, count = xlsx_response(
        filename="orglife-compliance",
        title=_("Organizational-life compliance"),
        headers=[
            _("Organization"),
            _("Period"),
            _("Branches"),
            _("Red"),
            _("Amber"),
            _("Green"),
            _("Not judged"),
            _("Expected"),
            _("Present"),
            _("Attendance rate"),
        ],
        rows=_export_rows(data),
        user=request.user,
    )
    audit_record(
        actor=request.user,
        action="export.orglife_compliance",
        org=data.org,
        changes={"year": data.year, "period": data.period, "rows": count},
    )
    return response


# ---------------------------------------------------------------------------------------------
# A branch's calendar


STATE_ORDER = ("missing", "flawed", "due_soon", "open", "ok")


def _cell_view(cell: rules.Cell, data: compliance.BranchYear, labels: dict[str, str],
               states: dict[str, str]) -> dict:  # fmt: skip
    """A month lists every outcome judged in it; a quarter or the year lists the outcomes of
    its own period and counts the others by state (they are listed in their months)."""
    expected, present = data.inputs.attendance_of(cell)
    is_month = cell.period == "month"
    own = [o for o in cell.outcomes if is_month or o.period == cell.period]
    others = [o.state for o in cell.outcomes if not is_month and o.period != cell.period]
    return {
        "cell": cell, "status_label": labels[cell.status],
        "label": rules.period_label(cell.start, cell.period),
        "outcomes": [{"outcome": o, "status": rules.SEVERITY_CODES[o.severity],
                      "state_label": states[o.state]} for o in own],
        "others": [(states[state], others.count(state)) for state in STATE_ORDER
                   if state in others],
        "expected": expected, "present": present,
        "rate": round(100 * present / expected) if expected else None,
        "month": cell.start.strftime("%Y-%m") if is_month else "",
    }  # fmt: skip


@login_required
@require_GET
def calendar(request, pk: int):
    org = get_scoped_or_404(Organization, request.user, VIEW, pk=pk)
    year = _year(request)
    if org.kind == OrgKind.PARTY_GROUP:
        return redirect(compliance.calendar_url(Organization(pk=org.parent_id), year))
    if not compliance.is_branch(org):
        return redirect(_heat_url(org, year, "month"))
    today = timezone.localdate()
    data = compliance.branch_year(org, year=year, today=today)
    labels, states = _status_labels(), _state_labels()
    return render(request, "orglife/compliance_calendar.html", {
        "branch": org, "year": year, "data": data, "policy": data.inputs.policy,
        "facts": data.inputs.facts, "requirements": rules.applicable(
            data.inputs.policy, data.inputs.facts, data.inputs.extra),
        "months": [_cell_view(c, data, labels, states) for c in data.months],
        "quarters": [_cell_view(c, data, labels, states) for c in data.quarters],
        "whole": _cell_view(data.whole, data, labels, states),
        "term": compliance.term_warning(org, today), "term_end": cn_date(org.term_end),
        "trail": _trail(request.user, org), "years": _years(year),
        "labels": labels,
    })  # fmt: skip
