"""Reads of the development dashboard: where an organization's pipelines stand (issue 4 §7).

Everything starts from `Pipeline.objects.restrict(user, "development.view")` narrowed to the
organization's subtree. The counts are grouped in the database by the first path step below the
organization (`Substr` of the branch path), so one query serves the totals and every
sub-organization's row, and the number of queries does not grow with branches or pipelines.
Overdue steps are read from what the last evaluation stored (`Pipeline.violations`), the same
data the reminders use.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Substr
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from dangjian.core.dates import cn_date
from dangjian.development.documents import label, record_date
from dangjian.development.models import AdmissionPlan, Pipeline, PipelineStatus, StepRecord
from dangjian.members.choices import Stage
from dangjian.members.models import Person
from dangjian.members.services import SENSITIVE_FIELDS
from dangjian.orgs.models import PATH_STEP, Organization, OrgKind
from dangjian.rules.development import STEP_LABELS

VIEW = "development.view"
STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY)
# (from, to) of the stretches whose average length the dashboard shows.
TRANSITIONS = (
    ("application", "activist"),
    ("activist", "candidate"),
    ("candidate", "branch_meeting"),
    ("branch_meeting", "conversion_approval"),
)


def scoped_orgs(user, action: str) -> list[Organization]:
    """Active organizations (not party groups) where `user` may `action`, in tree order."""
    return list(
        Organization.objects.restrict(user, action)
        .filter(is_active=True)
        .exclude(kind=OrgKind.PARTY_GROUP)
        .only("pk", "name", "path", "depth", "kind")
    )


def sub_orgs(org: Organization) -> list[Organization]:
    """The organizations directly below `org` that hold members (party groups excluded)."""
    return list(
        Organization.objects.filter(
            path__startswith=org.path, depth=org.depth + 1, is_active=True
        ).exclude(kind=OrgKind.PARTY_GROUP)
    )


def pipelines_in(user, org: Organization):
    """Pipelines of people in `org`'s subtree that `user` may see."""
    return Pipeline.objects.restrict(user, VIEW).filter(person__branch__path__startswith=org.path)


def _unit(org: Organization, lookup: str) -> Substr:
    """The path of the sub-organization of `org` a row's branch lies in (`org.path` itself for
    people whose branch is `org`)."""
    return Substr(lookup, 1, len(org.path) + PATH_STEP)


@dataclass
class Counts:
    stages: dict = field(default_factory=lambda: dict.fromkeys(STAGES, 0))
    active: int = 0
    overdue: int = 0  # people with at least one overdue step
    admissions: int = 0
    target: int | None = None


@dataclass(frozen=True)
class OverdueItem:
    """One overdue step of one person under one rule. A periodic record missed in several
    periods is one item: the first missed deadline, its message and how many were missed."""

    pipeline_id: int
    person: str
    branch: str
    step: str
    step_label: str
    rule: str
    message: str
    limit: date | None
    missed: int


@dataclass(frozen=True)
class Transition:
    start: str
    end: str
    label: str
    days: float | None  # average, one decimal; None when nobody has made this step yet
    people: int


@dataclass(frozen=True)
class UnitRow:
    org: Organization
    counts: Counts


@dataclass(frozen=True)
class Dashboard:
    org: Organization
    year: int
    counts: Counts
    own_target: int | None  # the organization's own plan for the year
    sub_target: int | None  # the plans of the organizations below, summed
    overdue: list[OverdueItem]
    transitions: list[Transition]
    units: list[UnitRow]

    @property
    def progress(self) -> int | None:
        """This year's admissions as a percentage of the plan (None without a plan)."""
        target = self.counts.target
        if not target:
            return None
        return round(100 * self.counts.admissions / target)


def _active_counts(pipelines, org) -> dict[str, Counts]:
    """Counts of active pipelines per unit path (one grouped query)."""
    rows = (
        pipelines.filter(status=PipelineStatus.ACTIVE)
        .annotate(unit=_unit(org, "person__branch__path"))
        .values("unit", "person__stage")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(overdue_count__gt=0)))
        .order_by()
    )
    out: dict[str, Counts] = defaultdict(Counts)
    for row in rows:
        counts = out[row["unit"]]
        counts.active += row["n"]
        counts.overdue += row["overdue"]
        if row["person__stage"] in counts.stages:
            counts.stages[row["person__stage"]] += row["n"]
    return out


