"""Compliance of organizational life (issue 5 §8): the derived cells and their reads.

One `ComplianceCell` per branch and month, quarter and year holds what `rules.year_cells`
judged from the branch's held activities (its party groups' activities count for it). Cells are
recomputed in chunks of branches with a fixed number of queries per chunk — `branch_inputs`
reads a whole chunk's inputs with one aggregate query each — every night and whenever a
branch's activity changes (`branch_refresh`). The committee heat-map is then one grouped query
over the stored cells; the branch calendar and the home panel judge live from the same inputs.

Reminders (the daily task) go once per warning to the holders of orglife.manage nearest to the
branch, found in bulk (`holders_by_path`), never one lookup per branch.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import Role, RoleAssignment
from dangjian.core.dates import cn_date
from dangjian.core.scope import has_perm
from dangjian.notifications.services import notify
from dangjian.orglife.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    ComplianceCell,
    PolicySetting,
    ReminderSent,
)
from dangjian.orgs.models import PATH_STEP, CommitteeMember, Organization, OrgKind
from dangjian.rules import RuleError
from dangjian.rules import orglife as rules

VIEW = "orglife.view"
MANAGE = "orglife.manage"
BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH)
MANAGED_KINDS = (*BRANCH_KINDS, OrgKind.PARTY_GROUP)  # where a direct assignment runs a branch
HOME_BRANCHES = 5  # the home panel speaks of at most this many branches
BRANCH_FIELDS = ("pk", "name", "path", "depth", "kind", "parent_id", "founded_on", "term_end")

Counts = dict[tuple[str, date], rules.Held]
Attendance = dict[date, tuple[int, int]]  # month -> (expected, present)


def is_branch(org: Organization) -> bool:
    return org.kind in BRANCH_KINDS


def calendar_url(branch: Organization, year: int | None = None) -> str:
    url = reverse("orglife:calendar", kwargs={"pk": branch.pk})
    return f"{url}?year={year}" if year else url


# ---------------------------------------------------------------------------------------------
# Inputs of the rules for a set of branches (a fixed number of queries for any number of them)


def _nearest(by_path: dict, org: Organization):
    """What is stored at the nearest of `org`'s own and its ancestors' paths, or None."""
    for path in reversed(org.ancestor_paths()):
        if path in by_path:
            return by_path[path]
    return None


def policies_for(branches: Iterable[Organization]) -> dict[int, rules.OrglifePolicy]:
    """{branch id: policy in force} — `selectors.policy_for` for many organizations at once.

    One query: every `PolicySetting` (one row per organization that set a policy), matched by
    path to each branch's nearest. A stored setting that no longer parses counts as the
    national default, as in `policy_for`.
    """
    parsed: dict[str, rules.OrglifePolicy] = {}
    for path, data in PolicySetting.objects.values_list("org__path", "data"):
        try:
            parsed[path] = rules.policy_from_dict(data)
        except RuleError:
            parsed[path] = rules.ORGLIFE_2018
    return {b.pk: _nearest(parsed, b) or rules.ORGLIFE_2018 for b in branches}


def extras_for(branches: Iterable[Organization]) -> dict[int, tuple[rules.Requirement, ...]]:
    """{branch id: frequency rules of the custom activity types defined at it or above} (one
    query)."""
    by_path: dict[str, list[rules.Requirement]] = defaultdict(list)
    types = (
        ActivityType.objects.filter(org__isnull=False, is_active=True)
        .exclude(period="")
        .select_related("org")
        .only("code", "name", "period", "times", "quorum", "org__path")
        .order_by("order", "pk")
    )
    for activity_type in types:
        try:
            requirement = activity_type.requirement()
        except RuleError:  # e.g. zero times a period: not a rule anyone can be held to
            continue
        if requirement is not None:
            by_path[activity_type.org.path].append(requirement)
    return {
        b.pk: tuple(r for path in b.ancestor_paths() for r in by_path.get(path, ()))
        for b in branches
    }


def facts_for(branches: Sequence[Organization], today: date) -> dict[int, rules.BranchFacts]:
    """{branch id: BranchFacts}: a committee is three or more current committee members;
    groups are the active party groups right below the branch (two queries)."""
    ids = [b.pk for b in branches]
    current = Q(term_end__isnull=True) | Q(term_end__gte=today)
    committee = dict(
        CommitteeMember.objects.filter(current, org_id__in=ids, term_start__lte=today)
        .values("org_id")
        .annotate(n=Count("pk"))
        .values_list("org_id", "n")
        .order_by()
    )
    groups = dict(
        Organization.objects.filter(parent_id__in=ids, kind=OrgKind.PARTY_GROUP, is_active=True)
        .values("parent_id")
        .annotate(n=Count("pk"))
        .values_list("parent_id", "n")
        .order_by()
    )
    return {
        pk: rules.BranchFacts(has_committee=committee.get(pk, 0) >= 3, groups=groups.get(pk, 0))
        for pk in ids
    }


def _flawed(today: date) -> Q:
    """Held, but the quorum was not met or the minutes were not signed in time."""
    return (
        Q(quorum_met=False)
        | Q(minutes_signed_on__isnull=True, minutes_due_on__lt=today)
        | Q(minutes_signed_on__gt=F("minutes_due_on"))
    )


def _grouped(activities, branch: str, today: date):
    """Held activities grouped by counting branch (the field `branch`), type and month."""
    return (
        activities.filter(status=ActivityStatus.HELD)
        .annotate(y=ExtractYear("held_on"), m=ExtractMonth("held_on"))
        .values(branch, "type__code", "y", "m")
        .annotate(
            held=Count("pk"),
            flawed=Count("pk", filter=_flawed(today)),
            groups=Count("org_id", distinct=True),
            expected=Sum("expected_count"),
            present=Sum("present_count"),
        )
        .order_by()
    )


def activity_counts(
    ids: Sequence[int], *, first: date, last: date, today: date
) -> tuple[dict[int, Counts], dict[int, Attendance]]:
    """Held activities of the branches `ids` and of their party groups between `first` and
    `last`, grouped in the database by branch, type and month — two queries, the branches'
    own and their party groups' (each an index lookup on organization and date).

    Returns ({branch: {(type code, month): Held}}, {branch: {month: (expected, present)}}).
    """
    held = Activity.objects.filter(held_on__gte=first, held_on__lte=last)
    own = _grouped(held.filter(org_id__in=ids), "org_id", today)
    of_groups = _grouped(
        held.filter(org__parent_id__in=ids, org__kind=OrgKind.PARTY_GROUP), "org__parent_id", today
    )
    counts: dict[int, Counts] = defaultdict(dict)
    sums: dict[int, dict[date, tuple[int, int]]] = defaultdict(dict)
    for rows, branch, in_groups in ((own, "org_id", False), (of_groups, "org__parent_id", True)):
        for row in rows:
            pk, month = row[branch], date(row["y"], row["m"], 1)
            key = (row["type__code"], month)
            before = counts[pk].get(key, rules.Held())
            counts[pk][key] = rules.Held(
                held=before.held + row["held"],
                flawed=before.flawed + row["flawed"],
                groups=before.groups + (row["groups"] if in_groups else 0),
            )
            expected, present = sums[pk].get(month, (0, 0))
            sums[pk][month] = (
                expected + (row["expected"] or 0), present + (row["present"] or 0),
            )  # fmt: skip
    return dict(counts), dict(sums)


@dataclass(frozen=True)
class BranchInputs:
    """Everything the rules need to judge one branch."""

    branch: Organization
    policy: rules.OrglifePolicy
    facts: rules.BranchFacts
    extra: tuple[rules.Requirement, ...]
    counts: Counts = field(default_factory=dict)
    attendance: Attendance = field(default_factory=dict)

    def cells(self, year: int, today: date) -> list[rules.Cell]:
        return rules.year_cells(self.policy, year, self.counts, self.facts, today,
                                since=self.branch.founded_on, extra=self.extra)  # fmt: skip

    def warnings(self, today: date) -> list[rules.Outcome]:
        return rules.warnings(self.policy, self.counts, self.facts, today,
                              since=self.branch.founded_on, extra=self.extra)  # fmt: skip

    def attendance_of(self, cell: rules.Cell) -> tuple[int, int]:
        """(expected, present) summed over the months of `cell`."""
        months = [rules.add_months(cell.start, i) for i in range(rules.PERIOD_MONTHS[cell.period])]
        pairs = [self.attendance.get(m, (0, 0)) for m in months]
        return sum(e for e, _p in pairs), sum(p for _e, p in pairs)


def branch_inputs(
    branches: Sequence[Organization], *, first: date, last: date, today: date
) -> dict[int, BranchInputs]:
    """{branch id: BranchInputs} with activities held between `first` and `last` — six
    queries whatever the number of branches."""
    ids = [b.pk for b in branches]
    policies = policies_for(branches)
    extras = extras_for(branches)
    facts = facts_for(branches, today)
    counts, attendance = activity_counts(ids, first=first, last=last, today=today)
    return {
        b.pk: BranchInputs(
            b,
            policies[b.pk],
            facts[b.pk],
            extras[b.pk],
            counts.get(b.pk, {}),
            attendance.get(b.pk, {}),
        )
        for b in branches
    }


def _branches():
    return Organization.objects.filter(kind__in=BRANCH_KINDS, is_active=True).only(*BRANCH_FIELDS)


def _chunks(items: Sequence, size: int):
    size = max(1, size)
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------------------------
# The stored cells


def outcome_data(outcome: rules.Outcome) -> dict:
    return {
        "activity": outcome.activity, "name": outcome.name, "period": outcome.period,
        "start": outcome.start.isoformat(), "state": outcome.state,
        "required": outcome.required, "held": outcome.held, "message": outcome.message,
    }  # fmt: skip


def _cell_rows(inputs: BranchInputs, year: int, today: date) -> list[ComplianceCell]:
    rows = []
    for cell in inputs.cells(year, today):
        expected, present = inputs.attendance_of(cell)
        rows.append(
            ComplianceCell(
                branch_id=inputs.branch.pk, period=cell.period, start=cell.start,
                severity=cell.severity, outcomes=[outcome_data(o) for o in cell.outcomes],
                expected=expected, present=present, policy_name=inputs.policy.name[:100],
                computed_on=today,
            )
        )  # fmt: skip
    return rows


def cells_refresh(
    *, year: int, today: date, branch_ids: Iterable[int] | None = None, chunk_size: int = 500
) -> int:
    """Recompute and store the compliance cells of `year` for every active branch (or those
    in `branch_ids`); returns how many branches were refreshed.

    Per chunk of branches: six reads (`branch_inputs`), one delete and one bulk insert
    (SQLite splits an insert every 99 rows), all in one transaction — so a reader sees a
    chunk either before or after, never half-written.
    """
    branches = _branches().order_by("pk")
    if branch_ids is not None:
        branches = branches.filter(pk__in=list(branch_ids))
    branches = list(branches)
    first, last = date(year, 1, 1), date(year, 12, 31)
    for chunk in _chunks(branches, chunk_size):
        inputs = branch_inputs(chunk, first=first, last=last, today=today)
        rows = [row for b in chunk for row in _cell_rows(inputs[b.pk], year, today)]
        with transaction.atomic():
            ComplianceCell.objects.filter(
                branch_id__in=[b.pk for b in chunk], start__gte=first, start__lte=last
            ).delete()
            ComplianceCell.objects.bulk_create(rows)
    return len(branches)


def branch_of(org: Organization) -> int | None:
    """The id of the branch whose compliance `org`'s activities count for (None: none)."""
    if org.kind == OrgKind.PARTY_GROUP:
        return org.parent_id
    return org.pk if is_branch(org) else None


