"""Transfer and mobile-member pages: thin views over the services.

Transfers are read with `restrict(user, "transfers.request")`, which lets BOTH sides see one;
anybody else gets 404. Every step is a two-stage page: GET shows what will happen, POST does it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from dangjian.core.lists import ScopedListView
from dangjian.core.scope import get_scoped_or_404, has_perm, path_q, scope_paths
from dangjian.members.choices import MEMBER_STAGES
from dangjian.members.models import Person
from dangjian.members.selectors import person_search
from dangjian.orgs.models import Organization
from dangjian.rules.orgs import BRANCH_KINDS
from dangjian.transfers import services
from dangjian.transfers.forms import (
    INCOMING_PERSON_FIELDS,
    LETTER_FIELDS,
    MOBILE_FIELDS,
    IncomingForm,
    MobileForm,
    OutgoingForm,
    RefuseForm,
    StartTransferForm,
    TransferFilter,
    apply_service_errors,
    awaiting_q,
)
from dangjian.transfers.models import MobileRegistration, Transfer, TransferStatus

VIEW_ACTION = "transfers.request"
BRANCH_OPTIONS_LIMIT = 30
PERSON_MATCHES_LIMIT = 20


def _transfers():
    return Transfer.objects.select_related(
        "person", "from_branch", "to_branch", "requested_by", "approved_by", "decided_by"
    )


class TransferListView(ScopedListView):
    model = Transfer
    action = VIEW_ACTION
    filterset_class = TransferFilter
    search_fields = ["person__name"]
    export_name = "transfers"
    export_columns = [
        (gettext_lazy("person"), lambda t: t.person.name),
        (gettext_lazy("kind"), lambda t: str(t.get_kind_display())),
        (gettext_lazy("status"), lambda t: str(t.get_status_display())),
        (
            pgettext_lazy("transfer", "From"),
            lambda t: t.from_branch.name if t.from_branch else t.external_org,
        ),
        (
            pgettext_lazy("transfer", "To"),
            lambda t: t.to_branch.name if t.to_branch else t.external_org,
        ),
        (gettext_lazy("letter number"), "letter_number"),
        (gettext_lazy("Requested on"), lambda t: t.requested_at.date().isoformat()),
    ]

    def base_queryset(self):
        return _transfers().restrict(self.request.user, self.action)

    def search(self, queryset, text):
        return queryset.filter(
            Q(person__name__icontains=text) | Q(person__name_initials__startswith=text.lower())
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["can_record_letters"] = has_perm(user, "members.manage")
        return context


def _steps(transfer: Transfer) -> list[dict]:
    """The timeline of a transfer: who did what, when."""
    steps = [{"label": _("Requested") if transfer.kind == "internal" else _("Recorded"),
              "by": transfer.requested_by, "at": transfer.requested_at}]  # fmt: skip
    if transfer.approved_at:
        steps.append({"label": _("Approved by the sending committee"),
                      "by": transfer.approved_by, "at": transfer.approved_at})  # fmt: skip
    if transfer.decided_at and transfer.kind == "internal":
        steps.append({"label": transfer.get_status_display(), "by": transfer.decided_by,
                      "at": transfer.decided_at, "note": transfer.refusal_reason})  # fmt: skip
    return steps


def allowed_steps(user, transfer: Transfer) -> set[str]:
    """Which step buttons this viewer may use now (the services check again)."""
    allowed = set()
    if transfer.kind != "internal":
        return allowed
    if transfer.status == TransferStatus.REQUESTED and has_perm(
        user, "transfers.approve", transfer.from_branch
    ):
        allowed.add("approve")
    if transfer.status == TransferStatus.APPROVED and has_perm(
        user, "transfers.approve", transfer.to_branch
    ):
        allowed |= {"accept", "refuse"}
    if transfer.status in services.OPEN_STATUSES and has_perm(
        user, "transfers.request", transfer.from_branch
    ):
        allowed.add("cancel")
    return allowed


@login_required
def transfer_detail(request, pk: int):
    transfer = get_scoped_or_404(_transfers(), request.user, VIEW_ACTION, pk=pk)
    return render(request, "transfers/detail.html", {
        "transfer": transfer, "steps": _steps(transfer),
        "allowed": allowed_steps(request.user, transfer),
    })  # fmt: skip


STEPS = {
    "approve": (services.transfer_approve, gettext_lazy("Approve this transfer"),
                gettext_lazy("Transfer approved; the receiving committee has been told.")),
    "accept": (services.transfer_accept, gettext_lazy("Accept this transfer"),
               gettext_lazy("Transfer accepted; the person now belongs to your branch.")),
    "refuse": (services.transfer_refuse, gettext_lazy("Refuse this transfer"),
               gettext_lazy("Transfer refused; the sending side has been told.")),
    "cancel": (services.transfer_cancel, gettext_lazy("Cancel this transfer"),
               gettext_lazy("Transfer cancelled.")),
}  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def transfer_step(request, pk: int, step: str):
    transfer = get_scoped_or_404(_transfers(), request.user, VIEW_ACTION, pk=pk)
    service, title, done = STEPS[step]
    form = RefuseForm(request.POST or None) if step == "refuse" else None
    if request.method == "POST" and (form is None or form.is_valid()):
        extra = {"reason": form.cleaned_data["reason"]} if form else {}
        try:
            service(actor=request.user, transfer=transfer, **extra)
        except ValidationError as exc:
            if form is not None:
                apply_service_errors(form, exc)
            else:
                messages.error(request, " ".join(exc.messages))
                return redirect("transfers:detail", pk=transfer.pk)
        else:
            messages.success(request, str(done))
            return redirect("transfers:detail", pk=transfer.pk)
    if step not in allowed_steps(request.user, transfer) and request.method == "GET":
        messages.warning(request, _("That step is not available to you for this transfer now."))
        return redirect("transfers:detail", pk=transfer.pk)
    return render(request, "transfers/confirm.html", {
        "transfer": transfer, "title": title, "form": form, "step": step,
        "danger": step in ("refuse", "cancel"),
    })  # fmt: skip


# --- choosing the person and the receiving branch ---------------------------------------------


def _person_or_404(request, action: str) -> Person | None:
    """The person named by ?person=<id> (in the user's scope for `action`), or None."""
    raw = request.GET.get("person") or request.POST.get("person")
    if not raw:
        return None
    return get_scoped_or_404(Person.objects.select_related("branch"), request.user, action, pk=raw)


def person_matches(request, action: str) -> tuple[str, list]:
    """Members in scope matching ?q= (the member list's search: name, pinyin, ID, phone)."""
    text = request.GET.get("q", "").strip()[:50]
    if not text:
        return "", []
    members = Person.objects.restrict(request.user, action).filter(stage__in=MEMBER_STAGES)
    matches = person_search(members, text).select_related("branch")[:PERSON_MATCHES_LIMIT]
    return text, list(matches)


def branch_options(text: str, *, exclude: Organization | None = None, keep=None) -> list:
    queryset = services.receiving_branches().only("id", "name", "code")
    if text:
        queryset = queryset.filter(Q(name__icontains=text) | Q(code__istartswith=text))
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    options = list(queryset[:BRANCH_OPTIONS_LIMIT])
    if keep is not None and keep not in options:
        options.insert(0, keep)
    return options


@login_required
def branch_search(request):
    """htmx: the receiving-branch radio list filtered by ?branch_q=."""
    if not scope_paths(request.user, "transfers.request"):
        raise Http404
    text = request.GET.get("branch_q", "").strip()[:50]
    selected = request.GET.get("to_branch", "")
    return render(request, "transfers/_branch_options.html", {
        "options": branch_options(text, keep=_chosen_branch(selected)), "selected": selected,
        "field_name": "to_branch",
    })  # fmt: skip


def _chosen_branch(selected: str) -> Organization | None:
    if not selected.isdigit():
        return None
    return services.receiving_branches().only("id", "name", "code").filter(pk=selected).first()


def _picker_context(request, action: str) -> dict:
    query, matches = person_matches(request, action)
    return {"person_query": query, "person_matches": matches}


@login_required
@require_http_methods(["GET", "POST"])
def transfer_start(request):
    if not scope_paths(request.user, "transfers.request"):
        raise Http404
    person = _person_or_404(request, "transfers.request")
    context = {"person": person, "title": _("Start a membership transfer")}
    if person is None:
        context.update(_picker_context(request, "transfers.request"))
        return render(request, "transfers/start.html", context)
    form = StartTransferForm(request.POST or None)
    searching = "search_branches" in request.POST
    if request.method == "POST" and not searching and form.is_valid():
        try:
            transfer = services.transfer_request(
                actor=request.user, person=person, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Transfer requested; the sending committee has been told."))
            return redirect("transfers:detail", pk=transfer.pk)
    if searching:
        form = StartTransferForm(initial=request.POST.dict())
    text = request.POST.get("branch_q", "").strip()[:50]
    selected = request.POST.get("to_branch", "")
    context.update(form=form, branch_q=text, selected=selected,
                   options=branch_options(text, exclude=person.branch,
                                          keep=_chosen_branch(selected)))  # fmt: skip
    return render(request, "transfers/start.html", context)


# --- letters: outgoing and incoming -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def transfer_outgoing(request):
    if not scope_paths(request.user, "transfers.request"):
        raise Http404
    person = _person_or_404(request, "transfers.request")
    context = {"person": person, "title": _("Transfer out of the system")}
    if person is None:
        context.update(_picker_context(request, "transfers.request"))
        return render(request, "transfers/letter_form.html", context)
    form = OutgoingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.transfer_outgoing(
                actor=request.user, person=person, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            done = _("Transfer letter recorded; %(name)s has been transferred out.")
            messages.success(request, done % {"name": person.name})
            return redirect("transfers:detail", pk=transfer.pk)
    context["form"] = form
    return render(request, "transfers/letter_form.html", context)


def _incoming_branches(user):
    """Branches where the user may register a person: transfers.request and members.manage
    (person_create checks the latter)."""
    return Organization.objects.filter(
        path_q("path", scope_paths(user, "transfers.request")),
        path_q("path", scope_paths(user, "members.manage")),
        kind__in=BRANCH_KINDS,
        is_active=True,
    ).order_by("code")


@login_required
@require_http_methods(["GET", "POST"])
def transfer_incoming(request):
    if not scope_paths(request.user, "transfers.request"):
        raise Http404
    form = IncomingForm(request.POST or None, branches=_incoming_branches(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        letter = {name: data[name] for name in LETTER_FIELDS}
        person = {name: data[name] for name in INCOMING_PERSON_FIELDS}
        try:
            transfer = services.transfer_incoming(
                actor=request.user, branch=data["branch"], **letter, **person
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s registered from the transfer letter.")
                             % {"name": transfer.person.name})  # fmt: skip
            return redirect("transfers:detail", pk=transfer.pk)
    return render(request, "transfers/letter_form.html", {
        "form": form, "title": _("Register a member transferred in"), "incoming": True,
    })  # fmt: skip


# --- mobile members ---------------------------------------------------------------------------


class MobileListView(ScopedListView):
    model = MobileRegistration
    action = VIEW_ACTION
    search_fields = ["person__name", "destination"]
    template_name = "transfers/mobile_list.html"
    export_name = "mobile_members"
    export_columns = [
        (gettext_lazy("person"), lambda r: r.person.name),
        (gettext_lazy("branch"), lambda r: r.person.branch.name),
        (gettext_lazy("destination"), "destination"),
        (gettext_lazy("Away from"), lambda r: r.starts_on.isoformat()),
        (gettext_lazy("Expected back by"), lambda r: r.ends_on.isoformat() if r.ends_on else ""),
        (gettext_lazy("certificate number"), "certificate_number"),
        (gettext_lazy("contact at destination"), "contact"),
    ]

    def base_queryset(self):
        queryset = MobileRegistration.objects.restrict(self.request.user, self.action)
        if self.request.GET.get("ended") != "1":
            queryset = queryset.filter(ended_at__isnull=True)
        return queryset.select_related("person__branch")

    def get_template_names(self):
        if self.request.headers.get("HX-Target") == "list-results":
            return ["transfers/mobile_list_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["show_ended"] = self.request.GET.get("ended") == "1"
        return context


@login_required
@require_http_methods(["GET", "POST"])
def mobile_register(request):
    if not scope_paths(request.user, "transfers.request"):
        raise Http404
    person = _person_or_404(request, "transfers.request")
    context = {"person": person, "title": _("Register a mobile member")}
    if person is None:
        context.update(_picker_context(request, "transfers.request"))
        return render(request, "transfers/mobile_form.html", context)
    form = MobileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in MOBILE_FIELDS}
        try:
            services.mobile_register(actor=request.user, person=person, **fields)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s registered as a mobile member.")
                             % {"name": person.name})  # fmt: skip
            return redirect("transfers:mobile")
    context["form"] = form
    return render(request, "transfers/mobile_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def mobile_end(request, pk: int):
    registration = get_scoped_or_404(
        MobileRegistration.objects.select_related("person__branch"),
        request.user, VIEW_ACTION, pk=pk,
    )  # fmt: skip
    if request.method == "POST":
        try:
            services.mobile_end(actor=request.user, registration=registration)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Mobile registration of %(name)s ended.")
                             % {"name": registration.person.name})  # fmt: skip
        return redirect("transfers:mobile")
    return render(request, "transfers/mobile_end.html", {"registration": registration})


# --- home panel -------------------------------------------------------------------------------

HOME_PANEL_ROWS = 5


def awaiting_panel(request) -> dict | None:
    """Transfers waiting for the user's approval or acceptance (constant query count)."""
    queryset = _transfers().filter(awaiting_q(request.user))
    rows = list(queryset[: HOME_PANEL_ROWS + 1])
    if not rows:
        return None
    return {
        "rows": rows[:HOME_PANEL_ROWS],
        "count": queryset.count() if len(rows) > HOME_PANEL_ROWS else len(rows),
        "more_url": reverse("transfers:list") + "?direction=todo",
    }
