"""Forms of the pipeline pages. They parse input only: every rule, and every refusal with its
Chinese reason, comes from `dangjian.development.services`; the errors land on the fields.

A step's form depends on the step: dates and notes for all, plus the end date and class hours of
the concentrated training, the people (cultivation contacts, introducers), the approving
organization, or the vote of a branch general meeting. The justification field, which turns a
refused record into an exception, is offered only to holders of development.override.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dangjian.attachments.forms import AttachmentField
from dangjian.core.forms import StyledForm, apply_service_errors
from dangjian.core.scope import has_perm
from dangjian.development.models import APPROVAL_STEPS, VOTE_STEPS, Pipeline
from dangjian.development.services import OVERRIDE_HINT
from dangjian.members.choices import Stage
from dangjian.members.models import Person
from dangjian.orgs.models import Organization
from dangjian.rules.orgs import can_approve_members

PEOPLE_STEPS = frozenset({"contacts_assigned", "introducers"})
ORG_STEPS = APPROVAL_STEPS | {"pre_review"}
VOTE_FIELDS = ("entitled", "present", "yes", "no", "abstain", "written_yes", "written_no")
VOTE_REQUIRED = ("entitled", "present", "yes", "no", "abstain")
MAX_DOCUMENTS = 10


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=date_input(),
                           help_text=help_text)  # fmt: skip


def _text(label, *, rows: int = 3, required: bool = False, max_length: int = 2000):
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}))  # fmt: skip


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class DocumentsField(AttachmentField):
    """Several files at once (each checked like AttachmentField); cleaned to a list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Documents"))
        kwargs.setdefault(
            "help_text", _("Scans or photos of the documents; several files may be chosen.")
        )
        super().__init__(**kwargs)
        self.widget = MultipleFileInput(attrs=dict(self.widget.attrs))

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_DOCUMENTS:
            raise ValidationError(
                _("Choose at most %(count)s files at a time.") % {"count": MAX_DOCUMENTS}
            )
        return [super(DocumentsField, self).clean(f, initial) for f in files]


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class StartForm(StyledForm):
    """Step 1: the written application was received; the pipeline begins."""

    on = _date(_("Date the written application was received"), required=True)
    responsible = forms.CharField(label=_("Received by"), max_length=100, required=False)
    note = _text(_("Note"), rows=2)
    documents = DocumentsField(label=_("Application letter"))


