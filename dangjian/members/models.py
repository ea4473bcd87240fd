"""The member record (党员档案) and what hangs off it.

A `Person` is anyone the party organizations keep a record of: employees who may apply,
applicants, activists, candidates, probationary and full members, and those who have left
(their records stay, marked by an exit stage). Personal data (ID number, phone, address) is
encrypted at rest with a keyed hash beside it for exact lookups (core.crypto).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.crypto import EncryptedTextField
from dangjian.core.scope import ScopedManager
from dangjian.members.choices import (
    ETHNICITY_CHOICES,
    EXIT_STAGES,
    Education,
    ImportStatus,
    PersonnelCategory,
    RequestStatus,
    RewardKind,
    Sex,
    Stage,
    Standing,
    VerificationStatus,
)


class Person(models.Model):
    """One person's record; belongs to exactly one branch (their formal membership)."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    # Search keys kept in step with `name` by the services: "zhangsan" and "zs".
    name_pinyin = models.CharField(max_length=200, editable=False)
    name_initials = models.CharField(max_length=50, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(
        _("ethnicity"), max_length=2, choices=ETHNICITY_CHOICES, default="01"
    )
    birth_date = models.DateField(_("date of birth"))
    id_number = EncryptedTextField(_("ID number"))
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    phone = EncryptedTextField(_("mobile phone"), blank=True)
    phone_hash = models.CharField(max_length=64, db_index=True, blank=True, editable=False)
    address = EncryptedTextField(_("home address"), blank=True)
    native_place = models.CharField(_("native place"), max_length=50, blank=True)
    photo = models.ForeignKey(
        "attachments.Attachment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("photo"),
    )
    education = models.CharField(
        _("education"), max_length=24, choices=Education.choices, blank=True
    )
    personnel_category = models.CharField(
        _("personnel category"), max_length=16, choices=PersonnelCategory.choices, blank=True
    )
    work_unit = models.CharField(_("work unit"), max_length=100, blank=True)
    job = models.CharField(_("job or post"), max_length=50, blank=True)
    title = models.CharField(_("professional title"), max_length=50, blank=True)

    branch = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("branch"),
    )
    party_group = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_people",
        verbose_name=_("party group"),
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.EMPLOYEE, db_index=True
    )
    application_date = models.DateField(_("application date"), null=True, blank=True)
    join_date = models.DateField(_("date joined the party"), null=True, blank=True)
    full_member_date = models.DateField(_("date became a full member"), null=True, blank=True)
    probation_extension_months = models.PositiveSmallIntegerField(
        _("probation extension (months)"), default=0
    )
    introducers = models.CharField(_("introducers"), max_length=100, blank=True)
    standing = models.CharField(
        _("standing"), max_length=10, choices=Standing.choices, default=Standing.NORMAL
    )
    lost_contact_since = models.DateField(_("lost contact since"), null=True, blank=True)
    mobile_destination = models.CharField(
        _("mobile member destination"), max_length=100, blank=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("account"),
    )
    verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        db_index=True,
        help_text=_("False once the person has an exit stage."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_path_lookup = "branch__path"

    class Meta:
        ordering = ["branch_id", "name_pinyin", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            models.Index(fields=["branch", "stage"]),
            # Member search (selectors.person_search). Prefix ranges on the pinyin keys are
            # answered from these indexes alone: the status and scope columns are in them, so
            # counting 12 000 matches never reads the table (bench/results.md).
            models.Index(
                fields=["name_pinyin", "is_active", "branch", "user"], name="person_pinyin_search"
            ),
            models.Index(
                fields=["name_initials", "is_active", "branch", "user"],
                name="person_initials_search",
            ),
            # Chinese names: prefix ranges, and the substring fallback scans only this index
            # (index-only on PostgreSQL; on SQLite every index carries the rowid anyway).
            models.Index(fields=["name", "id"], name="person_name_search"),
        ]
        constraints = [
            # MariaDB has no partial indexes: there the services' check is the guard.
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=Q(is_active=True),
                name="person_unique_active_id_number",
            ),
            models.CheckConstraint(
                condition=Q(full_member_date__isnull=True) | Q(join_date__isnull=False),
                name="person_full_member_after_joining",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def personal_scope(cls, user, action: str) -> Q:
        """A person always sees their own record (ARCHITECTURE.md §3)."""
        if action == "members.view":
            return Q(user_id=user.pk)
        return Q(pk__in=[])

    @property
    def is_member(self) -> bool:
        return self.stage in (Stage.PROBATIONARY, Stage.FULL)

    @property
    def has_exited(self) -> bool:
        return self.stage in EXIT_STAGES

    @property
    def lost_contact(self) -> bool:
        return self.lost_contact_since is not None

    @property
    def is_mobile(self) -> bool:
        return bool(self.mobile_destination)


class PersonOwned(models.Model):
    """Base of the record sets: scoped through the person's branch."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    objects = ScopedManager()
    scope_path_lookup = "person__branch__path"

    class Meta:
        abstract = True


class StageChange(PersonOwned):
    """Dated history of the lifecycle stage (and of standing changes)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="stage_changes", verbose_name=_("person")
    )
    from_stage = models.CharField(_("from"), max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=16, choices=Stage.choices)
    on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "on", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.person} {self.from_stage}→{self.to_stage} {self.on}"