def branch_refresh(branch: Organization, *, today: date | None = None) -> None:
    """Refresh the cells of the year of `today` for `branch` (a party group: its branch; a
    general branch or committee has no cells of its own)."""
    today = today or timezone.localdate()
    branch_id = branch_of(branch)
    if branch_id is not None:
        cells_refresh(year=today.year, today=today, branch_ids=[branch_id])


# ---------------------------------------------------------------------------------------------
# The committee heat-map (stored cells)


@dataclass(frozen=True)
class HeatCell:
    """Branches of one row by colour in one period, with their attendance sums."""

    start: date
    red: int = 0
    amber: int = 0
    green: int = 0
    none: int = 0
    expected: int = 0
    present: int = 0

    @property
    def status(self) -> str:
        if self.red:
            return "red"
        if self.amber:
            return "amber"
        return "green" if self.green else "none"

    @property
    def rate(self) -> int | None:
        """Attendance in whole per cent (None when nobody was expected)."""
        return round(100 * self.present / self.expected) if self.expected else None


@dataclass(frozen=True)
class HeatRow:
    org: Organization
    branches: int  # branches of the row's subtree in the user's scope
    cells: list[HeatCell]

    @property
    def is_branch(self) -> bool:
        return is_branch(self.org)


@dataclass(frozen=True)
class HeatMap:
    org: Organization
    year: int
    period: str
    columns: list[date]
    rows: list[HeatRow]
    total: HeatRow
    computed_on: date | None  # the oldest refresh behind the figures (None: nothing stored)


