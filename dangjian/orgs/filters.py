"""List filters for the organization pages and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.orgs.models import Organization, OrgKind
from dangjian.orgs.selectors import org_search, term_q

TERM_CHOICES = [
    ("due", _("Re-election due (ended or ending within 90 days)")),
    ("ended", _("Term ended")),
    ("ending", _("Term ending within 90 days")),
]
ACTIVE_CHOICES = [
    ("1", pgettext_lazy("organization", "Active")),
    ("0", pgettext_lazy("organization", "Deactivated")),
]


def _select():
    return forms.Select(attrs={"class": "form-select"})


class OrgFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=OrgKind.choices, widget=_select(), empty_label=_("All")
    )
    term = django_filters.ChoiceFilter(
        label=_("Term"), choices=TERM_CHOICES, method="filter_term", widget=_select(),
        empty_label=_("All"),
    )  # fmt: skip
    active = django_filters.ChoiceFilter(
        label=_("Status"), choices=ACTIVE_CHOICES, method="filter_active", widget=_select(),
        empty_label=_("All"),
    )  # fmt: skip

    class Meta:
        model = Organization
        fields = ["kind"]

    def filter_term(self, queryset, name, value):
        return queryset.filter(term_q(value)) if value else queryset

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1") if value else queryset


class OrgApiFilter(OrgFilter):
    parent = django_filters.NumberFilter(label=_("Parent organization id"), field_name="parent_id")
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta(OrgFilter.Meta):
        fields = ["kind", "parent"]

    def search(self, queryset, name, value):
        return org_search(queryset, value)