class PostHeld(PersonOwned):
    """A post the person held (任职情况)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="posts", verbose_name=_("person")
    )
    organization = models.CharField(_("organization or unit"), max_length=100)
    post = models.CharField(_("post"), max_length=50)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)

    class Meta:
        ordering = ["person", "-start"]
        verbose_name = _("post held")
        verbose_name_plural = _("posts held")

    def __str__(self) -> str:
        return f"{self.organization} {self.post}"


class RewardPunishment(PersonOwned):
    """A reward or a punishment (奖惩情况)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="rewards", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RewardKind.choices)
    name = models.CharField(_("name"), max_length=100)
    on = models.DateField(_("date"))
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["person", "-on"]
        verbose_name = _("reward or punishment")
        verbose_name_plural = _("rewards and punishments")

    def __str__(self) -> str:
        return self.name


class Training(PersonOwned):
    """A training attended (培训情况)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="trainings", verbose_name=_("person")
    )
    name = models.CharField(_("name"), max_length=100)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)
    hours = models.DecimalField(
        _("class hours"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    organizer = models.CharField(_("organizer"), max_length=100, blank=True)

    class Meta:
        ordering = ["person", "-start"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")

    def __str__(self) -> str:
        return self.name


class FamilyMember(PersonOwned):
    """A family member (家庭成员)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="family", verbose_name=_("person")
    )
    relation = models.CharField(_("relation"), max_length=20)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    political_status = models.CharField(_("political status"), max_length=20, blank=True)
    work_unit = models.CharField(_("work unit and post"), max_length=100, blank=True)

    class Meta:
        ordering = ["person", "id"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")

    def __str__(self) -> str:
        return f"{self.relation} {self.name}"


class Hardship(PersonOwned):
    """A hardship the organization should know about (困难情况)."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="hardships", verbose_name=_("person")
    )
    kind = models.CharField(_("kind"), max_length=50)
    description = models.CharField(_("description"), max_length=500)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["person", "-since"]
        verbose_name = _("hardship")
        verbose_name_plural = _("hardships")

    def __str__(self) -> str:
        return self.kind


class CorrectionRequest(PersonOwned):
    """A person's request to correct their own record, reviewed by the branch.

    `changes` is {field: [old, new]}; values of sensitive fields are kept encrypted in
    `sensitive_changes` (same shape, JSON then encrypted) so the request table leaks nothing.
    """

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="correction_requests",
        verbose_name=_("person"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    changes = models.JSONField(_("changes"), default=dict)
    sensitive_changes = EncryptedTextField(blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    campaign = models.ForeignKey(
        "members.VerificationCampaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="corrections",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RequestStatus.choices,
        default=RequestStatus.PENDING,
        db_index=True,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.CharField(_("review reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")

    def __str__(self) -> str:
        return f"{self.person} #{self.pk}"


class VerificationCampaign(models.Model):
    """信息核对: a committee asks everyone in its subtree to confirm or correct their record."""

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="verification_campaigns",
        verbose_name=_("organization"),
    )
    title = models.CharField(_("title"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_path_lookup = "org__path"

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("verification campaign")
        verbose_name_plural = _("verification campaigns")

    def __str__(self) -> str:
        return self.title


class VerificationResponse(PersonOwned):
    """One person's answer in a campaign (created for everyone when the campaign starts)."""

    person = models.ForeignKey(
        Person,
        on_delete=models.CASCADE,
        related_name="verification_responses",
        verbose_name=_("person"),
    )
    campaign = models.ForeignKey(
        VerificationCampaign, on_delete=models.CASCADE, related_name="responses"
    )
    branch = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The person's branch when the campaign started.",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=VerificationStatus.choices,
        default=VerificationStatus.PENDING,
        db_index=True,
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verification response")
        verbose_name_plural = _("verification responses")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="one_response_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.person}"


class ImportJob(models.Model):
    """A spreadsheet import, run as a background task with progress and a row-by-row report."""

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )
    source = models.ForeignKey(
        "attachments.Attachment", on_delete=models.PROTECT, related_name="+", verbose_name=_("file")
    )
    strict = models.BooleanField(_("strict mode (all or nothing)"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="[{row, column, value, reason}] — the report."
    )
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()
    scope_path_lookup = "org__path"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")

    def __str__(self) -> str:
        return f"import #{self.pk}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
