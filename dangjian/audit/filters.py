"""Filters of the audit log list."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.audit.models import AuditEvent
from dangjian.audit.selectors import AUDIT_VIEW, target_type_label
from dangjian.core.scope import path_q, scope_paths

MAX_ORG_MATCHES = 50


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def _text(placeholder):
    return forms.TextInput(attrs={"class": "form-control", "placeholder": placeholder})


class AuditEventFilter(django_filters.FilterSet):
    # Day boundaries in the local zone, compared as datetimes: `at__date` would need time-zone
    # tables on MySQL/MariaDB.
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_date_from",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )  # fmt: skip
    date_to = django_filters.DateFilter(
        label=_("To"), method="filter_date_to",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )  # fmt: skip
    actor = django_filters.CharFilter(
        label=_("Actor"), field_name="actor_label", lookup_expr="icontains",
        widget=_text(_("name or user name")),
    )  # fmt: skip
    action = django_filters.CharFilter(
        label=_("Action"), field_name="action", lookup_expr="startswith",
        widget=_text(_("e.g. orgs. or auth.login")),
    )  # fmt: skip
    target_type = django_filters.ChoiceFilter(
        label=_("Target type"), field_name="target_type", empty_label=_("Any"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip
    ip = django_filters.CharFilter(
        label=_("IP address"), field_name="ip", lookup_expr="startswith",
        widget=_text(_("e.g. 10.1.")),
    )  # fmt: skip
    org = django_filters.CharFilter(
        label=_("Organization"), method="filter_org",
        widget=_text(_("code or name; includes sub-organizations")),
    )  # fmt: skip

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The platform's own models, known without a query (a DISTINCT over the log is slow).
        self.filters["target_type"].extra["choices"] = sorted(
            (
                (model._meta.label_lower, target_type_label(model._meta.label_lower))
                for model in apps.get_models()
                if model.__module__.startswith("dangjian.")
            ),
            key=lambda choice: choice[1],
        )

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(at__gte=_day_start(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(at__lt=_day_start(value + timedelta(days=1)))

    def filter_org(self, queryset, name, value):
        from dangjian.orgs.models import Organization

        user = self.request.user if self.request else None
        orgs = Organization.objects.filter(path_q("path", scope_paths(user, AUDIT_VIEW))).filter(
            Q(code=value) | Q(name__icontains=value) | Q(short_name__icontains=value)
        )
        paths = list(orgs.values_list("path", flat=True)[:MAX_ORG_MATCHES])
        return queryset.filter(path_q("org_path", paths))
