"""Data quality of the member records of an organization's subtree (issue 3 §9).

Every check is a filter over the *active* people of the subtree that the user may manage
(`restrict(user, "members.manage")`), so each figure on the dashboard has a drill-down list of
exactly the offending records. The dashboard is one aggregate query (`Count(filter=...)` per
check), whatever the number of people.

The one check that cannot be a filter is the validity of the ID numbers themselves: they are
encrypted at rest, so checking them means decrypting every row. That is done only on its own
drill-down page (`invalid_id`), in one streamed pass with a row limit (`ID_SCAN_LIMIT`); the
dashboard links to it without a figure. Records saved through the services are always valid —
the check is for data imported from older systems around them.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.db.models import Count, F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.crypto import decrypt
from dangjian.members.choices import DEVELOPMENT_STAGES, EXIT_STAGES, MEMBER_STAGES, Stage, Standing
from dangjian.members.models import Person
from dangjian.orgs.models import Organization, OrgKind
from dangjian.rules import RuleError
from dangjian.rules.idcard import parse_id_number

STALE_AFTER = timedelta(days=365)
ID_SCAN_LIMIT = 20_000  # active people decrypted in one request (about 0.2 ms each on SQLite)


@dataclass(frozen=True)
class Check:
    key: str  # URL slug
    label: str
    group: str  # one of GROUPS
    # Offending records among the active people; None for the ID scan (not a filter).
    q: Q | None
    # Completeness only: who the field applies to (the denominator of the share).
    applies: Q | None = None
    columns: tuple[str, ...] = field(default=())  # extra Person fields shown in the list
    help: str = ""


GROUPS = {
    "completeness": _("Completeness of the national collection items"),
    "identity": _("ID numbers"),
    "dates": _("Inconsistent dates"),
    "organization": _("Organization"),
    "status": _("Standing and upkeep"),
}

ALL = Q()
MEMBERS = Q(stage__in=MEMBER_STAGES)


def _missing(name: str, label, applies: Q = ALL, *, null: bool = False) -> Check:
    empty = Q(**{f"{name}__isnull": True}) if null else Q(**{name: ""})
    return Check(f"missing-{name.replace('_', '-')}", label, "completeness", applies & empty,
                 applies=applies)  # fmt: skip


def checks(today=None) -> list[Check]:
    """Every check, in the dashboard's order (dates relative to `today`)."""
    today = today or timezone.localdate()
    stale_before = timezone.now() - STALE_AFTER
    in_branch_with_groups = Q(
        branch_id__in=Organization.objects.filter(kind=OrgKind.PARTY_GROUP, is_active=True).values(
            "parent_id"
        )
    )
    return [
        _missing("phone", _("Mobile phone")),
        _missing("address", _("Home address")),
        _missing("education", _("Education")),
        _missing("personnel_category", _("Personnel category")),
        _missing("work_unit", _("Work unit")),
        _missing("job", _("Job or post")),
        _missing("native_place", _("Native place")),
        _missing("photo", _("Photo"), null=True),
        _missing("join_date", _("Date joined the party (members)"), MEMBERS, null=True),
        _missing(
            "full_member_date",
            _("Date became a full member (full members)"),
            Q(stage=Stage.FULL),
            null=True,
        ),
        _missing(
            "application_date",
            _("Application date (applicants, activists, candidates)"),
            Q(stage__in=DEVELOPMENT_STAGES),
            null=True,
        ),
        Check("duplicate-id", _("ID number shared by several active people"), "identity",
              Q(), help=_("Only people you may manage are compared.")),  # q set in _base
        Check("invalid-id", _("Invalid ID number, or one that disagrees with birth date or sex"),
              "identity", None,
              help=_("ID numbers are encrypted: they are checked when you open this list.")),
        Check("full-not-after-join", _("Full-member date not after the joining date"), "dates",
              Q(full_member_date__lte=F("join_date")), columns=("join_date", "full_member_date")),
        Check("join-before-application", _("Joined before applying"), "dates",
              Q(join_date__lt=F("application_date")),
              columns=("application_date", "join_date")),
        Check("date-before-birth", _("Application or joining date before birth"), "dates",
              Q(application_date__lte=F("birth_date")) | Q(join_date__lte=F("birth_date")),
              columns=("birth_date", "application_date", "join_date")),
        Check("future-date", _("Date in the future"), "dates",
              Q(birth_date__gt=today) | Q(application_date__gt=today) | Q(join_date__gt=today)
              | Q(full_member_date__gt=today),
              columns=("birth_date", "application_date", "join_date", "full_member_date")),
        Check("probation-overdue", _("Still probationary after the full-member date"), "dates",
              Q(stage=Stage.PROBATIONARY, full_member_date__lte=today),
              columns=("join_date", "full_member_date")),
        Check("no-party-group", _("Members without a party group (in branches that have groups)"),
              "organization", MEMBERS & Q(party_group__isnull=True) & in_branch_with_groups),
        Check("foreign-party-group", _("Party group of another branch"), "organization",
              Q(party_group__isnull=False) & ~Q(party_group__parent_id=F("branch_id"))),
        Check("exit-stage-active", _("Active record with an exit stage"), "organization",
              Q(stage__in=EXIT_STAGES)),
        Check("development-without-pipeline",
              _("Applicants, activists, candidates or probationary members without a "
                "development pipeline"), "organization",
              Q(stage__in=DEVELOPMENT_STAGES | {Stage.PROBATIONARY})
              & ~Q(pk__in=_in_development())),
        Check("lost-contact", _("Lost contact"), "status", Q(lost_contact_since__isnull=False),
              columns=("lost_contact_since",)),
        Check("suspended", _("Membership suspended"), "status", Q(standing=Standing.SUSPENDED),
              columns=("lost_contact_since",)),
        Check("stale", _("Not verified in the last 12 months"), "status",
              Q(verified_at__isnull=True) | Q(verified_at__lt=stale_before),
              columns=("verified_at",)),
    ]  # fmt: skip


