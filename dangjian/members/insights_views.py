"""Statistics and data-quality pages: thin views over `statistics` and `quality` selectors."""

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from dangjian.audit.services import audit_record
from dangjian.core.dates import cn_date, cn_datetime
from dangjian.core.exports import xlsx_response
from dangjian.core.scope import get_scoped_or_404
from dangjian.members import party_statistics, quality
from dangjian.members.models import Person
from dangjian.members.services import SENSITIVE_FIELDS
from dangjian.orgs.models import Organization, OrgKind

EARLIEST = date(1921, 7, 1)
PAGE_SIZE = 20


def _org_choices(user, action: str) -> list[Organization]:
    """Active organizations (not party groups) the user may `action`, in tree order."""
    return list(
        Organization.objects.restrict(user, action)
        .filter(is_active=True)
        .exclude(kind=OrgKind.PARTY_GROUP)
        .only("pk", "name", "path", "depth", "kind")
    )


class OrgPickForm(forms.Form):
    org = forms.TypedChoiceField(label=gettext_lazy("Organization"), coerce=int)

    def __init__(self, data=None, *, orgs, **kwargs):
        super().__init__(data, **kwargs)
        top = min(org.depth for org in orgs)
        self.orgs = {org.pk: org for org in orgs}
        self.fields["org"].choices = [
            (org.pk, "\u3000" * (org.depth - top) + org.name) for org in orgs
        ]
        self.fields["org"].widget.attrs["class"] = "form-select"
        self.fields["org"].initial = orgs[0].pk

    def chosen_org(self) -> Organization:
        return self.orgs[self.cleaned_data["org"]]


class StatisticsForm(OrgPickForm):
    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["as_of"].initial = party_statistics.default_as_of()

    def clean_as_of(self):
        value = self.cleaned_data["as_of"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        if value < EARLIEST:
            raise forms.ValidationError(_("Choose a date from 1 July 1921 on."))
        return value


def _bound(form_class, request, **kwargs):
    """The form bound to the query string, with the defaults filling what is missing."""
    form = form_class(**kwargs)
    data = {name: field.initial for name, field in form.fields.items()}
    for name in data:
        if request.GET.get(name):
            data[name] = request.GET[name]
    return form_class(data, **kwargs)


@login_required
@require_GET
def statistics_page(request):
    orgs = _org_choices(request.user, "members.view")
    if not orgs:
        raise Http404
    form = _bound(StatisticsForm, request, orgs=orgs)
    stats = None
    if form.is_valid():
        org, as_of = form.chosen_org(), form.cleaned_data["as_of"]
        stats = party_statistics.member_statistics(user=request.user, org=org, as_of=as_of)
        if request.GET.get("export") == "xlsx":
            return _statistics_export(request, org, as_of, stats)
    sections = []
    if stats is not None:
        sections = [
            {"key": s.key, "title": str(s.title), "chart": s.chart, "items": stats[s.key]}
            for s in party_statistics.SECTIONS
        ]
    query = request.GET.copy()
    query.pop("export", None)
    return render(request, "members/insights/statistics.html", {
        "form": form, "stats": stats, "sections": sections,
        "chart_data": {"sections": [
            {"key": s["key"], "title": s["title"], "chart": s["chart"],
             "items": [{"label": i["label"].strip("\u3000 "), "count": i["count"]}
                       for i in s["items"] if not i["label"].startswith("\u3000")]}
            for s in sections
        ]},
        "querystring": query.urlencode(),
    })  # fmt: skip


def _statistics_export(request, org, as_of, stats):
    def rows():
        yield [org.name, cn_date(as_of), "", ""]
        yield from party_statistics.statistics_rows(stats)

    response, count = xlsx_response(
        filename="member-statistics",
        title=_("Party statistics"),
        headers=[_("Section"), _("Item"), _("Count"), _("Share (%)")],
        rows=rows(),
        user=request.user,
    )
    audit_record(
        actor=request.user,
        action="export.member_statistics",
        org=org,
        changes={"as_of": as_of.isoformat(), "rows": count},
    )
    return response


@login_required
@require_GET
def quality_page(request):
    orgs = _org_choices(request.user, "members.manage")
    if not orgs:
        raise Http404
    form = _bound(OrgPickForm, request, orgs=orgs)
    summary = org = None
    if form.is_valid():
        org = form.chosen_org()
        summary = quality.quality_summary(user=request.user, org=org)
    return render(request, "members/insights/quality.html", {
        "form": form, "org": org, "summary": summary,
    })  # fmt: skip


def _detail_url(pk: int) -> str:
    """Link to a record's page when the records area provides one."""
    try:
        return reverse("members:person_detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


def _cell(value) -> str:
    if value is None or value == "":
        return "—"
    if hasattr(value, "hour"):
        return cn_datetime(value)
    if isinstance(value, date):
        return cn_date(value)
    return str(value)


@login_required
@require_GET
def quality_check(request, pk: int, check: str):
    org = get_scoped_or_404(Organization, request.user, "members.manage", pk=pk)
    found = quality.check_by_key(check)
    if found is None:
        raise Http404
    scan = None
    if found.q is None:  # the ID number scan: decrypt, then list the people it found
        scan = quality.scan_id_numbers(user=request.user, org=org)
        people = quality.active_people(request.user, org).filter(pk__in=sorted(scan.problems))
        people = people.select_related("branch", "party_group")
    else:
        people = quality.offending_people(user=request.user, org=org, check=found)
    # Never load the encrypted fields: not shown here, and a garbled one must not break the list.
    people = people.order_by("branch__path", "name_pinyin", "pk").defer(*SENSITIVE_FIELDS)
    columns = [Person._meta.get_field(name) for name in found.columns]

    def row(person):
        values = [_cell(getattr(person, c.name)) for c in columns]
        if scan is not None:
            values.append(scan.problems.get(person.pk, ""))
        cells = list(zip(headers, values, strict=True))
        return {"person": person, "values": values, "cells": cells, "url": _detail_url(person.pk)}

    headers = [str(c.verbose_name) for c in columns]
    if scan is not None:
        headers.append(_("Problem"))
    if request.GET.get("export") == "xlsx":
        return _check_export(request, org, found, people, headers, row)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "members/insights/quality_check.html", {
        "org": org, "check": found, "scan": scan, "headers": headers,
        "rows": [row(person) for person in page.object_list],
        "page_obj": page, "is_paginated": page.has_other_pages(),
        "querystring": "",
    })  # fmt: skip


def _check_export(request, org, check, people, headers, row):
    def rows():
        for person in people.iterator(chunk_size=2000):
            yield [
                person.name,
                person.branch.name,
                person.get_stage_display(),
                *row(person)["values"],
            ]

    response, count = xlsx_response(
        filename="member-quality",
        title=str(check.label),
        headers=[_("Name"), _("Branch"), _("Stage"), *headers],
        rows=rows(),
        user=request.user,
    )
    audit_record(
        actor=request.user,
        action="export.member_quality",
        org=org,
        changes={"check": check.key, "rows": count},
    )
    return response
