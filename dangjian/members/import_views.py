"""Member import pages: upload, job progress and result, report and template downloads."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.forms import apply_service_errors
from dangjian.core.scope import has_perm
from dangjian.members import import_services as services
from dangjian.members.choices import ImportStatus
from dangjian.members.import_forms import ImportForm
from dangjian.members.imports import template_csv, template_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_PAGE_SIZE = 50
RUNNING = (ImportStatus.QUEUED, ImportStatus.RUNNING)


def _require_manager(request) -> None:
    if not has_perm(request.user, services.PERMISSION):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request):
    _require_manager(request)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_job_create(
                actor=request.user,
                org=form.cleaned_data["org"],
                upload=form.cleaned_data["file"],
                strict=form.cleaned_data["strict"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc, default_field="file")
        else:
            messages.info(request, _("The file was received; the import is running."))
            return redirect("members:import_job", pk=job.pk)
    jobs = services.visible_jobs(request.user).filter(created_by_id=request.user.pk)[:10]
    status = 422 if request.method == "POST" else 200
    return render(request, "members/import/start.html", {"form": form, "jobs": jobs},
                  status=status)  # fmt: skip


def _file_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def import_template(request):
    _require_manager(request)
    buffer = io.BytesIO()
    template_xlsx(buffer)
    return _file_response(buffer.getvalue(), "member-import-template.xlsx", XLSX_TYPE)


@login_required
@require_GET
def import_template_csv(request):
    _require_manager(request)
    return _file_response(template_csv(), "member-import-template.csv", "text/csv; charset=utf-8")


def _job_context(request, job) -> dict:
    paginator = Paginator(job.errors, REPORT_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return {
        "job": job,
        "running": job.status in RUNNING,
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        "querystring": "",
        "failed": job.status in (ImportStatus.REJECTED, ImportStatus.FAILED),
    }


def _visible_job(request, pk: int):
    return get_object_or_404(services.visible_jobs(request.user), pk=pk)


@login_required
@require_GET
def import_job(request, pk: int):
    job = _visible_job(request, pk)
    return render(request, "members/import/job.html", _job_context(request, job))


@login_required
@require_GET
def import_job_status(request, pk: int):
    """The progress or result panel, polled by the job page while the import runs."""
    job = _visible_job(request, pk)
    return render(request, "members/import/_status.html", _job_context(request, job))


@login_required
@require_GET
def import_report(request, pk: int):
    job = _visible_job(request, pk)
    if job.status in RUNNING:
        raise Http404
    return services.import_report_response(actor=request.user, job=job)