def admissions_by_unit(pipelines, org, year: int) -> dict[str, int]:
    """New probationary members per unit path: pipelines whose approval is dated in `year`."""
    rows = (
        StepRecord.objects.filter(
            pipeline__in=pipelines.values("pk"),
            step="approval",
            on__gte=date(year, 1, 1),
            on__lte=date(year, 12, 31),
        )
        .annotate(unit=_unit(org, "pipeline__person__branch__path"))
        .values("unit")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["unit"]: row["n"] for row in rows}


def plan_targets(user, org, year: int) -> dict[str, int]:
    """{org path: planned admissions} of `org`'s subtree for `year`."""
    return dict(
        AdmissionPlan.objects.restrict(user, VIEW)
        .filter(org__path__startswith=org.path, year=year)
        .values_list("org__path", "target")
    )


def planned_below(plans: dict[str, int], path: str) -> int | None:
    """The plans of the organizations below `path`, summed without counting twice: an
    organization with its own plan stands for its subtree."""
    below = [p for p in plans if p.startswith(path) and p != path]
    top = [p for p in below if not any(p.startswith(q) and p != q for q in below)]
    return sum(plans[p] for p in top) if top else None


def effective_target(plans: dict[str, int], path: str) -> int | None:
    """The organization's own plan, else the plans below it summed."""
    return plans[path] if path in plans else planned_below(plans, path)


def overdue_items(pipelines) -> list[OverdueItem]:
    """The stored overdue violations of the active pipelines, one item per person, step and
    rule, oldest deadline first."""
    rows = (
        pipelines.filter(status=PipelineStatus.ACTIVE, overdue_count__gt=0)
        .select_related("person__branch")
        .only("pk", "violations", "person__name", "person__branch__name")
        .order_by()
    )
    items = []
    for pipeline in rows:
        grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for v in pipeline.violations:
            if v.get("overdue"):
                grouped[(v["step"], v["rule"])].append(v)
        for (step, rule), found in grouped.items():
            first = min(found, key=lambda v: v["limit"] or "9999")
            items.append(
                OverdueItem(
                    pipeline_id=pipeline.pk,
                    person=pipeline.person.name,
                    branch=pipeline.person.branch.name,
                    step=step,
                    step_label=STEP_LABELS.get(step, step),
                    rule=rule,
                    message=first["message"],
                    limit=date.fromisoformat(first["limit"]) if first["limit"] else None,
                    missed=len(found),
                )
            )
    items.sort(key=lambda i: (i.limit or date.max, i.person, i.pipeline_id, i.step))
    return items


def transitions(pipelines) -> list[Transition]:
    """Average days of each stretch over the people who completed it (one query)."""
    keys = {key for pair in TRANSITIONS for key in pair}
    dates: dict[int, dict[str, date]] = defaultdict(dict)
    rows = StepRecord.objects.filter(pipeline__in=pipelines.values("pk"), step__in=keys)
    for pipeline_id, step, on in rows.values_list("pipeline_id", "step", "on").order_by():
        dates[pipeline_id][step] = on
    out = []
    for start, end in TRANSITIONS:
        spans = [d[end] - d[start] for d in dates.values() if start in d and end in d]
        days = round(sum(s.days for s in spans) / len(spans), 1) if spans else None
        label = f"{STEP_LABELS[start]} → {STEP_LABELS[end]}"
        out.append(Transition(start, end, label, days, len(spans)))
    return out


