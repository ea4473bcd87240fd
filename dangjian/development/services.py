"""Writes of member development. Every step goes through `step_record`, which refuses what
breaks a rule of the policy in force, with the Chinese reason.

Guarded transitions (issue 4 §3). A new record is judged by what it *adds* to the violations
of the pipeline's timeline (`rules.check_timeline` before and after). Some rules can never be
set aside — they make an admission invalid or describe impossible data (`HARD_RULES`). The
others — missed deadlines that really happened, a short training "in individual special
cases", local practice — may be recorded as an exception by someone holding
`development.override`, only with a written justification; the exception is audited and
shown on the timeline.

The member record follows the pipeline: the stage, application date, joining date (the day
of the branch general meeting that admitted the member), full-member date (the day probation
ends) and introducers are written through `members.services.person_update`, so the member
record's own checks and history apply.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.accounts.selectors import nearest_holders
from dangjian.audit.services import audit_record
from dangjian.core.dates import cn_date
from dangjian.core.scope import has_perm
from dangjian.core.services import require_perm
from dangjian.development.models import (
    APPROVAL_STEPS,
    COMMITTEE_STEPS,
    REPEATED_STEPS,
    STEP_CHOICES,
    VOTE_STEPS,
    AdmissionPlan,
    Pipeline,
    PipelineStatus,
    PolicySetting,
    ReminderSent,
    StepRecord,
    Vote,
)
from dangjian.development.selectors import (
    full_members_on,
    policy_for,
    records_of,
    timeline_of,
)
from dangjian.members.choices import EXIT_STAGES, STARTABLE_STAGES, Stage
from dangjian.members.models import Person
from dangjian.members.services import person_update
from dangjian.notifications.services import notify
from dangjian.rules import RuleError
from dangjian.rules import development as rules
from dangjian.rules.orgs import check_can_approve_members

STEP_LABELS = dict(STEP_CHOICES)
# Views recognise an overridable refusal by this last message (they then offer the field).
OVERRIDE_HINT = gettext_lazy(
    "If this really is a special case, give a written justification to record it as an exception."
)
# Rules no justification can set aside: an admission made against them is invalid, or the data
# describe something that cannot have happened.
HARD_RULES = frozenset(
    {
        "minimum_age",
        "candidate_after_cultivation",
        "contacts_count",
        "introducers_count",
        "conversion_after_probation",
        "probation_extension",
        "step_order",
        "step_missing",
        "date_in_future",
    }
)
# The stage a person is in once the step is recorded (latest first).
# Gaps in periodic records (assessments, thought reports) are not the fault of the step being
# recorded: the timeline, dashboard and reminders show them instead of blocking other steps.
PERIODIC_RULES = frozenset({"activist_assessment_interval", "thought_report_interval"})
STAGE_STEPS = (
    ("conversion_approval", Stage.FULL),
    ("approval", Stage.PROBATIONARY),
    ("candidate", Stage.CANDIDATE),
    ("activist", Stage.ACTIVIST),
    ("application", Stage.APPLICANT),
)


def _who(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _locked(pipeline: Pipeline) -> Pipeline:
    # Lock the bare row (MariaDB has no FOR UPDATE OF), then read it with its person.
    Pipeline.objects.select_for_update().filter(pk=pipeline.pk).values_list("pk").get()
    return Pipeline.objects.select_related("person__branch").get(pk=pipeline.pk)


def _audit(actor, action: str, pipeline: Pipeline, **changes) -> None:
    audit_record(
        actor=actor, action=action, target=pipeline, org=pipeline.person.branch, changes=changes
    )


def _expect_active(pipeline: Pipeline) -> None:
    if pipeline.status != PipelineStatus.ACTIVE:
        raise ValidationError(
            _("This development pipeline is closed (%(status)s): no more steps can be recorded.")
            % {"status": pipeline.get_status_display()}
        )


def _permission_for(step: str) -> str:
    return "development.approve" if step in COMMITTEE_STEPS else "development.manage"


# ---------------------------------------------------------------------------------------------
# Starting and ending a pipeline


@transaction.atomic
def pipeline_start(
    *, actor, person: Person, applied_on: date, responsible: str = "", note: str = "",
    documents=(), justification: str = "",
) -> Pipeline:  # fmt: skip
    """Step 1: the written application was received on `applied_on`; the pipeline begins."""
    require_perm(actor, "development.manage", person.branch)
    person = Person.objects.select_for_update().select_related("branch").get(pk=person.pk)
    current = (
        Pipeline.objects.filter(person=person, status=PipelineStatus.ACTIVE)
        .select_related("person__branch")
        .first()
    )
    if current is not None:
        raise ValidationError(
            {
                "person": _("%(name)s is already in the development pipeline of %(branch)s.")
                % {"name": person.name, "branch": current.person.branch.name}
            }
        )
    if person.stage in EXIT_STAGES or not person.is_active:
        raise ValidationError(
            {
                "person": _("The record of %(name)s is marked “%(stage)s”.")
                % {"name": person.name, "stage": person.get_stage_display()}
            }
        )
    if person.stage not in STARTABLE_STAGES:
        raise ValidationError(
            {
                "person": _("%(name)s is already a %(stage)s.")
                % {"name": person.name, "stage": person.get_stage_display()}
            }
        )
    pipeline = Pipeline.objects.create(person=person, created_by=_who(actor))
    _audit(actor, "development.start", pipeline, person=person.name, applied_on=applied_on)
    step_record(
        actor=actor, pipeline=pipeline, step="application", on=applied_on,
        responsible=responsible or person.name, note=note, documents=documents,
        justification=justification,
    )  # fmt: skip
    pipeline.refresh_from_db()
    return pipeline


@transaction.atomic
def pipeline_stop(*, actor, pipeline: Pipeline, on: date, reason: str) -> Pipeline:
    """End development before admission (withdrawn, not pursued) or cancel probation.

    A probationary member whose probation is cancelled (取消预备党员资格) is no longer a party
    member: the record goes back to a non-member with the reason in its history.
    """
    pipeline = _locked(pipeline)
    require_perm(actor, "development.manage", pipeline.person.branch)
    _expect_active(pipeline)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason.")
    if on is None or on > timezone.localdate():
        errors["on"] = _("Give a date no later than today.")
    if errors:
        raise ValidationError(errors)
    person = pipeline.person
    probationary = person.stage == Stage.PROBATIONARY
    if probationary:
        require_perm(actor, "development.approve", person.branch)
    pipeline.status = PipelineStatus.CANCELLED if probationary else PipelineStatus.STOPPED
    pipeline.ended_on, pipeline.end_reason = on, reason.strip()
    pipeline.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    fields = {"stage": Stage.EMPLOYEE}
    if probationary:
        fields |= {"join_date": None, "probation_extension_months": 0}
    person_update(
        actor=actor, person=person, on=on, reason=reason.strip(),
        action="development.stage_change", **fields,
    )  # fmt: skip
    _audit(actor, f"development.{pipeline.status}", pipeline, on=on, reason=reason.strip())
    pipeline_evaluate(pipeline)
    return pipeline


@transaction.atomic
def probation_extend(
    *, actor, pipeline: Pipeline, months: int, decided_on: date, reason: str
) -> Pipeline:
    """Extend probation once, by 6–12 months (decided by the branch meeting, approved above)."""
    pipeline = _locked(pipeline)
    require_perm(actor, "development.approve", pipeline.person.branch)
    _expect_active(pipeline)
    policy = policy_for(pipeline.person.branch)
    facts = timeline_of(pipeline, records_of(pipeline))
    errors = {}
    if pipeline.person.stage != Stage.PROBATIONARY or "approval" not in facts:
        raise ValidationError(_("Only a probationary member's probation can be extended."))
    if pipeline.extension_months:
        raise ValidationError(
            _(
                "Probation was already extended once (%(months)s months); it cannot be "
                "extended again."
            )
            % {"months": pipeline.extension_months}
        )
    if "conversion_meeting" in facts:
        raise ValidationError(
            _(
                "The branch general meeting has already discussed the conversion: probation can "
                "no longer be extended."
            )
        )
    try:
        end = rules.probation_end(facts["branch_meeting"], months or 0, policy)
    except RuleError as exc:
        errors["months"] = str(exc)
        end = None
    if not months:
        errors["months"] = _("Give the number of months.")
    if decided_on is None or decided_on > timezone.localdate():
        errors["decided_on"] = _("Give a date no later than today.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the extension.")
    if errors:
        raise ValidationError(errors)
    pipeline.extension_months = months
    pipeline.extension_decided_on, pipeline.extension_reason = decided_on, reason.strip()
    pipeline.save(
        update_fields=["extension_months", "extension_decided_on", "extension_reason", "updated_at"]
    )
    person_update(
        actor=actor, person=pipeline.person, on=decided_on, reason=reason.strip(),
        action="development.stage_change", probation_extension_months=months,
    )  # fmt: skip
    _audit(actor, "development.extend", pipeline, months=months, probation_end=end, reason=reason)
    pipeline_evaluate(pipeline)
    return pipeline


# ---------------------------------------------------------------------------------------------
# Recording a step


def _check_details(step, on, *, pipeline, end_on, hours, people, approving_org, vote) -> None:
    """Field-level checks that need no timeline: who, which organization, what vote."""
    errors: dict[str, str] = {}
    person = pipeline.person
    if end_on is not None and step != "training_start":
        errors["end_on"] = _("Only the concentrated training has an end date.")
    if step == "training_start":
        if end_on is None and hours is None:
            errors["end_on"] = _("Give the training's end date or its class hours.")
        if end_on is not None and end_on < on:
            errors["end_on"] = _("The training cannot end before it starts.")
        if hours is not None and (hours <= 0 or hours != hours.quantize(Decimal("0.1"))):
            errors["hours"] = _("Class hours must be positive, with at most one decimal.")
    if step in ("introducers", "contacts_assigned"):
        if any(p.pk == person.pk for p in people):
            errors["people"] = _("The person themself cannot be chosen.")
        elif not people:
            errors["people"] = (
                _("Choose the introducers.")
                if step == "introducers"
                else _("Choose the cultivation contacts.")
            )
    if step in APPROVAL_STEPS or step == "pre_review":
        if approving_org is None:
            errors["approving_org"] = _("Choose the organization that approves (or pre-reviews).")
        elif approving_org.path not in person.branch.ancestor_paths():
            errors["approving_org"] = _("It must be a higher organization of the person's branch.")
        else:
            try:
                check_can_approve_members(approving_org.kind)
            except RuleError as exc:
                errors["approving_org"] = str(exc)
    if step in VOTE_STEPS and vote is None:
        errors["vote"] = _("Give the vote of the meeting.")
    if errors:
        raise ValidationError(errors)


def _vote_at(meeting, vote: dict | None, *, branch, on: date) -> dict:
    """The vote with entitled / present taken from a held branch general meeting's attendance."""
    if (meeting.org_id != branch.pk or meeting.type.code != "general_meeting"
            or meeting.status != "held" or meeting.held_on != on):  # fmt: skip
        raise ValidationError({"meeting": _(
            "Choose a branch general meeting of this branch, confirmed as held on the date of "
            "the step.")})  # fmt: skip
    return {**(vote or {}), "entitled": meeting.entitled_count, "present": meeting.voters_present}


