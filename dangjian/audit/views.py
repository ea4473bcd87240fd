"""The audit viewer: for holders of `audit.view` only; everyone else gets 404."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from dangjian.audit.actions import action_label
from dangjian.audit.filters import AuditEventFilter
from dangjian.audit.models import AuditEvent
from dangjian.audit.selectors import (
    audit_events_for,
    can_view_audit,
    change_rows,
    target_type_label,
)
from dangjian.audit.services import audit_record, chain_status, event_hash
from dangjian.core.lists import ScopedListView


def _require_auditor(user) -> None:
    if not can_view_audit(user):
        raise Http404


def _org_names(events) -> dict[int, str]:
    from dangjian.orgs.models import Organization

    ids = {event.org_id for event in events if event.org_id}
    return dict(Organization.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


class AuditEventListView(ScopedListView):
    model = AuditEvent
    action = "audit.view"
    paginate_by = 50
    filterset_class = AuditEventFilter
    search_fields = ["action", "actor_label", "target_label", "target_id", "request_id"]
    export_name = "audit_log"
    export_columns = [
        (_("Sequence"), "seq"),
        (_("Time"), "at"),
        (_("Actor"), "actor_label"),
        (_("Action"), lambda e: action_label(e.action)),
        (_("Action code"), "action"),
        (_("Target type"), lambda e: target_type_label(e.target_type)),
        (_("Target id"), "target_id"),
        (_("Target"), "target_label"),
        (_("Organization id"), "org_id"),
        (_("IP address"), "ip"),
        (_("Request id"), "request_id"),
        (_("Changes"), lambda e: json.dumps(e.changes, ensure_ascii=False, sort_keys=True)),
    ]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_auditor(request.user)
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self):
        return audit_events_for(self.request.user).order_by("-seq")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = list(context["object_list"])
        names = _org_names(events)
        for event in events:
            event.org_name = names.get(event.org_id, "")
            event.target_type_label = target_type_label(event.target_type)
        context["events"] = events
        return context


@login_required
def event_detail(request, seq: int):
    _require_auditor(request.user)
    event = audit_events_for(request.user).filter(seq=seq).first()
    if event is None:
        raise Http404
    return render(request, "audit/auditevent_detail.html", {
        "event": event,
        "org_name": _org_names([event]).get(event.org_id, ""),
        "target_type_label": target_type_label(event.target_type),
        "changes": change_rows(event.changes),
        "hash_ok": event_hash(event) == event.hash,
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """GET shows the page; POST walks the whole chain, records that it did, shows the result."""
    _require_auditor(request.user)
    context = {}
    if request.method == "POST":
        status = chain_status()
        audit_record(
            actor=request.user,
            action="audit.verify",
            changes={
                "checked": status.checked,
                "intact": status.intact,
                "broken_seq": status.broken.seq if status.broken else None,
            },
        )
        context = {"status": status, "verified_at": timezone.now()}
        if request.headers.get("HX-Request"):
            return render(request, "audit/verify_result.html", context)
    return render(request, "audit/verify.html", context)