class StepForm(StyledForm):
    """One step of the 25 (or a notice, a thought report). Built per step: see `_extra`."""

    def __init__(self, *args, step: str, pipeline: Pipeline, user, **kwargs):
        self.step, self.pipeline = step, pipeline
        self.can_override = has_perm(user, "development.override", pipeline.person.branch)
        # Declared per instance before the form copies base_fields, so styling applies to all.
        self.base_fields = self._fields(user)
        super().__init__(*args, **kwargs)
        if "people" in self.fields:
            self.fields["people"].widget.attrs["class"] = "form-check-input"
        self.vote_errors: list[str] = []
        self.overridable = False

    def _fields(self, user) -> dict:
        step, branch = self.step, self.pipeline.person.branch
        fields: dict = {
            "on": _date(_("Training start date") if step == "training_start" else _("Date"))
        }
        if step == "training_start":
            fields["end_on"] = _date(_("Training end date"))
            fields["hours"] = forms.DecimalField(
                label=_("Class hours"), required=False, min_value=0, max_digits=5,
                decimal_places=1,
                help_text=_("At least 3 days or 24 class hours; fill in either or both."),
            )  # fmt: skip
        fields["responsible"] = forms.CharField(
            label=_("Responsible person or body"), max_length=100, required=False
        )
        if step in ORG_STEPS:
            orgs = (
                Organization.objects.filter(path__in=branch.ancestor_paths())
                .exclude(pk=branch.pk)
                .order_by("-depth")
            )
            fields["approving_org"] = forms.ModelChoiceField(
                label=_("Approving organization"), queryset=orgs, required=False,
                empty_label=_("Choose…"),
                initial=next((o.pk for o in orgs if can_approve_members(o.kind)), None),
            )  # fmt: skip
        if step in PEOPLE_STEPS:
            fields["people"] = PersonChoiceField(
                label=_("Introducers") if step == "introducers" else _("Cultivation contacts"),
                queryset=full_members_of(branch, user).exclude(pk=self.pipeline.person_id),
                required=False, widget=forms.CheckboxSelectMultiple,
                help_text=(_("Two full members.") if step == "introducers"
                           else _("One or two full members.")),
            )  # fmt: skip
        if step in VOTE_STEPS:
            fields["meeting"] = forms.ModelChoiceField(
                label=_("Branch general meeting"), required=False, empty_label=_("Not recorded"),
                queryset=held_general_meetings(branch, user),
                help_text=_("Choose the meeting recorded in organizational life: the members "
                            "entitled and present then come from its sign-ins."),
            )  # fmt: skip
            fields.update(vote_fields(full_members_of(branch, user).count()))
        fields["note"] = _text(_("Note"), rows=2)
        fields["documents"] = DocumentsField()
        if self.can_override:
            fields["justification"] = _text(_("Written justification for the exception"), rows=3)
        return fields

    def service_kwargs(self) -> dict:
        """What `services.step_record` takes, from the cleaned data (documents apart)."""
        data = self.cleaned_data
        kwargs = {name: data[name] for name in ("on", "responsible", "note") if name in data}
        for name in ("end_on", "hours", "approving_org", "justification"):
            if name in self.fields:
                kwargs[name] = data.get(name)
        if "people" in self.fields:
            kwargs["people"] = list(data.get("people") or [])
        if self.step in VOTE_STEPS:
            kwargs["meeting"] = data.get("meeting")
            vote = {name: data.get(name) for name in VOTE_FIELDS}
            kwargs["vote"] = None if all(vote[n] is None for n in VOTE_REQUIRED) else vote
        kwargs["justification"] = kwargs.get("justification") or ""
        return kwargs

    def vote_fields(self) -> list:
        return [self[name] for name in VOTE_FIELDS if name in self.fields]

    def plain_fields(self) -> list:
        """The fields in order, the vote block standing in for all its counts ("entitled")."""
        return [bf for bf in self if bf.name not in VOTE_FIELDS[1:]]

    def apply_errors(self, exc: ValidationError) -> None:
        """The service's refusal on the fields: "vote" on the vote block, the rest by name."""
        if hasattr(exc, "error_dict"):
            errors = exc.message_dict
            self.vote_errors = errors.pop("vote", [])
            for name in VOTE_FIELDS if self.vote_errors else ():
                if name in self.fields:
                    attrs = self.fields[name].widget.attrs
                    attrs["class"] = attrs.get("class", "") + " is-invalid"
                    attrs["aria-invalid"] = "true"
            on = errors.get("on", [])
            # services._judge ends an overridable refusal with OVERRIDE_HINT.
            self.overridable = bool(on) and on[-1] == str(OVERRIDE_HINT) and self.can_override
            if errors:
                apply_service_errors(self, ValidationError(errors))
        else:
            apply_service_errors(self, exc)


def vote_fields(entitled: int) -> dict:
    def count(label, initial=None):
        return forms.IntegerField(label=label, required=False, min_value=0, max_value=100_000,
                                  initial=initial)  # fmt: skip

    return {
        "entitled": count(_("Full members entitled to vote"), entitled),
        "present": count(_("Voting members present")),
        "yes": count(_("Yes votes")),
        "no": count(_("No votes")),
        "abstain": count(_("Abstentions")),
        "written_yes": count(_("Written yes of absent members"), 0),
        "written_no": count(_("Written no of absent members"), 0),
    }


def held_general_meetings(branch, user):
    """Branch general meetings of `branch` held in organizational life, newest first."""
    from dangjian.orglife.models import Activity

    return (
        Activity.objects.restrict(user, "orglife.view")
        .filter(org=branch, type__code="general_meeting", status="held")
        .select_related("type")
        .order_by("-held_on")
    )


def full_members_of(branch, user):
    """Full members of `branch` the user may see (contacts, introducers, voters)."""
    return (
        Person.objects.restrict(user, "members.view")
        .filter(branch=branch, stage=Stage.FULL, is_active=True)
        .order_by("name", "pk")
    )


class ExtendForm(StyledForm):
    months = forms.IntegerField(label=_("Extend by (months)"), min_value=1, max_value=24)
    decided_on = _date(_("Decided on"), required=True)
    reason = _text(_("Reason for the extension"))

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        low, high = policy.extension_min_months, policy.extension_max_months
        self.fields["months"].help_text = _("Once only, from %(low)s to %(high)s months.") % {
            "low": low,
            "high": high,
        }
        self.fields["months"].widget.attrs.update(min=low, max=high)


class StopForm(StyledForm):
    on = _date(_("Date"), required=True)
    reason = _text(_("Reason"))


class AttachForm(StyledForm):
    documents = DocumentsField(required=True)


class UndoForm(StyledForm):
    reason = _text(_("Why is this record withdrawn?"), rows=2)