def _check_vote(vote: dict) -> rules.VoteResult:
    """The vote of a branch general meeting: counts must add up, and it must pass."""
    counts = {k: vote.get(k) for k in ("entitled", "present", "yes", "no", "abstain")}
    written = {k: vote.get(k) or 0 for k in ("written_yes", "written_no")}
    if any(v is None or v < 0 for v in counts.values()) or min(written.values()) < 0:
        raise ValidationError({"vote": _("Vote counts must be whole numbers of 0 or more.")})
    if counts["yes"] + counts["no"] + counts["abstain"] != counts["present"]:
        raise ValidationError(
            {"vote": _("Yes, no and abstentions add up to %(cast)s; they must equal the "
                       "%(present)s members present.")
                     % {"cast": counts["yes"] + counts["no"] + counts["abstain"],
                        "present": counts["present"]}}
        )  # fmt: skip
    absent = counts["entitled"] - counts["present"]
    if absent >= 0 and written["written_yes"] + written["written_no"] > absent:
        raise ValidationError(
            {
                "vote": _(
                    "There cannot be more written opinions than absent voting members (%(absent)s)."
                )
                % {"absent": absent}
            }
        )
    try:
        result = rules.vote_result(
            full_members_entitled=counts["entitled"],
            voting_members_present=counts["present"],
            yes_votes=counts["yes"],
            written_yes_votes=written["written_yes"],
        )
    except RuleError as exc:
        raise ValidationError({"vote": str(exc)}) from exc
    if not result.passed:
        raise ValidationError(
            {
                "vote": _("The vote did not pass; the step cannot be recorded: %(result)s")
                % {"result": result.message}
            }
        )
    return result