def columns_of(year: int, period: str) -> list[date]:
    step = rules.PERIOD_MONTHS[period]
    return [date(year, m, 1) for m in range(1, 13, step)]


def _unit(org: Organization, lookup: str) -> Substr:
    """The path of the organization right below `org` that a row lies in (`org`'s own path
    for `org` itself)."""
    return Substr(lookup, 1, len(org.path) + PATH_STEP)


def heatmap(user, org: Organization, *, year: int, period: str) -> HeatMap:
    """Compliance of `org`'s subtree as `user` may see it: one row per organization right
    below `org` with branches in or under it (a branch: the branch itself), one column per
    month, quarter or the year. Three queries whatever the number of branches: the rows, the
    branches per row and the cells grouped by row and period start."""
    if period not in rules.PERIODS:
        raise ValueError(period)
    columns = columns_of(year, period)
    if is_branch(org):
        candidates = [org]
    else:
        candidates = list(
            Organization.objects.filter(parent_id=org.pk, is_active=True)
            .exclude(kind=OrgKind.PARTY_GROUP)
            .only("pk", "name", "short_name", "path", "depth", "kind")
            .order_by("path")
        )
    in_subtree = {"path__startswith": org.path, "kind__in": BRANCH_KINDS, "is_active": True}
    branches = dict(
        Organization.objects.restrict(user, VIEW)
        .filter(**in_subtree)
        .annotate(row_path=_unit(org, "path"))
        .values("row_path")
        .annotate(n=Count("pk"))
        .values_list("row_path", "n")
        .order_by()
    )
    grouped = (
        ComplianceCell.objects.restrict(user, VIEW)
        .filter(
            branch__path__startswith=org.path,
            branch__is_active=True,
            period=period,
            start__gte=columns[0],
            start__lte=columns[-1],
        )
        .annotate(row_path=_unit(org, "branch__path"))
        .values("row_path", "start")
        .annotate(
            red=Count("pk", filter=Q(severity=rules.RED)),
            amber=Count("pk", filter=Q(severity=rules.AMBER)),
            green=Count("pk", filter=Q(severity=rules.GREEN)),
            expected=Sum("expected"),
            present=Sum("present"),
            computed=Min("computed_on"),
        )
        .order_by()
    )
    found: dict[tuple[str, date], dict] = {}
    computed = []
    for row in grouped:
        found[(row["row_path"], row["start"])] = row
        computed.append(row["computed"])

    def cell(unit: str, start: date) -> HeatCell:
        row = found.get((unit, start))
        if row is None:
            return HeatCell(start, none=branches.get(unit, 0))
        judged = row["red"] + row["amber"] + row["green"]
        return HeatCell(start, row["red"], row["amber"], row["green"],
                        max(branches.get(unit, 0) - judged, 0), row["expected"] or 0,
                        row["present"] or 0)  # fmt: skip

    rows = [
        HeatRow(child, branches[child.path], [cell(child.path, start) for start in columns])
        for child in candidates
        if child.path in branches
    ]
    total = HeatRow(org, sum(r.branches for r in rows), [
        HeatCell(start, *(sum(getattr(r.cells[i], name) for r in rows)
                          for name in ("red", "amber", "green", "none", "expected", "present")))
        for i, start in enumerate(columns)
    ])  # fmt: skip
    return HeatMap(org, year, period, columns, rows, total, min(computed, default=None))


