"""Filters of the user administration list."""

import django_filters
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.models import Role, RoleAssignment, User


class UserFilter(django_filters.FilterSet):
    role = django_filters.ModelChoiceFilter(
        label=_("Role"),
        queryset=Role.objects.all(),
        to_field_name="code",
        method="filter_role",
        empty_label=_("All roles"),
    )
    active = django_filters.ChoiceFilter(
        label=_("Status"),
        field_name="is_active",
        choices=[("1", _("Active")), ("0", _("Deactivated"))],
        method="filter_active",
        empty_label=_("All"),
    )

    class Meta:
        model = User
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["role"].field.label_from_instance = lambda role: str(role.label)
        for field in self.form.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filter_role(self, queryset, name, value):
        holders = RoleAssignment.objects.current().filter(role=value).values("user_id")
        return queryset.filter(pk__in=holders)

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")