def _check_special_limit(facts: dict, on: date, policy) -> None:
    """Even a special case must be approved within six months of the branch meeting."""
    limit = rules.approval_deadline(facts["branch_meeting"], special=True, policy=policy)
    if on > limit:
        raise ValidationError(
            {"on": _("Approval on %(on)s is later than %(limit)s: even in a special case the "
                     "higher committee approves within %(months)s months of the branch general "
                     "meeting (%(policy)s).")
             % {"on": cn_date(on), "limit": cn_date(limit),
                "months": policy.approval_special_months, "policy": policy.name}}
        )  # fmt: skip


def _judge(before, after, *, justification: str, actor, branch) -> list[str]:
    """The rules the new record breaks; raise unless every one may be, and is, justified."""
    new = [v for v in after if v not in set(before) and v.rule not in PERIODIC_RULES]
    if not new:
        return []
    hard = [v for v in new if v.rule in HARD_RULES]
    if hard:
        raise ValidationError({"on": [v.message for v in hard]})
    may = actor is None or has_perm(actor, "development.override", branch)
    if not may or not (justification or "").strip():
        hint = (
            str(OVERRIDE_HINT)
            if may
            else _(
                "If this really is a special case, someone authorised must record it as an "
                "exception with a written justification."
            )
        )
        raise ValidationError({"on": [v.message for v in new] + [hint]})
    return sorted({v.rule for v in new})