# ---------------------------------------------------------------------------------------------
# One branch, live


@dataclass(frozen=True)
class BranchYear:
    """A branch's calendar of one year, judged live, with what it was judged on."""

    branch: Organization
    year: int
    inputs: BranchInputs
    cells: list[rules.Cell]

    @property
    def months(self) -> list[rules.Cell]:
        return self.cells[:12]

    @property
    def quarters(self) -> list[rules.Cell]:
        return self.cells[12:16]

    @property
    def whole(self) -> rules.Cell:
        return self.cells[16]


def branch_year(branch: Organization, *, year: int, today: date) -> BranchYear:
    """`branch_calendar` with its inputs (policy, facts, attendance) for the calendar page."""
    inputs = branch_inputs([branch], first=date(year, 1, 1), last=date(year, 12, 31),
                           today=today)[branch.pk]  # fmt: skip
    return BranchYear(branch, year, inputs, inputs.cells(year, today))


def branch_calendar(branch: Organization, *, year: int, today: date) -> list[rules.Cell]:
    """12 month cells, 4 quarter cells and the year cell of `branch`, judged live (6 queries)."""
    return branch_year(branch, year=year, today=today).cells


# ---------------------------------------------------------------------------------------------
# Warnings: the secretary's home panel and the daily reminders


