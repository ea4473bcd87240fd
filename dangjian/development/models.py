"""发展党员 (member development): one pipeline per person through the 25 steps, DOMAIN.md §2.

A `Pipeline` follows one person from the application to full membership. Each recorded step is
a `StepRecord` (date, who was responsible, documents, who entered it and, when a rule was set
aside, the justification). Votes at branch general meetings hang off their step. The rules
themselves live in `dangjian.rules.development`; the policy in force is configured per
organization (`PolicySetting`, nearest ancestor wins) so local variants need no code.

The pipeline also carries the result of its last evaluation against the policy (next step,
its window, overdue count and the violations as data). The daily task and every change refresh
it, so lists, dashboards and reminders read columns instead of re-running the rules.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.scope import ScopedManager
from dangjian.rules.development import STEPS

STEP_CHOICES = [(s.key, s.label) for s in STEPS] + [
    ("notice_start", "发展对象公示"),
    ("conversion_notice_start", "转正公示"),
    ("thought_reports", "思想汇报"),
]
# Steps that may be recorded many times (periodic records); every other step at most once.
REPEATED_STEPS = frozenset({"activist_assessments", "probation_assessments", "thought_reports"})
# Steps the higher committee performs: recording them needs development.approve.
COMMITTEE_STEPS = frozenset(
    {
        "activist_filed",
        "candidate_filed",
        "pre_review",
        "higher_talk",
        "approval",
        "filed_with_department",
        "conversion_approval",
    }
)
VOTE_STEPS = frozenset({"branch_meeting", "conversion_meeting"})
APPROVAL_STEPS = frozenset({"approval", "conversion_approval"})


class PipelineStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    COMPLETED = "completed", _("Became a full member")
    STOPPED = "stopped", _("Development stopped")
    CANCELLED = "cancelled", _("Probationary membership cancelled")


class Pipeline(models.Model):
    person = models.ForeignKey(
        "members.Person",
        on_delete=models.PROTECT,
        related_name="development_pipelines",
        verbose_name=_("person"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PipelineStatus.choices,
        default=PipelineStatus.ACTIVE,
        db_index=True,
    )
    special_approval = models.BooleanField(
        _("special case (approval within six months)"), default=False
    )
    extension_months = models.PositiveSmallIntegerField(
        _("probation extension (months)"), default=0
    )
    extension_decided_on = models.DateField(_("extension decided on"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.TextField(_("reason"), blank=True)
    # Last evaluation (services.pipeline_evaluate); derived data, never edited by hand.
    policy_name = models.CharField(_("policy"), max_length=100, blank=True)
    next_step = models.CharField(_("next step"), max_length=32, blank=True)
    next_earliest = models.DateField(_("earliest allowed date"), null=True, blank=True)
    next_latest = models.DateField(_("latest allowed date"), null=True, blank=True, db_index=True)
    overdue_count = models.PositiveSmallIntegerField(_("overdue items"), default=0)
    violations = models.JSONField(_("rule violations"), default=list, blank=True)
    evaluated_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_path_lookup = "person__branch__path"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("development pipeline")
        verbose_name_plural = _("development pipelines")
        indexes = [models.Index(fields=["status", "overdue_count"])]
        constraints = [
            # MariaDB has no partial indexes: there the service's check is the guard.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="active"),
                name="pipeline_one_active_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_status_display()})"

    @classmethod
    def personal_scope(cls, user, action: str) -> Q:
        """An applicant sees their own pipeline (where they stand, what comes next)."""
        if action == "development.view":
            return Q(person__user_id=user.pk)
        return Q(pk__in=[])

    @property
    def is_active(self) -> bool:
        return self.status == PipelineStatus.ACTIVE


class StepRecord(models.Model):
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.CASCADE, related_name="steps", verbose_name=_("pipeline")
    )
    step = models.CharField(_("step"), max_length=32, choices=STEP_CHOICES)
    on = models.DateField(_("date"))
    end_on = models.DateField(_("end date"), null=True, blank=True)  # concentrated training
    hours = models.DecimalField(
        _("class hours"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    responsible = models.CharField(_("responsible person or body"), max_length=100, blank=True)
    approving_org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approving organization"),
    )
    people = models.ManyToManyField(
        "members.Person", blank=True, related_name="+", verbose_name=_("people")
    )  # cultivation contacts or introducers
    documents = models.ManyToManyField(
        "attachments.Attachment", blank=True, related_name="+", verbose_name=_("documents")
    )
    note = models.TextField(_("note"), blank=True)
    exception_rules = models.JSONField(_("rules set aside"), default=list, blank=True)
    justification = models.TextField(_("justification for the exception"), blank=True)
    policy_name = models.CharField(_("policy"), max_length=100)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    objects = ScopedManager()
    scope_path_lookup = "pipeline__person__branch__path"

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("development step")
        verbose_name_plural = _("development steps")
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "step"],
                condition=~Q(step__in=sorted(REPEATED_STEPS)),
                name="step_once_per_pipeline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.on}"

    @property
    def is_exception(self) -> bool:
        return bool(self.exception_rules)


class Vote(models.Model):
    """The vote of a branch general meeting on one candidate (steps 15 and 23)."""

    record = models.OneToOneField(
        StepRecord, on_delete=models.CASCADE, related_name="vote", verbose_name=_("step")
    )
    entitled = models.PositiveSmallIntegerField(_("full members entitled to vote"))
    present = models.PositiveSmallIntegerField(_("voting members present"))
    yes = models.PositiveSmallIntegerField(_("yes"))
    no = models.PositiveSmallIntegerField(_("no"))
    abstain = models.PositiveSmallIntegerField(_("abstain"))
    written_yes = models.PositiveSmallIntegerField(_("written yes of absent members"), default=0)
    written_no = models.PositiveSmallIntegerField(_("written no of absent members"), default=0)
    passed = models.BooleanField(_("passed"))
    result = models.CharField(_("result"), max_length=200)
    # The branch general meeting the vote was taken at: entitled and present then come from its
    # computed attendance (orglife), not from typed numbers.
    meeting = models.ForeignKey(
        "orglife.Activity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("meeting"),
    )

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")

    def __str__(self) -> str:
        return self.result


class PolicySetting(models.Model):
    """The development policy an organization's subtree works under (nearest ancestor wins).

    `data` is what `rules.development.policy_from_dict` takes: a shipped base policy, a new
    name and the overridden parameters.
    """

    org = models.OneToOneField(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="development_policy",
        verbose_name=_("organization"),
    )
    data = models.JSONField(_("policy parameters"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_path_lookup = "org__path"

    class Meta:
        verbose_name = _("development policy setting")
        verbose_name_plural = _("development policy settings")

    def __str__(self) -> str:
        return self.data.get("name", "")


class AdmissionPlan(models.Model):
    """How many new members an organization plans to admit in a year (发展计划)."""

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="admission_plans",
        verbose_name=_("organization"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.PositiveIntegerField(_("planned admissions"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_path_lookup = "org__path"

    class Meta:
        ordering = ["-year", "org_id"]
        verbose_name = _("admission plan")
        verbose_name_plural = _("admission plans")
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="admission_plan_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.year}: {self.target}"


class ReminderSent(models.Model):
    """One reminder already sent (the daily task tells people once per deadline)."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)  # "<step>:<rule or 'due'>"
    due_on = models.DateField()
    kind = models.CharField(max_length=10)  # "upcoming" or "overdue"
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "key", "due_on", "kind"], name="reminder_sent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.due_on}"