@transaction.atomic
def step_record(
    *, actor, pipeline: Pipeline, step: str, on: date, responsible: str = "", note: str = "",
    end_on: date | None = None, hours: Decimal | None = None, people=(), approving_org=None,
    vote: dict | None = None, documents=(), justification: str = "",
    today: date | None = None, meeting=None,
) -> StepRecord:  # fmt: skip
    """Record one step on `on`; refuse it with the Chinese reason when it breaks a rule.

    A vote taken at a branch general meeting recorded in organizational life (`meeting`) takes
    its entitled and present counts from that meeting's sign-ins; only the ballots are typed.
    """
    if step not in STEP_LABELS:
        raise ValidationError({"step": _("Unknown development step: %(step)s.") % {"step": step}})
    pipeline = _locked(pipeline)
    branch = pipeline.person.branch
    require_perm(actor, _permission_for(step), branch)
    _expect_active(pipeline)
    today = today or timezone.localdate()
    if on is None:
        raise ValidationError({"on": _("Give the date.")})
    people = list(people)
    records = records_of(pipeline)
    if step not in REPEATED_STEPS and any(r.step == step for r in records):
        raise ValidationError(
            {"step": _("“%(step)s” is already recorded.") % {"step": STEP_LABELS[step]}}
        )
    if meeting is not None and step in VOTE_STEPS:
        vote = _vote_at(meeting, vote, branch=branch, on=on)
    _check_details(
        step, on, pipeline=pipeline, end_on=end_on, hours=hours, people=people,
        approving_org=approving_org, vote=vote,
    )  # fmt: skip
    result = _check_vote(vote) if step in VOTE_STEPS else None
    policy = policy_for(branch)
    before = timeline_of(pipeline, records)
    after = dict(before)
    if step in REPEATED_STEPS:
        after[step] = [*before[step], on]
    else:
        after[step] = on
    if step == "training_start":
        after["training_end"] = end_on
        after["training_hours"] = float(hours) if hours is not None else None
    elif step in ("introducers", "contacts_assigned"):
        after[f"{step.split('_')[0]}_full_members"] = full_members_on(people, on)
    if on > today or (end_on and end_on > today):
        raise ValidationError(
            {"on": _("The date cannot be after today (%(today)s).") % {"today": cn_date(today)}}
        )
    # Judged on recorded dates only (no `today`): entering last year's steps afterwards must not
    # be blamed for deadlines of steps not entered yet.
    try:
        old = rules.check_timeline(before, policy)
        new = rules.check_timeline(after, policy)
    except RuleError as exc:
        raise ValidationError({"on": str(exc)}) from exc
    if step == "approval":
        _check_special_limit(after, on, policy)
    exceptions = _judge(old, new, justification=justification, actor=actor, branch=branch)
    if "approval_within_limit" in exceptions:  # approved late: the special case, justified
        pipeline.special_approval = True
        pipeline.save(update_fields=["special_approval", "updated_at"])
    record = StepRecord.objects.create(
        pipeline=pipeline, step=step, on=on, end_on=end_on, hours=hours,
        responsible=(responsible or "").strip()[:100], approving_org=approving_org,
        note=(note or "").strip(), exception_rules=exceptions,
        justification=(justification or "").strip() if exceptions else "",
        policy_name=policy.name, entered_by=_who(actor),
    )  # fmt: skip
    if people:
        record.people.set(people)
    if documents:
        record.documents.set(documents)
    if result is not None:
        Vote.objects.create(
            record=record, entitled=vote["entitled"], present=vote["present"], yes=vote["yes"],
            no=vote["no"], abstain=vote["abstain"], written_yes=vote.get("written_yes") or 0,
            written_no=vote.get("written_no") or 0, passed=result.passed, result=result.message,
            meeting=meeting if step in VOTE_STEPS else None,
        )  # fmt: skip
    _audit(
        actor, "development.step", pipeline, step=step, on=on, responsible=record.responsible,
        people=[p.name for p in people], approving_org=str(approving_org or ""),
        vote=result.message if result else "", documents=len(documents),
    )  # fmt: skip
    if exceptions:
        _audit(
            actor, "development.exception", pipeline, step=step, on=on,
            rules=exceptions, justification=record.justification,
        )  # fmt: skip
    _sync_person(actor, pipeline, after, step, on, people, policy)
    pipeline_evaluate(pipeline, today=today)
    return record