def term_warning(org: Organization, today: date) -> str:
    """The 换届 reminder of a branch whose committee term has ended or ends within 90 days."""
    status = org.term_status(today)
    if status == "ended":
        return _(
            "The branch committee's term ended on %(date)s; hold the re-election without delay."
        ) % {"date": cn_date(org.term_end)}
    if status == "ending":
        return _(
            "The branch committee's term ends on %(date)s; prepare the re-election in time."
        ) % {"date": cn_date(org.term_end)}
    return ""


def _warning_window(today: date) -> tuple[date, date]:
    """Activities that can matter to today's warnings: the current and the previous year."""
    return date(today.year - 1, 1, 1), date(today.year, 12, 31)


def managed_branches(user, today: date) -> list[Organization]:
    """Branches where `user` holds orglife.manage directly — assigned at the branch or at one
    of its party groups — not every branch under a committee (two queries)."""
    rows = (
        RoleAssignment.objects.current(today)
        .filter(user_id=user.pk, org__is_active=True, org__kind__in=MANAGED_KINDS)
        .values_list("role__permissions", "org_id", "org__kind", "org__parent_id")
    )
    ids = {
        parent if kind == OrgKind.PARTY_GROUP else org_id
        for perms, org_id, kind, parent in rows
        if MANAGE in (perms or ())
    }
    if not ids:
        return []
    return list(_branches().filter(pk__in=ids).order_by("path")[:HOME_BRANCHES])


