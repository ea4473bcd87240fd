"""Verification campaigns (信息核对): a committee asks everyone in its subtree to check their
own record; each person confirms it or asks for a correction; the committee follows progress
per branch and closes the campaign.

Starting a campaign writes one response row per active person in bulk (200,000 people in a
large group), with one audit event carrying the count.
"""

from itertools import islice

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, Count, IntegerField, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.audit.services import audit_record
from dangjian.core.dates import cn_date
from dangjian.core.scope import has_perm, path_q, scope_paths
from dangjian.core.services import OutOfScope, require_perm
from dangjian.members.choices import VerificationStatus
from dangjian.members.models import Person, VerificationCampaign, VerificationResponse
from dangjian.notifications.services import notify
from dangjian.orgs.models import PATH_STEP
from dangjian.rules.orgs import COMMITTEE

BATCH = 2000
ACTION = "members.manage"


def _batches(iterable, size: int = BATCH):
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- reads ------------------------------------------------------------------------------------


def is_open(campaign: VerificationCampaign, today=None) -> bool:
    today = today or timezone.localdate()
    return campaign.closed_at is None and campaign.starts_on <= today


def visible_campaigns(user):
    """Campaigns of orgs the user manages members in, and campaigns of orgs above them (a
    branch secretary follows the committee's campaign for their own branches)."""
    paths = scope_paths(user, ACTION)
    ancestors = {p[:i] for p in paths for i in range(PATH_STEP, len(p) + 1, PATH_STEP)}
    return VerificationCampaign.objects.filter(
        path_q("org__path", paths) | Q(org__path__in=ancestors)
    ).select_related("org")


def scoped_responses(user, campaign: VerificationCampaign):
    """The responses of `campaign` in branches the user manages."""
    return VerificationResponse.objects.filter(
        path_q("branch__path", scope_paths(user, ACTION)), campaign=campaign
    )


_COUNTS = {
    "total": Count("id"),
    "confirmed": Count("id", filter=Q(status=VerificationStatus.CONFIRMED)),
    "corrected": Count("id", filter=Q(status=VerificationStatus.CORRECTED)),
    "pending": Count("id", filter=Q(status=VerificationStatus.PENDING)),
}


def _with_percent(row: dict) -> dict:
    done = row["confirmed"] + row["corrected"]
    row["done"] = done
    row["percent"] = round(100 * done / row["total"]) if row["total"] else 0
    return row


def campaign_progress(user, campaign: VerificationCampaign) -> tuple[list[dict], dict]:
    """Per-branch counts (one grouped query, however many branches) and their total."""
    rows = [
        _with_percent(row)
        for row in scoped_responses(user, campaign)
        .values("branch_id", "branch__name", "branch__path")
        .annotate(**_COUNTS)
        .order_by("branch__path")
    ]
    total = {key: sum(row[key] for row in rows) for key in _COUNTS}
    return rows, _with_percent(total)


def campaigns_summary(user, campaigns) -> dict[int, dict]:
    """{campaign id: counts within the user's branches} for a page of campaigns, one query."""
    rows = (
        VerificationResponse.objects.filter(
            path_q("branch__path", scope_paths(user, ACTION)),
            campaign_id__in=[c.pk for c in campaigns],
        )
        .values("campaign_id")
        .annotate(**_COUNTS)
        .order_by()
    )
    return {row["campaign_id"]: _with_percent(row) for row in rows}


