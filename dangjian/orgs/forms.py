"""Forms parse input only; every rule lives in the services, whose errors land on the fields."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.forms import StyledForm, apply_service_errors  # noqa: F401 - used by views
from dangjian.orgs.models import CommitteeMember, CommitteePost, Organization
from dangjian.orgs.selectors import allowed_child_kinds

ORG_FORM_FIELDS = ("code", "name", "short_name", "kind", "unit", "founded_on", "term_start",
                   "term_end")  # fmt: skip


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _model_field(model, name: str, **kwargs):
    if model._meta.get_field(name).get_internal_type() == "DateField":
        kwargs.setdefault("widget", _date_input())
    return model._meta.get_field(name).formfield(**kwargs)


class OrgForm(StyledForm):
    """Create or edit an organization. `parent_kind` limits the kinds on offer to what the
    structural rules allow under that parent."""

    code = _model_field(Organization, "code")
    name = _model_field(Organization, "name")
    short_name = _model_field(Organization, "short_name")
    kind = forms.ChoiceField(label=_("kind"))
    unit = _model_field(Organization, "unit")
    founded_on = _model_field(Organization, "founded_on")
    term_start = _model_field(Organization, "term_start")
    term_end = _model_field(Organization, "term_end")

    def __init__(self, *args, parent_kind: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = allowed_child_kinds(parent_kind)
        self.fields["code"].help_text = _(
            "Unique code, e.g. the organization code in 全国党员管理信息系统."
        )
        self.fields["term_end"].help_text = _("Drives the re-election (换届) reminder.")

    @classmethod
    def initial_for(cls, org: Organization) -> dict:
        return {name: getattr(org, name) for name in ORG_FORM_FIELDS}


class MoveForm(StyledForm):
    new_parent = forms.ModelChoiceField(
        label=_("New parent organization"), queryset=Organization.objects.none()
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["new_parent"]
        field.queryset = targets
        field.label_from_instance = lambda org: "\u3000" * (org.depth - 1) + org.name
        field.empty_label = _("— choose —")


class CommitteeMemberForm(StyledForm):
    post = forms.ChoiceField(label=_("post"), choices=CommitteePost.choices)
    name = _model_field(CommitteeMember, "name")
    term_start = _model_field(CommitteeMember, "term_start")
    term_end = _model_field(CommitteeMember, "term_end")

    @classmethod
    def initial_for(cls, member: CommitteeMember) -> dict:
        return {name: getattr(member, name) for name in ("post", "name", "term_start", "term_end")}


class EndTermForm(StyledForm):
    term_end = forms.DateField(label=_("Term ends on"), widget=_date_input())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"term_end": timezone.localdate()})
        super().__init__(*args, **kwargs)