def home_warnings(request, *, today: date | None = None) -> dict | None:
    """The home panel: due-soon and just-missed requirements and the committee term of the
    branches the user runs (at most five); None when there is nothing to say. Eight queries."""
    today = today or timezone.localdate()
    branches = managed_branches(request.user, today)
    if not branches:
        return None
    first, last = _warning_window(today)
    inputs = branch_inputs(branches, first=first, last=last, today=today)
    items = []
    for branch in branches:
        warnings = inputs[branch.pk].warnings(today)
        term = term_warning(branch, today)
        if not warnings and not term:
            continue
        items.append({
            "branch": branch, "warnings": warnings, "term": term,
            "url": calendar_url(branch) if has_perm(request.user, VIEW, branch) else "",
        })  # fmt: skip
    if not items:
        return None
    count = sum(len(i["warnings"]) + bool(i["term"]) for i in items)
    return {"items": items, "count": count, "more_url": items[0]["url"]}


def holders_by_path(action: str, today: date) -> dict[str, list]:
    """{org path: users holding `action` there}, for `nearest_holders` without a query per
    organization (two queries)."""
    roles = [pk for pk, perms in Role.objects.values_list("pk", "permissions")
             if action in (perms or ())]  # fmt: skip
    rows = (
        RoleAssignment.objects.current(today)
        .filter(role_id__in=roles, org__is_active=True, user__is_active=True)
        .select_related("user")
        .annotate(org_path=F("org__path"))
        .order_by("org_path", "pk")
    )
    out: dict[str, list] = defaultdict(list)
    for row in rows:
        out[row.org_path].append(row.user)
    return dict(out)


def nearest_holders_of(holders: dict[str, list], org: Organization) -> list:
    """Same answer as `accounts.selectors.nearest_holders(org, action)` from `holders_by_path`."""
    return _nearest(holders, org) or []


def reminders_of(inputs: BranchInputs, today: date) -> list[tuple[str, str]]:
    """[(ReminderSent key, text)] a branch's people in charge should hear about today."""
    branch = inputs.branch
    out = [
        (f"{o.activity}:{o.start.isoformat()}:{o.state}"[:80],
         _("%(branch)s: %(message)s") % {"branch": branch.name, "message": o.message})
        for o in inputs.warnings(today)
    ]  # fmt: skip
    term = term_warning(branch, today)
    if term:
        text = _("%(branch)s: %(message)s") % {"branch": branch.name, "message": term}
        out.append((f"term:{branch.term_end.isoformat()}", text))
    return out


def reminders_send(*, today: date, chunk_size: int = 500) -> int:
    """Tell the holders of orglife.manage nearest to each branch about each warning once
    (`ReminderSent`); returns how many warnings were sent. Reads in bulk per chunk; each new
    warning is one `notify`."""
    branches = list(_branches().order_by("pk"))
    holders = holders_by_path(MANAGE, today)
    first, last = _warning_window(today)
    sent = 0
    for chunk in _chunks(branches, chunk_size):
        inputs = branch_inputs(chunk, first=first, last=last, today=today)
        done = set(
            ReminderSent.objects.filter(branch_id__in=[b.pk for b in chunk]).values_list(
                "branch_id", "key"
            )
        )
        new = [
            (branch, key, text)
            for branch in chunk
            for key, text in reminders_of(inputs[branch.pk], today)
            if (branch.pk, key) not in done
        ]
        if not new:
            continue
        with transaction.atomic():
            ReminderSent.objects.bulk_create(
                [ReminderSent(branch=branch, key=key) for branch, key, _text in new]
            )
            for branch, _key, text in new:
                notify(recipients=nearest_holders_of(holders, branch), title=text,
                       link=calendar_url(branch), category="orglife")  # fmt: skip
        sent += len(new)
    return sent
