"""Member self-service ("my record"), correction requests and their review, verification
campaigns. Thin views: reads from the selectors in correction_services / campaign_services,
writes through their services; out of scope is 404 like missing."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.core.dates import cn_date
from dangjian.core.forms import apply_service_errors
from dangjian.core.scope import get_scoped_or_404, has_perm, scope_paths
from dangjian.members import campaign_services as campaigns
from dangjian.members import correction_services as corrections
from dangjian.members.choices import RequestStatus, VerificationStatus
from dangjian.members.models import CorrectionRequest, Person, VerificationCampaign
from dangjian.members.record_services import person_reveal_for
from dangjian.members.request_forms import (
    CampaignForm,
    CorrectionForm,
    RejectForm,
    RequestFilterForm,
)
from dangjian.members.services import SENSITIVE_FIELDS, mask
from dangjian.orgs.models import Organization

# Shown on "my record", in this order; sensitive ones masked until the owner asks.
_BASIC = ("name", "sex", "ethnicity", "birth_date", "id_number", "native_place", "education",
          "personnel_category")  # fmt: skip
_PARTY = ("branch", "party_group", "stage", "join_date", "full_member_date", "standing",
          "mobile_destination")  # fmt: skip
RECORD_SECTIONS = (
    (gettext_lazy("Basic information"), _BASIC),
    (gettext_lazy("Contact"), ("phone", "address")),
    (gettext_lazy("Work and post"), ("work_unit", "job", "title")),
    (gettext_lazy("Party membership"), _PARTY),
)  # fmt: skip


def _own_person(request) -> Person | None:
    return (
        Person.objects.select_related("branch", "party_group")
        .filter(user_id=request.user.pk)
        .first()
    )


def _value(person: Person, field: str):
    display = getattr(person, f"get_{field}_display", None)
    if display is not None:
        return display()
    value = getattr(person, field)
    if field in SENSITIVE_FIELDS:
        return mask(field, value)
    if isinstance(value, date):
        return cn_date(value)
    return value


def _sections(person: Person) -> list[dict]:
    sections = []
    for title, fields in RECORD_SECTIONS:
        rows = [
            {"field": f, "label": Person._meta.get_field(f).verbose_name,
             "value": _value(person, f), "sensitive": f in SENSITIVE_FIELDS}
            for f in fields
        ]  # fmt: skip
        sections.append({"title": title, "rows": rows})
    return sections


@login_required
def my_record(request):
    person = _own_person(request)
    if person is None:
        return render(request, "members/self/no_record.html", status=404)
    own = list(corrections.own_requests(request.user).select_related("campaign")[:5])
    return render(request, "members/self/record.html", {
        "person": person,
        "sections": _sections(person),
        "pending_responses": campaigns.pending_for(request.user),
        "requests": own,
        "has_pending_request": any(r.status == RequestStatus.PENDING for r in own),
    })  # fmt: skip


@login_required
@require_POST
def my_record_reveal(request):
    """htmx: the clear value of one of the owner's sensitive fields (audited)."""
    field = request.POST.get("field", "")
    person = _own_person(request)
    if person is None or field not in SENSITIVE_FIELDS:
        raise Http404
    value = person_reveal_for(actor=request.user, person=person, field=field)
    return HttpResponse(format_html('<span class="dj-revealed">{}</span>', value or "—"))


@login_required
@require_http_methods(["GET", "POST"])
def my_correction_create(request):
    person = _own_person(request)
    if person is None:
        raise Http404
    campaign = None
    if request.GET.get("campaign"):
        campaign = get_object_or_404(
            VerificationCampaign.objects.filter(responses__person=person),
            pk=request.GET["campaign"] if request.GET["campaign"].isdigit() else 0,
        )
    form = CorrectionForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            corrections.correction_request_create(
                actor=request.user, person=person, changes=form.proposed(person),
                reason=form.cleaned_data["reason"], campaign=campaign,
            )  # fmt: skip
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your request was sent to your branch for review."))
            return redirect("members:me")
    return render(request, "members/corrections/request_form.html", {
        "form": form, "person": person, "campaign": campaign,
    }, status=422 if form.errors else 200)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def my_correction_withdraw(request, pk: int):
    correction = get_object_or_404(corrections.own_requests(request.user), pk=pk)
    error = None
    if request.method == "POST":
        try:
            corrections.correction_request_withdraw(actor=request.user, request=correction)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Your request was withdrawn."))
            return redirect("members:me")
    return render(request, "members/self/withdraw.html", {
        "correction": correction, "error": error,
        "rows": corrections.change_rows(correction, reveal=False),
    })  # fmt: skip


# --- review queue -------------------------------------------------------------------------------


def _branches_managed(user):
    return Organization.objects.restrict(user, "members.manage").filter(
        kind__in=("branch", "joint_branch")
    )


@login_required
def correction_list(request):
    if not scope_paths(request.user, "members.manage"):
        raise Http404
    form = RequestFilterForm(request.GET or None, branches=_branches_managed(request.user))
    queryset = corrections.reviewable_requests(request.user).select_related(
        "person__branch", "requested_by"
    )
    status = RequestStatus.PENDING
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"]
        if form.cleaned_data["branch"]:
            queryset = queryset.filter(person__branch=form.cleaned_data["branch"])
    elif not form.is_bound:
        form = RequestFilterForm(
            initial={"status": status}, branches=_branches_managed(request.user)
        )
    if status:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form, "page_obj": page, "object_list": page.object_list,
        "is_paginated": page.has_other_pages(), "querystring": query.urlencode(),
    }  # fmt: skip
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "list-results":
        return render(request, "members/corrections/list_results.html", context)
    return render(request, "members/corrections/list.html", context)


