"""Forms of the dashboard, policy and plan pages. They parse input only: the services judge it
(`policy_set` refuses a changed policy under a national name with the Chinese reason)."""

import dataclasses

from django import forms
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import StyledForm
from dangjian.rules import development as rules
from dangjian.rules.calendar import FALLBACK_ERROR, STATUTORY, WEEKENDS

# Every parameter of a policy, with its label and, for local practice, the rule it governs.
PARAMETERS = (
    ("minimum_age", _("Minimum age to apply"), ""),
    ("talk_within_months", _("Talk with the applicant within (months)"), ""),
    ("candidate_after_activist_months", _("Cultivation before becoming a candidate (months)"), ""),
    ("activist_assessment_interval_months", _("Activist assessment every (months)"), ""),
    ("contacts_min", _("Cultivation contacts, at least"), ""),
    ("contacts_max", _("Cultivation contacts, at most"), ""),
    ("introducers_required", _("Introducers"), ""),
    ("training_min_days", _("Concentrated training, at least (days)"), ""),
    ("training_min_hours", _("Concentrated training, or at least (class hours)"), ""),
    ("approval_months", _("Approval within (months)"), ""),
    ("approval_special_months", _("Approval in special cases within (months)"), ""),
    ("probation_months", _("Probation (months)"), ""),
    ("extension_min_months", _("Probation extension, at least (months)"), ""),
    ("extension_max_months", _("Probation extension, at most (months)"), ""),
    ("public_notice_working_days", _("Public notice of candidates (working days)"),
     "public_notice_candidate"),
    ("conversion_notice_working_days", _("Public notice before conversion (working days)"),
     "public_notice_conversion"),
    ("thought_report_interval_months", _("Thought report every (months)"),
     "thought_report_interval"),
    ("political_review_valid_months", _("Political review valid for (months)"),
     "political_review_valid"),
    ("branch_meeting_after_pre_review_months",
     _("Branch general meeting within (months) of the pre-review"),
     "branch_meeting_after_pre_review"),
    ("conversion_approval_months", _("Conversion approval within (months)"),
     "conversion_approval_within_limit"),
    ("working_day_calendar", _("Working-day calendar"), "working_days_unverifiable"),
    ("calendar_fallback", _("Years without holiday data"), "working_days_unverifiable"),
)  # fmt: skip
CALENDAR_CHOICES = [
    (STATUTORY, _("Statutory working days")),
    (WEEKENDS, _("Weekends only")),
]
FALLBACK_CHOICES = [
    (FALLBACK_ERROR, _("Say that the days cannot be counted")),
    (WEEKENDS, _("Count weekends only")),
]
# The parameters a local variant may set on this page (the others stay those of the base).
EDITABLE = (
    "public_notice_working_days",
    "conversion_notice_working_days",
    "thought_report_interval_months",
    "political_review_valid_months",
    "branch_meeting_after_pre_review_months",
    "working_day_calendar",
    "calendar_fallback",
)
NOT_APPLIED = _("Leave empty when the rule does not apply.")


def _number(label, *, help_text=NOT_APPLIED):
    return forms.IntegerField(
        label=label, required=False, min_value=1, max_value=60, help_text=help_text
    )


class PolicyForm(StyledForm):
    """A local variant of a shipped policy: a new name and the local parameters."""

    name = forms.CharField(
        label=_("Name of the policy"),
        max_length=100,
        help_text=_("A local variant needs its own name, e.g. 某省发展党员工作细则."),
    )
    base = forms.ChoiceField(label=_("Based on"), choices=())
    public_notice_working_days = _number(_("Public notice of candidates (working days)"))
    conversion_notice_working_days = _number(_("Public notice before conversion (working days)"))
    thought_report_interval_months = _number(_("Thought report every (months)"))
    political_review_valid_months = _number(_("Political review valid for (months)"))
    branch_meeting_after_pre_review_months = _number(
        _("Branch general meeting within (months) of the pre-review")
    )
    working_day_calendar = forms.ChoiceField(
        label=_("Working-day calendar"), choices=CALENDAR_CHOICES
    )
    calendar_fallback = forms.ChoiceField(
        label=_("Years without holiday data"),
        choices=FALLBACK_CHOICES,
        help_text=_(
            "Counting weekends only may put a deadline a week early around Spring Festival "
            "or National Day."
        ),
    )

    def __init__(self, *args, policy: rules.DevelopmentPolicy, base: str, **kwargs):
        initial = {name: getattr(policy, name) for name in EDITABLE}
        initial |= {"name": policy.name, "base": base}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["base"].choices = [(name, name) for name in rules.POLICIES]

    def policy_data(self) -> dict:
        """What `services.policy_set` stores: the base, the name and what differs from it."""
        base = rules.POLICIES[self.cleaned_data["base"]]
        data = {"base": base.name, "name": self.cleaned_data["name"].strip()}
        for name in EDITABLE:
            value = self.cleaned_data[name]
            if value != getattr(base, name):
                data[name] = value
        return data


def parameter_rows(policy: rules.DevelopmentPolicy) -> list[dict]:
    """Every parameter of `policy`, labelled, with its value and whether it is local practice."""
    values = {f.name: getattr(policy, f.name) for f in dataclasses.fields(policy)}
    calendars = dict(CALENDAR_CHOICES) | {FALLBACK_ERROR: FALLBACK_CHOICES[0][1]}
    rows = []
    for name, label, rule in PARAMETERS:
        value = values[name]
        if name == "calendar_fallback":
            value = dict(FALLBACK_CHOICES)[value]
        elif isinstance(value, str):
            value = calendars.get(value, value)
        rows.append({"name": name, "label": label, "value": value,
                     "local": bool(rule) and policy.is_local(rule)})  # fmt: skip
    return rows


class PlanForm(StyledForm):
    """One target per organization (`target_<pk>`); empty = no plan."""

    def __init__(self, *args, orgs, plans: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.orgs = orgs
        for org in orgs:
            self.fields[f"target_{org.pk}"] = forms.IntegerField(
                label=org.name,
                required=False,
                min_value=0,
                max_value=100_000,
                initial=plans.get(org.pk),
                # added after BootstrapMixin styled the declared fields: styled here
                widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
            )

    def changed(self, plans: dict) -> list[tuple]:
        """(org, target) of every filled-in target that differs from the stored plan."""
        out = []
        for org in self.orgs:
            target = self.cleaned_data.get(f"target_{org.pk}")
            if target is not None and target != plans.get(org.pk):
                out.append((org, target))
        return out
