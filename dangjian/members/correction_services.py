"""Correction requests: a person proposes new values for their own record, the branch decides.

Ordinary values are kept in `CorrectionRequest.changes` as {field: [old, new]}. Sensitive ones
(phone, address) go into the encrypted `sensitive_changes` (same shape, JSON) and reach the
audit log only masked. An approval applies the values through `person_update`, so the record
change is validated and audited exactly like any other edit, in the same transaction.
"""

import copy
import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.audit.services import audit_record
from dangjian.core.scope import path_q, scope_paths
from dangjian.core.services import OutOfScope, require_perm
from dangjian.members.choices import RequestStatus, VerificationStatus
from dangjian.members.models import CorrectionRequest, Person, VerificationResponse
from dangjian.members.services import SENSITIVE_FIELDS, mask, person_update, validate_person
from dangjian.notifications.services import notify

# What a member may ask to change. Branch, stage and party dates are the branch's own work.
CORRECTABLE_FIELDS = (
    "phone", "address", "education", "personnel_category", "ethnicity", "native_place",
    "work_unit", "job", "title", "mobile_destination",
)  # fmt: skip


# --- reads ------------------------------------------------------------------------------------


def all_changes(request: CorrectionRequest) -> dict[str, list]:
    """{field: [old, new]} of ordinary and sensitive fields together, in the form's order."""
    merged = dict(request.changes or {})
    if request.sensitive_changes:
        merged.update(json.loads(request.sensitive_changes))
    return {name: merged[name] for name in CORRECTABLE_FIELDS if name in merged}


def _display(field: str, value) -> str:
    if not value:
        return ""
    choices = dict(Person._meta.get_field(field).flatchoices)
    return str(choices.get(value, value))


def change_rows(request: CorrectionRequest, *, reveal: bool) -> list[dict]:
    """What the request changes, ready for a template. Sensitive values are masked unless
    `reveal` (the viewer holds members.view_sensitive there, or it is their own record)."""
    person = request.person
    pending = request.status == RequestStatus.PENDING
    rows = []
    for field, (old, new) in all_changes(request).items():
        hidden = field in SENSITIVE_FIELDS and not reveal
        rows.append({
            "field": field,
            "label": Person._meta.get_field(field).verbose_name,
            "old": mask(field, old) if hidden else _display(field, old),
            "new": mask(field, new) if hidden else _display(field, new),
            "current_differs": pending and (getattr(person, field) or "") != (old or ""),
        })  # fmt: skip
    return rows


def reviewable_requests(user):
    """Requests the user may decide: members.manage over the person's branch."""
    return CorrectionRequest.objects.restrict(user, "members.manage")


def own_requests(user):
    return CorrectionRequest.objects.filter(person__user_id=user.pk)


def branch_managers(branch) -> list:
    """Who is told about a new request: the holders of members.manage at the nearest level
    above (or at) the branch that has any — the branch secretary if there is one, else the
    general branch, else the committee. Telling every committee up to the group would flood
    the group administrators with every phone-number change of 200,000 people."""
    from dangjian.accounts.models import Role, RoleAssignment

    role_ids = [pk for pk, perms in Role.objects.values_list("pk", "permissions")
                if "members.manage" in (perms or ())]  # fmt: skip
    assignments = (
        RoleAssignment.objects.current()
        .filter(role_id__in=role_ids, org__path__in=branch.ancestor_paths(), org__is_active=True,
                user__is_active=True)
        .select_related("user", "org")
    )  # fmt: skip
    by_path: dict[str, list] = {}
    for assignment in assignments:
        by_path.setdefault(assignment.org.path, []).append(assignment.user)
    return by_path[max(by_path, key=len)] if by_path else []


# --- writes -----------------------------------------------------------------------------------


def _require_owner(actor, person: Person) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or person.user_id != actor.pk:
        raise OutOfScope("members.correction")


def _clean_changes(person: Person, proposed: dict) -> dict[str, list]:
    """{field: [old, new]} for the values that really change, validated on an in-memory copy
    of the record; errors are reported on the requested fields only (an older inconsistency
    elsewhere in the record is the branch's to fix and must not block the member)."""
    unknown = set(proposed) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These items cannot be changed by a request; please ask your branch: %(fields)s.")
            % {"fields": "、".join(sorted(str(_label(f)) for f in unknown))}
        )
    changes = {}
    for field, value in proposed.items():
        value = (value or "").strip() if isinstance(value, str) else (value or "")
        old = getattr(person, field) or ""
        if value != old:
            changes[field] = [old, value]
    if not changes:
        raise ValidationError(_("Nothing would change: enter at least one new value."))
    candidate = copy.copy(person)
    for field, (_old, new) in changes.items():
        setattr(candidate, field, new)
    errors: dict[str, list] = {}
    for field, (_old, new) in changes.items():
        model_field = Person._meta.get_field(field)
        try:
            model_field.clean(new, candidate)
        except ValidationError as exc:
            errors[field] = exc.messages
    try:
        validate_person(candidate)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            if field in changes:
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return changes


def _label(field: str) -> str:
    try:
        return Person._meta.get_field(field).verbose_name
    except Exception:  # an unknown name is shown as given
        return field


def _masked(changes: dict[str, list]) -> dict[str, list]:
    return {f: [mask(f, old), mask(f, new)] if f in SENSITIVE_FIELDS else [old, new]
            for f, (old, new) in changes.items()}  # fmt: skip


