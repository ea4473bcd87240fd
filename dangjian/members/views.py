"""Member record pages: list and search, detail, create / edit, stage changes, unmasking,
record sets and exports. Thin views over selectors (reads) and services (writes)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.attachments.services import attachment_store
from dangjian.attachments.sniffing import IMAGES
from dangjian.core.lists import ScopedListView
from dangjian.core.scope import has_perm
from dangjian.members import record_services, selectors, services
from dangjian.members.choices import EXIT_STAGES, STARTABLE_STAGES
from dangjian.members.exports import LIST_HEADERS, export_people
from dangjian.members.filters import PersonFilter
from dangjian.members.forms import (
    PersonForm,
    StageForm,
    apply_service_errors,
    record_form_class,
    record_initial,
)
from dangjian.members.models import Person
from dangjian.members.services import SENSITIVE_FIELDS, mask

EXPORT_LAYOUTS = {"xlsx": "list", "national": "national"}


def _detail_url(pk: int, record_set: str = "") -> str:
    url = reverse("members:person_detail", args=[pk])
    return f"{url}#set-{record_set}" if record_set else url


def _age(birth, today) -> int | None:
    if not birth:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class CappedPaginator(Paginator):
    """Counting every matching row costs more than the page itself (the whole group, 230 000
    people: 120 ms on SQLite, 45 ms on PostgreSQL). Beyond CAP the list says "1000+" and asks
    to narrow the search; the pages up to it work as before."""

    cap = 1000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class PersonListView(ScopedListView):
    model = Person
    paginator_class = CappedPaginator
    action = "members.view"
    search_fields = ["name"]  # the search itself is selectors.person_search
    filterset_class = PersonFilter
    export_name = "members"
    export_columns = [(label, None) for label in LIST_HEADERS]  # rows: members.exports
    # The export streams to a temporary file, so it is bounded by disk, not memory.
    max_export_rows = 300_000

    def base_queryset(self):
        return selectors.person_list(self.request.user, self.action)

    def search(self, queryset, text):
        return selectors.person_search(queryset, text)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.filterset is not None and not self.filterset.is_valid():
            queryset = queryset.filter(is_active=True)  # a bad filter value never shows exits
        return queryset

    def get(self, request, *args, **kwargs):
        layout = EXPORT_LAYOUTS.get(request.GET.get("export", ""))
        if layout:
            return export_people(
                self.get_queryset(), user=request.user, layout=layout,
                query=request.GET.dict(), limit=self.max_export_rows,
            )  # fmt: skip
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        for person in context["object_list"]:
            person.age = _age(person.birth_date, today)
            person.phone_masked = mask("phone", person.phone)
        context["can_manage"] = has_perm(self.request.user, "members.manage")
        context["narrowed"] = bool(self.query_text) or self.filterset.narrowed
        return context


@login_required
def person_detail(request, pk: int):
    person = selectors.person_detail(request.user, pk)
    photo = person.photo
    return render(request, "members/person_detail.html", {
        "person": person,
        "age": _age(person.birth_date, timezone.localdate()),
        "masked": {name: mask(name, getattr(person, name)) for name in SENSITIVE_FIELDS},
        "can_reveal": selectors.can_see_sensitive(request.user, person),
        "can_manage": has_perm(request.user, "members.manage", person.branch),
        "can_transfer": person.is_active
        and has_perm(request.user, "transfers.request", person.branch),
        "photo": photo if photo and has_perm(request.user, photo.read_permission, photo.org)
        else None,
        "history": selectors.stage_history(person),
        "record_sets": selectors.record_sets_of(person),
        **_development_links(request.user, person),
    })  # fmt: skip


def _development_links(user, person) -> dict:
    """The person's development pipeline in progress, or whether one may be started."""
    pipeline = (
        person.development_pipelines.restrict(user, "development.view")
        .filter(status="active")
        .first()
    )
    may_start = (
        pipeline is None
        and person.is_active
        and person.stage in STARTABLE_STAGES
        and has_perm(user, "development.manage", person.branch)
    )
    return {"development_pipeline": pipeline, "can_start_development": may_start}


@login_required
@require_POST
def person_reveal(request, pk: int, field: str):
    """htmx: the clear value of one sensitive field, in place of the masked one (audited)."""
    if field not in SENSITIVE_FIELDS:
        raise Http404
    person = selectors.person_detail(request.user, pk)
    value = record_services.person_reveal_for(actor=request.user, person=person, field=field)
    return render(request, "members/person_reveal.html", {"value": value})


def _store_photo(request, person: Person, upload) -> None:
    attachment = attachment_store(
        actor=request.user, org=person.branch, upload=upload, read_permission="members.view",
        permission="members.manage", allowed=IMAGES,
    )  # fmt: skip
    services.person_update(actor=request.user, person=person, photo=attachment)