def _sync_person(actor, pipeline, facts, step, on, people, policy) -> None:
    """Keep the member record in step with the pipeline (stage, key dates, introducers)."""
    person = pipeline.person
    fields: dict = {}
    stage = next((s for key, s in STAGE_STEPS if key in facts), None)
    if stage and stage != person.stage:
        fields["stage"] = stage
    if step == "application":
        fields["application_date"] = on
    elif step == "introducers":
        fields["introducers"] = "、".join(p.name for p in people)[:100]
    elif step == "approval":
        fields["join_date"] = facts["branch_meeting"]
    elif step == "conversion_approval":
        fields["full_member_date"] = rules.probation_end(
            facts["branch_meeting"], pipeline.extension_months, policy
        )
    elif step == "archived":  # the last step closes the pipeline
        pipeline.status, pipeline.ended_on = PipelineStatus.COMPLETED, on
        pipeline.save(update_fields=["status", "ended_on", "updated_at"])
    if fields:
        person_update(
            actor=actor, person=person, on=on,
            reason=_("Member development: %(step)s") % {"step": STEP_LABELS[step]},
            action="development.stage_change", **fields,
        )  # fmt: skip
        pipeline.person.refresh_from_db()


@transaction.atomic
def step_undo(*, actor, record: StepRecord, reason: str) -> None:
    """Withdraw the most recently entered record (a typing mistake), with the reason; audited.

    Only the latest entry can be withdrawn so the timeline never has holes, and not once the
    pipeline is closed. The member record's stage follows back.
    """
    pipeline = _locked(record.pipeline)
    require_perm(actor, _permission_for(record.step), pipeline.person.branch)
    _expect_active(pipeline)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for withdrawing it.")})
    latest = pipeline.steps.order_by("-entered_at", "-id").first()
    if latest is None or latest.pk != record.pk:
        raise ValidationError(_("Only the most recently entered record can be withdrawn."))
    if record.step == "application":
        raise ValidationError(
            _("The application cannot be withdrawn; stop the development instead.")
        )
    snapshot = {
        "step": record.step, "on": record.on, "responsible": record.responsible,
        "justification": record.justification, "reason": reason.strip(),
    }  # fmt: skip
    record.delete()
    _audit(actor, "development.step_undo", pipeline, **snapshot)
    facts = timeline_of(pipeline, records_of(pipeline))
    stage = next((s for key, s in STAGE_STEPS if key in facts), Stage.EMPLOYEE)
    fields: dict = {}
    if stage != pipeline.person.stage:
        fields["stage"] = stage
    if record.step == "approval":
        fields["join_date"] = None
    if fields:
        person_update(
            actor=actor, person=pipeline.person,
            reason=_("Withdrawn: %(step)s") % {"step": STEP_LABELS[record.step]},
            action="development.stage_change", **fields,
        )  # fmt: skip
    pipeline_evaluate(pipeline)