@transaction.atomic
def correction_request_create(
    *, actor, person: Person, changes: dict, reason: str, campaign=None
) -> CorrectionRequest:
    """A person asks to correct their own record (optionally answering a verification
    campaign). The branch's managers are told."""
    _require_owner(actor, person)
    person = Person.objects.select_for_update().select_related("branch").get(pk=person.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Please say briefly why the record should change.")})
    if CorrectionRequest.objects.filter(person=person, status=RequestStatus.PENDING).exists():
        raise ValidationError(
            _("You already have a request waiting for review. Wait for the decision or "
              "withdraw it before sending another.")
        )  # fmt: skip
    cleaned = _clean_changes(person, changes)
    response = None
    if campaign is not None:
        from dangjian.members.campaign_services import open_response_for

        response = open_response_for(actor=actor, campaign=campaign)
    ordinary = {f: v for f, v in cleaned.items() if f not in SENSITIVE_FIELDS}
    sensitive = {f: v for f, v in cleaned.items() if f in SENSITIVE_FIELDS}
    request = CorrectionRequest.objects.create(
        person=person,
        requested_by=actor,
        changes=ordinary,
        sensitive_changes=json.dumps(sensitive, ensure_ascii=False) if sensitive else "",
        reason=reason[:500],
        campaign=campaign,
    )
    if response is not None:
        response.status = VerificationStatus.CORRECTED
        response.answered_at = timezone.now()
        response.save(update_fields=["status", "answered_at"])
    audit_record(
        actor=actor,
        action="members.correction_request",
        target=request,
        org=person.branch,
        changes={"changes": _masked(cleaned), "reason": request.reason,
                 "campaign": campaign.pk if campaign else None},
    )  # fmt: skip
    notify(
        recipients=branch_managers(person.branch),
        title=_("Correction request from %(name)s") % {"name": person.name},
        body=_("%(name)s (%(branch)s) asks to correct: %(fields)s.")
        % {"name": person.name, "branch": person.branch.name,
           "fields": "、".join(str(_label(f)) for f in cleaned)},
        link=reverse("members:correction_detail", args=[request.pk]),
        category="members.correction",
        actor=actor,
    )  # fmt: skip
    return request


def _locked(request: CorrectionRequest) -> CorrectionRequest:
    request = CorrectionRequest.objects.select_for_update().get(pk=request.pk)
    request.person = Person.objects.select_related("branch").get(pk=request.person_id)
    return request


def _require_pending(request: CorrectionRequest) -> None:
    if request.status != RequestStatus.PENDING:
        raise ValidationError(
            _("This request is no longer waiting for review (%(status)s).")
            % {"status": request.get_status_display()}
        )


@transaction.atomic
def correction_request_withdraw(*, actor, request: CorrectionRequest) -> CorrectionRequest:
    """The requester takes a pending request back; a campaign answer goes back to pending."""
    request = _locked(request)
    _require_owner(actor, request.person)
    _require_pending(request)
    request.status = RequestStatus.WITHDRAWN
    request.save(update_fields=["status"])
    if request.campaign_id:
        VerificationResponse.objects.filter(
            campaign_id=request.campaign_id,
            person_id=request.person_id,
            status=VerificationStatus.CORRECTED,
        ).update(status=VerificationStatus.PENDING, answered_at=None)
    audit_record(
        actor=actor, action="members.correction_withdraw", target=request, org=request.person.branch
    )
    return request


def _decide(actor, request: CorrectionRequest, status: str, reason: str) -> None:
    request.status = status
    request.reviewed_by = actor
    request.reviewed_at = timezone.now()
    request.review_reason = reason[:500]
    request.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])


@transaction.atomic
def correction_request_approve(*, actor, request: CorrectionRequest) -> CorrectionRequest:
    """Apply the requested values to the record (validated and audited by person_update)."""
    request = _locked(request)
    require_perm(actor, "members.manage", request.person.branch)
    _require_pending(request)
    values = {field: new for field, (_old, new) in all_changes(request).items()}
    person = person_update(
        actor=actor,
        person=request.person,
        action="members.correction_apply",
        reason=_("Correction request #%(pk)s") % {"pk": request.pk},
        **values,
    )
    if request.campaign_id:
        # The member checked their record and the branch confirmed the fix: it is verified.
        Person.objects.filter(pk=person.pk).update(verified_at=timezone.now())
    _decide(actor, request, RequestStatus.APPROVED, "")
    audit_record(
        actor=actor,
        action="members.correction_approve",
        target=request,
        org=person.branch,
        changes={"fields": sorted(values)},
    )
    notify(
        recipients=[request.requested_by],
        title=_("Your correction request was approved"),
        body=_("Your record now shows the new values: %(fields)s.")
        % {"fields": "、".join(str(_label(f)) for f in values)},
        link=reverse("members:me"),
        category="members.correction",
        actor=actor,
    )
    return request


@transaction.atomic
def correction_request_reject(
    *, actor, request: CorrectionRequest, reason: str
) -> CorrectionRequest:
    """Turn a request down; the requester is told why."""
    request = _locked(request)
    require_perm(actor, "members.manage", request.person.branch)
    _require_pending(request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the request is rejected: the member will read it.")}
        )
    _decide(actor, request, RequestStatus.REJECTED, reason)
    audit_record(
        actor=actor,
        action="members.correction_reject",
        target=request,
        org=request.person.branch,
        changes={"reason": request.review_reason},
    )
    notify(
        recipients=[request.requested_by],
        title=_("Your correction request was rejected"),
        body=_("Reason: %(reason)s") % {"reason": request.review_reason},
        link=reverse("members:me"),
        category="members.correction",
        actor=actor,
    )
    return request


def pending_count(user) -> int:
    """Pending requests the user may decide (home panel)."""
    paths = scope_paths(user, "members.manage")
    if not paths:
        return 0
    return CorrectionRequest.objects.filter(
        path_q("person__branch__path", paths), status=RequestStatus.PENDING
    ).count()
