"""Forms parse input only; the services hold the rules and their errors land on the fields."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import StyledForm, apply_service_errors  # noqa: F401 - re-exported
from dangjian.core.scope import path_q, scope_paths
from dangjian.members.choices import Stage
from dangjian.members.models import Person
from dangjian.transfers.models import (
    MobileRegistration,
    Transfer,
    TransferKind,
    TransferStatus,
)
from dangjian.transfers.services import LETTER_VALIDITY_MONTHS, receiving_branches

INCOMING_PERSON_FIELDS = ("name", "sex", "ethnicity", "birth_date", "id_number", "phone",
                          "stage", "join_date", "full_member_date")  # fmt: skip
LETTER_FIELDS = ("external_org", "letter_number", "issued_on", "valid_until", "reason")
MOBILE_FIELDS = ("destination", "starts_on", "ends_on", "certificate_number", "contact")


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _model_field(model, name: str, **kwargs):
    field = model._meta.get_field(name)
    if field.get_internal_type() == "DateField":
        kwargs.setdefault("widget", _date_input())
    return field.formfield(**kwargs)


class BranchChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）"


class StartTransferForm(StyledForm):
    """The receiving branch is chosen among all active branches (the picker searches them)."""

    to_branch = BranchChoiceField(
        label=_("Receiving branch"),
        queryset=receiving_branches(),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the receiving branch."),
                        "invalid_choice": _("Choose an active branch from the list.")},
    )  # fmt: skip
    reason = forms.CharField(
        label=_("Reason for the transfer"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for the transfer.")},
    )


class LetterForm(StyledForm):
    """The transfer letter (介绍信) of an outgoing or incoming transfer."""

    external_org = _model_field(Transfer, "external_org", required=True)
    letter_number = _model_field(Transfer, "letter_number", required=True)
    issued_on = _model_field(Transfer, "issued_on", required=True)
    valid_until = _model_field(Transfer, "valid_until")
    reason = _model_field(Transfer, "reason", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_until"].help_text = _(
            "Leave empty for the default validity of %(months)s months."
        ) % {"months": LETTER_VALIDITY_MONTHS}


class OutgoingForm(LetterForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["external_org"].label = _("Destination organization")


class IncomingForm(LetterForm):
    """A person arriving from outside the system with a transfer letter."""

    branch = forms.ModelChoiceField(label=_("Receiving branch"), queryset=None)
    name = _model_field(Person, "name")
    sex = _model_field(Person, "sex")
    ethnicity = _model_field(Person, "ethnicity")
    birth_date = _model_field(Person, "birth_date")
    id_number = forms.CharField(label=_("ID number"), max_length=18)
    phone = forms.CharField(label=_("mobile phone"), max_length=20, required=False)
    stage = forms.ChoiceField(
        label=_("stage"),
        choices=[(Stage.PROBATIONARY, Stage.PROBATIONARY.label), (Stage.FULL, Stage.FULL.label)],
    )
    join_date = _model_field(Person, "join_date", required=True)
    full_member_date = _model_field(Person, "full_member_date")

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["external_org"].label = _("Sending organization")
        self.order_fields(["branch", *INCOMING_PERSON_FIELDS, *LETTER_FIELDS])


class MobileForm(StyledForm):
    destination = _model_field(MobileRegistration, "destination")
    starts_on = _model_field(MobileRegistration, "starts_on", label=_("Away from"))
    ends_on = _model_field(MobileRegistration, "ends_on", label=_("Expected back by"))
    certificate_number = _model_field(MobileRegistration, "certificate_number")
    contact = _model_field(MobileRegistration, "contact")


class RefuseForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason for refusing"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for refusing.")},
    )


def _select():
    return forms.Select(attrs={"class": "form-select"})


DIRECTION_CHOICES = [
    ("out", _("Sent by us")),
    ("in", _("Received by us")),
    ("todo", _("Awaiting my decision")),
]


def awaiting_q(user):
    """Transfers waiting for this user: approval on the sending side, acceptance on the other."""
    paths = scope_paths(user, "transfers.approve")
    return (path_q("from_branch__path", paths) & Q(status=TransferStatus.REQUESTED)) | (
        path_q("to_branch__path", paths) & Q(status=TransferStatus.APPROVED)
    )


class TransferFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("status"), choices=TransferStatus.choices, widget=_select(), empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(
        label=_("kind"), choices=TransferKind.choices, widget=_select(), empty_label=_("All")
    )
    direction = django_filters.ChoiceFilter(
        label=_("Direction"), choices=DIRECTION_CHOICES, method="filter_direction",
        widget=_select(), empty_label=_("All"),
    )  # fmt: skip

    class Meta:
        model = Transfer
        fields = ["status", "kind", "direction"]

    def filter_direction(self, queryset, name, value):
        user = self.request.user
        if value == "todo":
            return queryset.filter(awaiting_q(user))
        paths = scope_paths(user, "transfers.request")
        lookup = "from_branch__path" if value == "out" else "to_branch__path"
        return queryset.filter(path_q(lookup, paths))
