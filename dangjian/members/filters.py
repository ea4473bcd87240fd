"""Filters of the member list (and its exports): branch, stage, standing, age band, education,
join era, mobile, lost contact, active or exited (active unless asked otherwise)."""

import django_filters
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from dangjian.members import selectors
from dangjian.members.choices import Education, Stage, Standing
from dangjian.members.models import Person
from dangjian.orgs.models import Organization

YES_NO = [("1", _("Yes")), ("0", _("No"))]
STATUS_CHOICES = [
    ("active", _("Active people")),
    ("exited", _("Exited (transferred out, died, left)")),
    ("all", _("All")),
]


def _select():
    return forms.Select(attrs={"class": "form-select"})


def _choice(label, choices, method=None, **kwargs):
    if method:
        kwargs["method"] = method
    return django_filters.ChoiceFilter(
        label=label, choices=choices, widget=_select(), empty_label=_("All"), **kwargs
    )


class PersonFilter(django_filters.FilterSet):
    branch = django_filters.ModelChoiceFilter(
        label=_("Branch"), queryset=Organization.objects.none(), widget=_select(),
        empty_label=_("All"),
    )  # fmt: skip
    stage = _choice(_("Stage"), Stage.choices)
    standing = _choice(_("Standing"), Standing.choices)
    age = _choice(_("Age"), [(b.key, b.label) for b in selectors.AGE_BANDS], method="filter_age")
    education = _choice(_("Education"), Education.choices)
    join_era = _choice(
        _("Joined"), [(b.key, b.label) for b in selectors.JOIN_ERAS], method="filter_join_era"
    )
    mobile = _choice(_("Mobile member"), YES_NO, method="filter_mobile")
    lost_contact = _choice(_("Lost contact"), YES_NO, method="filter_lost_contact")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", widget=_select(),
        empty_label=None,
    )  # fmt: skip

    class Meta:
        model = Person
        fields = ["branch", "stage", "standing", "education"]

    def __init__(self, data=None, *args, request=None, **kwargs):
        # Always bound, so "active people only" holds even for a bare /members/.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("status"):
            data["status"] = "active"
        super().__init__(data, *args, request=request, **kwargs)
        user = request.user if request is not None else None
        self.filters["branch"].queryset = selectors.branches_for(user, "members.view")

    def filter_age(self, queryset, name, value):
        return queryset.filter(selectors.age_band_q(value)) if value else queryset

    def filter_join_era(self, queryset, name, value):
        return queryset.filter(selectors.join_era_q(value)) if value else queryset

    def filter_mobile(self, queryset, name, value):
        if not value:
            return queryset
        return (
            queryset.exclude(mobile_destination="")
            if value == "1"
            else queryset.filter(mobile_destination="")
        )

    def filter_lost_contact(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(lost_contact_since__isnull=value != "1")

    def filter_status(self, queryset, name, value):
        if value == "exited":
            return queryset.filter(is_active=False)
        if value == "all":
            return queryset
        return queryset.filter(is_active=True)

    @property
    def narrowed(self) -> bool:
        """Did the user choose anything beyond the default (for the empty-state wording)?"""
        return any(v and not (k == "status" and v == "active") for k, v in self.data.items()
                   if k in self.filters)  # fmt: skip