def _in_development():
    """People with a development pipeline in progress (the development app builds on this one,
    so its model is looked up by name)."""
    pipeline = apps.get_model("development", "Pipeline")
    return pipeline.objects.filter(status="active").values("person_id")


def check_by_key(key: str, today=None) -> Check | None:
    return next((c for c in checks(today) if c.key == key), None)


def active_people(user, org: Organization):
    """Active people of `org`'s subtree that the user may manage."""
    return Person.objects.restrict(user, "members.manage").filter(
        branch__path__startswith=org.path, is_active=True
    )


def _duplicates_q(base) -> Q:
    shared = (
        base.order_by()
        .values("id_number_hash")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values("id_number_hash")
    )
    return Q(id_number_hash__in=shared)


def _check_q(check: Check, base) -> Q:
    return _duplicates_q(base) if check.key == "duplicate-id" else check.q


def quality_summary(*, user, org: Organization, today=None) -> dict:
    """Counts of every check in one aggregate query.

    {"total": active people, "groups": [{"key", "title", "checks": [{check, count, applicable,
    filled_share}]}]} — `applicable`/`filled_share` only for completeness checks."""
    base = active_people(user, org)
    all_checks = checks(today)
    aggregates = {"total": Count("pk")}
    for i, check in enumerate(all_checks):
        if check.q is None:
            continue
        aggregates[f"c{i}"] = Count("pk", filter=_check_q(check, base))
        if check.applies is not None:
            aggregates[f"a{i}"] = Count("pk", filter=check.applies)
    counts = base.aggregate(**aggregates)
    groups = {key: {"key": key, "title": title, "checks": []} for key, title in GROUPS.items()}
    for i, check in enumerate(all_checks):
        row = {"check": check, "count": counts.get(f"c{i}")}
        if check.applies is not None:
            applicable = counts[f"a{i}"]
            row["applicable"] = applicable
            row["filled"] = applicable - row["count"]
            row["filled_share"] = round(100 * row["filled"] / applicable, 1) if applicable else None
        groups[check.group]["checks"].append(row)
    return {"total": counts["total"], "groups": list(groups.values())}


def offending_people(*, user, org: Organization, check: Check):
    """The records a (filter) check finds, for the drill-down list."""
    base = active_people(user, org)
    return base.filter(_check_q(check, base)).select_related("branch", "party_group")


@dataclass(frozen=True)
class IdScan:
    too_many: bool
    scanned: int
    problems: dict  # person pk -> reason


def scan_id_numbers(*, user, org: Organization, today=None, limit: int = ID_SCAN_LIMIT) -> IdScan:
    """Decrypt and re-check every active ID number of the subtree in one streamed pass.

    Reads the ciphertext (`Cast` skips the field's decrypting converter) so one undecryptable
    value is reported instead of breaking the page. Refuses (too_many) above `limit` people."""
    today = today or timezone.localdate()
    base = active_people(user, org)
    total = base.count()
    if total > limit:
        return IdScan(True, 0, {})
    rows = (
        base.order_by()
        .annotate(raw=Cast("id_number", TextField()))
        .values_list("pk", "raw", "birth_date", "sex")
        .iterator(chunk_size=2000)
    )
    problems = {}
    scanned = 0
    for pk, raw, birth_date, sex in rows:
        scanned += 1
        try:
            number = decrypt(raw) if raw else ""
        except ValueError:
            problems[pk] = str(_("The stored ID number cannot be decrypted."))
            continue
        try:
            parsed = parse_id_number(number, today=today)
        except RuleError as exc:
            problems[pk] = str(exc)
            continue
        if parsed.birth_date != birth_date:
            problems[pk] = str(_("The date of birth does not match the ID number."))
        elif parsed.sex != sex:
            problems[pk] = str(_("The sex does not match the ID number."))
    return IdScan(False, scanned, problems)
