from datetime import date, timedelta

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.scope import ScopedManager

PATH_STEP = 6  # characters per tree level: the node's id in zero-padded base 36
TERM_WARNING_DAYS = 90


def path_step(pk: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while pk:
        pk, rest = divmod(pk, 36)
        out = digits[rest] + out
    return out.rjust(PATH_STEP, "0")


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Party committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")
    JOINT_BRANCH = "joint_branch", _("Joint branch")
    PARTY_GROUP = "party_group", _("Party group")


class Organization(models.Model):
    """A party organization in the tree 党委 → 党总支 → 党支部 → 党小组.

    `path` is the materialized path: the concatenated `path_step` of every ancestor and the
    node itself, so a subtree is `path__startswith=node.path`. Services keep it right on move;
    structural rules live in dangjian.rules.orgs.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(pgettext_lazy("organization", "name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    unit = models.CharField(_("work unit"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent organization"),
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=1, editable=False)
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    term_start = models.DateField(_("current term start"), null=True, blank=True)
    term_end = models.DateField(_("current term end"), null=True, blank=True)
    is_active = models.BooleanField(pgettext_lazy("organization", "active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_path_lookup = "path"

    class Meta:
        ordering = ["path"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gte=models.F("term_start")),
                name="org_term_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("orgs:detail", kwargs={"pk": self.pk})

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def subtree(self):
        return Organization.objects.filter(path__startswith=self.path)

    def ancestor_paths(self) -> list[str]:
        return [self.path[:i] for i in range(PATH_STEP, len(self.path) + 1, PATH_STEP)]

    def term_status(self, today: date | None = None) -> str:
        """'ended', 'ending' (within 90 days) or '' — drives the 换届 reminder."""
        if not self.term_end:
            return ""
        today = today or timezone.localdate()
        if self.term_end < today:
            return "ended"
        if self.term_end <= today + timedelta(days=TERM_WARNING_DAYS):
            return "ending"
        return ""


class CommitteePost(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY = "deputy", _("Deputy secretary")
    ORGANIZATION = "organization", _("Organization member")
    PROPAGANDA = "propaganda", _("Propaganda member")
    DISCIPLINE = "discipline", _("Discipline member")
    MEMBER = "member", _("Committee member")


class CommitteeMember(models.Model):
    """A person holding a post on an organization's committee for a term."""

    org = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="committee",
        verbose_name=_("organization"),
    )
    post = models.CharField(_("post"), max_length=20, choices=CommitteePost.choices)
    name = models.CharField(_("name"), max_length=50)
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="committee_posts",
        verbose_name=_("account"),
    )
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"), null=True, blank=True)

    objects = ScopedManager()
    scope_path_lookup = "org__path"

    class Meta:
        ordering = ["org", "post", "term_start"]
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=models.F("term_start")),
                name="committee_term_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_post_display()} {self.name}"

    def is_current(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.term_start <= today and (self.term_end is None or self.term_end >= today)
