"""Filters of the activity list (and its export): organization (with everything below it),
type, status, month and year. Months and years are local (Asia/Shanghai) calendar periods,
turned into ranges of aware datetimes so no database needs time-zone tables."""

from datetime import date, datetime, time

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.scope import path_q, scope_paths
from dangjian.orglife.models import Activity, ActivityStatus, ActivityType
from dangjian.orgs.models import Organization
from dangjian.rules.orglife import add_months

VIEW = "orglife.view"


def _select():
    return forms.Select(attrs={"class": "form-select"})


def local_range(first: date, months: int) -> tuple[datetime, datetime]:
    """[start, end) of `months` calendar months from `first`, as aware local datetimes."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(first, time.min, tzinfo=tz)
    return start, datetime.combine(add_months(first, months), time.min, tzinfo=tz)


def visible_types(user):
    """The built-in types and the custom types of organizations the user may see."""
    return ActivityType.objects.filter(
        Q(org__isnull=True) | path_q("org__path", scope_paths(user, VIEW))
    ).order_by("org_id", "order", "id")


class MonthField(forms.DateField):
    input_formats = ["%Y-%m"]
    widget = forms.DateInput(attrs={"type": "month", "class": "form-control"}, format="%Y-%m")


class MonthFilter(django_filters.Filter):
    field_class = MonthField


class ActivityFilter(django_filters.FilterSet):
    org = django_filters.ModelChoiceFilter(
        label=_("Organization"), queryset=Organization.objects.none(), method="filter_org",
        widget=_select(), empty_label=_("All"),
    )  # fmt: skip
    type = django_filters.ChoiceFilter(
        label=_("Type"), field_name="type__code", choices=(), widget=_select(),
        empty_label=_("All"),
    )  # fmt: skip
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=ActivityStatus.choices, widget=_select(), empty_label=_("All")
    )
    month = MonthFilter(label=_("Month"), method="filter_month")
    year = django_filters.NumberFilter(
        label=_("Year"), method="filter_year", min_value=2000, max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control"}),
    )  # fmt: skip

    class Meta:
        model = Activity
        fields = ["org", "type", "status", "month", "year"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        user = request.user if request is not None else None
        self.filters["org"].queryset = (
            Organization.objects.restrict(user, VIEW).filter(is_active=True).order_by("path")
        )
        seen: dict[str, str] = {}
        for code, name in visible_types(user).values_list("code", "name"):
            seen.setdefault(code, name)
        self.filters["type"].extra["choices"] = list(seen.items())

    def filter_org(self, queryset, name, value):
        """The chosen organization and everything under it."""
        return queryset.filter(org__path__startswith=value.path) if value else queryset

    def filter_month(self, queryset, name, value):
        if not value:
            return queryset
        start, end = local_range(value.replace(day=1), 1)
        return queryset.filter(starts_at__gte=start, starts_at__lt=end)

    def filter_year(self, queryset, name, value):
        if not value:
            return queryset
        start, end = local_range(date(int(value), 1, 1), 12)
        return queryset.filter(starts_at__gte=start, starts_at__lt=end)

    @property
    def narrowed(self) -> bool:
        """Did the user choose anything (for the empty-state wording)?"""
        return any(v for k, v in self.data.items() if k in self.filters)
