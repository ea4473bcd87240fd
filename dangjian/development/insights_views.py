"""The development dashboard, the policy and plan settings and the printable Word forms.

Thin views: `insights` reads (always through `restrict`), the services write (policy_set,
plan_set, both audited), `documents` builds the .docx files. The organization comes from
`?org=<pk>` among the organizations where the user holds the page's permission; any other
value is 404, like a missing page. Downloads of personal data are audited.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.audit.services import audit_record
from dangjian.core.dates import cn_date
from dangjian.core.exports import xlsx_response
from dangjian.core.forms import apply_service_errors
from dangjian.core.scope import get_scoped_or_404, has_perm
from dangjian.development import documents, insights, services
from dangjian.development.insights_forms import PlanForm, PolicyForm, parameter_rows
from dangjian.development.models import AdmissionPlan, Pipeline, PolicySetting
from dangjian.development.selectors import pipeline_view, policy_for, records_of
from dangjian.orgs.models import PATH_STEP, Organization
from dangjian.rules import RuleError
from dangjian.rules import development as rules

VIEW = "development.view"
APPROVE = "development.approve"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OVERDUE_SHOWN = 100  # rows of the overdue list on the page (the export has them all)


def _pick(request, action: str) -> tuple[Organization, list[Organization]]:
    """The organization of `?org=` among those where the user may `action` (default: the
    highest one); 404 for any other value."""
    orgs = insights.scoped_orgs(request.user, action)
    if not orgs:
        raise Http404
    raw = request.GET.get("org", "")
    if not raw:
        return min(orgs, key=lambda o: (o.depth, o.path)), orgs
    chosen = next((o for o in orgs if str(o.pk) == raw.strip()), None)
    if chosen is None:
        raise Http404
    return chosen, orgs


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


def _picker(orgs, org, year: int | None = None) -> dict:
    """The organization (and year) choice at the top of the pages."""
    top = min(o.depth for o in orgs)
    years = []
    if year is not None:
        this = timezone.localdate().year
        years = sorted({*range(this - 4, this + 2), year}, reverse=True)
    return {
        "orgs": [(o.pk, "\u3000" * (o.depth - top) + o.name, o.pk == org.pk) for o in orgs],
        "years": [(y, y == year) for y in years],
    }


def _list_url(org_pk: int, **params) -> str:
    return reverse("development:list") + "?" + urlencode({**params, "branch": org_pk})


def _docx_response(content: bytes, filename: str) -> FileResponse:
    return FileResponse(io.BytesIO(content), as_attachment=True, filename=filename,
                        content_type=DOCX)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Dashboard


def _stage_cells(org_pk: int, counts: insights.Counts) -> list[dict]:
    return [
        {"stage": stage, "label": stage.label, "count": counts.stages[stage],
         "url": _list_url(org_pk, stage=stage)}
        for stage in insights.STAGES
    ]  # fmt: skip


@login_required
@require_GET
def dashboard(request):
    org, orgs = _pick(request, VIEW)
    year = _year(request)
    data = insights.dashboard(user=request.user, org=org, year=year)
    if request.GET.get("export") == "xlsx":
        return _dashboard_export(request, data)
    units = [
        {"org": unit.org, "counts": unit.counts, "stages": _stage_cells(unit.org.pk, unit.counts),
         "active_url": _list_url(unit.org.pk),
         "overdue_url": _list_url(unit.org.pk, overdue=1)}
        for unit in data.units
    ]  # fmt: skip
    chart = {"sections": [
        {"key": "stages", "title": _("In progress by stage"), "chart": "bar",
         "items": [{"label": str(s.label), "count": data.counts.stages[s]}
                   for s in insights.STAGES]},
        {"key": "units", "title": _("In progress by organization"), "chart": "bar",
         "items": [{"label": u.org.name, "count": u.counts.active} for u in data.units]},
    ]}  # fmt: skip
    return render(request, "development/dashboard.html", {
        "data": data, "org": org, "year": year, "picker": _picker(orgs, org, year),
        "stages": _stage_cells(org.pk, data.counts), "units": units,
        "active_url": _list_url(org.pk), "overdue_url": _list_url(org.pk, overdue=1),
        "overdue_shown": data.overdue[:OVERDUE_SHOWN], "chart_data": chart,
        "export_query": urlencode({"org": org.pk, "year": year, "export": "xlsx"}),
        "can_approve": has_perm(request.user, APPROVE, org),
    })  # fmt: skip


def _dashboard_rows(data: insights.Dashboard):
    org = data.org.name
    summary, plan = _("Summary"), _("Admission plan")
    yield [summary, org, _("In progress"), data.counts.active, ""]
    for stage in insights.STAGES:
        yield [summary, org, str(stage.label), data.counts.stages[stage], ""]
    yield [summary, org, _("People with overdue steps"), data.counts.overdue, ""]
    yield [plan, org, _("Admitted in %(year)s") % {"year": data.year}, data.counts.admissions, ""]
    yield [plan, org, _("Planned"), data.counts.target, ""]
    for t in data.transitions:
        yield [_("Average days"), org, t.label, t.days, _("%(n)s people") % {"n": t.people}]
    for unit in data.units:
        c = unit.counts
        section = _("By organization")
        yield [section, unit.org.name, _("In progress"), c.active, ""]
        for stage in insights.STAGES:
            yield [section, unit.org.name, str(stage.label), c.stages[stage], ""]
        yield [section, unit.org.name, _("People with overdue steps"), c.overdue, ""]
        yield [section, unit.org.name, _("Admitted in %(year)s") % {"year": data.year},
               c.admissions, ""]  # fmt: skip
        yield [section, unit.org.name, _("Planned"), c.target, ""]
    for item in data.overdue:
        missed = _("%(n)s periods missed") % {"n": item.missed} if item.missed > 1 else ""
        yield [_("Overdue"), item.branch, f"{item.person}：{item.step_label}",
               cn_date(item.limit), " ".join(filter(None, (item.message, missed)))]  # fmt: skip


def _dashboard_export(request, data: insights.Dashboard):
    response, count = xlsx_response(
        filename="development-dashboard",
        title=_("Member development"),
        headers=[_("Section"), _("Organization"), _("Item"), _("Figure"), _("Explanation")],
        rows=_dashboard_rows(data),
        user=request.user,
    )
    audit_record(
        actor=request.user,
        action="export.development_dashboard",
        org=data.org,
        changes={"year": data.year, "rows": count},
    )
    return response


# ---------------------------------------------------------------------------------------------
# Policy


def _parent(org: Organization) -> Organization | None:
    if org.depth <= 1:
        return None
    return Organization.objects.get(path=org.path[:-PATH_STEP])


def _source(org: Organization) -> PolicySetting | None:
    """The setting the organization's policy comes from (its own or an ancestor's)."""
    return (
        PolicySetting.objects.filter(org__path__in=org.ancestor_paths())
        .select_related("org")
        .order_by("-org__depth")
        .first()
    )


def _policy_url(org: Organization) -> str:
    return reverse("development:policy") + "?" + urlencode({"org": org.pk})


@login_required
@require_http_methods(["GET", "POST"])
def policy(request):
    org, orgs = _pick(request, APPROVE)
    in_force = policy_for(org)
    source = _source(org)
    own = source if source is not None and source.org_id == org.pk else None
    problem = ""
    if source is not None:
        try:
            rules.policy_from_dict(source.data)
        except RuleError as exc:
            problem = str(exc)
    base = (source.data.get("base") if source else None) or rules.DEVELOPMENT_2014.name
    if base not in rules.POLICIES:
        base = rules.DEVELOPMENT_2014.name
    form = PolicyForm(request.POST or None, policy=in_force, base=base)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_set(actor=request.user, org=org, data=form.policy_data())
        except ValidationError as exc:
            apply_service_errors(form, exc, default_field="name")
        else:
            messages.success(request, _(
                "The policy of %(org)s is saved. Its pipelines have been checked again under it."
            ) % {"org": org.name})  # fmt: skip
            return redirect(_policy_url(org))
    below = (
        PolicySetting.objects.restrict(request.user, APPROVE)
        .filter(org__path__startswith=org.path)
        .exclude(org=org)
        .select_related("org")
        .order_by("org__path")
    )
    return render(request, "development/policy.html", {
        "org": org, "picker": _picker(orgs, org), "policy": in_force, "own": own,
        "source": source, "problem": problem, "form": form,
        "parameters": parameter_rows(in_force),
        "rules": [{"code": code, "title": title, "local": in_force.is_local(code)}
                  for code, title in rules.RULES.items()],
        "below": [{"org": s.org, "name": s.data.get("name", ""), "url": _policy_url(s.org)}
                  for s in below],
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def policy_revert(request):
    org, _orgs = _pick(request, APPROVE)
    own = PolicySetting.objects.restrict(request.user, APPROVE).filter(org=org).first()
    if own is None:
        messages.info(request, _("%(org)s has no policy setting of its own.") % {"org": org.name})
        return redirect(_policy_url(org))
    if request.method == "POST":
        services.policy_set(actor=request.user, org=org, data=None)
        messages.success(request, _(
            "%(org)s now follows the inherited policy. Its pipelines have been checked again "
            "under it."
        ) % {"org": org.name})  # fmt: skip
        return redirect(_policy_url(org))
    parent = _parent(org)
    after = policy_for(parent) if parent is not None else rules.DEVELOPMENT_2014
    return render(request, "development/policy.html", {
        "org": org, "confirm_revert": True, "own": own, "after": after,
        "back": _policy_url(org),
    })  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Admission plans


@login_required
@require_http_methods(["GET", "POST"])
def plans(request):
    org, orgs = _pick(request, APPROVE)
    year = _year(request)
    targets = [org, *insights.sub_orgs(org)]
    stored = dict(
        AdmissionPlan.objects.restrict(request.user, APPROVE)
        .filter(org__in=targets, year=year)
        .values_list("org_id", "target")
    )
    form = PlanForm(request.POST or None, orgs=targets, plans=stored)
    if request.method == "POST" and form.is_valid():
        changed = form.changed(stored)
        with transaction.atomic():
            for target_org, target in changed:
                try:
                    services.plan_set(actor=request.user, org=target_org, year=year, target=target)
                except ValidationError as exc:
                    form.add_error(f"target_{target_org.pk}", exc.messages)
            if form.errors:
                transaction.set_rollback(True)
        if not form.errors:
            messages.success(request, _("Admission plans for %(year)s saved (%(n)s changed).")
                             % {"year": year, "n": len(changed)})  # fmt: skip
            url = reverse("development:plans") + "?" + urlencode({"org": org.pk, "year": year})
            return redirect(url)
    pipelines = insights.pipelines_in(request.user, org)
    admitted = insights.admissions_by_unit(pipelines, org, year)
    rows = [
        {"org": o, "field": form[f"target_{o.pk}"],
         "admitted": sum(admitted.values()) if o.pk == org.pk else admitted.get(o.path, 0)}
        for o in targets
    ]  # fmt: skip
    return render(request, "development/plans.html", {
        "org": org, "year": year, "picker": _picker(orgs, org, year), "form": form,
        "rows": rows,
    })  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Printable forms (.docx)


@login_required
@require_GET
def checklist(request, pk: int):
    pipeline = get_scoped_or_404(
        Pipeline.objects.select_related("person__branch"), request.user, VIEW, pk=pk
    )
    person = pipeline.person
    content = documents.checklist_docx(pipeline_view(pipeline), records_of(pipeline))
    audit_record(
        actor=request.user,
        action="export.development_checklist",
        target=pipeline,
        org=person.branch,
        changes={"person": person.name},
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    return _docx_response(content, f"{_('Development record')}-{person.name}-{stamp}.docx")


@login_required
@require_GET
def register(request, pk: int, kind: str):
    layout = insights.REGISTERS.get(kind)
    if layout is None:
        raise Http404
    org = get_scoped_or_404(Organization, request.user, VIEW, pk=pk)
    rows = insights.register_rows(request.user, org, layout)
    title = str(layout.title)
    content = documents.register_docx(
        title=title,
        org_name=org.name,
        headers=[str(header) for header, _width, _fn in layout.columns],
        widths=[width for _header, width, _fn in layout.columns],
        rows=rows,
    )
    audit_record(
        actor=request.user,
        action="export.development_register",
        org=org,
        changes={"kind": kind, "rows": len(rows)},
    )
    stamp = timezone.localdate().strftime("%Y%m%d")
    return _docx_response(content, f"{title}-{org.name}-{stamp}.docx")
