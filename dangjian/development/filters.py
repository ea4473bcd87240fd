"""Filters of the pipeline list (and its export): status (active unless asked otherwise), stage,
organization, overdue or due soon, next step."""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.development.models import Pipeline, PipelineStatus
from dangjian.members.choices import Stage
from dangjian.orgs.models import Organization
from dangjian.rules.development import MAIN_DATE_STEPS, STEP_LABELS

DUE_SOON_DAYS = 14
STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)
STATUS_CHOICES = [*PipelineStatus.choices, ("all", _("All"))]
OVERDUE_CHOICES = [
    ("1", _("Overdue only")),
    ("soon", _("Overdue or due within 14 days")),
]


def _select():
    return forms.Select(attrs={"class": "form-select"})


def due_soon_q(today=None) -> Q:
    """Pipelines needing attention: something overdue, or the next step's last day is near."""
    today = today or timezone.localdate()
    return Q(overdue_count__gt=0) | Q(next_latest__lte=today + timedelta(days=DUE_SOON_DAYS))


class PipelineFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", widget=_select(),
        empty_label=None,
    )  # fmt: skip
    stage = django_filters.ChoiceFilter(
        label=_("Stage"), field_name="person__stage", choices=[(s, s.label) for s in STAGES],
        widget=_select(), empty_label=_("All"),
    )  # fmt: skip
    branch = django_filters.ModelChoiceFilter(
        label=_("Organization"), queryset=Organization.objects.none(), method="filter_branch",
        widget=_select(), empty_label=_("All"),
    )  # fmt: skip
    overdue = django_filters.ChoiceFilter(
        label=_("Deadlines"), choices=OVERDUE_CHOICES, method="filter_overdue", widget=_select(),
        empty_label=_("All"),
    )  # fmt: skip
    next_step = django_filters.ChoiceFilter(
        label=_("Next step"), choices=[(k, STEP_LABELS[k]) for k in MAIN_DATE_STEPS],
        widget=_select(), empty_label=_("All"),
    )  # fmt: skip

    class Meta:
        model = Pipeline
        fields = ["status", "stage", "branch", "overdue", "next_step"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        # Always bound, so "in progress only" holds even for a bare /development/.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("status"):
            data["status"] = PipelineStatus.ACTIVE
        super().__init__(data, *args, request=request, **kwargs)
        user = request.user if request is not None else None
        self.filters["branch"].queryset = (
            Organization.objects.restrict(user, "development.view")
            .filter(is_active=True)
            .order_by("path")
        )

    def filter_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)

    def filter_branch(self, queryset, name, value):
        """The chosen organization and everything under it."""
        return queryset.filter(person__branch__path__startswith=value.path) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value == "1":
            return queryset.filter(overdue_count__gt=0)
        if value == "soon":
            return queryset.filter(due_soon_q())
        return queryset

    @property
    def narrowed(self) -> bool:
        """Did the user choose anything beyond the default (for the empty-state wording)?"""
        return any(
            v and not (k == "status" and v == PipelineStatus.ACTIVE)
            for k, v in self.data.items()
            if k in self.filters
        )
