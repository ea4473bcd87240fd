"""组织生活 (organizational life, 三会一课 and more): DOMAIN.md §3.

An `Activity` is one meeting, lecture or theme day held by a branch (or a party group, general
branch or committee). Its facts come from evidence: every expected attendee has an
`Attendance` row, signed in by a rotating QR code, an online link or — marked as manual, with a
reason — by the recorder; the counts, the rate and the quorum on the activity are computed from
those rows by the services and never typed. Minutes are versioned (`MinutesVersion`): once the
host signs a version it is locked and a change makes a new version with its reason.

Democratic appraisal keeps its ballot secret by construction: `BallotCast` records only *that*
a member voted (one per member), `BallotTally` only how many ballots gave each person each
rating. No row links a voter to a rating, so nobody — administrators included — can see who
voted what.

`ComplianceCell` is derived data: one row per branch and month, quarter or year with the worst
outcome of the requirements judged in it (`dangjian.rules.orglife`), refreshed when the
branch's activities change and every night, so a committee's heat-map is one aggregate query.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.scope import ScopedManager
from dangjian.rules import orglife as rules

PERIOD_CHOICES = [
    ("month", _("per month")),
    ("quarter", _("per quarter")),
    ("year", _("per year")),
]
QUORUM_CHOICES = [
    ("none", _("no quorum")),
    ("full_members", _("more than half of the full members")),
    ("committee", _("more than half of the committee")),
]
AUDIENCE_CHOICES = [
    ("branch", _("the branch's members")),
    ("committee", _("the branch committee")),
    ("group", _("the party group's members")),
]


class ActivityType(models.Model):
    """A kind of activity. Built-in types (`org` empty, `code` a `rules.orglife.TYPES` key) take
    their frequency from the policy in force; a committee's custom types carry their own."""

    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activity_types",
        verbose_name=_("defined by"),
    )
    period = models.CharField(
        _("required frequency"), max_length=10, choices=PERIOD_CHOICES, blank=True
    )
    times = models.PositiveSmallIntegerField(_("times per period"), default=1)
    quorum = models.CharField(_("quorum"), max_length=20, choices=QUORUM_CHOICES, default="none")
    audience = models.CharField(
        _("expected attendees"), max_length=10, choices=AUDIENCE_CHOICES, default="branch"
    )
    order = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(pgettext_lazy("activity type", "in use"), default=True)

    objects = ScopedManager()
    scope_path_lookup = "org__path"

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="activity_type_code_per_org"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_builtin(self) -> bool:
        return self.org_id is None

    def requirement(self) -> rules.Requirement | None:
        """A custom type's own frequency as a rule (built-ins: see the policy)."""
        if self.is_builtin or not self.period:
            return None
        return rules.Requirement(
            activity=self.code, period=self.period, times=self.times, quorum=self.quorum,
            label=self.name, local=True,
        )  # fmt: skip


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("activity status", "Planned")
    PUBLISHED = "published", pgettext_lazy("activity status", "Published")
    HELD = "held", pgettext_lazy("activity status", "Held")
    CANCELLED = "cancelled", pgettext_lazy("activity status", "Cancelled")


