"""Pipeline pages: the list, starting a pipeline, the timeline of one person and the forms that
record, withdraw, extend and stop. Thin views: the selectors read, the services decide.

Pipelines are read with `restrict(user, "development.view")`, which also lets a person see their
own pipeline (personal scope, read-only). Anything else is 404. Buttons show only what the
viewer may do; the services check again.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from dangjian.attachments.services import attachment_store
from dangjian.core.forms import apply_service_errors
from dangjian.core.lists import ScopedListView
from dangjian.core.scope import get_scoped_or_404, has_perm, path_q, scope_paths
from dangjian.development import services
from dangjian.development.filters import PipelineFilter
from dangjian.development.forms import (
    AttachForm,
    ExtendForm,
    StartForm,
    StepForm,
    StopForm,
    UndoForm,
)
from dangjian.development.models import (
    COMMITTEE_STEPS,
    REPEATED_STEPS,
    STEP_CHOICES,
    Pipeline,
    PipelineStatus,
    StepRecord,
)
from dangjian.development.selectors import StepRow, pipeline_view, policy_for, records_of
from dangjian.members.choices import STARTABLE_STAGES, Stage
from dangjian.members.models import Person
from dangjian.members.selectors import person_search
from dangjian.rules.development import DEVELOPMENT_2014, RULES

VIEW = "development.view"
MANAGE = "development.manage"
APPROVE = "development.approve"
STEP_LABELS = dict(STEP_CHOICES)
PERSON_MATCHES_LIMIT = 20
RECORDABLE_STATES = frozenset({"due", "waiting", "overdue"})
# The five stages of the 2014 rules and the step numbers in each (DOMAIN.md §2).
STAGE_GROUPS = (
    (gettext_lazy("Application for membership"), range(1, 3)),
    (gettext_lazy("Selecting, cultivating and educating activists"), range(3, 7)),
    (gettext_lazy("Selecting and examining candidates"), range(7, 12)),
    (gettext_lazy("Admitting probationary members"), range(12, 19)),
    (gettext_lazy("Educating, examining and converting probationary members"), range(19, 26)),
)
# Records outside the 25 steps: local public notices and thought reports.
EXTRA_STEPS = ("notice_start", "conversion_notice_start", "thought_reports")


def step_permission(step: str) -> str:
    """What recording (or withdrawing) `step` needs, as the services check it."""
    return APPROVE if step in COMMITTEE_STEPS else MANAGE


def _pipelines():
    return Pipeline.objects.select_related("person__branch")


def _pipeline_or_404(request, pk: int) -> Pipeline:
    return get_scoped_or_404(_pipelines(), request.user, VIEW, pk=pk)


def _back(request, pipeline: Pipeline, text: str):
    messages.warning(request, text)
    return redirect("development:detail", pk=pipeline.pk)


def store_documents_and(user, *, uploads, org, permission: str, call):
    """Store the uploaded files, then `call(attachments)`, all in one transaction; when the call
    refuses, the stored files are removed again (no orphans on disk)."""
    stored = []
    try:
        with transaction.atomic():
            for upload in uploads:
                stored.append(attachment_store(
                    actor=user, org=org, upload=upload, read_permission=VIEW,
                    permission=permission,
                ))  # fmt: skip
            return call(stored)
    except BaseException:
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise


# --- the list ---------------------------------------------------------------------------------


def _iso(attr: str):
    def cell(pipeline: Pipeline) -> str:
        value = getattr(pipeline, attr)
        return value.isoformat() if value else ""

    return cell


class PipelineListView(ScopedListView):
    model = Pipeline
    action = VIEW
    filterset_class = PipelineFilter
    search_fields = ["person__name"]
    template_name = "development/list.html"
    export_name = "development"
    export_columns = [
        (gettext_lazy("Name"), lambda p: p.person.name),
        (gettext_lazy("Branch"), lambda p: p.person.branch.name),
        (gettext_lazy("Stage"), lambda p: str(p.person.get_stage_display())),
        (gettext_lazy("Status"), lambda p: str(p.get_status_display())),
        (gettext_lazy("Next step"), lambda p: STEP_LABELS.get(p.next_step, "")),
        (gettext_lazy("Earliest allowed date"), _iso("next_earliest")),
        (gettext_lazy("Latest allowed date"), _iso("next_latest")),
        (gettext_lazy("Overdue items"), "overdue_count"),
        (gettext_lazy("Policy"), "policy_name"),
    ]

    def base_queryset(self):
        return (
            _pipelines()
            .restrict(self.request.user, self.action)
            .order_by("-overdue_count", F("next_latest").asc(nulls_last=True), "person__name", "pk")
        )

    def search(self, queryset, text):
        return queryset.filter(
            Q(person__name__icontains=text) | Q(person__name_initials__startswith=text.lower())
        )

    def get_template_names(self):
        if self.request.headers.get("HX-Target") == "list-results":
            return ["development/list_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(context["object_list"])
        for pipeline in rows:
            pipeline.next_label = STEP_LABELS.get(pipeline.next_step, "")
        context.update(
            object_list=rows,
            can_start=has_perm(self.request.user, MANAGE),
            narrowed=bool(self.query_text) or bool(self.filterset and self.filterset.narrowed),
        )
        return context


# --- starting a pipeline ----------------------------------------------------------------------


def startable_people(user):
    """People the user may start developing: visible records (members.view) in branches where
    the user holds development.manage, not yet members, with no pipeline in progress."""
    return (
        Person.objects.restrict(user, "members.view")
        .filter(path_q("branch__path", scope_paths(user, MANAGE)))
        .filter(stage__in=STARTABLE_STAGES, is_active=True)
        .exclude(development_pipelines__status=PipelineStatus.ACTIVE)
        .select_related("branch")
    )


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_start(request):
    user = request.user
    if not scope_paths(user, MANAGE):
        raise Http404
    raw = request.GET.get("person") or request.POST.get("person")
    if not raw:
        text = request.GET.get("q", "").strip()[:50]
        matches = list(person_search(startable_people(user), text)[:PERSON_MATCHES_LIMIT])
        return render(request, "development/start.html", {
            "person_query": text, "person_matches": matches if text else [],
        })  # fmt: skip
    person = get_scoped_or_404(
        Person.objects.select_related("branch"), user, "members.view", pk=raw
    )
    if not has_perm(user, MANAGE, person.branch):
        raise Http404
    current = Pipeline.objects.filter(person=person, status=PipelineStatus.ACTIVE).first()
    if current is not None:
        messages.info(request, _("%(name)s is already being developed.") % {"name": person.name})
        return redirect("development:detail", pk=current.pk)
    form = StartForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pipeline = store_documents_and(
                user, uploads=data["documents"], org=person.branch, permission=MANAGE,
                call=lambda documents: services.pipeline_start(
                    actor=user, person=person, applied_on=data["on"],
                    responsible=data["responsible"], note=data["note"], documents=documents,
                ),
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Development of %(name)s started.") % {"name": person.name})
            return redirect("development:detail", pk=pipeline.pk)
    return render(request, "development/start.html", {"person": person, "form": form})


# --- the timeline -----------------------------------------------------------------------------


@dataclass
class RecordView:
    record: StepRecord
    exception_titles: list[str]
    can_attach: bool = False


@dataclass
class RowView:
    """One step as the timeline shows it to this viewer."""

    key: str
    label: str
    number: int | None
    state: str
    records: list[RecordView]
    pipeline_pk: int
    row: StepRow | None = None
    can_record: bool = False
    violations: tuple = field(default_factory=tuple)

    @property
    def url(self) -> str:
        return reverse("development:step", kwargs={"pk": self.pipeline_pk, "step": self.key})


def _record_view(record: StepRecord, can_attach: bool = False) -> RecordView:
    titles = [RULES.get(code, code) for code in record.exception_rules]
    return RecordView(record, titles, can_attach)


def _may(user, step: str, branch) -> bool:
    return has_perm(user, step_permission(step), branch)


def _timeline(user, pipeline: Pipeline, view) -> tuple[list, list, list]:
    """(stage groups of step rows, extra rows, all records) with what this viewer may record."""
    branch, active = pipeline.person.branch, pipeline.is_active
    may = {perm: has_perm(user, perm, branch) for perm in (MANAGE, APPROVE)}
    rows = []
    for row in view.rows:
        recordable = row.state in RECORDABLE_STATES
        rows.append(RowView(
            key=row.key, label=row.label, number=row.number, state=row.state,
            records=[
                _record_view(r, active and may[step_permission(row.key)]) for r in row.records
            ],
            row=row,
            can_record=active and recordable and may[step_permission(row.key)],
            violations=row.violations, pipeline_pk=pipeline.pk,
        ))  # fmt: skip
    groups = [(title, [r for r in rows if r.number in numbers]) for title, numbers in STAGE_GROUPS]
    records = records_of(pipeline)
    policy = view.policy
    shown = {
        "notice_start": policy.public_notice_working_days is not None,
        "conversion_notice_start": policy.conversion_notice_working_days is not None,
        "thought_reports": bool(policy.thought_report_interval_months),
    }
    extras = []
    for key in EXTRA_STEPS:
        own = [_record_view(r, active and may[MANAGE]) for r in records if r.step == key]
        if not (own or shown[key]):
            continue
        open_ = key in REPEATED_STEPS or not own
        extras.append(RowView(
            key=key, label=STEP_LABELS[key], number=None, state="done" if own else "",
            records=own, can_record=active and open_ and may[MANAGE],
            violations=tuple(v for v in view.violations if v.step == key),
            pipeline_pk=pipeline.pk,
        ))  # fmt: skip
    return groups, extras, records


def _latest_entry(records: list[StepRecord]) -> StepRecord | None:
    return max(records, key=lambda r: (r.entered_at, r.pk), default=None)


@login_required
def pipeline_detail(request, pk: int):
    pipeline = _pipeline_or_404(request, pk)
    user, person = request.user, pipeline.person
    view = pipeline_view(pipeline)
    groups, extras, records = _timeline(user, pipeline, view)
    active, branch = pipeline.is_active, person.branch
    can_manage, can_approve = has_perm(user, MANAGE, branch), has_perm(user, APPROVE, branch)
    latest = _latest_entry(records)
    probationary = person.stage == Stage.PROBATIONARY
    context = {
        "pipeline": pipeline,
        "person": person,
        "view": view,
        "groups": groups,
        "extras": extras,
        "next_label": STEP_LABELS.get(view.next_step or "", ""),
        "next_row": next((r for _, rows in groups for r in rows if r.key == view.next_step), None),
        "blocked_labels": [STEP_LABELS[k] for k in (view.next_window.blocked_by
                                                    if view.next_window else ())],
        "local_policy": view.policy.name != DEVELOPMENT_2014.name,
        "national_violations": [v for v in view.violations if not v.local],
        "local_violations": [v for v in view.violations if v.local],
        "periodic": [(STEP_LABELS.get(key, key), due) for key, due in view.periodic],
        "can_extend": active and probationary and can_approve and not pipeline.extension_months,
        "can_stop": active and can_manage and (can_approve or not probationary),
        "probationary": probationary,
        "undo": latest if (
            active and latest is not None and latest.step != "application"
            and _may(user, latest.step, branch)
        ) else None,
        "can_print": can_manage or can_approve,
        "latest_label": STEP_LABELS.get(latest.step, "") if latest else "",
    }  # fmt: skip
    return render(request, "development/detail.html", context)


# --- recording a step -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def step_record(request, pk: int, step: str):
    pipeline = _pipeline_or_404(request, pk)
    if step not in STEP_LABELS:
        raise Http404
    user, branch, label = request.user, pipeline.person.branch, STEP_LABELS[step]
    if not _may(user, step, branch):
        return _back(request, pipeline, _("You may not record “%(step)s” for this person.")
                     % {"step": label})  # fmt: skip
    if not pipeline.is_active:
        return _back(request, pipeline, _("This development has ended; no step can be recorded."))
    if step not in REPEATED_STEPS and pipeline.steps.filter(step=step).exists():
        return _back(request, pipeline, _("“%(step)s” is already recorded.") % {"step": label})
    view = pipeline_view(pipeline)
    row = next((r for r in view.rows if r.key == step), None)
    form = StepForm(
        request.POST or None, request.FILES or None, step=step, pipeline=pipeline, user=user
    )
    if request.method == "POST" and form.is_valid():
        kwargs = form.service_kwargs()
        try:
            record = store_documents_and(
                user, uploads=form.cleaned_data["documents"], org=branch,
                permission=step_permission(step),
                call=lambda documents: services.step_record(
                    actor=user, pipeline=pipeline, step=step, documents=documents, **kwargs
                ),
            )  # fmt: skip
        except ValidationError as exc:
            form.apply_errors(exc)
        else:
            done = (
                _("“%(step)s” recorded as an exception, with the justification.")
                if record.is_exception
                else _("“%(step)s” recorded.")
            )
            messages.success(request, done % {"step": label})
            return redirect("development:detail", pk=pipeline.pk)
    periodic = [due for key, due in view.periodic if key == step]
    return render(request, "development/step_form.html", {
        "pipeline": pipeline, "person": pipeline.person, "step": step, "label": label,
        "number": row.number if row else None, "window": row.window if row else None,
        "next_due": periodic[0] if periodic else None, "form": form,
        "today": timezone.localdate(),
        "show_justification": form.overridable or bool(form.data.get("justification")),
    })  # fmt: skip


# --- withdrawing, extending, stopping ---------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def step_undo(request, pk: int):
    record = get_scoped_or_404(
        StepRecord.objects.select_related("pipeline__person__branch", "entered_by", "vote"),
        request.user, VIEW, pk=pk,
    )  # fmt: skip
    pipeline, user = record.pipeline, request.user
    if not _may(user, record.step, pipeline.person.branch):
        return _back(request, pipeline, _("You may not withdraw this record."))
    form = UndoForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.step_undo(actor=user, record=record, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("“%(step)s” withdrawn.")
                             % {"step": STEP_LABELS[record.step]})  # fmt: skip
            return redirect("development:detail", pk=pipeline.pk)
    return render(request, "development/undo.html", {
        "pipeline": pipeline, "person": pipeline.person, "record": _record_view(record),
        "label": STEP_LABELS[record.step], "form": form,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def step_attach(request, pk: int):
    """Add documents that arrive after the step was recorded (a scan of the approval)."""
    record = get_scoped_or_404(
        StepRecord.objects.select_related("pipeline__person__branch", "entered_by", "vote"),
        request.user, VIEW, pk=pk,
    )  # fmt: skip
    pipeline, user = record.pipeline, request.user
    if not _may(user, record.step, pipeline.person.branch):
        return _back(request, pipeline, _("You may not add documents to this record."))
    form = AttachForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            store_documents_and(
                user, uploads=form.cleaned_data["documents"], org=pipeline.person.branch,
                permission=step_permission(record.step),
                call=lambda documents: services.step_attach(
                    actor=user, record=record, documents=documents
                ),
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Documents added."))
            return redirect("development:detail", pk=pipeline.pk)
    return render(request, "development/attach.html", {
        "pipeline": pipeline, "person": pipeline.person, "record": _record_view(record),
        "label": STEP_LABELS[record.step], "form": form,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def probation_extend(request, pk: int):
    pipeline = _pipeline_or_404(request, pk)
    user, person = request.user, pipeline.person
    if not has_perm(user, APPROVE, person.branch):
        return _back(request, pipeline, _("You may not extend this probation."))
    form = ExtendForm(request.POST or None, policy=policy_for(person.branch))
    if request.method == "POST" and form.is_valid():
        try:
            services.probation_extend(actor=user, pipeline=pipeline, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Probation of %(name)s extended.") % {"name": person.name})
            return redirect("development:detail", pk=pipeline.pk)
    return render(request, "development/extend.html", {
        "pipeline": pipeline, "person": person, "form": form,
        "probation_end": pipeline_view(pipeline).probation_end,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_stop(request, pk: int):
    pipeline = _pipeline_or_404(request, pk)
    user, person = request.user, pipeline.person
    probationary = person.stage == Stage.PROBATIONARY
    need = APPROVE if probationary else MANAGE
    if not (has_perm(user, MANAGE, person.branch) and has_perm(user, need, person.branch)):
        return _back(request, pipeline, _("You may not end this development."))
    if not pipeline.is_active:
        return _back(request, pipeline, _("This development has already ended."))
    form = StopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pipeline_stop(actor=user, pipeline=pipeline, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            pipeline.refresh_from_db()
            messages.success(request, str(pipeline.get_status_display()))
            return redirect("development:detail", pk=pipeline.pk)
    return render(request, "development/stop.html", {
        "pipeline": pipeline, "person": person, "form": form, "probationary": probationary,
    })  # fmt: skip
