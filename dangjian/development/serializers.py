"""Serializers of the member-development API (dangjian.development.api).

Output serializers read what the pages show: a pipeline with its stored evaluation, its recorded
steps (with votes and exceptions) and, separately, the timeline of the 25 steps. Input
serializers only parse and scope: people and organizations are looked up within the caller's
scope (anything else reads as "does not exist", a field error), every rule is the services' job.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dangjian.development.models import STEP_CHOICES, Pipeline, PipelineStatus, StepRecord, Vote
from dangjian.members.models import Person
from dangjian.orgs.models import Organization
from dangjian.rules.development import RULES

STEP_LABELS = dict(STEP_CHOICES)


@extend_schema_field({"allOf": [{"type": "string", "enum": PipelineStatus.values}]})
class PipelineStatusField(serializers.CharField):
    """ "status" names other choices on other resources: kept inline (inside allOf) so the
    schema's enum names do not collide (as transfers.api.TransferKindField)."""


@extend_schema_field({"allOf": [{"type": "string", "enum": [key for key, _ in STEP_CHOICES]}]})
class StepKeyField(serializers.CharField):
    """A step key (see STEP_CHOICES), inline for the same reason."""


# --- output ------------------------------------------------------------------------------------


class PersonBriefSerializer(serializers.ModelSerializer):
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "branch", "branch_name", "stage", "stage_display"]
        read_only_fields = fields


class ViolationSerializer(serializers.Serializer):
    """One rule broken by the recorded steps (or a step overdue) at the last evaluation."""

    step = serializers.CharField(help_text=_("Step (or date) the rule is about"))
    rule = serializers.CharField(help_text=_("Rule code"))
    message = serializers.CharField(help_text=_("Chinese explanation naming the policy"))
    local = serializers.BooleanField(help_text=_("Local practice, not a national rule"))
    limit = serializers.DateField(allow_null=True, help_text=_("Deadline or earliest date"))
    overdue = serializers.BooleanField(help_text=_("A step still missing after its deadline"))


class VoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Vote
        fields = ["entitled", "present", "yes", "no", "abstain", "written_yes", "written_no",
                  "passed", "result"]  # fmt: skip
        read_only_fields = fields


class PersonNameSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    uid = serializers.UUIDField(help_text=_("Download at /attachments/<uid>/"))
    name = serializers.CharField(source="original_name")


class ExceptionRuleSerializer(serializers.Serializer):
    rule = serializers.CharField()
    title = serializers.CharField()


class StepRecordSerializer(serializers.ModelSerializer):
    step = StepKeyField(read_only=True)
    label = serializers.SerializerMethodField()
    approving_org_name = serializers.CharField(
        source="approving_org.name", read_only=True, default=None
    )
    people = PersonNameSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    exception_rules = serializers.SerializerMethodField(
        help_text=_("Rules set aside by this record (an exception), with their titles")
    )
    entered_by = serializers.CharField(source="entered_by.name", read_only=True, default=None)
    vote = serializers.SerializerMethodField()

    class Meta:
        model = StepRecord
        fields = ["id", "step", "label", "on", "end_on", "hours", "responsible",
                  "approving_org", "approving_org_name", "people", "documents", "note",
                  "exception_rules", "justification", "policy_name", "entered_by",
                  "entered_at", "vote"]  # fmt: skip
        read_only_fields = fields

    def get_label(self, record: StepRecord) -> str:
        return STEP_LABELS.get(record.step, record.step)

    @extend_schema_field(ExceptionRuleSerializer(many=True))
    def get_exception_rules(self, record: StepRecord) -> list[dict]:
        return [{"rule": code, "title": RULES.get(code, code)} for code in record.exception_rules]

    @extend_schema_field(VoteSerializer(allow_null=True))
    def get_vote(self, record: StepRecord) -> dict | None:
        vote = getattr(record, "vote", None)  # select_related: no query per record
        return VoteSerializer(vote).data if vote is not None else None


class PipelineSerializer(serializers.ModelSerializer):
    """A pipeline as lists show it: the person and the stored result of its last evaluation."""

    person = PersonBriefSerializer(read_only=True)
    status = PipelineStatusField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    next_step_label = serializers.SerializerMethodField()
    violations = ViolationSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "person", "status", "status_display", "policy_name", "next_step",
                  "next_step_label", "next_earliest", "next_latest", "overdue_count",
                  "violations", "evaluated_on", "special_approval", "extension_months",
                  "ended_on", "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_next_step_label(self, pipeline: Pipeline) -> str:
        return STEP_LABELS.get(pipeline.next_step, "")


class PipelineDetailSerializer(PipelineSerializer):
    """One pipeline with its recorded steps and, once admitted, the end of probation."""

    probation_end = serializers.SerializerMethodField(
        help_text=_("The day probation ends (the full-member date), once admitted")
    )
    steps = StepRecordSerializer(many=True, read_only=True)

    class Meta(PipelineSerializer.Meta):
        fields = [*PipelineSerializer.Meta.fields, "extension_decided_on", "extension_reason",
                  "end_reason", "probation_end", "steps"]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATE)
    def get_probation_end(self, pipeline: Pipeline):
        return self.context.get("probation_end")


class TimelineRowSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text=_("1–25 as numbered in the 2014 rules"))
    key = serializers.CharField()
    label = serializers.CharField()
    state = serializers.ChoiceField(
        choices=["done", "overdue", "due", "waiting", "blocked", "closed"],
        help_text=_("done, overdue, due (may be recorded now), waiting (not before 'earliest'), "
                    "blocked (earlier steps missing) or closed (pipeline ended)"),
    )  # fmt: skip
    recorded_on = serializers.ListField(child=serializers.DateField())
    earliest = serializers.DateField(allow_null=True)
    latest = serializers.DateField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())
    blocked_by = serializers.ListField(child=serializers.CharField())
    violations = serializers.ListField(child=serializers.CharField())


class PeriodicDueSerializer(serializers.Serializer):
    step = serializers.CharField()
    label = serializers.CharField()
    due = serializers.DateField()


class TimelineSerializer(serializers.Serializer):
    """The 25 steps as the timeline page shows them, evaluated today."""

    pipeline = serializers.IntegerField()
    policy = serializers.CharField(help_text=_("Name of the policy in force"))
    next_step = serializers.CharField(allow_null=True)
    probation_end = serializers.DateField(allow_null=True)
    error = serializers.CharField(help_text=_("A rule that could not be evaluated, if any"))
    violations = serializers.ListField(child=serializers.CharField())
    periodic = PeriodicDueSerializer(many=True)
    steps = TimelineRowSerializer(many=True)


def timeline_data(view) -> dict:
    """A selectors.PipelineView as the timeline endpoint answers it."""
    rows = [
        {
            "number": row.number, "key": row.key, "label": row.label, "state": row.state,
            "recorded_on": [r.on for r in row.records],
            "earliest": row.window.earliest if row.window else None,
            "latest": row.window.latest if row.window else None,
            "reasons": list(row.window.reasons) if row.window else [],
            "blocked_by": list(row.window.blocked_by) if row.window else [],
            "violations": [v.message for v in row.violations],
        }
        for row in view.rows
    ]  # fmt: skip
    data = {
        "pipeline": view.pipeline.pk,
        "policy": view.policy.name,
        "next_step": view.next_step,
        "probation_end": view.probation_end,
        "error": view.error,
        "violations": [v.message for v in view.violations],
        "periodic": [
            {"step": key, "label": STEP_LABELS.get(key, key), "due": due}
            for key, due in view.periodic
        ],
        "steps": rows,
    }
    return TimelineSerializer(data).data


# --- input -------------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class ScopedPersonField(serializers.PrimaryKeyRelatedField):
    """A person of a branch where the caller records development steps; anything else reads
    as 'does not exist'."""

    def get_queryset(self):
        user = self.context["request"].user
        return Person.objects.restrict(user, "development.manage").select_related("branch")


@extend_schema_field(OpenApiTypes.INT)
class ApprovingOrgField(serializers.PrimaryKeyRelatedField):
    """An organization where the caller records the higher committee's steps."""

    def get_queryset(self):
        user = self.context["request"].user
        return Organization.objects.restrict(user, "development.approve")


class PipelineStartSerializer(serializers.Serializer):
    person = ScopedPersonField(help_text=_("Id of the person who applied"))
    applied_on = serializers.DateField(label=_("Date the written application was received"))
    responsible = serializers.CharField(
        max_length=100, required=False, allow_blank=True, label=_("responsible person or body")
    )
    note = serializers.CharField(required=False, allow_blank=True, label=_("note"))


class VoteInputSerializer(serializers.Serializer):
    entitled = serializers.IntegerField(min_value=0, label=_("full members entitled to vote"))
    present = serializers.IntegerField(min_value=0, label=_("voting members present"))
    yes = serializers.IntegerField(min_value=0, label=_("yes"))
    no = serializers.IntegerField(min_value=0, label=_("no"))
    abstain = serializers.IntegerField(min_value=0, label=_("abstain"))
    written_yes = serializers.IntegerField(
        min_value=0, required=False, default=0, label=_("written yes of absent members")
    )
    written_no = serializers.IntegerField(
        min_value=0, required=False, default=0, label=_("written no of absent members")
    )


class StepRecordInputSerializer(serializers.Serializer):
    """One step to record. Documents are not uploaded through the API: attach them on the
    step's page."""

    step = serializers.ChoiceField(choices=STEP_CHOICES, label=_("step"))
    on = serializers.DateField(label=_("date"))
    responsible = serializers.CharField(
        max_length=100, required=False, allow_blank=True, label=_("responsible person or body")
    )
    note = serializers.CharField(required=False, allow_blank=True, label=_("note"))
    end_on = serializers.DateField(
        required=False, allow_null=True, label=_("end date"),
        help_text=_("Concentrated training only: its last day"),
    )  # fmt: skip
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=1, required=False, allow_null=True, label=_("class hours"),
        help_text=_("Concentrated training only"),
    )  # fmt: skip
    people = serializers.ListField(
        child=ScopedPersonField(), required=False, default=list, label=_("people"),
        help_text=_("Ids of the cultivation contacts or introducers (full members)"),
    )  # fmt: skip
    approving_org = ApprovingOrgField(
        required=False, allow_null=True, default=None, label=_("approving organization"),
        help_text=_("Pre-review and approvals: id of the approving committee"),
    )  # fmt: skip
    vote = VoteInputSerializer(
        required=False, allow_null=True, default=None, label=_("vote"),
        help_text=_("Branch general meetings (steps 15 and 23): the vote"),
    )  # fmt: skip
    justification = serializers.CharField(
        required=False, allow_blank=True, label=_("justification for the exception"),
        help_text=_("Needed (with development.override) to record a step that sets a rule aside"),
    )  # fmt: skip
