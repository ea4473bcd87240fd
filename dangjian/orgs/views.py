"""Organization pages: thin views over selectors (reads) and services (writes)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods

from dangjian.core.lists import ScopedListView
from dangjian.core.scope import get_scoped_or_404, has_perm
from dangjian.orgs import selectors, services
from dangjian.orgs.filters import OrgFilter
from dangjian.orgs.forms import (
    ORG_FORM_FIELDS,
    CommitteeMemberForm,
    EndTermForm,
    MoveForm,
    OrgForm,
    apply_service_errors,
)
from dangjian.orgs.models import CommitteeMember, Organization


def _date(value):
    return value.isoformat() if value else ""


class OrgListView(ScopedListView):
    model = Organization
    action = "orgs.view"
    search_fields = list(selectors.SEARCH_FIELDS)
    filterset_class = OrgFilter
    export_name = "organizations"
    export_columns = [
        (gettext_lazy("Code"), "code"),
        (pgettext_lazy("organization", "Name"), "name"),
        (gettext_lazy("Short name"), "short_name"),
        (gettext_lazy("Kind"), lambda o: str(o.get_kind_display())),
        (gettext_lazy("Parent organization"), lambda o: o.parent.name if o.parent else ""),
        (gettext_lazy("Work unit"), "unit"),
        (gettext_lazy("Founding date"), lambda o: _date(o.founded_on)),
        (gettext_lazy("Term start"), lambda o: _date(o.term_start)),
        (gettext_lazy("Term end"), lambda o: _date(o.term_end)),
        (
            pgettext_lazy("organization", "Active"),
            lambda o: str(_("Yes") if o.is_active else _("No")),
        ),
    ]

    def base_queryset(self):
        return selectors.org_list(self.request.user, self.action)

    def search(self, queryset, text):
        return selectors.org_search(queryset, text)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = has_perm(self.request.user, "orgs.manage")
        return context


@login_required
def org_tree(request):
    nodes = selectors.tree_for(request.user)
    return render(request, "orgs/tree.html", {"nodes": nodes})


@login_required
def org_tree_children(request, pk: int):
    org = get_scoped_or_404(Organization, request.user, "orgs.view", pk=pk)
    return render(request, "orgs/tree_children.html", {"nodes": selectors.tree_children(org)})


@login_required
def org_detail(request, pk: int):
    org = get_scoped_or_404(
        Organization.objects.select_related("parent"), request.user, "orgs.view", pk=pk
    )
    today = timezone.localdate()
    current, past = selectors.committee_of(org, today)
    ancestors = selectors.org_ancestors(org)
    return render(request, "orgs/detail.html", {
        "org": org,
        "ancestors": [(a, has_perm(request.user, "orgs.view", a)) for a in ancestors],
        "children": selectors.org_children(org),
        "current_members": current,
        "past_members": past,
        "term_status": org.term_status(today),
        "days_left": (org.term_end - today).days if org.term_end else None,
        "can_manage": has_perm(request.user, "orgs.manage", org),
    })  # fmt: skip


def _manageable(request, pk: int) -> Organization:
    return get_scoped_or_404(Organization, request.user, "orgs.manage", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def org_create(request, parent_pk: int):
    parent = _manageable(request, parent_pk)
    form = OrgForm(request.POST or None, parent_kind=parent.kind)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.org_create(actor=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Organization “%(name)s” created.") % {"name": org.name})
            return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/org_form.html", {
        "form": form, "parent": parent, "cancel_url": parent.get_absolute_url(),
        "title": _("New organization under %(parent)s") % {"parent": parent.name},
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request, pk: int):
    org = _manageable(request, pk)
    parent_kind = org.parent.kind if org.parent_id else None
    form = OrgForm(request.POST or None, initial=OrgForm.initial_for(org), parent_kind=parent_kind)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ORG_FORM_FIELDS}
        try:
            services.org_update(actor=request.user, org=org, **fields)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(org)
    return render(request, "orgs/org_form.html", {
        "form": form, "org": org, "cancel_url": org.get_absolute_url(),
        "title": _("Edit %(name)s") % {"name": org.name},
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def org_move(request, pk: int):
    """Two steps: choose the new parent, then confirm after seeing what moves along."""
    org = _manageable(request, pk)
    form = MoveForm(request.POST or None, targets=selectors.move_targets(request.user, org))
    context = {"org": org, "form": form, "subtree_size": org.subtree().count()}
    if request.method == "POST" and form.is_valid():
        new_parent = form.cleaned_data["new_parent"]
        if request.POST.get("confirm") == "1":
            try:
                services.org_move(actor=request.user, org=org, new_parent=new_parent)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("“%(name)s” now sits under “%(parent)s”.")
                    % {"name": org.name, "parent": new_parent.name},
                )
                return redirect(org)
        else:
            context.update(
                new_parent=new_parent,
                old_chain=[*selectors.org_ancestors(org), org],
                new_chain=[*selectors.org_ancestors(new_parent), new_parent, org],
            )
            return render(request, "orgs/move_confirm.html", context)
    return render(request, "orgs/move.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def org_deactivate(request, pk: int):
    org = _manageable(request, pk)
    active_children = org.children.filter(is_active=True).count()
    error = None
    if request.method == "POST":
        try:
            services.org_deactivate(actor=request.user, org=org)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("“%(name)s” was deactivated.") % {"name": org.name})
            return redirect(org)
    return render(request, "orgs/deactivate.html", {
        "org": org, "active_children": active_children, "error": error,
    })  # fmt: skip


def _member(request, pk: int) -> CommitteeMember:
    return get_scoped_or_404(
        CommitteeMember.objects.select_related("org"), request.user, "orgs.manage", pk=pk
    )


@login_required
@require_http_methods(["GET", "POST"])
def committee_add(request, pk: int):
    org = _manageable(request, pk)
    form = CommitteeMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_member_add(actor=request.user, org=org, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Committee member added."))
            return redirect(org)
    return render(request, "orgs/org_form.html", {
        "form": form, "org": org, "cancel_url": org.get_absolute_url(),
        "title": _("Add a committee member to %(name)s") % {"name": org.name},
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def committee_edit(request, pk: int):
    member = _member(request, pk)
    form = CommitteeMemberForm(
        request.POST or None, initial=CommitteeMemberForm.initial_for(member)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_member_update(actor=request.user, member=member, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(member.org)
    return render(request, "orgs/org_form.html", {
        "form": form, "org": member.org, "cancel_url": member.org.get_absolute_url(),
        "title": _("Edit committee member %(name)s") % {"name": member.name},
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def committee_end(request, pk: int):
    member = _member(request, pk)
    form = EndTermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_member_end(
                actor=request.user, member=member, on=form.cleaned_data["term_end"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The term of %(name)s has ended.") % {"name": member.name})
            return redirect(member.org)
    return render(request, "orgs/committee_end.html", {"form": form, "member": member})


def term_reminders_panel(request) -> dict | None:
    """Home panel: orgs the user manages whose committee term has ended or ends soon."""
    orgs, more = selectors.term_reminders(request.user)
    if not orgs:
        return None
    today = timezone.localdate()
    rows = [(org, org.term_status(today), (org.term_end - today).days) for org in orgs]
    return {"rows": rows, "more": more}
