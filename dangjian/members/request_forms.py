"""Forms of self-service, correction review and verification campaigns: they parse input;
the rules live in correction_services and campaign_services."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import StyledForm
from dangjian.members.choices import RequestStatus
from dangjian.members.correction_services import CORRECTABLE_FIELDS
from dangjian.members.models import Person
from dangjian.members.services import SENSITIVE_FIELDS, mask

PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")


def _correctable_field(name: str) -> forms.Field:
    field = Person._meta.get_field(name).formfield(required=False)
    if name == "address":
        field.widget = forms.Textarea(attrs={"rows": 2})
    elif name == "phone":
        field.widget = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"})
    return field


class _CorrectionFields(StyledForm):
    """Base holding the whitelisted fields (built from the model, in the services' order)."""


for _name in CORRECTABLE_FIELDS:
    _CorrectionFields.base_fields[_name] = _correctable_field(_name)


class CorrectionForm(_CorrectionFields):
    """The whitelisted fields, filled with the current values. Sensitive ones start empty
    (their current value is shown masked as a hint): left empty, they do not change."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: I changed my phone number; I moved house."),
    )

    def __init__(self, *args, person: Person, **kwargs):
        initial = {f: getattr(person, f) for f in CORRECTABLE_FIELDS if f not in SENSITIVE_FIELDS}
        super().__init__(*args, initial=initial, **kwargs)
        for name in SENSITIVE_FIELDS:
            if name in self.fields:
                current = mask(name, getattr(person, name))
                self.fields[name].help_text = (
                    _("Now %(value)s. Leave empty to keep it.") % {"value": current}
                    if current
                    else _("Not recorded yet.")
                )

    def clean_phone(self):
        phone = (self.cleaned_data.get("phone") or "").strip()
        if phone and not PHONE_RE.match(phone):
            raise ValidationError(_("Enter a phone number of digits only, e.g. 13800138000."))
        return phone

    def proposed(self, person: Person) -> dict:
        """The values to send to the service: sensitive fields only when filled in."""
        values = {}
        for name in CORRECTABLE_FIELDS:
            value = self.cleaned_data.get(name) or ""
            if name in SENSITIVE_FIELDS and not value:
                continue
            values[name] = value
        return values


class RejectForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The member will read this."),
    )


class RequestFilterForm(StyledForm):
    """Filters of the review queue (status, branch)."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *RequestStatus.choices],
    )
    branch = forms.ModelChoiceField(
        label=_("Branch"), required=False, queryset=None, empty_label=_("All branches")
    )

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CampaignForm(StyledForm):
    org = forms.ModelChoiceField(label=_("Party committee"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=100)
    starts_on = forms.DateField(label=_("Starts on"), widget=_date_input())
    ends_on = forms.DateField(label=_("Ends on"), widget=_date_input())

    def __init__(self, *args, committees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = committees