@transaction.atomic
def step_attach(*, actor, record: StepRecord, documents) -> StepRecord:
    """Add documents (scans that arrive later) to a recorded step while the pipeline is in
    progress; audited. Nothing else of the record changes."""
    pipeline = _locked(record.pipeline)
    require_perm(actor, _permission_for(record.step), pipeline.person.branch)
    _expect_active(pipeline)
    documents = list(documents)
    if not documents:
        raise ValidationError({"documents": _("Choose at least one file.")})
    record.documents.add(*documents)
    _audit(
        actor, "development.attach", pipeline, step=record.step, on=record.on,
        documents=[d.original_name for d in documents],
    )  # fmt: skip
    return record


# ---------------------------------------------------------------------------------------------
# Evaluation (every change and the daily task)


EVALUATION_FIELDS = (
    "policy_name", "next_step", "next_earliest", "next_latest", "violations", "overdue_count",
    "evaluated_on",
)  # fmt: skip


def evaluation_of(facts: dict, policy, today: date, *, active: bool = True) -> dict:
    """The evaluation columns of a pipeline with these facts (no database access).

    A year without holiday data leaves the window unknown rather than failing the whole run.
    """
    judged_on = today if active else None
    violations = rules.check_timeline(facts, policy, today=judged_on)
    step = rules.next_step(facts) if active else None
    window = None
    if step:
        try:
            window = rules.step_window(facts, step, policy)
        except RuleError:
            window = None
    stored = [_violation_data(v, facts, judged_on) for v in violations]
    return {
        "policy_name": policy.name,
        "next_step": step or "",
        "next_earliest": window.earliest if window else None,
        "next_latest": window.latest if window else None,
        "violations": stored,
        # A rule counts once however many periods it missed (thought reports every quarter).
        "overdue_count": len({(v["step"], v["rule"]) for v in stored if v["overdue"]}),
        "evaluated_on": today,
    }


def pipeline_evaluate(pipeline: Pipeline, today: date | None = None) -> Pipeline:
    """Store the pipeline's next step, its window and its violations as of `today`.

    Derived data: not audited (the facts it is computed from are).
    """
    today = today or timezone.localdate()
    pipeline = Pipeline.objects.select_related("person__branch").get(pk=pipeline.pk)
    policy = policy_for(pipeline.person.branch)
    facts = timeline_of(pipeline, records_of(pipeline))
    fields = evaluation_of(facts, policy, today, active=pipeline.is_active)
    Pipeline.objects.filter(pk=pipeline.pk).update(**fields)
    for name, value in fields.items():
        setattr(pipeline, name, value)
    return pipeline


def _violation_data(v: rules.Violation, facts: dict, today: date | None) -> dict:
    """A violation as stored; `overdue` = a step still missing after its deadline (only while
    the pipeline is active: `today=None`)."""
    missing = facts.get(v.step) in (None, []) or v.step in rules.LIST_KEYS
    overdue = bool(today and v.limit and v.limit < today and missing and v.rule != "step_order")
    return {
        "step": v.step, "rule": v.rule, "message": v.message, "local": v.local,
        "limit": v.limit.isoformat() if v.limit else None, "overdue": overdue,
    }  # fmt: skip


