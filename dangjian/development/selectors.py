"""Reads of member development: the policy in force, a pipeline's timeline and its view.

The timeline is the mapping `rules.development.check_timeline` takes, built from the recorded
steps; `pipeline_view` turns it into what the timeline page shows for each of the 25 steps.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from dangjian.development.models import (
    REPEATED_STEPS,
    Pipeline,
    PipelineStatus,
    PolicySetting,
    StepRecord,
)
from dangjian.rules import RuleError
from dangjian.rules import development as rules

TRACKED_LISTS = ("activist_assessments", "probation_assessments", "thought_reports")
# Repeated steps: recorded from the first step until the second (activists are assessed until
# they become candidates; probationary members from approval until the conversion meeting).
PERIODIC_OPEN = {
    "activist_assessments": ("activist", "candidate"),
    "probation_assessments": ("approval", "conversion_meeting"),
}


def policy_for(org) -> rules.DevelopmentPolicy:
    """The policy set on the nearest of `org` and its ancestors; the national default if none.

    A stored setting that no longer parses (a base policy removed from the code) falls back to
    the default rather than stopping every page: the settings page shows the error.
    """
    setting = (
        PolicySetting.objects.filter(org__path__in=org.ancestor_paths())
        .order_by("-org__depth")
        .first()
    )
    if setting is None:
        return rules.DEVELOPMENT_2014
    try:
        return rules.policy_from_dict(setting.data)
    except RuleError:
        return rules.DEVELOPMENT_2014


def records_of(pipeline: Pipeline) -> list[StepRecord]:
    return list(
        pipeline.steps.select_related("entered_by", "approving_org", "vote").prefetch_related(
            "people", "documents"
        )
    )


def full_members_on(people, on: date) -> int:
    """How many of `people` were full members on `on` (introducers, cultivation contacts)."""
    return sum(1 for p in people if p.full_member_date and p.full_member_date <= on)


def timeline_of(pipeline: Pipeline, records: list[StepRecord]) -> dict:
    """The facts of `rules.development` for this pipeline (see that module's docstring)."""
    facts: dict = {"birth_date": pipeline.person.birth_date}
    facts.update({key: [] for key in TRACKED_LISTS})
    for record in records:
        if record.step in REPEATED_STEPS:
            facts[record.step].append(record.on)
            continue
        facts[record.step] = record.on
        if record.step == "training_start":
            facts["training_end"] = record.end_on
            facts["training_hours"] = float(record.hours) if record.hours is not None else None
        elif record.step == "introducers":
            facts["introducers_full_members"] = full_members_on(record.people.all(), record.on)
        elif record.step == "contacts_assigned":
            facts["contacts_full_members"] = full_members_on(record.people.all(), record.on)
    facts["extension_months"] = pipeline.extension_months or None
    facts["special_approval"] = pipeline.special_approval
    return facts


@dataclass(frozen=True)
class StepRow:
    """One of the 25 steps as the timeline shows it."""

    number: int
    key: str
    label: str
    state: str  # done | overdue | due | waiting | blocked | closed
    records: tuple
    window: rules.StepWindow | None
    violations: tuple


@dataclass(frozen=True)
class PipelineView:
    pipeline: Pipeline
    policy: rules.DevelopmentPolicy
    rows: tuple[StepRow, ...]
    next_step: str | None
    next_window: rules.StepWindow | None
    violations: tuple
    probation_end: date | None
    periodic: tuple  # (key, due date) of running periodic records
    error: str  # a rule that could not be evaluated (no holiday data), shown, never hidden


def _window(facts, step, policy) -> tuple[rules.StepWindow | None, str]:
    try:
        return rules.step_window(facts, step, policy), ""
    except RuleError as exc:
        return None, str(exc)


def pipeline_view(pipeline: Pipeline, today: date | None = None) -> PipelineView:
    today = today or timezone.localdate()
    policy = policy_for(pipeline.person.branch)
    records = records_of(pipeline)
    facts = timeline_of(pipeline, records)
    active = pipeline.status == PipelineStatus.ACTIVE
    violations = tuple(rules.check_timeline(facts, policy, today=today if active else None))
    upcoming = rules.next_step(facts) if active else None
    error = ""
    rows = []
    for step in rules.STEPS:
        own = tuple(r for r in records if r.step == step.key)
        broken = tuple(v for v in violations if v.step == step.key)
        window, problem = (None, "")
        if active and not own and step.key in rules.MAIN_DATE_STEPS:
            window, problem = _window(facts, step.key, policy)
            error = error or problem
        rows.append(
            StepRow(
                step.number,
                step.key,
                step.label,
                _state(step.key, own, window, broken, active, today, facts),
                own,
                window,
                broken,
            )
        )
    next_window = next((r.window for r in rows if r.key == upcoming), None)
    return PipelineView(
        pipeline=pipeline,
        policy=policy,
        rows=tuple(rows),
        next_step=upcoming,
        next_window=next_window,
        violations=violations,
        probation_end=_probation_end(facts, pipeline, policy),
        periodic=tuple(rules.periodic_due(facts, policy, today=today)) if active else (),
        error=error,
    )


def _state(key, own, window, broken, active, today, facts) -> str:
    if own and key not in REPEATED_STEPS:
        return "done"
    if not active:
        return "done" if own else "closed"
    overdue = any(not v.local and v.limit and v.limit < today for v in broken)
    if key in PERIODIC_OPEN:  # recordable (again and again) between its two steps
        opens, closes = PERIODIC_OPEN[key]
        if opens not in facts:
            return "blocked"
        if closes in facts:
            return "done" if own else "closed"
        return "overdue" if overdue else "due"
    if overdue or (window and window.latest and window.latest < today):
        return "overdue"
    if window is not None and not window.blocked_by:
        if window.earliest and window.earliest > today:
            return "waiting"
        return "due"
    return "blocked"


def _probation_end(facts, pipeline, policy) -> date | None:
    admitted = facts.get("branch_meeting")
    if not admitted or "approval" not in facts:
        return None
    return rules.probation_end(admitted, pipeline.extension_months, policy)