def dashboard(*, user, org: Organization, year: int) -> Dashboard:
    """The development dashboard of `org`'s subtree as `user` may see it."""
    pipelines = pipelines_in(user, org)
    active = _active_counts(pipelines, org)
    admitted = admissions_by_unit(pipelines, org, year)
    plans = plan_targets(user, org, year)
    units = []
    for child in sub_orgs(org):
        counts = active.get(child.path) or Counts()
        counts.admissions = admitted.get(child.path, 0)
        counts.target = effective_target(plans, child.path)
        units.append(UnitRow(child, counts))
    total = Counts()
    for counts in active.values():
        total.active += counts.active
        total.overdue += counts.overdue
        for stage, n in counts.stages.items():
            total.stages[stage] += n
    total.admissions = sum(admitted.values())
    total.target = effective_target(plans, org.path)
    return Dashboard(
        org=org,
        year=year,
        counts=total,
        own_target=plans.get(org.path),
        sub_target=planned_below(plans, org.path),
        overdue=overdue_items(pipelines),
        transitions=transitions(pipelines),
        units=units,
    )


# ---------------------------------------------------------------------------------------------
# Registers of activists and candidates (printed by documents.register_docx)


def _dates(step: str):
    return lambda person, steps: "、".join(cn_date(r.on) for r in steps.get(step, ()))


def _people(step: str):
    return lambda person, steps: "、".join(
        p.name for r in steps.get(step, ()) for p in r.people.all()
    )


def _last(step: str):
    return lambda person, steps: cn_date(max((r.on for r in steps.get(step, ())), default=None))


def lazy_label(model, name: str):
    """The field's label, translated when the header is written."""
    return lazy(lambda: label(model, name), str)()


def _trainings(person, steps) -> str:
    return "、".join(record_date(r) for r in steps.get("training_start", ()))


@dataclass(frozen=True)
class RegisterKind:
    stage: str
    title: str  # lazy
    columns: tuple  # (header, width in mm, fn(person, {step: [records]}) -> str)


REGISTER_STEPS = (
    "application", "activist", "contacts_assigned", "activist_assessments", "candidate",
    "introducers", "political_review", "training_start",
)  # fmt: skip


_NAME = (lazy_label(Person, "name"), 22, lambda person, steps: person.name)
_SEX = (lazy_label(Person, "sex"), 12, lambda person, steps: str(person.get_sex_display()))
_BIRTH = (lazy_label(Person, "birth_date"), 28, lambda person, steps: cn_date(person.birth_date))
_BRANCH = (lazy_label(Person, "branch"), 40, lambda person, steps: person.branch.name)
REGISTERS = {
    "activists": RegisterKind(
        Stage.ACTIVIST,
        _("Register of activists"),
        (
            _NAME, _SEX, _BIRTH,
            (lazy_label(Person, "education"), 24,
             lambda person, steps: str(person.get_education_display())),
            _BRANCH,
            (_("Applied on"), 28, _dates("application")),
            (_("Activist since"), 28, _dates("activist")),
            (_("Cultivation contacts"), 38, _people("contacts_assigned")),
            (_("Last assessment"), 31, _last("activist_assessments")),
        ),
    ),
    "candidates": RegisterKind(
        Stage.CANDIDATE,
        _("Register of candidates"),
        (
            _NAME, _SEX, _BIRTH, _BRANCH,
            (_("Activist since"), 28, _dates("activist")),
            (_("Candidate since"), 28, _dates("candidate")),
            (_("Introducers"), 34, _people("introducers")),
            (_("Political review"), 28, _dates("political_review")),
            (_("Concentrated training"), 31, _trainings),
        ),
    ),
}  # fmt: skip


def register_rows(user, org: Organization, kind: RegisterKind) -> list[list[str]]:
    """One row per active pipeline in `kind`'s stage in `org`'s subtree (two queries)."""
    pipelines = list(
        pipelines_in(user, org)
        .filter(status=PipelineStatus.ACTIVE, person__stage=kind.stage)
        .select_related("person__branch")
        .defer(*(f"person__{name}" for name in SENSITIVE_FIELDS))
        .order_by("person__branch__path", "person__name_pinyin", "pk")
    )
    records: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for record in (
        StepRecord.objects.filter(pipeline__in=[p.pk for p in pipelines], step__in=REGISTER_STEPS)
        .prefetch_related(Prefetch("people", queryset=Person.objects.only("pk", "name")))
        .order_by("on", "pk")
    ):
        records[record.pipeline_id][record.step].append(record)
    return [
        [str(fn(p.person, records[p.pk])) for _header, _width, fn in kind.columns]
        for p in pipelines
    ]
