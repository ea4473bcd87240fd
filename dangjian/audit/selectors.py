"""Reading the audit log: which events an audit administrator may see (ARCHITECTURE.md §3–4).

Audit events are not org-owned rows (they carry a path snapshot, not a foreign key), so the
scope is applied here: events whose `org_path` lies under the user's `audit.view` subtrees,
plus events with no organization (sign-ins, system work) when that scope includes a root.
"""

import json

from django.apps import apps
from django.db.models import Q, QuerySet

from dangjian.audit.models import AuditEvent
from dangjian.core.scope import path_q, scope_paths

AUDIT_VIEW = "audit.view"


def can_view_audit(user) -> bool:
    return bool(scope_paths(user, AUDIT_VIEW))


def audit_events_for(user) -> QuerySet[AuditEvent]:
    """The events `user` may read; none for anyone without `audit.view`."""
    from dangjian.orgs.models import Organization

    paths = scope_paths(user, AUDIT_VIEW)
    q = path_q("org_path", paths)
    if paths and Organization.objects.filter(path__in=paths, parent__isnull=True).exists():
        q |= Q(org_path="")
    return AuditEvent.objects.filter(q)


def target_type_label(code: str) -> str:
    """'orgs.organization' -> the model's verbose name; unknown codes are shown as they are."""
    if not code:
        return ""
    try:
        return str(apps.get_model(code)._meta.verbose_name)
    except (LookupError, ValueError):
        return code


def display_value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    return str(value)


def change_rows(changes) -> list[dict]:
    """Rows for the detail page: `diff()` pairs become old → new; anything else is one value."""
    if not isinstance(changes, dict):
        return [{"field": "", "pair": False, "value": display_value(changes)}]
    rows = []
    for field, value in sorted(changes.items()):
        if isinstance(value, list) and len(value) == 2:
            old, new = (display_value(v) for v in value)
            rows.append({"field": field, "pair": True, "old": old, "new": new})
        else:
            rows.append({"field": field, "pair": False, "value": display_value(value)})
    return rows