class Activity(models.Model):
    """One activity of organizational life: planned, published to its attendees, held, minuted."""

    org = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("held by"),
    )
    type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    topic = models.CharField(_("topic"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online meeting link"), max_length=500, blank=True)
    host = models.ForeignKey(
        "members.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("host"),
    )
    recorder = models.ForeignKey(
        "members.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorder"),
    )
    agenda = models.TextField(_("agenda"), blank=True)
    materials = models.ManyToManyField(
        "attachments.Attachment", blank=True, related_name="+", verbose_name=_("materials")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices,
        default=ActivityStatus.PLANNED, db_index=True,
    )  # fmt: skip
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # Computed from the attendance rows by services.attendance_refresh — never typed.
    expected_count = models.PositiveIntegerField(_("expected"), default=0)
    present_count = models.PositiveIntegerField(_("present"), default=0)
    leave_count = models.PositiveIntegerField(_("on leave"), default=0)
    entitled_count = models.PositiveIntegerField(_("entitled to vote"), default=0)
    voters_present = models.PositiveIntegerField(_("voters present"), default=0)
    quorum_met = models.BooleanField(_("quorum met"), null=True, blank=True)
    # Minutes: due date fixed when the activity is held; signed date copied from the version.
    minutes_due_on = models.DateField(_("minutes due"), null=True, blank=True)
    minutes_signed_on = models.DateField(_("minutes signed on"), null=True, blank=True)
    # Secret for the rotating sign-in QR code (services.signin_token).
    signin_secret = models.CharField(max_length=64, editable=False)
    # Democratic appraisal: the ballot box is open between these.
    ballot_opened_at = models.DateTimeField(_("ballot opened"), null=True, blank=True)
    ballot_closed_at = models.DateTimeField(_("ballot closed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_path_lookup = "org__path"

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["org", "held_on"]),
            models.Index(fields=["status", "held_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="activity_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} · {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("orglife:detail", kwargs={"pk": self.pk})

    @classmethod
    def personal_scope(cls, user, action: str) -> Q:
        """Attendees see the activities they are invited to (the notice, sign-in, minutes)."""
        if action == "orglife.view":
            invited = Attendance.objects.filter(person__user_id=user.pk).values("activity_id")
            return Q(pk__in=invited) & ~Q(status=ActivityStatus.PLANNED)
        return Q(pk__in=[])

    @property
    def attendance_rate(self) -> float | None:
        return rules.attendance_rate(expected=self.expected_count, present=self.present_count)

    @property
    def is_appraisal(self) -> bool:
        return self.type.code == "appraisal"


class Reply(models.TextChoices):
    PENDING = "pending", _("No reply yet")
    ATTENDING = "attending", _("Will attend")
    LEAVE_REQUESTED = "leave_requested", _("Asked for leave")
    LEAVE_APPROVED = "leave_approved", _("Leave approved")
    LEAVE_REFUSED = "leave_refused", _("Leave refused")


class SigninMethod(models.TextChoices):
    QR = "qr", _("QR code")
    ONLINE = "online", _("Online link")
    MANUAL = "manual", _("Added by the recorder")


class Attendance(models.Model):
    """One expected attendee of an activity: their reply, leave, and sign-in evidence."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("activity")
    )
    person = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    # Snapshot when invited: full members are entitled to vote (probationary members are not).
    entitled = models.BooleanField(_("entitled to vote"), default=False)
    reply = models.CharField(
        _("reply"), max_length=16, choices=Reply.choices, default=Reply.PENDING
    )
    leave_reason = models.TextField(_("reason for leave"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    leave_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    method = models.CharField(_("sign-in method"), max_length=10, choices=SigninMethod.choices,
                              blank=True)  # fmt: skip
    manual_reason = models.TextField(_("reason for a manual sign-in"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    late = models.BooleanField(_("arrived late"), default=False)
    left_early = models.BooleanField(_("left early"), default=False)

    objects = ScopedManager()
    scope_path_lookup = "activity__org__path"

    class Meta:
        ordering = ["activity", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.person_id}"

    @property
    def present(self) -> bool:
        return self.signed_in_at is not None


class MinutesVersion(models.Model):
    """One version of an activity's minutes. Signed versions are never changed."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="minutes", verbose_name=_("activity")
    )
    number = models.PositiveSmallIntegerField(_("version"))
    body = models.TextField(_("minutes"), help_text=_("Sanitised HTML."))
    resolutions = models.TextField(_("resolutions"), blank=True)
    change_reason = models.TextField(_("reason for the change"), blank=True)
    files = models.ManyToManyField(
        "attachments.Attachment", blank=True, related_name="+", verbose_name=_("photos and files")
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"), auto_now=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    objects = ScopedManager()
    scope_path_lookup = "activity__org__path"

    class Meta:
        ordering = ["activity", "-number"]
        verbose_name = _("minutes version")
        verbose_name_plural = _("minutes versions")
        constraints = [
            models.UniqueConstraint(fields=["activity", "number"], name="minutes_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} v{self.number}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class FollowUp(models.Model):
    """A decision of the meeting that someone must carry out by a date."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("activity")
    )
    title = models.CharField(_("decision"), max_length=200)
    owner = models.ForeignKey(
        "members.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_note = models.TextField(_("how it was done"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_path_lookup = "activity__org__path"

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up item")
        verbose_name_plural = _("follow-up items")

    def __str__(self) -> str:
        return self.title


class MeetingVote(models.Model):
    """A vote taken in a meeting. Entitled and present come from the meeting's attendance at
    the moment of the vote (computed, never typed); only the yes / no / abstain are counted."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="votes", verbose_name=_("activity")
    )
    subject = models.CharField(_("subject"), max_length=200)
    person = models.ForeignKey(
        "members.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about"),
    )
    entitled = models.PositiveIntegerField(_("entitled to vote"))
    present = models.PositiveIntegerField(_("entitled and present"))
    yes = models.PositiveIntegerField(_("yes"))
    no = models.PositiveIntegerField(_("no"))
    abstain = models.PositiveIntegerField(_("abstain"))
    passed = models.BooleanField(_("passed"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()
    scope_path_lookup = "activity__org__path"

    class Meta:
        ordering = ["activity", "id"]
        verbose_name = _("meeting vote")
        verbose_name_plural = _("meeting votes")

    def __str__(self) -> str:
        return self.subject


class Rating(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


class SelfAssessment(models.Model):
    """A member's self-assessment for a democratic appraisal."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="self_assessments"
    )
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("self-assessment"))
    submitted_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_path_lookup = "activity__org__path"

    class Meta:
        ordering = ["activity", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="self_assessment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.person_id}"


class BallotCast(models.Model):
    """That `voter` has cast their ballot — and nothing about what it said. The day only, not
    the time, so the moment of voting cannot be matched against anything."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="ballots_cast")
    voter = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    cast_on = models.DateField()

    objects = ScopedManager()
    scope_path_lookup = "activity__org__path"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "voter"], name="ballot_cast_once"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.voter_id}"


class BallotTally(models.Model):
    """How many ballots rated `subject` as `rating`: counters only, no ballots."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="tallies")
    subject = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=12, choices=Rating.choices)
    count = models.PositiveIntegerField(default=0)

    objects = ScopedManager()
    scope_path_lookup = "activity__org__path"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "subject", "rating"], name="ballot_tally_cell_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.subject_id} {self.rating}={self.count}"


class AppraisalResult(models.Model):
    """The branch's decision on one member after the ballot."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="results")
    person = models.ForeignKey("members.Person", on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_path_lookup = "activity__org__path"

    class Meta:
        ordering = ["activity", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="appraisal_result_once"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.person_id} {self.rating}"


class PolicySetting(models.Model):
    """The organizational-life policy an organization's subtree works under (nearest ancestor
    wins); `data` is what `rules.orglife.policy_from_dict` takes."""

    org = models.OneToOneField(
        "orgs.Organization",
        on_delete=models.CASCADE,
        related_name="orglife_policy",
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
        verbose_name = _("organizational-life policy")
        verbose_name_plural = _("organizational-life policies")

    def __str__(self) -> str:
        return f"{self.org}: {self.data.get('name', '')}"


class ComplianceCell(models.Model):
    """Derived: one branch's compliance for one month, quarter or year (see module docstring)."""

    branch = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("branch")
    )
    period = models.CharField(max_length=10, choices=PERIOD_CHOICES)
    start = models.DateField()
    severity = models.PositiveSmallIntegerField(default=rules.NONE)
    outcomes = models.JSONField(default=list)
    expected = models.PositiveIntegerField(default=0)
    present = models.PositiveIntegerField(default=0)
    policy_name = models.CharField(max_length=100, blank=True)
    computed_on = models.DateField()

    objects = ScopedManager()
    scope_path_lookup = "branch__path"

    class Meta:
        indexes = [models.Index(fields=["period", "start", "severity"])]
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "period", "start"], name="compliance_cell_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.period} {self.start}: {self.severity}"

    @property
    def status(self) -> str:
        return rules.SEVERITY_CODES[self.severity]


class ReminderSent(models.Model):
    """One compliance warning already sent (the daily task warns once per outcome)."""

    branch = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)  # "<activity>:<period start>:<state>" or "term:<end>"
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["branch", "key"], name="orglife_reminder_once"),
        ]

    def __str__(self) -> str:
        return self.key