def pending_for(user) -> list[VerificationResponse]:
    """The user's own unanswered responses in open campaigns (home panel, my record)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        VerificationResponse.objects.filter(
            person__user_id=user.pk,
            status=VerificationStatus.PENDING,
            campaign__closed_at__isnull=True,
            campaign__starts_on__lte=timezone.localdate(),
        ).select_related("campaign")
    )


def can_start_in(user):
    """Committees where the user may start a campaign."""
    from dangjian.orgs.models import Organization

    return Organization.objects.restrict(user, ACTION).filter(kind=COMMITTEE, is_active=True)


# --- writes -----------------------------------------------------------------------------------


def _create_responses(campaign: VerificationCampaign) -> int:
    """One pending response per active person of the subtree, as a single INSERT … SELECT.

    200,000 rows through bulk_create took ~17 s (model instances and parameter lists in
    Python); the database copies them in a fraction of that. The SELECT is built by the ORM,
    so the subtree filter and quoting are the same as everywhere else, on every database."""
    rows = (
        Person.objects.filter(branch__path__startswith=campaign.org.path, is_active=True)
        .order_by()
        .annotate(
            _campaign=Value(campaign.pk, output_field=IntegerField()),
            _status=Value(VerificationStatus.PENDING.value, output_field=CharField()),
        )
        .values_list("pk", "branch_id", "_campaign", "_status")  # fields first, then annotations
    )
    select, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(VerificationResponse._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(VerificationResponse._meta.get_field(name).column)
        for name in ("person", "branch", "campaign", "status")
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)
        inserted = cursor.rowcount
    return inserted if inserted >= 0 else campaign.responses.count()


@transaction.atomic
def campaign_start(*, actor, org, title: str, starts_on, ends_on) -> VerificationCampaign:
    """Start a campaign for the committee `org` and everyone active in its subtree."""
    require_perm(actor, ACTION, org)
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if org.kind != COMMITTEE or not org.is_active:
        errors["org"] = _("A verification campaign is started by an active party committee.")
    if not title:
        errors["title"] = _("Give the campaign a title.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The end date cannot be before the start date.")
    elif ends_on and ends_on < timezone.localdate():
        errors["ends_on"] = _("The end date cannot be in the past.")
    if not errors and VerificationCampaign.objects.filter(org=org, closed_at__isnull=True).exists():
        errors["org"] = _(
            "This committee already has a campaign in progress; close it before starting another."
        )
    if errors:
        raise ValidationError(errors)
    campaign = VerificationCampaign.objects.create(
        org=org, title=title[:100], starts_on=starts_on, ends_on=ends_on, created_by=actor
    )
    count = _create_responses(campaign)
    audit_record(
        actor=actor,
        action="members.campaign_start",
        target=campaign,
        org=org,
        changes={"title": campaign.title, "starts_on": starts_on, "ends_on": ends_on,
                 "people": count},
    )  # fmt: skip
    # Telling tens of thousands of people takes a while: do it after commit, off the request.
    from dangjian.members.tasks import notify_campaign_started

    transaction.on_commit(lambda: notify_campaign_started.delay(campaign.pk))
    return campaign


def campaign_notify(campaign: VerificationCampaign) -> None:
    """Tell everyone with an account in the campaign's subtree to check their record."""
    org = campaign.org
    users = (
        User.objects.filter(
            is_active=True, person__is_active=True, person__branch__path__startswith=org.path
        )
        .only("pk", "is_active", "email")
        .order_by()
        .iterator(chunk_size=BATCH)
    )
    title_text = _("Please check your personal information")
    body = _("%(org)s asks you to check your record (%(title)s) by %(date)s.") % {
        "org": org.name,
        "title": campaign.title,
        "date": cn_date(campaign.ends_on),
    }
    for chunk in _batches(users):
        notify(recipients=chunk, title=title_text, body=body, link=reverse("members:me"),
               category="members.verification", actor=campaign.created_by)  # fmt: skip


def open_response_for(*, actor, campaign: VerificationCampaign) -> VerificationResponse:
    """The actor's own pending response in an open campaign, locked (404 if they have none)."""
    response = (
        VerificationResponse.objects.select_for_update()
        .filter(campaign=campaign, person__user_id=getattr(actor, "pk", None))
        .first()
    )
    if response is None:
        raise OutOfScope("members.verification")
    campaign = VerificationCampaign.objects.get(pk=campaign.pk)
    if not is_open(campaign):
        raise ValidationError(_("This verification campaign is not open."))
    if response.status != VerificationStatus.PENDING:
        raise ValidationError(_("You have already answered this verification campaign."))
    return response


@transaction.atomic
def campaign_confirm(*, actor, campaign: VerificationCampaign) -> VerificationResponse:
    """The actor confirms their record is right: the response and the record say so."""
    response = open_response_for(actor=actor, campaign=campaign)
    now = timezone.now()
    response.status = VerificationStatus.CONFIRMED
    response.answered_at = now
    response.save(update_fields=["status", "answered_at"])
    person = Person.objects.select_related("branch").get(pk=response.person_id)
    Person.objects.filter(pk=person.pk).update(verified_at=now)
    audit_record(
        actor=actor,
        action="members.verification_confirm",
        target=person,
        org=person.branch,
        changes={"campaign": campaign.pk, "verified_at": [person.verified_at, now]},
    )
    return response


@transaction.atomic
def campaign_close(*, actor, campaign: VerificationCampaign) -> VerificationCampaign:
    """End a campaign; unanswered responses stay pending as the record of who did not answer."""
    campaign = (
        VerificationCampaign.objects.select_for_update().select_related("org").get(pk=campaign.pk)
    )
    require_perm(actor, ACTION, campaign.org)
    if campaign.closed_at is not None:
        raise ValidationError(_("This campaign is already closed."))
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["closed_at"])
    totals = VerificationResponse.objects.filter(campaign=campaign).aggregate(**_COUNTS)
    audit_record(
        actor=actor, action="members.campaign_close", target=campaign, org=campaign.org,
        changes=totals,
    )  # fmt: skip
    return campaign


def may_close(user, campaign: VerificationCampaign) -> bool:
    return campaign.closed_at is None and has_perm(user, ACTION, campaign.org)