def pipelines_evaluate_all(today: date | None = None, *, chunk_size: int = 500) -> int:
    """Re-evaluate every active pipeline as of `today` (the daily task); returns how many.

    In chunks: one query for the pipelines, one for their steps and one for the contacts and
    introducers, then one bulk update per chunk. Encrypted personal fields are never loaded.
    """
    today = today or timezone.localdate()
    _close_exited(today)
    policies: dict[int, rules.DevelopmentPolicy] = {}
    people = Person.objects.only("pk", "full_member_date")
    ids = list(
        Pipeline.objects.filter(status=PipelineStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), chunk_size):
        chunk = list(
            Pipeline.objects.filter(pk__in=ids[start : start + chunk_size])
            .select_related("person__branch")
            .only(*_EVALUATE_ONLY)
        )
        steps: dict[int, list] = {p.pk: [] for p in chunk}
        rows = StepRecord.objects.filter(pipeline__in=chunk).prefetch_related(
            Prefetch("people", queryset=people)
        )
        for record in rows:
            steps[record.pipeline_id].append(record)
        for pipeline in chunk:
            branch = pipeline.person.branch
            if branch.pk not in policies:
                policies[branch.pk] = policy_for(branch)
            facts = timeline_of(pipeline, steps[pipeline.pk])
            for name, value in evaluation_of(facts, policies[branch.pk], today).items():
                setattr(pipeline, name, value)
        with transaction.atomic():
            Pipeline.objects.bulk_update(chunk, EVALUATION_FIELDS)
    return len(ids)


def _close_exited(today: date) -> None:
    """Stop the pipelines of people whose record has exited (died, transferred out of the
    system, left): nobody is reminded about them any more. Audited as the system."""
    exited = Pipeline.objects.filter(
        status=PipelineStatus.ACTIVE, person__is_active=False
    ).select_related("person__branch")
    for pipeline in exited:
        with transaction.atomic():
            reason = _("The record is marked “%(stage)s”.") % {
                "stage": pipeline.person.get_stage_display()
            }
            pipeline.status, pipeline.ended_on, pipeline.end_reason = (
                PipelineStatus.STOPPED, today, reason,
            )  # fmt: skip
            pipeline.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
            _audit(None, "development.stopped", pipeline, on=today, reason=reason)