def _form_page(request, form, *, title, person=None, status=200):
    return render(request, "members/person_form.html", {
        "form": form, "title": title, "person": person,
        "cancel_url": _detail_url(person.pk) if person else reverse("members:person_list"),
    }, status=status)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    if not has_perm(request.user, "members.manage"):
        raise Http404
    initial = {"branch": request.GET.get("branch")} if request.GET.get("branch") else None
    form = PersonForm(request.POST or None, request.FILES or None, user=request.user,
                      initial=initial)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                person = _create(request, form)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Record of %(name)s created.") % {"name": person.name})
            return redirect("members:person_detail", pk=person.pk)
    return _form_page(request, form, title=_("New member record"))


def _create(request, form) -> Person:
    person = services.person_create(actor=request.user, **form.service_fields())
    if form.cleaned_data.get("photo"):
        _store_photo(request, person, form.cleaned_data["photo"])
    return person


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    person = selectors.person_detail(request.user, pk, "members.manage")
    reveal = has_perm(request.user, "members.view_sensitive", person.branch)
    form = PersonForm(request.POST or None, request.FILES or None, user=request.user,
                      person=person, reveal=reveal)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.person_update(actor=request.user, person=person, **form.service_fields())
                if form.cleaned_data.get("photo"):
                    _store_photo(request, person, form.cleaned_data["photo"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("members:person_detail", pk=person.pk)
    return _form_page(
        request, form, person=person, title=_("Edit %(name)s") % {"name": person.name}
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_stage(request, pk: int):
    """Change the stage with a date and a reason; an exit asks for confirmation first."""
    person = selectors.person_detail(request.user, pk, "members.manage")
    form = StageForm(request.POST or None, person=person)
    confirm = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["stage"] in EXIT_STAGES and request.POST.get("confirm") != "1":
            confirm = Person(stage=data["stage"]).get_stage_display()
        else:
            try:
                services.person_update(
                    actor=request.user, person=person, stage=data["stage"], on=data["on"],
                    reason=data["reason"], join_date=data["join_date"],
                    full_member_date=data["full_member_date"],
                )  # fmt: skip
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The stage was changed."))
                return redirect("members:person_detail", pk=person.pk)
    return render(request, "members/person_stage.html", {
        "form": form, "person": person, "confirm": confirm,
    })  # fmt: skip


@login_required
@require_GET
def party_group_options(request):
    """htmx: the <option>s of the party groups of the chosen branch (members.manage scope)."""
    groups = []
    try:
        branch_id = int(request.GET.get("branch", ""))
    except ValueError:
        branch_id = None
    if (
        branch_id
        and selectors.branches_for(request.user, "members.manage").filter(pk=branch_id).exists()
    ):
        groups = list(selectors.party_groups_of(branch_id))
    return render(request, "members/person_group_options.html", {"groups": groups})


# --- record sets ----------------------------------------------------------------------------


def _record_page(request, form, record_set, person, title):
    return render(request, "members/records/record_form.html", {
        "form": form, "record_set": record_set, "person": person, "title": title,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def record_add(request, pk: int, kind: str):
    record_set = selectors.RECORD_SETS.get(kind)
    if record_set is None:
        raise Http404
    person = selectors.person_detail(request.user, pk, "members.manage")
    form = record_form_class(record_set)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record_services.record_add(
                actor=request.user, person=person, model=record_set.model, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Added."))
            return redirect(_detail_url(person.pk, kind))
    title = _("%(set)s: add for %(name)s") % {"set": record_set.title, "name": person.name}
    return _record_page(request, form, record_set, person, title)


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request, kind: str, pk: int):
    record_set, record = selectors.record_of(request.user, kind, pk)
    form = record_form_class(record_set)(
        request.POST or None, initial=record_initial(record, record_set)
    )
    if request.method == "POST" and form.is_valid():
        try:
            record_services.record_update(actor=request.user, record=record, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_detail_url(record.person_id, kind))
    title = _("%(set)s: edit for %(name)s") % {"set": record_set.title, "name": record.person.name}
    return _record_page(request, form, record_set, record.person, title)


@login_required
@require_http_methods(["GET", "POST"])
def record_delete(request, kind: str, pk: int):
    """GET: a confirmation page (for when scripts are off); POST: delete."""
    record_set, record = selectors.record_of(request.user, kind, pk)
    if request.method == "POST":
        record_services.record_delete(actor=request.user, record=record)
        messages.success(request, _("Deleted."))
        return redirect(_detail_url(record.person_id, kind))
    return render(request, "members/records/record_delete.html", {
        "record_set": record_set, "record": record, "person": record.person,
    })  # fmt: skip
