"""Forms of the member pages: they parse input only; every rule lives in the services, whose
ValidationError lands on the fields (apply_service_errors)."""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.attachments.sniffing import IMAGES
from dangjian.attachments.validation import validate_upload
from dangjian.core.forms import StyledForm, apply_service_errors  # noqa: F401 - re-exported
from dangjian.members import selectors
from dangjian.members.choices import EXIT_STAGES
from dangjian.members.models import Person
from dangjian.members.services import SENSITIVE_FIELDS

# Fields of the create / edit form, in the order of the page's sections.
SECTIONS = (
    (_("Basic information"), ("name", "sex", "ethnicity", "birth_date", "id_number",
                              "native_place", "education", "photo")),
    (_("Party membership"), ("branch", "party_group", "stage", "application_date", "join_date",
                             "full_member_date", "probation_extension_months", "introducers",
                             "standing", "lost_contact_since", "mobile_destination")),
    (_("Work"), ("personnel_category", "work_unit", "job", "title")),
    (_("Contact"), ("phone", "address")),
)  # fmt: skip
SENSITIVE_MAX = {"id_number": 30, "phone": 20, "address": 200}


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def model_field(model, name: str, **kwargs):
    """The model field's form field (labels, max_length, choices), dates as date pickers."""
    if model._meta.get_field(name).get_internal_type() == "DateField":
        kwargs.setdefault("widget", _date_input())
    return model._meta.get_field(name).formfield(**kwargs)


class PersonForm(StyledForm):
    """Create or edit a record. `branches` are where the actor has members.manage; party
    groups are those of the chosen branch. Without members.view_sensitive (`reveal=False`),
    sensitive inputs start blank on edit and blank means "unchanged"."""

    name = model_field(Person, "name")
    sex = model_field(Person, "sex")
    ethnicity = model_field(Person, "ethnicity")
    birth_date = model_field(Person, "birth_date")
    id_number = forms.CharField(label=_("ID number"), max_length=SENSITIVE_MAX["id_number"])
    native_place = model_field(Person, "native_place")
    education = model_field(Person, "education")
    photo = forms.FileField(
        label=_("photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("A portrait photo (PNG, JPEG, GIF or WebP)."),
    )
    branch = forms.ModelChoiceField(label=_("branch"), queryset=None)
    party_group = forms.ModelChoiceField(label=_("party group"), queryset=None, required=False)
    stage = model_field(Person, "stage")
    application_date = model_field(Person, "application_date")
    join_date = model_field(Person, "join_date")
    full_member_date = model_field(Person, "full_member_date")
    probation_extension_months = model_field(Person, "probation_extension_months")
    introducers = model_field(Person, "introducers")
    standing = model_field(Person, "standing")
    lost_contact_since = model_field(Person, "lost_contact_since")
    mobile_destination = model_field(Person, "mobile_destination")
    personnel_category = model_field(Person, "personnel_category")
    work_unit = model_field(Person, "work_unit")
    job = model_field(Person, "job")
    title = model_field(Person, "title")
    phone = forms.CharField(
        label=_("mobile phone"), max_length=SENSITIVE_MAX["phone"], required=False
    )
    address = forms.CharField(
        label=_("home address"), max_length=SENSITIVE_MAX["address"], required=False
    )

    def __init__(self, *args, user, person: Person | None = None, reveal: bool = True, **kw):
        self.person = person
        self.keep_blank = person is not None and not reveal
        if person is not None and "initial" not in kw:
            kw["initial"] = self.initial_for(person, reveal=reveal)
        super().__init__(*args, **kw)
        self.fields["branch"].queryset = selectors.branches_for(user, "members.manage")
        self.fields["branch"].empty_label = _("— choose —")
        self.fields["party_group"].queryset = selectors.party_groups_of(self.branch_id())
        self.fields["party_group"].empty_label = _("— none —")
        self.fields["branch"].widget.attrs.update({
            "hx-get": reverse("members:party_group_options"), "hx-target": "#id_party_group",
            "hx-trigger": "change", "hx-swap": "innerHTML",
        })  # fmt: skip
        self.fields["id_number"].widget.attrs.update(autocomplete="off", spellcheck="false")
        if person is not None:
            # The stage changes on its own page, with a date and a reason (history).
            del self.fields["stage"]
        if self.keep_blank:
            for name in SENSITIVE_FIELDS:
                self.fields[name].required = False
                self.fields[name].help_text = _(
                    "Hidden from you. Leave blank to keep the current value."
                )

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if upload:
            validate_upload(upload, IMAGES)  # checked before anything is stored
        return upload

    def branch_id(self):
        value = self.data.get("branch") if self.is_bound else self.initial.get("branch")
        value = getattr(value, "pk", value)
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    @classmethod
    def initial_for(cls, person: Person, *, reveal: bool) -> dict:
        names = [n for _title, fields in SECTIONS for n in fields if n != "photo"]
        initial = {n: getattr(person, n + "_id" if n in ("branch", "party_group") else n)
                   for n in names}  # fmt: skip
        if not reveal:
            for name in SENSITIVE_FIELDS:
                initial[name] = ""
        return initial

    def service_fields(self) -> dict:
        """cleaned_data for the service: photo handled by the view, blank sensitive inputs of
        a viewer who cannot see them left out (unchanged)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "photo"}
        for name in ("native_place", "introducers", "mobile_destination", "work_unit", "job",
                     "title", "education", "personnel_category"):  # fmt: skip
            data[name] = data.get(name) or ""
        if data.get("probation_extension_months") is None:
            data["probation_extension_months"] = 0
        if self.keep_blank:
            for name in SENSITIVE_FIELDS:
                if not data.get(name):
                    data.pop(name, None)
        return data

    def sections(self):
        """[(title, [bound fields])] for the template."""
        return [(t, [self[n] for n in names if n in self.fields]) for t, names in SECTIONS]


class StageForm(StyledForm):
    """A stage change: the new stage, when, and why (kept as dated history)."""

    stage = model_field(Person, "stage")
    on = forms.DateField(label=_("date"), widget=_date_input())
    reason = forms.CharField(label=_("reason"), max_length=200, required=False)
    join_date = model_field(Person, "join_date")
    full_member_date = model_field(Person, "full_member_date")

    def __init__(self, *args, person: Person, **kwargs):
        kwargs.setdefault(
            "initial",
            {"stage": person.stage, "on": timezone.localdate(), "join_date": person.join_date,
             "full_member_date": person.full_member_date},
        )  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["join_date"].help_text = _("Needed when the person becomes a party member.")

    @property
    def is_exit(self) -> bool:
        return self.is_valid() and self.cleaned_data["stage"] in EXIT_STAGES


def record_form_class(record_set):
    """A form for one record-set model: its editable fields (without the person)."""
    overrides = {name: model_field(record_set.model, name) for name in record_set.fields}
    return type(f"{record_set.model.__name__}Form", (StyledForm,), overrides)


def record_initial(record, record_set) -> dict:
    return {name: getattr(record, name) for name in record_set.fields}