_EVALUATE_ONLY = (
    "pk", "status", "extension_months", "special_approval", "person__birth_date",
    "person__branch__path", "person__branch__depth",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Settings: the policy in force and the admission plan


@transaction.atomic
def policy_set(*, actor, org, data: dict | None) -> PolicySetting | None:
    """Set (or with `data=None` remove) the local policy for `org`'s subtree; audited."""
    require_perm(actor, "development.approve", org)
    current = PolicySetting.objects.filter(org=org).first()
    before = current.data if current else None
    if data is None:
        if current is not None:
            current.delete()
            audit_record(actor=actor, action="development.policy", target=org, org=org,
                         changes={"policy": [before, None]})  # fmt: skip
        _reevaluate_subtree(org)
        return None
    try:
        policy = rules.policy_from_dict(data)
    except RuleError as exc:
        raise ValidationError({"name": str(exc)}) from exc
    setting, _created = PolicySetting.objects.update_or_create(
        org=org, defaults={"data": dict(data), "updated_by": _who(actor)}
    )
    audit_record(actor=actor, action="development.policy", target=org, org=org,
                 changes={"policy": [before, setting.data], "name": policy.name})  # fmt: skip
    _reevaluate_subtree(org)
    return setting


def _reevaluate_subtree(org) -> None:
    rows = Pipeline.objects.filter(
        status=PipelineStatus.ACTIVE, person__branch__path__startswith=org.path
    ).values_list("pk", flat=True)
    for pk in rows:
        pipeline_evaluate(Pipeline(pk=pk))


@transaction.atomic
def plan_set(*, actor, org, year: int, target: int) -> AdmissionPlan:
    require_perm(actor, "development.approve", org)
    errors = {}
    if not 2000 <= year <= 2100:
        errors["year"] = _("The year is not valid.")
    if target is None or target < 0:
        errors["target"] = _("The planned number must be a whole number of 0 or more.")
    if errors:
        raise ValidationError(errors)
    old = AdmissionPlan.objects.filter(org=org, year=year).values_list("target", flat=True).first()
    plan, _created = AdmissionPlan.objects.update_or_create(
        org=org, year=year, defaults={"target": target, "updated_by": _who(actor)}
    )
    audit_record(actor=actor, action="development.plan", target=plan, org=org,
                 changes={"year": year, "target": [old, target]})  # fmt: skip
    return plan


# ---------------------------------------------------------------------------------------------
# Reminders (the daily task)


def reminders_send(today: date | None = None, *, horizon_days: int = 7) -> int:
    """Tell the branch in charge about each deadline coming within `horizon_days` and each
    overdue step, once per deadline; thought-report reminders also go to the person."""
    today = today or timezone.localdate()
    sent = 0
    rows = Pipeline.objects.filter(status=PipelineStatus.ACTIVE).select_related(
        "person__branch", "person__user"
    )
    for pipeline in rows.iterator(chunk_size=500):
        for item in due_items(pipeline, today, horizon_days):
            _row, created = ReminderSent.objects.get_or_create(
                pipeline=pipeline, key=item.key[:64], due_on=item.due_on, kind=item.kind
            )
            if not created:
                continue
            recipients = nearest_holders(pipeline.person.branch, "development.manage")
            if item.key.startswith("thought_reports") and pipeline.person.user_id:
                recipients = [*recipients, pipeline.person.user]
            notify(
                recipients=recipients, title=item.text, category="development",
                link=reverse("development:detail", kwargs={"pk": pipeline.pk}),
            )  # fmt: skip
            sent += 1
    return sent


@dataclass(frozen=True)
class DueItem:
    key: str  # "<step>:<rule>" or "<step>:due"
    kind: str  # "overdue" or "upcoming"
    due_on: date
    text: str


def due_items(pipeline: Pipeline, today: date, horizon_days: int) -> list[DueItem]:
    """What the people in charge of this pipeline must be told about today.

    Overdue: the stored violations of a step still missing after its deadline. Upcoming within
    `horizon_days`: the next step's last allowed day, the next activist assessment and thought
    report, and the end of probation (time to apply for conversion).
    """
    name, items = pipeline.person.name, []
    latest: dict[str, dict] = {}  # per rule only its latest missed deadline: one message, not 13
    for v in pipeline.violations:
        key = f"{v['step']}:{v['rule']}"
        if v["overdue"] and (key not in latest or v["limit"] > latest[key]["limit"]):
            latest[key] = v
    for key, v in latest.items():
        due = date.fromisoformat(v["limit"])
        text = _("[Overdue] %(name)s: %(message)s") % {"name": name, "message": v["message"]}
        items.append(DueItem(key, "overdue", due, text))

    def soon(day):
        return day is not None and 0 <= (day - today).days <= horizon_days

    if soon(pipeline.next_latest):
        label = STEP_LABELS.get(pipeline.next_step, pipeline.next_step)
        text = _("[Due soon] %(name)s: “%(step)s” by %(date)s at the latest") % {
            "name": name,
            "step": label,
            "date": cn_date(pipeline.next_latest),
        }
        items.append(DueItem(f"{pipeline.next_step}:due", "upcoming", pipeline.next_latest, text))
    policy = policy_for(pipeline.person.branch)
    facts = timeline_of(pipeline, records_of(pipeline))
    for key, due in rules.periodic_due(facts, policy, today=today):
        if soon(due):
            text = _("[Due soon] %(name)s: %(step)s due by %(date)s") % {
                "name": name,
                "step": STEP_LABELS[key],
                "date": cn_date(due),
            }
            items.append(DueItem(f"{key}:due", "upcoming", due, text))
    if "approval" in facts and "conversion_application" not in facts:
        end = rules.probation_end(facts["branch_meeting"], pipeline.extension_months, policy)
        if soon(end):
            text = _(
                "[Probation ending] %(name)s: probation ends on %(date)s; time to apply for "
                "full membership"
            ) % {"name": name, "date": cn_date(end)}
            items.append(DueItem("probation:end", "upcoming", end, text))
    return items