def _reviewable(request, pk: int) -> CorrectionRequest:
    return get_scoped_or_404(
        CorrectionRequest.objects.select_related("person__branch", "requested_by", "reviewed_by",
                                                 "campaign"),
        request.user, "members.manage", pk=pk,
    )  # fmt: skip


def _review_context(request, correction: CorrectionRequest, **extra) -> dict:
    reveal = has_perm(request.user, "members.view_sensitive", correction.person.branch)
    return {"correction": correction, "rows": corrections.change_rows(correction, reveal=reveal),
            "sensitive_masked": not reveal, **extra}  # fmt: skip


@login_required
def correction_detail(request, pk: int):
    correction = _reviewable(request, pk)
    return render(request, "members/corrections/detail.html", _review_context(request, correction))


@login_required
@require_http_methods(["GET", "POST"])
def correction_approve(request, pk: int):
    correction = _reviewable(request, pk)
    error = None
    if request.method == "POST":
        try:
            corrections.correction_request_approve(actor=request.user, request=correction)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Approved: the record has been updated."))
            return redirect("members:correction_list")
    return render(request, "members/corrections/approve.html",
                  _review_context(request, correction, error=error))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def correction_reject(request, pk: int):
    correction = _reviewable(request, pk)
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            corrections.correction_request_reject(
                actor=request.user, request=correction, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Rejected: the member has been told why."))
            return redirect("members:correction_list")
    return render(request, "members/corrections/reject.html",
                  _review_context(request, correction, form=form),
                  status=422 if form.errors else 200)  # fmt: skip


# --- verification campaigns ---------------------------------------------------------------------


@login_required
def campaign_list(request):
    if not scope_paths(request.user, campaigns.ACTION):
        raise Http404
    page = Paginator(campaigns.visible_campaigns(request.user), 20).get_page(
        request.GET.get("page")
    )
    summary = campaigns.campaigns_summary(request.user, page.object_list)
    return render(request, "members/campaigns/list.html", {
        "page_obj": page, "is_paginated": page.has_other_pages(), "querystring": "",
        "rows": [(c, summary.get(c.pk), campaigns.is_open(c)) for c in page.object_list],
        "can_start": campaigns.can_start_in(request.user).exists(),
        "pending_corrections": corrections.pending_count(request.user),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request):
    committees = campaigns.can_start_in(request.user)
    if not committees.exists():
        raise Http404
    form = CampaignForm(request.POST or None, committees=committees)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaigns.campaign_start(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("The campaign has started and everyone concerned was told.")
            )
            return redirect("members:campaign_detail", pk=campaign.pk)
    return render(request, "members/campaigns/form.html", {"form": form},
                  status=422 if form.errors else 200)  # fmt: skip


def _visible_campaign(request, pk: int) -> VerificationCampaign:
    try:
        return campaigns.visible_campaigns(request.user).get(pk=pk)
    except VerificationCampaign.DoesNotExist:
        raise Http404 from None


@login_required
def campaign_detail(request, pk: int):
    campaign = _visible_campaign(request, pk)
    rows, total = campaigns.campaign_progress(request.user, campaign)
    return render(request, "members/campaigns/detail.html", {
        "campaign": campaign, "rows": rows, "total": total,
        "is_open": campaigns.is_open(campaign),
        "can_close": campaigns.may_close(request.user, campaign),
    })  # fmt: skip


@login_required
def campaign_branch(request, pk: int, branch_pk: int):
    """Who in one branch has not answered yet (or has, with ?status=)."""
    campaign = _visible_campaign(request, pk)
    branch = get_scoped_or_404(Organization, request.user, campaigns.ACTION, pk=branch_pk)
    status = request.GET.get("status", VerificationStatus.PENDING)
    if status not in VerificationStatus.values:
        status = VerificationStatus.PENDING
    responses = (
        campaigns.scoped_responses(request.user, campaign)
        .filter(branch=branch, status=status)
        .select_related("person__party_group")
        .order_by("person__name_pinyin", "person_id")
    )
    page = Paginator(responses, 50).get_page(request.GET.get("page"))
    return render(request, "members/campaigns/branch.html", {
        "campaign": campaign, "branch": branch, "status": status, "page_obj": page,
        "is_paginated": page.has_other_pages(), "querystring": f"status={status}",
        "statuses": VerificationStatus.choices,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def campaign_close(request, pk: int):
    campaign = _visible_campaign(request, pk)
    if not has_perm(request.user, campaigns.ACTION, campaign.org):
        raise Http404
    error = None
    if request.method == "POST":
        try:
            campaigns.campaign_close(actor=request.user, campaign=campaign)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The campaign is closed."))
            return redirect("members:campaign_detail", pk=campaign.pk)
    _rows, total = campaigns.campaign_progress(request.user, campaign)
    return render(request, "members/campaigns/close.html",
                  {"campaign": campaign, "total": total, "error": error})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def campaign_confirm(request, pk: int):
    """The member's "my record is right" (POST from my record); GET shows the record."""
    campaign = get_object_or_404(
        VerificationCampaign.objects.filter(responses__person__user_id=request.user.pk), pk=pk
    )
    if request.method == "POST":
        try:
            campaigns.campaign_confirm(actor=request.user, campaign=campaign)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Thank you: your record is confirmed."))
    return redirect("members:me")
